"""``DATABASE_REPLICA_URL``: report and export reads go to the ``replica`` alias, the rest to the primary.

The test settings define ``replica`` as a mirror of the test database (what a streaming replica is
to its primary); ``REPLICA_READS`` is what ``DATABASE_REPLICA_URL`` turns on.
"""

import datetime as dt

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext, override_settings

from audits.models import Visit
from core.replica import REPLICA, ReplicaRouter, read_alias, replica_reads

from .factories import local, make_visit


def test_reads_go_to_the_replica_only_inside_replica_reads_and_only_when_configured():
    router = ReplicaRouter()
    with override_settings(REPLICA_READS=True):
        assert router.db_for_read(Visit) == "default"
        with replica_reads():
            assert router.db_for_read(Visit) == REPLICA == read_alias()
            assert router.db_for_write(Visit) == "default"
        assert read_alias() == "default"
    with override_settings(REPLICA_READS=False), replica_reads():
        assert router.db_for_read(Visit) == "default"
    assert router.allow_migrate(REPLICA, "audits") is False
    assert router.allow_migrate("default", "audits") is True


@pytest.mark.django_db(transaction=True, databases=["default", REPLICA])
@override_settings(REPLICA_READS=True)
def test_reports_and_exports_read_the_replica_and_visits_the_primary(client_for, admin, location, org):
    from checklists.models import Checklist  # noqa: PLC0415 - after the transactional database is set up

    checklist = Checklist.objects.filter(organization=org).first()
    if checklist is None:
        from tests.factories import ChecklistFactory  # noqa: PLC0415 - as above

        checklist = ChecklistFactory(organization=org)
    today = dt.date.today()
    visit = make_visit(
        location=location,
        checklist=checklist,
        started_at=local(f"{today - dt.timedelta(days=3)} 10:00", location.timezone),
        score=81.25,
        answers=[("greeting", "smile", 0.5)],
    )
    client = client_for(admin)
    replica, primary = connections[REPLICA], connections["default"]
    for url in ("/api/v1/reports/item-performance/", "/api/v1/exports/visits.csv"):
        with CaptureQueriesContext(replica) as on_replica, CaptureQueriesContext(primary) as on_primary:
            response = client.get(url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
        assert response.status_code == 200
        assert b"smile" in body  # the replica's copy has the visit
        report_sql = " ".join(q["sql"] for q in on_replica.captured_queries)
        assert "audits_" in report_sql
        assert not any("audits_" in q["sql"] for q in on_primary.captured_queries)

    with CaptureQueriesContext(replica) as on_replica:
        response = client.get(f"/api/v1/visits/{visit.pk}/")
    assert response.status_code == 200
    assert on_replica.captured_queries == []
