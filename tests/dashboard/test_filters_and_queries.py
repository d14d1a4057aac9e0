"""Every page's URL carries its filters (bookmark it, share it), and each page costs a bounded
number of queries whatever the amount of data."""

import datetime as dt
import re

import pytest

from reports.serializers import today
from tests.dashboard.conftest import _mystery, window_of
from tests.factories import LocationFactory

pytestmark = pytest.mark.django_db


def test_the_window_region_and_checklist_come_from_the_url(world, browse):
    client = browse(world.admin)
    query = f"?window=28&region={world.north.pk}&checklist={world.checklist.pk}"
    html = client.get(f"/dashboard/overview/{query}").content.decode()
    window = window_of(html)
    assert window["to"] == today().isoformat()
    assert dt.date.fromisoformat(window["to"]) - dt.date.fromisoformat(window["from"]) == dt.timedelta(
        days=27
    )
    assert window["period"] == "week"
    assert re.search(r'<option value="28" selected>', html)
    assert re.search(rf'<option value="{world.north.pk}" selected>North</option>', html)
    # Every link to another page keeps the filters.
    for page in ("overview", "locations", "actions", "disputes"):
        assert f'href="/dashboard/{page}/{query.replace("&", "&amp;")}"' in html


def test_a_visit_opened_from_a_filtered_page_keeps_the_filters_in_its_links(world, browse):
    client = browse(world.manager)
    query = f"?window=182&region={world.north.pk}"
    location = client.get(f"/dashboard/locations/{world.amsterdam.pk}/{query}").content.decode()
    link = re.search(r'href="(/dashboard/visits/[0-9a-f-]+/[^"]*)"', location).group(1).replace("&amp;", "&")
    assert link.endswith(query)
    visit = client.get(link).content.decode()
    assert f'href="/dashboard/locations/{world.amsterdam.pk}/{query.replace("&", "&amp;")}"' in visit
    assert f'href="/dashboard/overview/{query.replace("&", "&amp;")}"' in visit


def test_custom_dates_make_a_window_and_long_ones_go_by_month(world, browse):
    client = browse(world.admin)
    html = client.get("/dashboard/locations/?window=custom&from=2026-01-01&to=2026-09-30").content.decode()
    assert window_of(html) == {"from": "2026-01-01", "to": "2026-09-30", "period": "month"}
    dates_only = client.get("/dashboard/overview/?from=2026-03-01&to=2026-03-31").content.decode()
    assert window_of(dates_only) == {"from": "2026-03-01", "to": "2026-03-31", "period": "week"}
    # A preset wins over dates left in the form.
    preset = client.get("/dashboard/overview/?window=90&from=2026-03-01").content.decode()
    assert window_of(preset)["to"] == today().isoformat()


@pytest.mark.parametrize(
    "query, message",
    [
        ("?window=7", "Select a valid choice"),
        ("?window=custom&from=2026-05-01&to=2026-04-01", "must not end before it starts"),
        ("?window=custom&from=2019-01-01&to=2026-01-01", "at most 1098 days"),
        ("?window=custom&from=1066-10-14", "Must fall between the years"),
        ("?from=tomorrow", "Enter a valid date"),
        ("?region=abc", "Select a valid choice"),
        ("?checklist=99999999999999999999999", "Select a valid choice"),
    ],
)
def test_filters_that_cannot_be_used_say_why(world, browse, query, message):
    response = browse(world.manager).get(f"/dashboard/overview/{query}")
    assert response.status_code == 400
    assert message in response.content.decode()


def test_ranking_pages_carry_the_filters(world, browse):
    for n in range(30):
        site = LocationFactory(region=world.north, code=f"X{n:02d}", name=f"Extra {n:02d}")
        _mystery(
            (world.checklist, world.auditor), site, dt.datetime.now(dt.UTC) - dt.timedelta(days=3), n % 5
        )
    html = browse(world.manager).get("/dashboard/locations/?window=28").content.decode()
    assert "page 1 of 2" in html
    assert 'href="/dashboard/locations/?window=28&amp;page=2"' in html
    second = browse(world.manager).get("/dashboard/locations/?window=28&page=2").content.decode()
    assert second.count('<tr data-location="') == 32 - 25


def _count(client, url, django_assert_max_num_queries, limit):
    with django_assert_max_num_queries(limit) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _more_history(world, weeks=6):
    """Twice the visits, with more answers, actions and disputes to render."""
    for visit in list(world.visits):
        when = visit.started_at - dt.timedelta(days=1)
        _mystery((world.checklist, world.auditor), visit.location, when, 2)


# Queries per page: the session and the user (2), the filter bar's regions and checklists (2), then
# the page's selectors: overview 9 (two summaries, two trend queries for its one region, the
# ranking, open and overdue actions, open disputes); ranking 1 + 2 per row on the page (at most 25
# rows); location 14; visit 8 (it has no filter bar); board 3 (a query per column); disputes queue 6.
PAGES = [
    ("manager", "/dashboard/overview/", 13),
    ("manager", "/dashboard/locations/", 9),
    ("staff", "/dashboard/locations/{amsterdam}/", 18),
    ("manager", "/dashboard/visits/{visit}/", 10),
    ("staff", "/dashboard/visits/{visit}/", 10),
    ("manager", "/dashboard/actions/", 7),
    ("manager", "/dashboard/disputes/", 10),
]


@pytest.mark.parametrize("who, url, limit", PAGES)
def test_each_page_costs_a_bounded_number_of_queries_whatever_the_data(
    world, browse, django_assert_max_num_queries, who, url, limit
):
    client = browse(getattr(world, who))
    url = url.format(amsterdam=world.amsterdam.pk, visit=world.disputed.pk)
    before = _count(client, url, django_assert_max_num_queries, limit)
    _more_history(world)
    after = _count(client, url, django_assert_max_num_queries, limit)
    assert after == before
