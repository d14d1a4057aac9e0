from typing import Any

from django.apps import AppConfig
from django.db import router, transaction
from django.db.models.signals import post_save, pre_save

from core.tenancy import auditor_reach_register


class AuditsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "audits"

    def ready(self) -> None:
        # Apps below this one scope locations and checklists for auditors by their assignments.
        from .selectors import auditor_checklists_q, auditor_locations_q  # noqa: PLC0415 - models load in ready()

        auditor_reach_register("accounts.Location", auditor_locations_q)
        auditor_reach_register("checklists.Checklist", auditor_checklists_q)
        # Region rollup rows follow a location moved to another region, whoever saves it.
        pre_save.connect(
            _location_region_before, sender="accounts.Location", dispatch_uid="rollups_region_before"
        )
        post_save.connect(
            _location_region_after, sender="accounts.Location", dispatch_uid="rollups_region_after"
        )


def _location_region_before(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    """Remember the region the location is saved from, its row locked inside a transaction (two
    concurrent moves of one location then run one after the other, each from the region it finds)."""
    instance._rollups_region_before = None
    if raw or instance.pk is None:
        return
    using = kwargs.get("using") or router.db_for_write(sender)
    rows = sender._default_manager.using(using).filter(pk=instance.pk)
    if transaction.get_connection(using).in_atomic_block:
        rows = rows.select_for_update(no_key=True)
    instance._rollups_region_before = rows.values_list("region_id", flat=True).first()


def _location_region_after(
    sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    before = getattr(instance, "_rollups_region_before", None)
    if raw or created or before is None or before == instance.region_id:
        return
    from .rollups import rollups_move_location  # noqa: PLC0415 - models load in ready()

    rollups_move_location(
        location_id=instance.pk,
        old_region_id=before,
        new_region_id=instance.region_id,
        using=kwargs.get("using") or router.db_for_write(sender),
    )
