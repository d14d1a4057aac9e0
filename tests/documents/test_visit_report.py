"""What a client reads in a visit's PDF: the visit, its answers, its verdict and its disputes, with
the auditor named only for those the API names them to."""

import io
import re
from zoneinfo import ZoneInfo

import pypdf
import pytest
from reportlab.pdfgen.canvas import Canvas

from accounts.models import Role
from audits.services import visit_submit
from disputes.services import dispute_open
from tests.audits.conftest import self_assessment_body
from tests.factories import ChecklistFactory, PhotoFactory, UserFactory

from .conftest import (
    ANSWERS,
    body_text,
    decide_a_dispute,
    dispute_body,
    ink,
    page_count,
    pdf_text,
    report_url,
    submit,
)

pytestmark = pytest.mark.django_db


def test_the_pdf_is_served_inline_with_its_name(client_for, manager, visit):
    response = client_for(manager).get(report_url(visit))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="visit-{visit.pk}.pdf"'
    assert response["Cache-Control"] == "private, no-store"
    assert response.content.startswith(b"%PDF-")


def test_a_manager_reads_the_visit_as_scored(client_for, manager, visit):
    scored = client_for(manager).get(f"/api/v1/visits/{visit.pk}/").json()
    text = pdf_text(client_for(manager).get(report_url(visit)).content)

    for expected in (
        "Acme Coffee",
        "Amsterdam Centraal (AMS-01)",
        "Store visit, version 1",
        "Mystery visit",
        "Score 33.33 Pass threshold 80.00 FAILED",
        "FAILED",
        "Greeting 37.50",
        "Greeted within 30 seconds? Nobody looked up from the till. No 0",
        "How warm? 3 (1–5) 0.5",
        "What was offered? A tailored offer 1",
        "Minutes waited Queue of nine people. 12 (pass ≤ 5) 0",
        "Anything else? Slow but polite.",
        "Lunchtime rush; two tills open.",
    ):
        assert expected in text, expected
    assert scored["score"] == 33.33 and scored["critical_failures"] == ["solved"]


def test_the_date_and_time_are_the_locations(client_for, manager, visit):
    local = visit.started_at.astimezone(ZoneInfo("Europe/Amsterdam"))
    text = pdf_text(client_for(manager).get(report_url(visit)).content)
    assert f"{local:%Y-%m-%d %H:%M}–" in text
    assert "(Europe/Amsterdam, UTC+0" in text


def test_a_critical_failure_is_called_out(client_for, manager, visit):
    text = pdf_text(client_for(manager).get(report_url(visit)).content)
    assert "Critical failures Problem solved on first contact?" in text
    assert "Problem solved on first contact? Critical failure No 0" in text


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MANAGER])
def test_admins_and_managers_see_who_audited(client_for, org, region, visit, role):
    reader = UserFactory(organization=org, role=role, regions=[region])
    text = pdf_text(client_for(reader).get(report_url(visit)).content)
    assert "Auditor Otto Secretus" in text


def test_staff_never_learn_the_auditor(client_for, staff, visit):
    response = client_for(staff).get(report_url(visit))
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "Amsterdam Centraal" in text and "Greeted within 30 seconds?" in text
    assert "Otto" not in text and "otto-secret" not in text and "Auditor" not in text
    assert b"Otto" not in response.content  # not in the metadata either


def test_the_auditor_and_api_keys_get_the_report_without_a_name(
    client_for, key_client_for, org, auditor, visit
):
    for client in (client_for(auditor), key_client_for(org)):
        response = client.get(report_url(visit))
        assert response.status_code == 200
        text = pdf_text(response.content)
        assert "Amsterdam Centraal" in text and "Otto" not in text


def test_a_decided_dispute_and_its_outcome(client_for, manager, staff, visit):
    decide_a_dispute(visit, staff, manager)
    scored = client_for(manager).get(f"/api/v1/visits/{visit.pk}/").json()
    text = pdf_text(client_for(staff).get(report_url(visit)).content)

    assert f"Score before upheld disputes: {scored['original_score']:.2f}" in text
    assert f"{scored['score']:.2f}" in text and scored["score"] != scored["original_score"]
    assert "by staff: Partially upheld" in text
    assert "Comment: The till log shows the order at 10:04." in text
    assert (
        "Minutes waited The receipt shows a two-minute wait. 12 (pass ≤ 5) (score 0) 2 (pass ≤ 5) Upheld"
        in text
    )
    assert "Greeted within 30 seconds? The greeter was at the door. No (score 0) Yes Rejected" in text
    assert "Receipt checked; the greeting stands." in text
    # The answer itself now reads as upheld.
    assert "Minutes waited Queue of nine people. 2 (pass ≤ 5) 1" in text


def test_an_open_dispute_is_pending(client_for, manager, staff, visit):
    dispute_open(actor=staff, visit_id=visit.pk, data=dispute_body())
    text = pdf_text(client_for(manager).get(report_url(visit)).content)
    assert "by staff: Open" in text and "Pending" in text and "Decided" not in text


def test_the_review_comment_of_the_current_status(client_for, manager, visit):
    client = client_for(manager)
    assert (
        client.post(
            f"/api/v1/visits/{visit.pk}/review/",
            {"decision": "approve", "comment": "Thorough visit."},
            format="json",
        ).status_code
        == 200
    )
    text = pdf_text(client.get(report_url(visit)).content)
    assert "Status Approved" in text and "Thorough visit." in text


def test_page_one_is_not_blank(client_for, manager, visit):
    assert ink(client_for(manager).get(report_url(visit)).content) > 0.03


def test_the_blank_page_check_can_fail():
    out = io.BytesIO()
    canvas = Canvas(out)
    canvas.showPage()
    canvas.save()
    assert ink(out.getvalue()) < 0.001


def test_forty_answers_and_six_photos_fit_in_one_to_three_pages(client_for, manager, big_visit):
    content = client_for(manager).get(report_url(big_visit)).content
    assert 1 <= page_count(content) <= 3
    text = pdf_text(content)
    for number in (1, 20, 39):
        assert f"Question {number:02d}:" in text
    assert "Comment on question 36." in text
    assert "Photo of the storefront 4 photos" in text
    assert "Photo unavailable" not in text
    images = sum(len(page.images) for page in pypdf.PdfReader(io.BytesIO(content)).pages)
    assert images == 6


def test_a_self_assessment_reads_as_one(client_for, staff, location, checklist):
    visit, _ = visit_submit(actor=staff, data=self_assessment_body(location, checklist, answers=ANSWERS))
    response = client_for(staff).get(report_url(visit))
    assert response.status_code == 200
    assert "Kind Self-assessment · In person" in pdf_text(response.content)


def test_long_texts_flow_over_pages(client_for, manager, location, checklist, auditor):
    """The longest answer, comments and notes a visit takes flow over pages; nothing is lost."""
    answers = [dict(answer) for answer in ANSWERS]
    answers[5]["value"] = "".join(f"Remark{n:03d}. " for n in range(400))[:5000]  # MAX_TEXT
    answers[0]["comment"] = "\n".join(f"Line{n:02d} of the comment." for n in range(80))[:2000]
    answers[3]["comment"] = "x" * 2000  # no space to break at: broken inside the word
    notes = "".join(f"Note{n:04d}. " for n in range(1000))  # MAX_NOTES
    visit = submit(location, checklist, auditor, answers, notes=notes)
    response = client_for(manager).get(report_url(visit))
    assert response.status_code == 200
    body = body_text(response.content)
    assert page_count(response.content) > 2
    assert [int(n) for n in re.findall(r"Remark(\d{3})\.", body)] == list(range(400))
    assert [int(n) for n in re.findall(r"Note(\d{4})\.", body)] == list(range(1000))
    assert [int(n) for n in re.findall(r"Line(\d{2}) of", body)] == list(
        range(len(answers[0]["comment"].splitlines()))
    )


def test_photos_beyond_the_grid_are_counted(client_for, manager, visit):
    PhotoFactory.create_batch(26, visit=visit, item_key="storefront")  # rows only: no stored objects
    text = pdf_text(client_for(manager).get(report_url(visit)).content)
    assert text.count("Photo unavailable") == 24
    assert "2 more photos not shown here." in text


LOGIC_SECTIONS = [
    {
        "key": "door",
        "title": "At the door",
        "weight": 1,
        "items": [
            {"key": "greeted", "prompt": "Greeted at the door?", "type": "yes_no", "weight": 1},
            {
                "key": "acknowledged",
                "prompt": "Acknowledged within two minutes?",
                "type": "yes_no",
                "weight": 1,
                "show_if": {"===": [{"var": "greeted"}, False]},
            },
            {
                "key": "music",
                "prompt": "Was the music pleasant?",
                "type": "yes_no",
                "weight": 1,
                "allow_na": True,
            },
        ],
    }
]


def test_hidden_items_are_left_out_and_na_is_said(client_for, org, manager, location, auditor):
    checklist = ChecklistFactory(organization=org, sections=LOGIC_SECTIONS)
    answers = [
        {"item": "greeted", "value": True, "na": False, "comment": ""},
        {"item": "music", "na": True, "comment": "No music playing."},
    ]
    visit = submit(location, checklist, auditor, answers)
    assert visit.hidden_items == ["acknowledged"]
    text = pdf_text(client_for(manager).get(report_url(visit)).content)
    assert "Greeted at the door? Yes 1" in text
    assert "Was the music pleasant? No music playing. N/A –" in text
    assert "Acknowledged" not in text
