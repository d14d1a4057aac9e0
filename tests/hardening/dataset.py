"""A small but complete organization (plus a foreign one) for fuzzing and tenancy tests."""

from dataclasses import dataclass, field

from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import Role
from accounts.services import api_key_create
from tests.factories import (
    AssignmentFactory,
    ChecklistFactory,
    LocationFactory,
    OrganizationFactory,
    RegionFactory,
    UserFactory,
)


@dataclass
class Dataset:
    org: object
    users: dict
    objects: dict = field(default_factory=dict)
    keys: dict = field(default_factory=dict)

    def auth_header(self, role: str) -> str:
        if role.startswith("api_key"):
            return f"Api-Key {self.keys[role]}"
        return f"Bearer {RefreshToken.for_user(self.users[role]).access_token}"


def build_dataset(name: str = "Fuzz Org") -> Dataset:
    org = OrganizationFactory(name=name)
    region = RegionFactory(organization=org)
    location = LocationFactory(region=region, organization=org)
    users = {
        "admin": UserFactory(organization=org, role=Role.ADMIN),
        "manager": UserFactory(organization=org, role=Role.MANAGER, regions=[region]),
        "auditor": UserFactory(organization=org, role=Role.AUDITOR),
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
    data.keys["api_key"] = api_key_create(organization=org, name="fuzz", scopes=["read"], created_by=None)[1]
    data.keys["api_key_write"] = api_key_create(
        organization=org, name="fuzz-w", scopes=["read", "write"], created_by=None
    )[1]
    return data
