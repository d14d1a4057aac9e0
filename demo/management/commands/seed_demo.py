"""``python manage.py seed_demo``: a believable demo organization, so every report has a story.

"Demo Coffee Co." gets three regions with stores in Amsterdam, New York and Tokyo time, users of
every role, the built-in checklists, six months of weekly mystery visits made through the real
services (assignments, ``visit_submit``, reviews, photos), and fortnightly staff
self-assessments. Some stores improve over the months, others slip; staff rate themselves
systematically better than the shoppers do, which is what the perception gap shows. Each demo
auditor also gets open assignments due over the coming weeks, so a newcomer can try the auditor's
flow at once. Store staff dispute a few recent visits (upheld, partly upheld, rejected,
still open) for the disputes report. The approvals' corrective actions are walked through their life
(resolved on time or late, reopened, verified, some left open past their due date) and the manager
adds a few by hand, so the actions board is filled. Runs in a few seconds; a second run changes nothing (it only tops up open
assignments that have run out) and prints the credentials again.

Notifications: the history before the last week is back-filled quietly (``notifications_muted``);
the last week's visits and the disputes notify as they would live. The last week's visit at Utrecht
fails a critical item ("polite throughout"), and the emails it sends to the admin and the Benelux
manager are printed at once through the configured mail backend (the console in the demo).
"""

import datetime as dt
import io
import random
import uuid
from contextlib import nullcontext
from typing import Any

from django.core.mail import get_connection
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts.models import Organization, Role, User
from accounts.services import location_create, region_create, user_create
from actions.models import Action, ActionStatus
from actions.services import action_create, action_reopen, action_resolve, action_verify
from audits.models import Assignment, AssignmentStatus, Visit, VisitKind, VisitStatus
from audits.services import assignment_create, visit_review, visit_submit
from calibrations.services import calibration_create
from checklists.logic import answers_shown
from checklists.models import Checklist
from demo.fieldwork import fieldwork_seed
from disputes.services import dispute_decide, dispute_open
from notifications.delivery import email_send
from notifications.models import Notification
from notifications.services import notifications_muted
from photos.services import photo_add

ORG_NAME = "Demo Coffee Co."
PASSWORD = "Demo-Coffee-2026"
WEEKS = 26

# (region code, name, [(code, name, timezone, lat, lon, quality at the start, at the end)])
STORES = [
    (
        "BNL",
        "Benelux",
        [
            ("AMS-01", "Amsterdam Centraal", "Europe/Amsterdam", 52.3791, 4.9003, 0.62, 0.92),
            ("RTM-01", "Rotterdam Markthal", "Europe/Amsterdam", 51.9200, 4.4870, 0.85, 0.80),
            ("UTR-01", "Utrecht Neude", "Europe/Amsterdam", 52.0930, 5.1190, 0.90, 0.64),
        ],
    ),
    (
        "USE",
        "US East",
        [
            ("NYC-01", "New York Fifth Avenue", "America/New_York", 40.7580, -73.9750, 0.93, 0.66),
            ("BOS-01", "Boston Back Bay", "America/New_York", 42.3500, -71.0760, 0.70, 0.88),
        ],
    ),
    (
        "JPN",
        "Japan",
        [
            ("TYO-01", "Tokyo Shibuya", "Asia/Tokyo", 35.6595, 139.7005, 0.80, 0.95),
            ("OSA-01", "Osaka Umeda", "Asia/Tokyo", 34.7025, 135.4959, 0.75, 0.72),
        ],
    ),
]
SELF_BIAS = 0.14  # staff see their store rosier than a customer does
# Open assignments waiting for each demo auditor: (auditor, store codes), due over the next weeks.
OPEN_ASSIGNMENTS = {
    "demo-auditor": ("AMS-01", "UTR-01", "BOS-01"),
    "demo-auditor-2": ("RTM-01", "NYC-01", "TYO-01"),
}
OPEN_WEEKS = (2, 3, 4)  # each one's window ends this many weeks from now
# The last week's visit at this store fails this critical item: the demo's critical-failure emails.
CRITICAL_STORE, CRITICAL_ITEM = "UTR-01", "polite_throughout"
# What stores say they changed when they resolve a corrective action.
RESOLUTIONS = (
    "Briefed the whole team at the morning huddle.",
    "Added it to the opening checklist; the shift lead checks it daily.",
    "Retrained the new hires on it and paired them with a senior barista.",
    "Moved a second person to the till at lunchtime.",
)
# The manager's own follow-ups for Amsterdam: (title, days until due).
MANUAL_ACTIONS = (
    ("Put the loyalty-card offer on the counter sign", 10),
    ("Greet every guest within 30 seconds at the lunch peak", 21),
)


def _answer(item: dict, quality: float, rng: random.Random) -> dict | None:
    """A plausible answer to ``item`` from a store performing at ``quality`` (0..1)."""
    kind = item["type"]
    good = rng.random() < quality
    if kind == "photo":
        return None
    if item.get("allow_na") and rng.random() < 0.05:
        return {"item": item["key"], "na": True}
    value: Any
    if kind == "yes_no":
        value = good
    elif kind == "scale":
        low, high = item["scale_min"], item["scale_max"]
        spread = min(1.0, max(0.0, quality + rng.uniform(-0.25, 0.25)))
        value = low + round((high - low) * spread)
    elif kind == "choice":
        options = sorted(item["options"], key=lambda option: option["points"])
        index = min(
            len(options) - 1, int(min(0.999, max(0.0, quality + rng.uniform(-0.3, 0.3))) * len(options))
        )
        value = options[index]["key"]
    elif kind == "number":
        low, high = item.get("pass_min"), item.get("pass_max")
        inside = low if low is not None else (high if high is not None else 1)
        if good or (low is None and high is None):
            value = inside
        else:
            value = (high + 1) if high is not None else (low or 0) - 1  # one of them is set here
    else:  # text
        value = rng.choice(["Friendly team.", "Busy but organised.", "Had to wait a while.", ""])
    return {"item": item["key"], "value": value, "na": False, "comment": ""}


def _jpeg(rng: random.Random) -> io.BytesIO:
    """A small storefront-ish picture, different every time (so reuse detection stays quiet)."""
    image = Image.new("RGB", (320, 240), tuple(rng.randrange(40, 220) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(8):
        x, y = rng.randrange(0, 300), rng.randrange(0, 220)
        draw.rectangle(
            (x, y, x + rng.randrange(10, 120), y + rng.randrange(10, 90)),
            fill=tuple(rng.randrange(0, 256) for _ in range(3)),
        )
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    buffer.seek(0)
    buffer.name = "storefront.jpg"
    return buffer


def _proposals(visit) -> list[tuple[str, object]]:
    """``(item, better value)`` for the visit's failed yes/no items and scales below their top,
    its critical failures first (an upheld one cancels its corrective action)."""
    answers = {answer.item_key: answer for answer in visit.answers.all()}
    found: list[tuple[str, object]] = []
    items = [item for section in visit.checklist_version.sections for item in section["items"]]
    for item in sorted(items, key=lambda item: item["key"] not in (visit.critical_failures or [])):
        answer = answers.get(item["key"])
        if answer is None or answer.na:
            continue
        if item["type"] == "yes_no" and answer.value is False:
            found.append((item["key"], True))
        elif item["type"] == "scale" and answer.value < item["scale_max"]:
            found.append((item["key"], item["scale_max"]))
    return found


class Command(BaseCommand):
    help = "Build the demo organization (regions, stores in three time zones, users, checklists, visits)."

    def add_arguments(self, parser):
        parser.add_argument("--weeks", type=int, default=WEEKS, help="How many weeks of history.")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, weeks, seed, **options):
        existing = Organization.objects.filter(name=ORG_NAME).first()
        if existing is not None:
            opened = self._open_assignments(existing)
            if opened:
                self.stdout.write(f"{ORG_NAME} already exists: {opened} open assignments topped up.")
            else:
                self.stdout.write(f"{ORG_NAME} already exists: nothing to do.")
            self._print_credentials()
            return
        rng = random.Random(seed)
        with transaction.atomic():
            people, stores, checklist = self._structure()
        counts = self._history(people, stores, checklist, weeks=weeks, rng=rng)
        opened = self._open_assignments(people["admin"].organization)
        counts["disputes"] = self._disputes(people, rng)
        counts["actions"] = self._actions(people, rng)
        self._integrity(people, stores, checklist, rng)
        counts["fieldwork"] = self._fieldwork(people, stores, checklist, rng)
        self._print_critical_failure_emails(counts.pop("critical_visit"))
        self.stdout.write(
            self.style.SUCCESS(
                f"Built {ORG_NAME}: {len(stores)} stores in 3 regions, {counts['mystery']} mystery visits, "
                f"{counts['self']} self-assessments, {counts['photos']} photos, {counts['reviews']} reviews, "
                f"{opened} open assignments, "
                f"{counts['disputes']} disputes, {counts['actions']} corrective actions, "
                f"{counts['fieldwork']['jobs']} jobs and {counts['fieldwork']['payouts']} payouts."
            )
        )
        self._print_credentials()

    def _structure(self):
        organization = Organization.objects.create(name=ORG_NAME)
        call_command("load_checklists", org=ORG_NAME, stdout=io.StringIO())
        checklist = Checklist.objects.get(organization=organization, builtin_key="builtin-in-person")
        stores = []
        regions = {}
        for code, name, sites in STORES:
            region = region_create(organization=organization, code=code, name=name)
            regions[code] = region
            for site_code, site_name, tz, lat, lon, start, end in sites:
                location = location_create(
                    organization=organization,
                    region=region,
                    code=site_code,
                    name=site_name,
                    timezone=tz,
                    latitude=lat,
                    longitude=lon,
                    address=f"{site_name}, main entrance",
                )
                stores.append((location, start, end))
        people: dict[str, Any] = {
            "admin": user_create(
                organization=organization,
                username="demo-admin",
                password=PASSWORD,
                role=Role.ADMIN,
                display_name="Ada Admin",
                email="admin@demo-coffee.example",
            ),
            "manager": user_create(
                organization=organization,
                username="demo-manager",
                password=PASSWORD,
                role=Role.MANAGER,
                display_name="Max Manager",
                email="manager@demo-coffee.example",
                region_ids=[regions["BNL"].pk, regions["USE"].pk],
            ),
            "auditors": [
                user_create(
                    organization=organization,
                    username=username,
                    password=PASSWORD,
                    role=Role.AUDITOR,
                    display_name=display,
                )
                for username, display in (("demo-auditor", "Sam Shopper"), ("demo-auditor-2", "Kim Shopper"))
            ],
            "staff": {},
        }
        for location, _, _ in stores:
            username = "demo-staff" if location.code == "AMS-01" else f"staff-{location.code.lower()}"
            people["staff"][location.pk] = user_create(
                organization=organization,
                username=username,
                password=PASSWORD,
                role=Role.STAFF,
                display_name=f"{location.name} team",
                email=f"{username}@demo-coffee.example",
                location_ids=[location.pk],
            )
        return people, stores, checklist

    def _history(self, people, stores, checklist, *, weeks: int, rng: random.Random) -> dict:
        version = checklist.versions.order_by("-number").first()
        items = [item for section in version.sections for item in section["items"]]
        photo_items = [item["key"] for item in items if item["type"] == "photo"]
        now = timezone.now()
        admin = people["admin"]
        counts: dict[str, Any] = {"mystery": 0, "self": 0, "photos": 0, "reviews": 0, "critical_visit": None}
        for location, start_quality, end_quality in stores:
            staff = people["staff"][location.pk]
            for week in range(weeks, 0, -1):
                progress = 1 - week / weeks
                quality = start_quality + (end_quality - start_quality) * progress
                when = now - dt.timedelta(days=7 * week - rng.uniform(0, 6), hours=rng.uniform(0, 8))
                auditor = people["auditors"][week % 2]
                body = self._body(
                    items,
                    quality + rng.uniform(-0.08, 0.08),
                    when,
                    rng,
                    kind="mystery",
                    location=location,
                    checklist=checklist,
                    version=version,
                )
                critical = week == 1 and location.code == CRITICAL_STORE
                if critical:
                    for answer in body["answers"]:
                        if answer["item"] == CRITICAL_ITEM:
                            answer.update(value=False, na=False, comment="The barista rolled their eyes.")
                # Back-filled history tells nobody; the last week notifies as it would live.
                with notifications_muted() if week > 1 else nullcontext(), transaction.atomic():
                    assignment = assignment_create(
                        actor=admin,
                        location=location.pk,
                        checklist=checklist.pk,
                        auditor=auditor.pk,
                        due_from=when - dt.timedelta(days=2),
                        due_until=when + dt.timedelta(days=3),
                        instructions="Order a flat white and ask about the loyalty card.",
                    )
                    visit, _ = visit_submit(
                        actor=auditor,
                        data={**body, "assignment": assignment.pk},
                        now=when + dt.timedelta(minutes=30),
                    )
                counts["mystery"] += 1
                if critical:
                    counts["critical_visit"] = visit
                if week <= 4 and photo_items:
                    counts["photos"] += self._photo(auditor, visit, photo_items[0], rng)
                if week > 1:  # the last week still waits for review
                    decision = "approve" if rng.random() < 0.9 else "reject"
                    with notifications_muted():  # its corrective actions are history too
                        visit_review(
                            actor=admin,
                            visit_id=visit.pk,
                            decision=decision,
                            comment="Thanks!",
                            now=min(now, when + dt.timedelta(days=2)),
                        )
                    counts["reviews"] += 1
                if week % 2 == 0:
                    own = when - dt.timedelta(days=1)
                    visit_submit(
                        actor=staff,
                        data=self._body(
                            items,
                            min(0.98, quality + SELF_BIAS + rng.uniform(-0.04, 0.04)),
                            own,
                            rng,
                            kind="self_assessment",
                            location=location,
                            checklist=checklist,
                            version=version,
                        ),
                        now=own + dt.timedelta(minutes=30),
                    )
                    counts["self"] += 1
        return counts

    @transaction.atomic
    def _open_assignments(self, organization) -> int:
        """Give each demo auditor open assignments due over the coming weeks (the ones missing)."""

        admin = User.objects.filter(organization=organization, role=Role.ADMIN, is_active=True).first()
        checklist = Checklist.objects.filter(
            organization=organization, builtin_key="builtin-in-person"
        ).first()
        if admin is None or checklist is None:
            return 0
        now = timezone.now()
        created = 0
        for username, codes in OPEN_ASSIGNMENTS.items():
            auditor = User.objects.filter(
                organization=organization, username=username, role=Role.AUDITOR, is_active=True
            ).first()
            if auditor is None:
                continue
            waiting = set(
                Assignment.objects.filter(
                    auditor=auditor, status=AssignmentStatus.OPEN, due_from__lte=now, due_until__gt=now
                ).values_list("location__code", flat=True)
            )
            for code, weeks in zip(codes, OPEN_WEEKS, strict=True):
                location = None if code in waiting else organization.locations.filter(code=code).first()
                if location is None:
                    continue
                assignment_create(
                    actor=admin,
                    location=location.pk,
                    checklist=checklist.pk,
                    auditor=auditor.pk,
                    due_from=now - dt.timedelta(days=1),
                    due_until=now + dt.timedelta(weeks=weeks),
                    instructions="Try it: order a flat white, ask about the loyalty card, time the wait.",
                )
                created += 1
        return created

    def _disputes(self, people, rng: random.Random) -> int:
        """A few disputes by store staff on recent visits: upheld, partly upheld, rejected, and open."""

        outcomes = [("upheld", "upheld"), ("upheld", "rejected"), ("rejected", "rejected"), None, None]
        recent = (
            Visit.objects.filter(
                organization=people["admin"].organization,
                kind=VisitKind.MYSTERY,
                status__in=(VisitStatus.SUBMITTED, VisitStatus.APPROVED),
            )
            .select_related("checklist_version")
            .order_by("-started_at")
        )
        made = 0
        # An approved visit with a critical failure first: upholding it cancels that failure's action.
        candidates = sorted(
            recent[:20], key=lambda v: not (v.status == VisitStatus.APPROVED and v.critical_failures)
        )
        for visit in candidates:
            if made == len(outcomes):
                break
            proposals = _proposals(visit)[:2]
            if len(proposals) < 2:
                continue
            opened_at = visit.ended_at + dt.timedelta(hours=rng.uniform(4, 30))
            dispute, _ = dispute_open(
                actor=people["staff"][visit.location_id],
                visit_id=visit.pk,
                data={
                    "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    "comment": "Our till log tells another story.",
                    "items": [
                        {
                            "item": key,
                            "reason": "The receipt shows otherwise.",
                            "proposed": {"value": value, "na": False},
                        }
                        for key, value in proposals
                    ],
                },
                now=opened_at,
            )
            verdicts = outcomes[made]
            if verdicts is not None:
                dispute_decide(
                    actor=people["admin"],
                    dispute_id=dispute.pk,
                    data={
                        "comment": "Checked against the receipt.",
                        "items": [
                            {"item": key, "decision": verdict}
                            for (key, _), verdict in zip(proposals, verdicts, strict=True)
                        ],
                    },
                    now=opened_at + dt.timedelta(hours=rng.uniform(6, 72)),
                )
            made += 1
        return made

    def _actions(self, people, rng: random.Random) -> int:
        """Walk the approvals' actions through their life as stores and managers would have, and add
        a few by hand: every state (open, overdue, resolved, verified, reopened) is on the board."""
        now = timezone.now()
        organization = people["admin"].organization
        managed = set(people["manager"].regions.values_list("id", flat=True))
        actions = (
            Action.objects.filter(organization=organization, status=ActionStatus.OPEN)
            .select_related("location")
            .order_by("created_at")
        )
        for action in actions:
            staff = people["staff"][action.location_id]
            checker = people["manager"] if action.location.region_id in managed else people["admin"]
            self._walk(action, staff, checker, now, rng)
        self._manual_actions(people, now)
        return Action.objects.filter(organization=organization).count()

    def _walk(self, action, staff, checker, now: dt.datetime, rng: random.Random) -> None:
        """One action's life: what happened to it between its creation and now."""
        roll = rng.random()
        window = (action.overdue_at - action.created_at).days
        resolved_at = action.created_at + dt.timedelta(
            days=rng.uniform(1, window + 4), hours=rng.uniform(0, 8)
        )
        if resolved_at >= now or roll > 0.85:
            return  # still open: recent ones not yet due, some past their due date
        action_resolve(actor=staff, action_id=action.pk, resolution=rng.choice(RESOLUTIONS), now=resolved_at)
        checked_at = resolved_at + dt.timedelta(days=rng.uniform(1, 6))
        if checked_at >= now or roll > 0.75:
            return  # resolved, waiting for the manager
        if roll < 0.1:
            action_reopen(
                actor=checker, action_id=action.pk, comment="The next visit still found it.", now=checked_at
            )
            resolved_at = checked_at + dt.timedelta(days=rng.uniform(1, 4))
            if resolved_at >= now:
                return
            action_resolve(
                actor=staff, action_id=action.pk, resolution=rng.choice(RESOLUTIONS), now=resolved_at
            )
            checked_at = resolved_at + dt.timedelta(days=rng.uniform(1, 4))
            if checked_at >= now:
                return
        action_verify(
            actor=checker, action_id=action.pk, comment="Checked on my store visit.", now=checked_at
        )

    def _manual_actions(self, people, now: dt.datetime) -> None:
        """The manager's own follow-ups for Amsterdam: one open, one resolved by the store."""
        amsterdam = next(pk for pk, user in people["staff"].items() if user.username == "demo-staff")
        for index, (title, days) in enumerate(MANUAL_ACTIONS):
            action, _ = action_create(
                actor=people["manager"],
                data={
                    "id": uuid.UUID(int=index + 1, version=4),
                    "location": amsterdam,
                    "title": title,
                    "description": "",
                    "due_date": timezone.localdate(now) + dt.timedelta(days=days),
                    "visit": None,
                    "item": "",
                },
                now=now,
            )
            if index == 0:
                action_resolve(
                    actor=people["staff"][amsterdam],
                    action_id=action.pk,
                    resolution="Done at the team meeting.",
                )

    def _fieldwork(self, people, stores, checklist, rng: random.Random) -> dict[str, int]:
        """Homes, jobs on the board and payouts (``demo.fieldwork``)."""
        version = checklist.versions.order_by("-number").first()
        items = [item for section in version.sections for item in section["items"]]

        def body_for(location, checklist, assignment_id, when):
            return self._body(
                items,
                0.85,
                when,
                rng,
                kind="mystery",
                location=location,
                checklist=checklist,
                version=version,
                assignment=assignment_id,
            )

        return fieldwork_seed(
            admin=people["admin"],
            auditors=people["auditors"],
            checklist=checklist,
            region=stores[0][0].region,
            body_for=body_for,
            photo_for=lambda auditor, visit, item_key: self._photo(auditor, visit, item_key, rng),
        )

    def _body(
        self, items, quality, when, rng, *, kind, location, checklist, version, assignment=None
    ) -> dict:
        answers = [answer for item in items if (answer := _answer(item, min(1.0, max(0.0, quality)), rng))]
        answers = answers_shown(version.sections, answers)
        body = {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "location": location.pk,
            "checklist": checklist.pk,
            "checklist_version": version.number,
            "kind": kind,
            "started_at": when.isoformat(),
            "ended_at": (when + dt.timedelta(minutes=rng.randint(12, 25))).isoformat(),
            "position": {"latitude": location.latitude, "longitude": location.longitude, "accuracy_m": 10},
            "answers": answers,
            "notes": "",
        }
        if assignment is not None:
            body["assignment"] = assignment
        return body

    def _photo(self, auditor, visit, item_key: str, rng: random.Random) -> int:
        photo_add(
            actor=auditor,
            visit=visit,
            photo_id=uuid.UUID(int=rng.getrandbits(128), version=4),
            item_key=item_key,
            image=_jpeg(rng),
        )
        return 1

    def _print_critical_failure_emails(self, visit) -> None:
        """Send the emails of the seeded critical failure now, through the configured mail backend
        (the demo's console: they are printed here). The worker would send them otherwise."""
        if visit is None:
            return
        connection = get_connection(stream=self.stdout)  # the console backend prints to this stream
        pending = Notification.objects.filter(key=f"visit.submitted:{visit.pk}").order_by("id")
        self.stdout.write(
            f"\nEmails of the seeded critical failure at {visit.location.name} ({pending.count()}):"
        )
        for notification in pending:
            email_send(notification_id=notification.pk, connection=connection)

    def _print_credentials(self) -> None:
        self.stdout.write(f"\nDemo users (password for all: {PASSWORD}):")
        for username, what in (
            ("demo-admin", "admin: the whole organization"),
            ("demo-manager", "manager: regions Benelux and US East"),
            ("demo-auditor", "auditor: mystery visits"),
            ("demo-staff", "staff: Amsterdam Centraal (self-assessments)"),
        ):
            if User.objects.filter(username=username).exists():
                self.stdout.write(f"  {username:14s} {what}")

    # --- integrity and calibration: a review queue and an agreement report with something in them ---

    def _integrity(self, people, stores, checklist, rng: random.Random) -> None:
        version = checklist.versions.order_by("-number").first()
        items = [item for section in version.sections for item in section["items"]]
        admin, auditors = people["admin"], people["auditors"]
        now = timezone.now()
        calibrations = 0
        for weeks_ago, (location, quality, _) in ((3, stores[0]), (1, stores[1])):
            when = now - dt.timedelta(days=7 * weeks_ago)
            calibration, _ = calibration_create(
                actor=admin,
                id=uuid.UUID(int=rng.getrandbits(128), version=4),
                location=location.pk,
                checklist=checklist.pk,
                auditors=[auditor.pk for auditor in auditors],
                due_from=when - dt.timedelta(days=1),
                due_until=when + dt.timedelta(days=3),
            )
            for offset, assignment in enumerate(calibration.assignments.order_by("pk")):
                started = when + dt.timedelta(hours=offset)
                body = self._body(
                    items,
                    quality + rng.uniform(-0.1, 0.1),
                    started,
                    rng,
                    kind="mystery",
                    location=location,
                    checklist=checklist,
                    version=version,
                    assignment=assignment.pk,
                )
                assert assignment.auditor is not None  # the demo's calibration assignments have auditors
                visit_submit(actor=assignment.auditor, data=body, now=started + dt.timedelta(minutes=40))
            calibrations += 1
        flagged = self._flagged_visits(people, stores[2][0], checklist, version, items, rng, now)
        self.stdout.write(
            f"Integrity: {calibrations} calibrations, {flagged} flagged visits awaiting review."
        )

    def _flagged_visits(self, people, location, checklist, version, items, rng, now) -> int:
        auditor = people["auditors"][0]
        note = "The barista was on a phone call for the whole visit and did not greet anyone."
        cases: list[tuple[int, dict[str, Any], float]] = [
            # (days ago, how the body differs, received how long after the end)
            (
                2,
                {"position": {"latitude": location.latitude, "longitude": location.longitude, "mock": True}},
                0.5,
            ),
            (5, {}, 60.0),  # late_submission
            (4, {"notes": note}, 0.5),
            (
                3,
                {"notes": note, "position": {"latitude": 0.0, "longitude": 0.0}},
                30.0,
            ),  # duplicate, off site, late
        ]
        for days, changes, hours_later in cases:
            when = now - dt.timedelta(days=days)
            assignment = assignment_create(
                actor=people["admin"],
                location=location.pk,
                checklist=checklist.pk,
                auditor=auditor.pk,
                due_from=when - dt.timedelta(days=1),
                due_until=when + dt.timedelta(days=2),
            )
            body = self._body(
                items,
                0.7,
                when,
                rng,
                kind="mystery",
                location=location,
                checklist=checklist,
                version=version,
                assignment=assignment.pk,
            )
            body.update(changes)
            ended = dt.datetime.fromisoformat(body["ended_at"])
            visit_submit(actor=auditor, data=body, now=min(now, ended + dt.timedelta(hours=hours_later)))
        return len(cases)
