"""Every chart and figure of the dashboard equals the matching API report, for the same caller and filters.

Each test reads a page as a person gets it (its HTML, the chart specs beside the drawings, the
figures' ``data-value``) and asks the API, as the same person, with the page's own window (which the
filter bar states), region and checklist.
"""

import datetime as dt
import re

import pytest

from tests.dashboard.conftest import chart_specs, collect, kpi, kpi_before, number, series, window_of

pytestmark = pytest.mark.django_db


def _api_window(html: str) -> dict[str, str]:
    window = window_of(html)
    return {"from": window["from"], "to": window["to"]}


def _previous(window: dict[str, str]) -> dict[str, str]:
    first, last = dt.date.fromisoformat(window["from"]), dt.date.fromisoformat(window["to"])
    length = last - first + dt.timedelta(days=1)
    return {"from": (first - length).isoformat(), "to": (first - dt.timedelta(days=1)).isoformat()}


def _summary_from_api(client, params: dict) -> tuple[int, float | None, float | None]:
    """Visits, average and pass rate of a window as the API's reports give them."""
    ranking = client.get("/api/v1/reports/location-ranking/", params).json()["results"]
    gap = client.get("/api/v1/reports/perception-gap/", params).json()["overall"]
    visits = sum(row["visits"] for row in ranking)
    passed = sum(round(row["pass_rate"] * row["visits"] / 100) for row in ranking)
    pass_rate = round(passed * 100 / visits, 2) if visits else None
    return visits, gap["mystery_score"], pass_rate


@pytest.mark.parametrize("who", ["manager", "admin"])
@pytest.mark.parametrize("query", ["", "?window=182", "?window=364"])
def test_overview_trend_is_each_regions_trend_from_the_api(world, browse, api, who, query):
    user = getattr(world, who)
    html = browse(user).get(f"/dashboard/overview/{query}").content.decode()
    window = window_of(html)
    spec = chart_specs(html)["chart-regions"]

    regions = ["North"] if who == "manager" else ["North", "South"]
    assert [entry["name"] for entry in spec["data"]] == regions
    for name in regions:
        region = world.north if name == "North" else world.south
        body = api(user).get(f"/api/v1/regions/{region.pk}/trend/", {**window}).json()
        assert body["period"] == window["period"]
        assert spec["keys"] == [point["period_start"] for point in body["series"]]
        assert series(spec, name) == [point["average_score"] for point in body["series"]]
    assert any(value is not None for value in series(spec, "North"))


def test_overview_trend_follows_the_checklist_and_region_filters(world, browse, api):
    query = f"?region={world.north.pk}&checklist={world.checklist.pk}&window=182"
    html = browse(world.admin).get(f"/dashboard/overview/{query}").content.decode()
    spec = chart_specs(html)["chart-regions"]
    window = window_of(html)

    assert [entry["name"] for entry in spec["data"]] == ["North"]
    body = (
        api(world.admin)
        .get(f"/api/v1/regions/{world.north.pk}/trend/", {**window, "checklist": world.checklist.pk})
        .json()
    )
    assert series(spec, "North") == [point["average_score"] for point in body["series"]]


@pytest.mark.parametrize("who", ["manager", "admin", "staff"])
def test_overview_figures_and_their_change_are_the_reports_figures(world, browse, api, who):
    user = getattr(world, who)
    html = browse(user).get("/dashboard/overview/?window=28").content.decode()
    window = _api_window(html)
    client = api(user)

    visits, average, pass_rate = _summary_from_api(client, window)
    assert (int(kpi(html, "visits")), number(kpi(html, "average-score")), number(kpi(html, "pass-rate"))) == (
        visits,
        average,
        pass_rate,
    )
    before = _summary_from_api(client, _previous(window))
    assert (
        int(kpi_before(html, "visits")),
        number(kpi_before(html, "average-score")),
        number(kpi_before(html, "pass-rate")),
    ) == before
    assert visits > 0 and before[0] > 0


def test_overview_open_actions_and_disputes_are_the_api_lists(world, browse, api):
    client = api(world.manager)
    html = browse(world.manager).get("/dashboard/overview/").content.decode()

    assert int(kpi(html, "open-actions")) == len(collect(client, "/api/v1/actions/?status=open"))
    overdue = len(collect(client, "/api/v1/actions/?overdue=true"))
    assert int(kpi(html, "overdue-actions")) == overdue > 0
    assert int(kpi(html, "open-disputes")) == len(collect(client, "/api/v1/disputes/?status=open")) == 1


@pytest.mark.parametrize("who", ["manager", "admin"])
def test_ranking_rows_and_sparklines_are_the_api_ranking_and_location_trends(world, browse, api, who):
    user = getattr(world, who)
    html = browse(user).get("/dashboard/locations/?window=182").content.decode()
    window = window_of(html)
    client = api(user)
    ranking = client.get("/api/v1/reports/location-ranking/", _api_window(html)).json()["results"]
    specs = chart_specs(html)

    rows = [int(part.split('"')[0]) for part in html.split('<tr data-location="')[1:]]
    assert rows == [row["location"]["id"] for row in ranking]
    for row in ranking:
        assert f">{row['location']['name']}</a>" in html
        body = client.get(f"/api/v1/locations/{row['location']['id']}/trend/", window).json()
        spark = specs[f"spark-{row['location']['id']}"]
        assert spark["keys"] == [point["period_start"] for point in body["series"]]
        assert series(spark, "Average score") == [point["average_score"] for point in body["series"]]


@pytest.mark.parametrize("who", ["manager", "staff"])
def test_location_trend_and_its_sections_are_the_api_location_trend(world, browse, api, who):
    user = getattr(world, who)
    html = browse(user).get(f"/dashboard/locations/{world.amsterdam.pk}/?window=182").content.decode()
    window = window_of(html)
    spec = chart_specs(html)["chart-trend"]
    body = api(user).get(f"/api/v1/locations/{world.amsterdam.pk}/trend/", window).json()

    assert spec["keys"] == [point["period_start"] for point in body["series"]]
    assert series(spec, "Average score") == [point["average_score"] for point in body["series"]]
    for section, title in (("greeting", "Greeting"), ("service", "Service")):
        assert series(spec, title) == [point["sections"].get(section) for point in body["series"]]


@pytest.mark.parametrize("who", ["manager", "staff"])
def test_perception_gap_chart_is_the_api_perception_gap(world, browse, api, who):
    user = getattr(world, who)
    html = browse(user).get(f"/dashboard/locations/{world.amsterdam.pk}/?window=182").content.decode()
    params = {**_api_window(html), "location": world.amsterdam.pk}
    gap = api(user).get("/api/v1/reports/perception-gap/", params).json()
    spec = chart_specs(html)["chart-gap"]

    assert spec["type"] == "BarChart"
    assert spec["keys"] == [f"{row['checklist']}:{row['item']}" for row in gap["results"]]
    assert series(spec, "Self-assessment") == [row["self_assessment_score"] for row in gap["results"]]
    assert series(spec, "Mystery visits") == [row["mystery_score"] for row in gap["results"]]
    assert number(kpi(html, "gap")) == gap["overall"]["gap"] is not None
    assert number(kpi(html, "self-assessment")) == gap["overall"]["self_assessment_score"]


def test_location_weakest_items_and_recent_visits_are_the_api_lists(world, browse, api):
    html = (
        browse(world.manager).get(f"/dashboard/locations/{world.amsterdam.pk}/?window=182").content.decode()
    )
    window = _api_window(html)
    client = api(world.manager)
    items = client.get("/api/v1/reports/item-performance/", {**window, "location": world.amsterdam.pk}).json()
    visits = client.get("/api/v1/visits/", {**window, "location": world.amsterdam.pk}).json()["results"]

    shown_items = [part.split('"')[0] for part in html.split('<tr data-item="')[1:]]
    assert shown_items == [f"{row['checklist']}:{row['item']}" for row in items["results"][:10]]
    shown_visits = [part.split('"')[0] for part in html.split('<tr data-visit="')[1:]]
    assert shown_visits == [visit["id"] for visit in visits[:10]]


def test_disputes_queue_figures_are_the_disputes_report(world, browse, api):
    html = browse(world.manager).get("/dashboard/disputes/").content.decode()
    report = api(world.manager).get("/api/v1/reports/disputes/", _api_window(html)).json()["overall"]
    assert number(kpi(html, "dispute-rate")) == report["dispute_rate"]
    assert number(kpi(html, "upheld-rate")) == report["upheld_rate"]
    open_rows = html.split('data-table="waiting-for-a-decision"')[1].split("</table>")[0]
    assert open_rows.count("<tr data-dispute=") == 1


@pytest.mark.parametrize("who", ["manager", "staff", "admin"])
def test_actions_board_columns_are_the_api_action_lists(world, browse, api, who):
    user = getattr(world, who)
    html = browse(user).get("/dashboard/actions/").content.decode()
    client = api(user)
    for status in ("open", "resolved", "verified"):
        expected = collect(client, f"/api/v1/actions/?status={status}")
        column = html.split(f'data-column="{status}"')[1].split("</section>")[0]
        assert column.startswith(f' data-total="{len(expected)}"')
        shown = re.findall(r'<article class="card[^"]*" data-action="([^"]+)"', column)
        assert sorted(shown) == sorted(action["id"] for action in expected)
        if status == "open":
            flags = [action["overdue"] for action in sorted(expected, key=lambda a: shown.index(a["id"]))]
            assert flags == sorted(flags, reverse=True)  # overdue first
