from django.apps import AppConfig

from audits.signals import visit_approved, visit_rejected, visit_rescored


class FieldworkConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "fieldwork"
    verbose_name = "Fieldwork: jobs, shoppers and pay"

    def ready(self) -> None:
        # Decisions happen in apps below this one: they announce them by signal, and payouts and
        # ratings follow in the same transaction (a missing receipt refuses the approval).
        from . import services  # noqa: PLC0415 - models load only once apps are ready

        visit_approved.connect(services.on_visit_approved, dispatch_uid="fieldwork.visit_approved")
        visit_rejected.connect(services.on_visit_decided, dispatch_uid="fieldwork.visit_rejected")
        visit_rescored.connect(services.on_visit_decided, dispatch_uid="fieldwork.visit_rescored")
