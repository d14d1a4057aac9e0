"""A photo upload keeps its visit's photo flags current, in the photo's transaction."""

import datetime as dt

from audits.models import Visit, VisitFlag

from . import images
from .factories import make_visit


def _timed(visit, start):
    Visit.objects.filter(pk=visit.pk).update(started_at=start, ended_at=start + dt.timedelta(minutes=20))
    visit.refresh_from_db()
    return visit


def codes(visit):
    visit.refresh_from_db()
    return [flag["code"] for flag in visit.flags]


def test_a_photo_taken_long_before_the_visit_flags_it(client_for, auditor, visit, upload):
    visit = _timed(visit, dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC))
    client = client_for(auditor)
    inside = images.jpeg(taken="2026:11:20 10:05:00", offset="+01:00")  # 09:05 UTC, in the visit
    assert upload(client, visit, inside).status_code == 201
    assert codes(visit) == []
    early = images.jpeg(images.scene(seed=23), taken="2026:11:20 09:20:00", offset="+01:00")  # 08:20 UTC
    assert upload(client, visit, early).status_code == 201
    assert codes(visit) == ["photo_time_mismatch"] and visit.risk == 1
    assert list(VisitFlag.objects.filter(visit=visit).values_list("code", flat=True)) == [
        "photo_time_mismatch"
    ]
    response = client.get(f"/api/v1/visits/{visit.pk}/")
    assert [flag["code"] for flag in response.json()["flags"]] == ["photo_time_mismatch"]


def test_a_reused_photo_flags_the_visit(client_for, auditor, location, checklist, upload):
    client = client_for(auditor)
    first = make_visit(location=location, auditor=auditor, checklist=checklist)
    later = make_visit(location=location, auditor=auditor, checklist=checklist)
    picture = images.jpeg()
    assert upload(client, first, picture).json()["reused"] is False
    assert codes(first) == []
    assert upload(client, later, picture).json()["reused"] is True
    assert codes(later) == ["reused_photo"]
    assert client.get("/api/v1/visits/", {"flag": "reused_photo"}).json()["results"][0]["id"] == str(later.pk)
