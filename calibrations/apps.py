from django.apps import AppConfig


class CalibrationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "calibrations"
