"""``seed_demo`` shows fieldwork: auditors with homes, jobs on their board, payouts pending and paid."""

import io

from django.core.management import call_command

from accounts.models import User
from fieldwork.models import Payout
from tests.conftest import jwt_client


def test_the_demo_has_homes_jobs_and_payouts_in_each_state(db):
    call_command("seed_demo", weeks=2, stdout=io.StringIO())
    sam, kim = User.objects.get(username="demo-auditor"), User.objects.get(username="demo-auditor-2")
    for auditor in (sam, kim):
        me = jwt_client(auditor).get("/api/v1/me/auditor/").json()
        assert me["home"] is not None
        assert jwt_client(auditor).get("/api/v1/jobs/").json()["results"], auditor.username
    assert set(Payout.objects.values_list("status", flat=True)) == {"pending", "paid"}
    pending = Payout.objects.get(status="pending")
    assert (str(pending.expenses), pending.currency) == ("6.40", "EUR")
    assert jwt_client(kim).get("/api/v1/me/auditor/").json()["decided_visits"] >= 2
