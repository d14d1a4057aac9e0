"""Callers for the accounts tests: every role, in and out of scope, keys, strangers."""

import pytest

from accounts.models import Role
from tests.factories import AssignmentFactory, UserFactory


@pytest.fixture
def manager_elsewhere(org, other_region):
    """A manager of the *other* region: the test location is outside their scope."""
    return UserFactory(organization=org, role=Role.MANAGER, username="morgan", regions=[other_region])


@pytest.fixture
def assigned_auditor(auditor, location):
    """The auditor, sent to ``location`` by one assignment."""
    AssignmentFactory(location=location, auditor=auditor)
    return auditor


@pytest.fixture
def caller(request, client_for, key_client_for, anon, org):
    """``caller(name)`` -> an APIClient acting as that principal."""

    def make(name):
        if name == "anonymous":
            return anon
        if name == "key_read":
            return key_client_for(org, ["read"])
        if name == "key_write":
            return key_client_for(org, ["read", "write"])
        return client_for(request.getfixturevalue(name))

    return make
