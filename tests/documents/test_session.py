"""The dashboard links to the PDF: a person signed in there opens it with their session."""

from django.test import Client

from .conftest import ANSWERS, pdf_text, report_url, submit


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_dashboard_session_opens_the_pdf_of_a_visit_it_may_see(manager, visit, location):
    response = _signed_in(manager).get(report_url(visit))
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    assert location.name in pdf_text(response.content)


def test_a_session_sees_no_more_than_the_api_allows(staff, other_location, checklist, auditor):
    far = submit(other_location, checklist, auditor, ANSWERS)
    assert _signed_in(staff).get(report_url(far)).status_code == 404


def test_without_a_session_or_token_it_is_a_401(visit):
    assert Client().get(report_url(visit)).status_code == 401
