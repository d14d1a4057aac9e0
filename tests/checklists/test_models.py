"""A published version never changes, whichever way the ORM is asked; inserts are normalized."""

import pytest

from checklists.definition import version_etag
from checklists.models import ChecklistVersion, ImmutableVersionError
from tests.factories import SIMPLE_SECTIONS, ChecklistFactory

pytestmark = pytest.mark.django_db


def test_saving_a_published_version_again_is_refused(checklist):
    version = checklist.versions.get()
    version.pass_threshold = 10
    with pytest.raises(ImmutableVersionError):
        version.save()
    version.refresh_from_db()
    assert version.pass_threshold == 80


def test_deleting_a_version_is_refused(checklist):
    version = checklist.versions.get()
    with pytest.raises(ImmutableVersionError):
        version.delete()
    assert ChecklistVersion.objects.filter(pk=version.pk).exists()


def test_bulk_update_through_the_queryset_is_refused(checklist):
    with pytest.raises(ImmutableVersionError):
        ChecklistVersion.objects.filter(checklist=checklist).update(pass_threshold=10)
    with pytest.raises(ImmutableVersionError):
        ChecklistVersion.objects.update(sections=[])
    with pytest.raises(ImmutableVersionError):
        checklist.versions.update(pass_threshold=10)
    assert checklist.versions.get().pass_threshold == 80


def test_bulk_delete_through_the_queryset_is_refused(checklist):
    with pytest.raises(ImmutableVersionError):
        ChecklistVersion.objects.filter(checklist=checklist).delete()
    with pytest.raises(ImmutableVersionError):
        checklist.versions.all().delete()
    assert checklist.versions.count() == 1


def test_bulk_update_of_objects_is_refused(checklist):
    version = checklist.versions.get()
    version.pass_threshold = 10
    with pytest.raises(ImmutableVersionError):
        ChecklistVersion.objects.bulk_update([version], ["pass_threshold"])


def test_any_inserted_version_is_stored_normalized_with_its_fingerprint(org):
    # Even versions made outside the service (factories, fixtures) are normalized.
    checklist = ChecklistFactory(organization=org, sections=SIMPLE_SECTIONS)
    version = checklist.versions.get()
    item = version.sections[0]["items"][0]
    assert item["critical"] is False and item["allow_na"] is False and item["photo"] == {"min": 0, "max": 3}
    assert version.etag == version_etag(
        checklist_id=checklist.pk, number=1, pass_threshold=version.pass_threshold, sections=version.sections
    )
    assert SIMPLE_SECTIONS[0]["items"][0].get("photo") is None  # the shared constant is untouched
