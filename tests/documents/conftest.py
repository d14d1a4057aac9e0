"""Visit report fixtures: scored visits submitted through the real services, photos through the real
pipeline, and helpers that read a PDF back (text with pypdf, pixels with pypdfium2)."""

import io
import re
import uuid

import pypdf
import pypdfium2
import pytest

from accounts.models import Role
from audits.services import visit_submit
from disputes.services import dispute_decide, dispute_open
from photos.services import photo_add
from tests.audits.conftest import FULL_SECTIONS, visit_body
from tests.factories import AssignmentFactory, ChecklistFactory, UserFactory
from tests.photos.images import jpeg, scene

from .factories import forty_answers, forty_sections

#: FULL_SECTIONS answered: 33.33 (greeting 37.50, service 25.00), the critical ``solved`` failed,
#: comments on two answers.
ANSWERS = [
    {"item": "greeted", "value": False, "na": False, "comment": "Nobody looked up from the till."},
    {"item": "warmth", "value": 3, "na": False, "comment": ""},
    {"item": "offer", "value": "great", "na": False, "comment": ""},
    {"item": "wait_minutes", "value": 12, "na": False, "comment": "Queue of nine people."},
    {"item": "solved", "value": False, "na": False, "comment": ""},
    {"item": "remarks", "value": "Slow but polite.", "na": False, "comment": ""},
]


def report_url(visit, **params) -> str:
    query = "&".join(f"{name}={value}" for name, value in params.items())
    return f"/api/v1/visits/{visit.pk}/report.pdf" + (f"?{query}" if query else "")


def pdf_text(content: bytes) -> str:
    """Every page's text, whitespace collapsed (wrapped lines read as one)."""
    reader = pypdf.PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


FOOTER = re.compile(r" ?Visit [0-9a-f-]{36} · generated [0-9: -]+ UTC Page \d+ of \d+ ?")


def body_text(content: bytes) -> str:
    """``pdf_text`` without the page footers: text cut by a page break reads on."""
    return FOOTER.sub(" ", pdf_text(content)).strip()


def page_count(content: bytes) -> int:
    return len(pypdf.PdfReader(io.BytesIO(content)).pages)


def ink(content: bytes, page: int = 0) -> float:
    """The share of a page's pixels that are not white, rendered at 72 dpi by PDFium."""
    document = pypdfium2.PdfDocument(content)
    try:
        image = document[page].render(scale=1).to_pil().convert("L")
    finally:
        document.close()
    histogram = image.histogram()
    return sum(histogram[:235]) / (image.width * image.height)


@pytest.fixture
def auditor(org):
    return UserFactory(
        organization=org, role=Role.AUDITOR, username="otto-secret", display_name="Otto Secretus"
    )


def submit(location, checklist, auditor, answers, **overrides):
    assignment = AssignmentFactory(
        organization=location.organization,
        location=location,
        checklist=checklist,
        checklist_version=checklist.versions.get(number=1),
        auditor=auditor,
    )
    visit, _ = visit_submit(actor=auditor, data=visit_body(assignment, answers=answers, **overrides))
    return visit


@pytest.fixture
def checklist(org):
    return ChecklistFactory(organization=org, name="Store visit", sections=FULL_SECTIONS)


@pytest.fixture
def visit(location, checklist, auditor):
    return submit(location, checklist, auditor, ANSWERS, notes="Lunchtime rush; two tills open.")


def add_photo(visit, auditor, item="", seed=1):
    picture = jpeg(scene((800, 600), seed=seed))
    return photo_add(
        actor=auditor, visit=visit, photo_id=uuid.uuid4(), item_key=item, image=io.BytesIO(picture)
    )


def dispute_body():
    """Staff dispute the wait (proposing 2 minutes) and the greeting."""
    return {
        "id": str(uuid.uuid4()),
        "comment": "The till log shows the order at 10:04.",
        "items": [
            {
                "item": "wait_minutes",
                "reason": "The receipt shows a two-minute wait.",
                "proposed": {"value": 2, "na": False},
            },
            {
                "item": "greeted",
                "reason": "The greeter was at the door.",
                "proposed": {"value": True, "na": False},
            },
        ],
    }


def decide_a_dispute(visit, staff, manager):
    """``dispute_body`` opened by staff; the manager upholds the wait and rejects the greeting."""
    dispute, _ = dispute_open(actor=staff, visit_id=visit.pk, data=dispute_body())
    decision = {
        "comment": "Receipt checked; the greeting stands.",
        "items": [
            {"item": "wait_minutes", "decision": "upheld"},
            {"item": "greeted", "decision": "rejected"},
        ],
    }
    return dispute_decide(actor=manager, dispute_id=dispute.pk, data=decision)


@pytest.fixture
def big_checklist(org):
    return ChecklistFactory(organization=org, name="Full store audit", sections=forty_sections())


def make_big_visit(location, big_checklist, auditor, photos=6):
    visit = submit(location, big_checklist, auditor, forty_answers())
    for seed in range(photos):
        add_photo(visit, auditor, item="storefront" if seed < 4 else "", seed=seed + 1)
    return visit


@pytest.fixture
def big_visit(location, big_checklist, auditor):
    return make_big_visit(location, big_checklist, auditor)


# The photo tests' S3 server (moto on 127.0.0.1), for thumbnails read from a real bucket.
from tests.photos.conftest import flaky_s3, s3, s3_server  # noqa: E402, F401
