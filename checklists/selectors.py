"""Reads for checklists and their versions, already scoped to the caller.

Admins, managers, staff (who self-assess on them) and API keys see every checklist of their
organization; auditors only those that one of their assignments (not cancelled) needs. Anything
else is indistinguishable from a missing checklist.
"""

from django.db.models import QuerySet

from core.principal import Principal
from core.roles import Role
from core.tenancy import auditor_reach, get_scoped_or_404, scope_rows

from .models import Checklist, ChecklistVersion


def checklists_visible_to(principal: Principal) -> QuerySet[Checklist]:
    if principal.organization_id is None:
        return Checklist.objects.none()
    # An auditor's reach is registered by ``audits`` (``audits.selectors.auditor_checklists_q``).
    auditor = auditor_reach(Checklist, principal) if principal.role == Role.AUDITOR else None
    # Checklists belong to the organization, not to a location: managers and staff see them all.
    return scope_rows(Checklist.objects.all(), principal, location=None, auditor=auditor)


def checklist_list(*, principal: Principal, channel: str | None = None) -> QuerySet[Checklist]:
    qs = checklists_visible_to(principal)
    if channel:
        qs = qs.filter(channel=channel)
    return qs


def checklist_get(*, principal: Principal, checklist_id: object) -> Checklist:
    """The caller's checklist or a 404 (missing and not-yours look the same)."""
    return get_scoped_or_404(checklists_visible_to(principal), pk=checklist_id)


def version_list(*, checklist: Checklist) -> QuerySet[ChecklistVersion]:
    """A checklist's versions without their trees (``sections`` can be large)."""
    return ChecklistVersion.objects.filter(checklist=checklist).defer("sections")


def version_get(*, principal: Principal, checklist_id: object, number: object) -> ChecklistVersion:
    """One version of a checklist the caller may see, in one query, or a 404."""
    visible = ChecklistVersion.objects.filter(checklist__in=checklists_visible_to(principal))
    return get_scoped_or_404(visible, checklist_id=checklist_id, number=number)
