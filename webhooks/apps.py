from django.apps import AppConfig

from core.events import domain_event


class WebhooksConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "webhooks"

    def ready(self) -> None:
        # Apps below webhooks publish domain events without importing it; the outbox subscribes.
        from .services import domain_event_record  # noqa: PLC0415 - models load only once apps are ready

        domain_event.connect(domain_event_record, dispatch_uid="webhooks.outbox")
