from django.apps import AppConfig
from django.db.models.signals import post_save

from audits.signals import visit_approved, visit_rescored


class ActionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "actions"
    verbose_name = "Corrective actions"

    def ready(self) -> None:
        # Approvals and re-scores happen in apps below this one: they announce them by signal and
        # the actions follow in the same transaction. A location's time zone decides when its
        # actions fall overdue.
        from . import services  # noqa: PLC0415 - models load only once apps are ready

        visit_approved.connect(services.on_visit_approved, dispatch_uid="actions.visit_approved")
        visit_rescored.connect(services.on_visit_rescored, dispatch_uid="actions.visit_rescored")
        post_save.connect(
            services.on_location_saved, sender="accounts.Location", dispatch_uid="actions.location"
        )
