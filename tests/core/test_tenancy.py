"""The tenancy helpers themselves: fetch-and-authorize and the region scope."""

import pytest
from django.http import Http404

from accounts.models import Location, Region
from checklists.models import Checklist
from core.tenancy import auditor_reach, get_scoped_or_404, scope_regions, scope_rows


@pytest.mark.parametrize("bad", ["abc", "", None, "99999999999999999999", 2**63, -(2**63) - 1, "1.0", [1]])
def test_ids_that_cannot_exist_raise_404(location, bad):
    with pytest.raises(Http404):
        get_scoped_or_404(Location.objects.all(), pk=bad)


def test_the_largest_possible_id_is_just_missing(location):
    with pytest.raises(Http404):
        get_scoped_or_404(Location.objects.all(), pk=2**63 - 1)


def test_found_when_in_scope(location, staff):
    visible = scope_rows(Location.objects.all(), staff, location="")

    assert get_scoped_or_404(visible, pk=str(location.pk)) == location


def test_out_of_scope_is_the_same_404_as_missing(other_location, staff):
    visible = scope_rows(Location.objects.all(), staff, location="")

    with pytest.raises(Http404):
        get_scoped_or_404(visible, pk=other_location.pk)


def test_a_principal_without_organization_sees_nothing(location):
    class Stranger:
        organization_id = None
        role = "admin"

    assert not scope_rows(Location.objects.all(), Stranger(), location="").exists()
    assert not scope_regions(Region.objects.all(), Stranger()).exists()


def test_unknown_roles_see_nothing(location, admin):
    admin.role = "visitor"

    assert not scope_rows(Location.objects.all(), admin, location="").exists()


def test_auditor_reach_is_registered_by_the_app_that_owns_assignments(auditor):
    assert auditor_reach(Location, auditor) is not None
    assert auditor_reach(Checklist, auditor) is not None
    assert auditor_reach(Region, auditor) is None  # regions follow from locations
