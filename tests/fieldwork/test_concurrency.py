"""Concurrent claims of one job, with real threads (PostgreSQL only): exactly one wins."""

import pytest
from django.db import connection

from accounts.models import Role
from audits.models import Assignment
from fieldwork.models import AuditorProfile, JobClaim
from fieldwork.services import job_claim
from tests.concurrency import race
from tests.factories import UserFactory
from webhooks.models import Event

from .conftest import HOME

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's real row locks"),
    pytest.mark.django_db(transaction=True),
]


def auditor_at_home(org):
    user = UserFactory(organization=org, role=Role.AUDITOR)
    AuditorProfile.objects.create(user=user, organization=org, home_latitude=HOME[0], home_longitude=HOME[1])
    return user


def test_of_concurrent_claims_exactly_one_wins(org, make_job):
    job = make_job()
    auditors = [auditor_at_home(org) for _ in range(6)]
    outcomes = race(
        *[lambda user=user: job_claim(user=user, job_id=job.pk) for user in auditors],
        outcome=lambda claimed: "won",
    )
    assert outcomes == ["already_claimed"] * 5 + ["won"]
    winner = Assignment.objects.get(pk=job.pk).auditor_id
    assert winner in {user.pk for user in auditors}
    assert list(JobClaim.objects.values_list("auditor_id", flat=True)) == [winner]
    assert Event.objects.filter(type="job.claimed").count() == 1


def test_one_auditors_parallel_claims_keep_the_daily_cap(org, make_job):
    user = auditor_at_home(org)
    jobs = [make_job() for _ in range(org.daily_claim_cap + 3)]
    outcomes = race(
        *[lambda job=job: job_claim(user=user, job_id=job.pk) for job in jobs], outcome=lambda claimed: "won"
    )
    assert outcomes == ["daily_cap"] * 3 + ["won"] * org.daily_claim_cap
    assert JobClaim.objects.filter(auditor=user).count() == org.daily_claim_cap
    assert Assignment.objects.filter(auditor=user).count() == org.daily_claim_cap
