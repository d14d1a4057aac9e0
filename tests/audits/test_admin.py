"""Back-office work in the Django admin: an organization's admin browses checklists, assignments
and visits of their own organization (search, filters), never another's, and edits no version,
assignment or visit."""

import pytest
from django.test import Client

from accounts.models import Role
from accounts.services import user_create
from audits.models import Assignment, Visit
from audits.services import visit_submit
from tests.audits.conftest import visit_body
from tests.factories import AssignmentFactory, ChecklistFactory, LocationFactory, RegionFactory


@pytest.fixture
def org_admin_browser(org):
    user = user_create(organization=org, username="ada", password="long-enough-1", role=Role.ADMIN)
    browser = Client()
    browser.force_login(user)
    return browser


@pytest.fixture
def visit(assignment, auditor):
    return visit_submit(actor=auditor, data=visit_body(assignment))[0]


@pytest.fixture
def theirs(other_org):
    """Another organization's checklist, open assignment and visit."""
    site = LocationFactory(region=RegionFactory(organization=other_org), code="THEIRS-01", name="Rival Store")
    checklist = ChecklistFactory(organization=other_org, name="Rival checklist")
    assignment = AssignmentFactory(organization=other_org, location=site, checklist=checklist)
    answers = [
        {"item": "greeted_within_30s", "value": True},
        {"item": "smile", "value": 4},
        {"item": "problem_solved", "value": True},
        {"item": "remarks", "value": "Rival remarks."},
    ]
    visit = visit_submit(actor=assignment.auditor, data=visit_body(assignment, answers=answers))[0]
    return {"checklist": checklist, "assignment": assignment, "visit": visit, "location": site}


def results(response) -> list:
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def test_an_organization_admin_finds_checklists_assignments_and_visits_on_the_admin_index(
    org_admin_browser,
):
    page = org_admin_browser.get("/admin/").content
    for path in (b"/admin/checklists/checklist/", b"/admin/audits/assignment/", b"/admin/audits/visit/"):
        assert path in page
    assert b"/admin/checklists/checklistversion/" in page


def test_an_organization_admin_sees_only_their_own_rows(org_admin_browser, visit, checklist, theirs):
    assert results(org_admin_browser.get("/admin/checklists/checklist/")) == [checklist]
    versions = results(org_admin_browser.get("/admin/checklists/checklistversion/"))
    assert {v.checklist_id for v in versions} == {checklist.pk}
    assert results(org_admin_browser.get("/admin/audits/assignment/")) == [visit.assignment]
    assert results(org_admin_browser.get("/admin/audits/visit/")) == [visit]


@pytest.mark.parametrize(
    "page",
    [
        "/admin/audits/assignment/?q=AMS&status__exact=submitted",
        "/admin/audits/assignment/?q=otto",
        "/admin/audits/visit/?q=amsterdam&kind__exact=mystery&status__exact=submitted",
        "/admin/audits/visit/?q=otto&passed__exact=1",
    ],
)
def test_assignments_and_visits_are_searchable_and_filterable(org_admin_browser, visit, page):
    assert len(results(org_admin_browser.get(page))) == 1


def test_filter_choices_name_nothing_of_another_organization(org_admin_browser, visit, theirs):
    for page in ("/admin/audits/assignment/", "/admin/audits/visit/", "/admin/checklists/checklistversion/"):
        content = org_admin_browser.get(page).content
        assert b"Rival" not in content and b"THEIRS" not in content, page
        assert b"Amsterdam Centraal" in content or page.endswith("checklistversion/")


def test_another_organizations_rows_cannot_be_opened(org_admin_browser, visit, theirs):
    pages = [
        f"/admin/checklists/checklist/{theirs['checklist'].pk}/change/",
        f"/admin/checklists/checklistversion/{theirs['checklist'].versions.get().pk}/change/",
        f"/admin/audits/assignment/{theirs['assignment'].pk}/change/",
        f"/admin/audits/visit/{theirs['visit'].pk}/change/",
    ]
    for page in pages:
        assert org_admin_browser.get(page).status_code == 302, page  # "does not exist", like a missing id


def test_versions_assignments_and_visits_are_read_only(org_admin_browser, visit, checklist):
    version = checklist.versions.get()
    pages = {
        f"/admin/checklists/checklistversion/{version.pk}/change/": {"pass_threshold": "1"},
        f"/admin/audits/assignment/{visit.assignment_id}/change/": {
            "instructions": "Changed",
            "status": "open",
        },
        f"/admin/audits/visit/{visit.pk}/change/": {"notes": "Changed", "status": "approved"},
    }
    for page, data in pages.items():
        shown = org_admin_browser.get(page)
        assert shown.status_code == 200, page
        assert b'name="_save"' not in shown.content, page
        assert org_admin_browser.post(page, data).status_code == 403, page
    for delete in (
        f"/admin/checklists/checklistversion/{version.pk}/delete/",
        f"/admin/audits/assignment/{visit.assignment_id}/delete/",
        f"/admin/audits/visit/{visit.pk}/delete/",
    ):
        assert org_admin_browser.post(delete, {"post": "yes"}).status_code == 403, delete
    assert org_admin_browser.get("/admin/audits/assignment/add/").status_code == 403
    visit.refresh_from_db()
    assert visit.notes == "Busy lunchtime." and visit.status == "submitted"
    assert Assignment.objects.get(pk=visit.assignment_id).instructions != "Changed"
    assert Visit.objects.filter(pk=visit.pk).exists()


def test_a_visit_page_shows_its_answers_and_history(org_admin_browser, visit):
    page = org_admin_browser.get(f"/admin/audits/visit/{visit.pk}/change/").content
    assert b"greeted" in page and b"warmth" in page  # answers inline
    assert b"submitted" in page  # history inline


def test_an_organization_admin_renames_a_checklist_but_never_edits_its_tree(org_admin_browser, checklist):
    page = f"/admin/checklists/checklist/{checklist.pk}/change/"
    assert b'name="_save"' in org_admin_browser.get(page).content
    version = checklist.versions.get()
    form = {
        "name": "Renamed",
        "description": "New words.",
        # The versions inline is shown read-only; its management form comes back as the page sent it.
        "versions-TOTAL_FORMS": "1",
        "versions-INITIAL_FORMS": "1",
        "versions-0-id": str(version.pk),
        "versions-0-checklist": str(checklist.pk),
    }
    response = org_admin_browser.post(page, form)
    assert response.status_code == 302
    checklist.refresh_from_db()
    assert checklist.name == "Renamed"
    assert checklist.versions.count() == 1
    assert org_admin_browser.get("/admin/checklists/checklist/add/").status_code == 403


def test_people_without_the_admin_role_see_none_of_it(org, auditor, visit):
    auditor.is_staff = True
    auditor.save()
    browser = Client()
    browser.force_login(auditor)
    for page in ("/admin/audits/visit/", "/admin/audits/assignment/", "/admin/checklists/checklist/"):
        assert browser.get(page).status_code == 403, page


def test_a_visit_is_found_by_part_of_its_id(org_admin_browser, visit):
    assert results(org_admin_browser.get("/admin/audits/visit/", {"q": str(visit.pk)[:8]})) == [visit]
