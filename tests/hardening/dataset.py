"""A small but complete organization (plus a foreign one) for fuzzing and tenancy tests."""

import io
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import Role
from accounts.services import api_key_create
from actions.services import action_create
from actions.services import evidence_add as action_evidence_add
from audits.services import visit_submit
from checklists.models import Qualification
from disputes.services import dispute_open, evidence_add
from fieldwork.models import AuditorProfile, AuditorQualification, Payout
from notifications.models import Notification
from photos.services import photo_add
from tests.factories import (
    AssignmentFactory,
    ChecklistFactory,
    LocationFactory,
    OrganizationFactory,
    RegionFactory,
    UserFactory,
)
from webhooks.models import Delivery, Webhook
from webhooks.services import event_record

# Auditor identities that must never reach staff or API keys.
SECRET_USERNAME = "shopper-zq"
SECRET_NAME = "Quentin Zebrowski"


@dataclass
class Dataset:
    org: object
    users: dict
    objects: dict = field(default_factory=dict)
    outside: dict = field(default_factory=dict)
    keys: dict = field(default_factory=dict)

    def client(self, role: str) -> APIClient:
        return client_with(self.auth_header(role))

    def auth_header(self, role: str) -> str:
        if role.startswith("api_key"):
            return f"Api-Key {self.keys[role]}"
        return f"Bearer {RefreshToken.for_user(self.users[role]).access_token}"


def client_with(authorization: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=authorization)
    return client


def build_dataset(name: str = "Fuzz Org") -> Dataset:
    org = OrganizationFactory(name=name)
    region = RegionFactory(organization=org)
    location = LocationFactory(region=region, organization=org)
    users = {
        "admin": UserFactory(organization=org, role=Role.ADMIN),
        "manager": UserFactory(organization=org, role=Role.MANAGER, regions=[region]),
        "auditor": UserFactory(
            organization=org,
            role=Role.AUDITOR,
            username=f"{SECRET_USERNAME}-{org.pk}",
            display_name=SECRET_NAME,
        ),
        "staff": UserFactory(organization=org, role=Role.STAFF, locations=[location]),
    }
    checklist = ChecklistFactory(organization=org)
    assignment = AssignmentFactory(
        organization=org,
        location=location,
        checklist=checklist,
        checklist_version=checklist.versions.get(),
        auditor=users["auditor"],
    )
    data = Dataset(org=org, users=users)
    data.objects.update(region=region, location=location, checklist=checklist, assignment=assignment)
    visit, _ = visit_submit(actor=users["auditor"], data=visit_body(assignment))
    webhook = Webhook.objects.create(
        organization=org, url="https://hooks.example.com/audit", events=["visit.submitted"], secret="s" * 32
    )
    event = event_record(organization=org, type="visit.submitted", data={"id": str(visit.pk)})
    photo = photo_add(
        actor=users["auditor"],
        visit=visit,
        photo_id=uuid.uuid4(),
        item_key="",
        image=io.BytesIO(jpeg_bytes()),
    ).photo
    dispute, evidence = _dispute_with_evidence(visit, users["staff"])
    action, action_evidence = _action_with_evidence(location, users["manager"], users["staff"])
    data.objects.update(
        action=action,
        action_evidence=action_evidence,
        # The dispute told the admin (``dispute_opened``): an inbox entry of organization A.
        notification=Notification.objects.filter(recipient=users["admin"]).first(),
        visit=visit,
        dispute=dispute,
        evidence=evidence,
        photo=photo,
        webhook=webhook,
        delivery=Delivery.objects.filter(event=event, webhook=webhook).first(),
        user=users["auditor"],
    )
    data.keys["api_key"] = api_key_create(organization=org, name="fuzz", scopes=["read"], created_by=None)[1]
    data.keys["api_key_write"] = api_key_create(
        organization=org, name="fuzz-w", scopes=["read", "write"], created_by=None
    )[1]
    # Objects outside the scoped users' reach: another region, location, auditor and their visit.
    far_region = RegionFactory(organization=org)
    far_location = LocationFactory(region=far_region, organization=org)
    far_auditor = UserFactory(
        organization=org,
        role=Role.AUDITOR,
        username=f"{SECRET_USERNAME}-far-{org.pk}",
        display_name=SECRET_NAME,
    )
    far_assignment = AssignmentFactory(
        organization=org,
        location=far_location,
        checklist=checklist,
        checklist_version=checklist.versions.get(),
        auditor=far_auditor,
    )
    far_visit, _ = visit_submit(actor=far_auditor, data=visit_body(far_assignment))
    far_photo = photo_add(
        actor=far_auditor, visit=far_visit, photo_id=uuid.uuid4(), item_key="", image=io.BytesIO(jpeg_bytes())
    ).photo
    far_staff = UserFactory(organization=org, role=Role.STAFF, locations=[far_location])
    far_dispute, _ = _dispute_with_evidence(far_visit, far_staff)
    far_action, _ = _action_with_evidence(far_location, users["admin"], far_staff)
    data.outside = {
        "dispute": far_dispute,
        "action": far_action,
        "region": far_region,
        "location": far_location,
        "assignment": far_assignment,
        "visit": far_visit,
        "photo": far_photo,
        "checklist": checklist,
        "webhook": webhook,
        "delivery": data.objects["delivery"],
        "api_key": None,
        "user": far_auditor,
    }
    data.objects["api_key"] = api_key_create(
        organization=org, name="spare", scopes=["read"], created_by=None
    )[0]
    _add_calibrations(data, users, location, far_location, checklist, far_auditor)
    _add_fieldwork(data, users, location, checklist, visit)
    data.outside["job"] = AssignmentFactory(
        organization=org, location=far_location, checklist=checklist, auditor=None, is_job=True
    )
    return data


def _add_fieldwork(data, users, location, checklist, visit):
    """A qualification, the auditor's home by the location, an open job there, and a payout."""
    qualification = Qualification.objects.create(organization=data.org, code="fr", name="French")
    AuditorProfile.objects.create(
        user=users["auditor"],
        organization=data.org,
        home_latitude=location.latitude,
        home_longitude=location.longitude,
    )
    AuditorQualification.objects.create(auditor=users["auditor"], qualification=qualification)
    job = AssignmentFactory(
        organization=data.org,
        location=location,
        checklist=checklist,
        auditor=None,
        is_job=True,
        fee=Decimal("20"),
    )
    payout = Payout.objects.create(
        organization=data.org,
        auditor=users["auditor"],
        visit=visit,
        fee=Decimal("20.00"),
        expenses=Decimal("0.00"),
        total=Decimal("20.00"),
        currency=data.org.currency,
        created_at=timezone.now(),
    )
    data.objects.update(job=job, qualification=qualification, payout=payout)


def _dispute_with_evidence(visit, opener):
    """An open dispute of the visit's ``smile`` item by location staff, with one evidence photo."""
    dispute, _ = dispute_open(
        actor=opener,
        visit_id=visit.pk,
        data={
            "id": str(uuid.uuid4()),
            "comment": "",
            "items": [{"item": "smile", "reason": "It was warmer.", "proposed": {"value": 5, "na": False}}],
        },
    )
    evidence = evidence_add(
        actor=opener, dispute=dispute, photo_id=uuid.uuid4(), item_key="smile", image=io.BytesIO(jpeg_bytes())
    ).photo
    return dispute, evidence


def _action_with_evidence(location, creator, staff):
    """An open manual action of the location, due in a week, with one evidence photo by its staff."""
    action, _ = action_create(
        actor=creator,
        data={
            "id": uuid.uuid4(),
            "location": location.pk,
            "title": "Greet every guest",
            "description": "",
            "due_date": timezone.localdate() + timezone.timedelta(days=7),
            "visit": None,
            "item": "",
        },
    )
    photo = action_evidence_add(
        actor=staff, action=action, photo_id=uuid.uuid4(), item_key="", image=io.BytesIO(jpeg_bytes())
    ).photo
    return action, photo


def jpeg_bytes(color=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buffer, "JPEG")
    return buffer.getvalue()


def visit_body(assignment) -> dict:
    """A complete, valid mystery-visit body for an assignment on the SIMPLE_SECTIONS checklist."""
    start = timezone.now() - timezone.timedelta(hours=2)
    return {
        "id": str(uuid.uuid4()),
        "assignment": assignment.pk,
        "location": assignment.location_id,
        "checklist": assignment.checklist_id,
        "checklist_version": assignment.checklist_version.number,
        "kind": "mystery",
        "started_at": start.isoformat(),
        "ended_at": (start + timezone.timedelta(minutes=20)).isoformat(),
        "answers": [
            {"item": "greeted_within_30s", "value": True},
            {"item": "smile", "value": 4},
            {"item": "problem_solved", "value": True},
            {"item": "remarks", "value": "Friendly barista."},
        ],
        "notes": "",
    }


def _add_calibrations(data, users, location, far_location, checklist, far_auditor):
    """A calibration at the own location and one in the far region (integrity and calibration)."""
    # Imported here so that this appended block stays merge-free of the import list above.
    import datetime as dt  # noqa: PLC0415

    from calibrations.services import calibration_create  # noqa: PLC0415

    def make(where, *auditors):
        return calibration_create(
            actor=users["admin"],
            id=uuid.uuid4(),
            location=where.pk,
            checklist=checklist.pk,
            auditors=[auditor.pk for auditor in auditors],
            due_from=timezone.now() - dt.timedelta(days=1),
            due_until=timezone.now() + dt.timedelta(days=6),
        )[0]

    # Fresh auditors for the far one: an assignment would widen the scoped auditor's reach.
    org = location.organization
    extra = [UserFactory(organization=org, role=Role.AUDITOR) for _ in range(3)]
    data.objects["calibration"] = make(location, users["auditor"], extra[0])
    data.outside["calibration"] = make(far_location, extra[1], extra[2])
