from django.apps import AppConfig

from core.tenancy import auditor_reach_register


class AuditsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "audits"

    def ready(self) -> None:
        # Apps below this one scope locations and checklists for auditors by their assignments.
        from .selectors import auditor_checklists_q, auditor_locations_q  # noqa: PLC0415 - models load in ready()

        auditor_reach_register("accounts.Location", auditor_locations_q)
        auditor_reach_register("checklists.Checklist", auditor_checklists_q)
