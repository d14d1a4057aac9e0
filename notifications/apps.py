from django.apps import AppConfig

from core.events import domain_event


class NotificationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "notifications"

    def ready(self) -> None:
        # Apps below publish domain events without knowing who listens; notifications subscribe,
        # like the webhook outbox, inside the transaction of the change.
        from .services import domain_event_notify  # noqa: PLC0415 - models load only once apps are ready

        domain_event.connect(domain_event_notify, dispatch_uid="notifications.outbox")
