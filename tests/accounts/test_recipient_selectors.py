"""Who hears of what happens at a location, and by which clock (``accounts.selectors``, read by
notifications)."""

from accounts.models import Location, Role
from accounts.selectors import people_overseeing, people_with_timezones, person_timezone, staff_of
from tests.factories import UserFactory


def test_people_overseeing_a_location_are_its_regions_managers_and_the_admins(
    org, other_region, location, admin, manager, other_org
):
    UserFactory(organization=org, role=Role.MANAGER, regions=[other_region])
    UserFactory(organization=org, role=Role.ADMIN, is_active=False)
    UserFactory(organization=org, role=Role.STAFF, locations=[location])
    UserFactory(organization=other_org, role=Role.ADMIN)

    assert sorted(p.username for p in people_overseeing(location)) == ["alice", "manny"]


def test_staff_of_a_location_are_its_active_staff(org, location, other_location, staff):
    UserFactory(organization=org, role=Role.STAFF, locations=[other_location])
    UserFactory(organization=org, role=Role.STAFF, locations=[location], is_active=False)

    assert [p.username for p in staff_of(location)] == ["stella"]


def test_a_persons_time_zone_is_their_locations_else_their_organizations(
    org, location, staff, manager, django_assert_num_queries
):
    org.timezone = "Asia/Tokyo"
    org.save()
    Location.objects.filter(pk=location.pk).update(timezone="America/Chicago")

    with django_assert_num_queries(2):  # the people with their organization, their locations
        zones = {p.username: person_timezone(p) for p in people_with_timezones(roles=("staff", "manager"))}

    assert zones == {"stella": "America/Chicago", "manny": "Asia/Tokyo"}
