"""Report windows near the ends of the calendar are a 400 naming the date, never a 500.

Visits exist between the years 1970 and 9000 (``audits.submission``); report dates outside them
are refused, so that no derived window (the ranking's previous window, a trend's default start or
its last period's end) can leave Python's calendar.
"""

import pytest

REPORTS = [
    "/api/v1/reports/location-ranking/",
    "/api/v1/reports/item-performance/",
    "/api/v1/reports/perception-gap/",
    "/api/v1/locations/{location}/trend/",
    "/api/v1/regions/{region}/trend/",
]
EDGE_WINDOWS = [
    ({"from": "0001-01-01", "to": "0001-03-31"}, "from"),
    ({"from": "0001-01-01", "to": "0001-01-01"}, "from"),
    ({"to": "0001-01-05"}, "to"),
    ({"to": "9999-12-31"}, "to"),
    ({"from": "9999-10-01", "to": "9999-12-31"}, "from"),
    ({"from": "9999-12-27", "to": "9999-12-31"}, "from"),
    ({"from": "1969-12-31", "to": "1970-01-31"}, "from"),
    ({"from": "9000-12-01", "to": "9001-01-01"}, "to"),
]


# Trends in each period size; the other reports take no period.
REPORT_PERIODS = [
    (template, period)
    for template in REPORTS
    for period in (("week", "month", "quarter") if "trend" in template else (None,))
]


def _url(template, location, region):
    return template.format(location=location.pk, region=region.pk)


@pytest.mark.parametrize("window,attr", EDGE_WINDOWS)
@pytest.mark.parametrize("template,period", REPORT_PERIODS)
def test_windows_at_the_ends_of_the_calendar_are_a_400(
    client_for, admin, location, region, template, period, window, attr
):
    params = {**window, **({"period": period} if period else {})}

    response = client_for(admin).get(_url(template, location, region), params)

    assert response.status_code == 400, response.content
    body = response.json()
    assert body["type"] == "validation_error"
    errors = [{"code": error["code"], "attr": error["attr"]} for error in body["errors"]]
    assert {"code": "date_out_of_range", "attr": attr} in errors


@pytest.mark.parametrize("template", REPORTS)
def test_the_first_and_last_supported_days_answer_200(client_for, admin, location, region, template):
    client = client_for(admin)
    url = _url(template, location, region)
    for params in (
        {"from": "1970-01-01", "to": "1970-03-31", "period": "week"},
        {"from": "8999-10-01", "to": "9000-12-31", "period": "week"},
        {"to": "9000-12-31", "period": "quarter"},
        {"to": "1970-01-01", "period": "month"},
    ):
        if "trend" not in template:
            params.pop("period")
        response = client.get(url, params)
        assert response.status_code == 200, (params, response.content)


@pytest.mark.parametrize("window", [{"from": "0001-01-01"}, {"to": "9999-12-31"}])
def test_the_export_and_the_visit_list_take_any_date(client_for, admin, window):
    """Neither has a window to derive: the whole calendar is a plain filter (no rows)."""
    client = client_for(admin)
    export = client.get("/api/v1/exports/visits.csv", window)
    assert export.status_code == 200
    assert b"".join(export.streaming_content).count(b"\n") == 1  # the header row only
    listing = client.get("/api/v1/visits/", window)
    assert listing.status_code == 200 and listing.json()["results"] == []
