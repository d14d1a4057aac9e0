from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data and load generation: the one app allowed to know every other app."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "demo"
