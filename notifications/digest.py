"""The weekly digest: Monday 08:00 in each person's time zone, one per person and week.

A person's zone is their locations' (staff), else their organization's ``timezone`` setting
(``accounts.selectors.person_timezone``). Once Monday 08:00 of their current ISO week has passed
there, the digest of the week just ended is due; ``digests_send_due`` (a periodic task) sends every
digest that is due and not sent yet. The notification's key ``weekly_digest:<ISO week>`` is unique
per person, so running it twice, or on two workers at once, sends one digest.

The figures are the reports' own (``reports.selectors``), read as the person: their scope's average
score and pass rate against the week before (``trend``), the three weakest items
(``item_performance``), the lowest-scoring locations of the week (``location_ranking``), plus the open
disputes they see (``disputes.selectors``) and the overdue corrective actions (``actions.selectors``). Weeks are the reports' weeks: visits count by their
local date, Monday to Sunday.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.notification_kinds import NotificationKind, kinds_for_role
from accounts.selectors import people_with_timezones, person_timezone
from actions.models import Action
from actions.selectors import actions_visible_to
from core.roles import Role
from disputes.models import DisputeStatus
from disputes.selectors import disputes_visible_to
from reports.selectors import (
    ItemPerformanceRow,
    Language,
    RankingRow,
    ReportFilters,
    item_performance,
    location_ranking,
    trend,
)

from . import content
from .models import Notification
from .services import notify

logger = logging.getLogger(__name__)

#: The local hour on Monday when the digest of the week before goes out.
DIGEST_HOUR = 8
DIGEST_BATCH = 200  # digests built per run at most; the next run (15 minutes later) goes on
WEAKEST_ITEMS = 3
LOWEST_LOCATIONS = 5
OPEN_DISPUTES_LISTED = 5
OVERDUE_ACTIONS_LISTED = 5
DIGEST_ROLES = tuple(role for role in Role.values if NotificationKind.WEEKLY_DIGEST in kinds_for_role(role))
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


@dataclass(frozen=True, order=True)
class IsoWeek:
    year: int
    week: int

    @classmethod
    def of(cls, day: dt.date) -> IsoWeek:
        calendar = day.isocalendar()
        return cls(calendar.year, calendar.week)

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        """``2026-W48`` (ISO 8601); ``ValueError`` for anything else or a week that does not exist."""
        match = _WEEK.match(text.strip())
        if match is None:
            raise ValueError(f"'{text}' is not an ISO week such as 2026-W48.")
        week = cls(int(match.group(1)), int(match.group(2)))
        try:
            week.monday  # noqa: B018 - raises for week 53 of a 52-week year, week 0, ...
        except ValueError:
            raise ValueError(f"{text} does not exist.") from None
        return week

    @property
    def monday(self) -> dt.date:
        return dt.date.fromisocalendar(self.year, self.week, 1)

    @property
    def sunday(self) -> dt.date:
        return self.monday + dt.timedelta(days=6)

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    def previous(self) -> IsoWeek:
        return IsoWeek.of(self.monday - dt.timedelta(days=7))


def digest_key(week: IsoWeek) -> str:
    return f"{NotificationKind.WEEKLY_DIGEST}:{week.label}"


def _zone(tz_name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(tz_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def due_week(now: dt.datetime, tz_name: str) -> IsoWeek | None:
    """The week whose digest is due at ``now`` for someone living in ``tz_name``: the week before the
    current one once its Monday 08:00 has passed there; None on a Monday before 08:00."""
    zone = _zone(tz_name)
    local = now.astimezone(zone)
    current = IsoWeek.of(local.date())
    send_at = dt.datetime.combine(current.monday, dt.time(DIGEST_HOUR), tzinfo=zone)
    return current.previous() if local >= send_at else None


# --- the figures ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DisputeLine:
    location: str
    visit_date: dt.date
    opened_at: dt.datetime
    link: str


@dataclass(frozen=True)
class ActionLine:
    title: str
    location: str
    due_date: dt.date
    link: str


@dataclass(frozen=True)
class Digest:
    week: IsoWeek
    visits: int
    previous_visits: int
    average_score: float | None
    previous_average_score: float | None
    pass_rate: float | None
    previous_pass_rate: float | None
    weakest_items: list[ItemPerformanceRow]
    lowest_locations: list[RankingRow]
    open_disputes: int
    disputes: list[DisputeLine]
    overdue_actions: int
    actions: list[ActionLine]

    @property
    def average_change(self) -> float | None:
        return _minus(self.average_score, self.previous_average_score)

    @property
    def pass_rate_change(self) -> float | None:
        return _minus(self.pass_rate, self.previous_pass_rate)


def _minus(a: float | None, b: float | None) -> float | None:
    """The difference of two rounded report figures, exact in decimal (as the ranking's ``change``)."""
    if a is None or b is None:
        return None
    return float(Decimal(repr(a)) - Decimal(repr(b)))


def digest_build(user: User, week: IsoWeek, *, now: dt.datetime | None = None) -> Digest:
    """The digest of ``week`` for ``user``, every figure read as ``user`` reads the reports;
    overdue actions and open disputes as they stand ``now``."""
    now = now or timezone.now()
    organization = user.organization
    language = Language(lang=organization.default_language if organization is not None else None)
    this_week = ReportFilters(date_from=week.monday, date_to=week.sunday)
    before, current = trend(
        principal=user,
        filters=ReportFilters(date_from=week.previous().monday, date_to=week.sunday),
        period="week",
    ).series
    ranking = location_ranking(principal=user, filters=this_week)
    open_disputes = (
        disputes_visible_to(user)
        .filter(status=DisputeStatus.OPEN)
        .select_related("location", "visit")
        .order_by("-opened_at", "-id")
    )
    overdue_actions = (
        actions_visible_to(user)
        .filter(Action.overdue_q(now))
        .select_related("location")
        .order_by("overdue_at", "pk")
    )
    return Digest(
        week=week,
        visits=current.visits,
        previous_visits=before.visits,
        average_score=current.average_score,
        previous_average_score=before.average_score,
        pass_rate=current.pass_rate,
        previous_pass_rate=before.pass_rate,
        weakest_items=item_performance(principal=user, filters=this_week, language=language)[:WEAKEST_ITEMS],
        lowest_locations=list(reversed(ranking[-LOWEST_LOCATIONS:])),
        open_disputes=open_disputes.count(),
        disputes=[
            DisputeLine(
                location=dispute.location.name,
                visit_date=dispute.visit.local_date,
                opened_at=dispute.opened_at,
                link=content.dispute_url(dispute.pk),
            )
            for dispute in open_disputes[:OPEN_DISPUTES_LISTED]
        ],
        overdue_actions=overdue_actions.count(),
        actions=[
            ActionLine(
                title=action.title,
                location=action.location.name,
                due_date=action.due_date,
                link=content.action_url(action.pk),
            )
            for action in overdue_actions[:OVERDUE_ACTIONS_LISTED]
        ],
    )


def digest_message(digest: Digest) -> content.Message:
    week = digest.week
    if digest.visits:
        subject = (
            f"Weekly digest {week.label}: average {content.figure(digest.average_score)} "
            f"({content.change(digest.average_change)}), pass rate {content.figure(digest.pass_rate)}%"
        )
    else:
        subject = f"Weekly digest {week.label}: no mystery visits"
    context = {
        "digest": digest,
        "week_label": week.label,
        "monday": week.monday.isoformat(),
        "sunday": week.sunday.isoformat(),
        "average": content.figure(digest.average_score),
        "previous_average": content.figure(digest.previous_average_score),
        "average_change": content.change(digest.average_change),
        "pass_rate": content.figure(digest.pass_rate),
        "previous_pass_rate": content.figure(digest.previous_pass_rate),
        "pass_rate_change": content.change(digest.pass_rate_change),
        "items": [
            {
                "prompt": row.prompt or row.item,
                "score": content.figure(row.average_item_score),
                "answers": row.answers,
            }
            for row in digest.weakest_items
        ],
        "locations": [
            {
                "name": row.location.name,
                "code": row.location.code,
                "url": content.location_url(row.location.id),
                "average": content.figure(row.average_score),
                "change": content.change(row.change),
                "pass_rate": content.figure(row.pass_rate),
                "visits": row.visits,
            }
            for row in digest.lowest_locations
        ],
        "disputes": [
            {"location": line.location, "visit_date": line.visit_date.isoformat(), "url": line.link}
            for line in digest.disputes
        ],
        "actions": [
            {
                "title": line.title,
                "location": line.location,
                "due_date": line.due_date.isoformat(),
                "url": line.link,
            }
            for line in digest.actions
        ],
    }
    return content.render_message("weekly_digest", context, subject=subject, link=content.dashboard_url())


# --- sending ------------------------------------------------------------------------------------


def digest_send(*, user: User, week: IsoWeek) -> list[int]:
    """Record the digest of ``week`` for ``user`` (if they want it and have none yet); returns the
    queued email's id (``[]`` when nothing was recorded)."""
    if user.organization_id is None or not user.wants_notification(NotificationKind.WEEKLY_DIGEST):
        return []
    key = digest_key(week)
    if Notification.objects.filter(recipient=user, key=key).exists():
        return []
    digest = digest_build(user, week)
    with transaction.atomic():
        return notify(
            organization_id=user.organization_id,
            recipients=[user],
            kind=NotificationKind.WEEKLY_DIGEST,
            key=key,
            message=lambda: digest_message(digest),
        )


def digests_send_due(*, now: dt.datetime | None = None, limit: int = DIGEST_BATCH) -> int:
    """Send every digest that is due and not sent yet (at most ``limit``); returns how many."""
    now = now or timezone.now()
    due: dict[IsoWeek, list[User]] = {}
    for person in people_with_timezones(roles=DIGEST_ROLES):
        if not person.wants_notification(NotificationKind.WEEKLY_DIGEST):
            continue
        week = due_week(now, person_timezone(person))
        if week is not None:
            due.setdefault(week, []).append(person)
    sent = 0
    for week, people in sorted(due.items()):
        done = set(
            Notification.objects.filter(key=digest_key(week), recipient__in=people).values_list(
                "recipient_id", flat=True
            )
        )
        for person in people:
            if person.pk in done:
                continue
            if sent >= limit:
                return sent
            try:
                digest_send(user=person, week=week)
            except Exception:  # one person's digest must not hold up everyone else's
                logger.exception("Weekly digest %s for user %s failed.", week.label, person.pk)
                continue
            sent += 1
    return sent
