"""The admin site lists checklists and shows version trees without letting anyone edit them."""

import pytest
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(org):
    client = Client()
    client.force_login(UserFactory(organization=org, is_staff=True, is_superuser=True))
    return client


def test_admin_lists_checklists_and_shows_a_version_read_only(site, checklist):
    version = checklist.versions.get()
    assert site.get("/admin/checklists/checklist/").status_code == 200
    assert site.get(f"/admin/checklists/checklist/{checklist.pk}/change/").status_code == 200
    page = site.get(f"/admin/checklists/checklistversion/{version.pk}/change/")
    assert page.status_code == 200
    assert b"greeted_within_30s" in page.content
    assert b'name="_save"' not in page.content


def test_admin_cannot_delete_a_version(site, checklist):
    version = checklist.versions.get()
    response = site.post(f"/admin/checklists/checklistversion/{version.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert checklist.versions.count() == 1
