"""What a person may be notified of, and what each role hears by default.

The seven kinds are the names of the settings on ``/api/v1/me/`` (``notifications``) and the
``kind`` of every inbox entry. Who hears what follows the contract: managers (their regions) and
admins hear of mystery visits submitted with a critical failure or below the pass threshold and of
new disputes; a location's staff hear of its new and overdue corrective actions and of dispute
decisions; everyone who reads reports gets the weekly digest. Auditors hear nothing (their work is
the subject of these messages). A kind a role hears is on until the person switches it off; a kind
it never hears is always off.

A person's own choices are stored on ``User.notification_settings`` as ``{kind: bool}``, only for
the kinds they changed, so a later change of role or of the defaults applies to everything else.
"""

from collections.abc import Mapping

from django.db import models

from core.roles import Role


class NotificationKind(models.TextChoices):
    CRITICAL_FAILURE = "critical_failure", "A mystery visit with a critical failure"
    LOW_SCORE = "low_score", "A mystery visit below its pass threshold"
    DISPUTE_OPENED = "dispute_opened", "A new dispute"
    DISPUTE_DECIDED = "dispute_decided", "A dispute decided"
    ACTION_ASSIGNED = "action_assigned", "A new corrective action for your location"
    ACTION_OVERDUE = "action_overdue", "A corrective action of your location is overdue"
    WEEKLY_DIGEST = "weekly_digest", "The weekly digest"


_OVERSEERS = frozenset(
    {
        NotificationKind.CRITICAL_FAILURE,
        NotificationKind.LOW_SCORE,
        NotificationKind.DISPUTE_OPENED,
        NotificationKind.WEEKLY_DIGEST,
    }
)
_STAFF = frozenset(
    {
        NotificationKind.ACTION_ASSIGNED,
        NotificationKind.ACTION_OVERDUE,
        NotificationKind.DISPUTE_DECIDED,
        NotificationKind.WEEKLY_DIGEST,
    }
)

#: The kinds each role hears (on by default); any other kind is always off for that role.
ROLE_KINDS: Mapping[str, frozenset[str]] = {
    Role.ADMIN: _OVERSEERS,
    Role.MANAGER: _OVERSEERS,
    Role.STAFF: _STAFF,
    Role.AUDITOR: frozenset(),
}


def kinds_for_role(role: str) -> frozenset[str]:
    return ROLE_KINDS.get(role, frozenset())


def effective_settings(role: str, chosen: Mapping[str, object] | None) -> dict[str, bool]:
    """Every kind with its value for a person of ``role`` who made the choices ``chosen``."""
    heard = kinds_for_role(role)
    chosen = chosen or {}
    return {kind: kind in heard and chosen.get(kind, True) is not False for kind in NotificationKind.values}


def wants(role: str, chosen: Mapping[str, object] | None, kind: str) -> bool:
    """Whether a person of ``role`` with these choices is to be told of ``kind``."""
    return kind in kinds_for_role(role) and (chosen or {}).get(kind, True) is not False
