"""The dashboard in a real headless Chromium (Debian's ``chromium``, driven by Playwright), as people use it.

One server for the module: gunicorn on 127.0.0.1 over a fresh SQLite database seeded by
``seed_demo`` (the demo organization: three regions, stores in three time zones, every role). For
every page and role, at desktop and phone size: no console error, no request to a host other than
127.0.0.1, every chart drawn with a nonzero size and the same numbers as the API (asked as the same
person, over HTTP, with the page's own window), no serious or critical accessibility violation
(axe-core), no horizontal scroll at 390 x 844; a manager never sees another region's store and staff
never see an auditor's name. Screenshots of each page at both sizes go to
``tests/dashboard/artifacts/`` (kept out of git).

Without Chromium or Playwright the module is skipped with a loud message, except under ``CI=true``,
where it fails (``.ci/run`` installs Debian's chromium). It runs once, on the SQLite leg: its
server has its own database whatever the suite's.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from tests.browsers import chromium
from tests.servers import seeded_gunicorn

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
PASSWORD = "Demo-Coffee-2026"
SIZES = {"desktop": (1280, 800), "phone": (390, 844)}
# Another region's stores (the demo manager has Benelux and US East) and the auditors' names.
JAPAN = ("Tokyo Shibuya", "Osaka Umeda", "TYO-01", "OSA-01", "Japan")
AUDITORS = ("Sam Shopper", "Kim Shopper", "demo-auditor")

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser"), pytest.mark.slow]


@dataclass
class Server:
    url: str
    tokens: dict[str, str] = field(default_factory=dict)

    def api(self, username: str, path: str, params: dict | None = None) -> dict:
        if username not in self.tokens:
            response = requests.post(
                f"{self.url}/api/v1/auth/token/",
                json={"username": username, "password": PASSWORD},
                timeout=30,
            )
            response.raise_for_status()
            self.tokens[username] = response.json()["access"]
        response = requests.get(
            f"{self.url}{path}",
            params=params,
            headers={"Authorization": f"Bearer {self.tokens[username]}"},
            timeout=30,
        )
        response.raise_for_status()
        return response.json()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if "postgres" in os.environ.get("DATABASE_URL", ""):
        pytest.skip("The browser tests run on the SQLite leg (their server has its own SQLite database).")
    home = tmp_path_factory.mktemp("dashboard-server")
    with seeded_gunicorn(
        home, settings_module="tests.dashboard.server_settings", weeks=14, env={"THROTTLE_AUTH": "1000/min"}
    ) as url:
        yield Server(url=url)


@pytest.fixture(scope="module")
def browser(server):
    with chromium("the dashboard's browser tests") as launched:
        yield launched


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe  # noqa: PLC0415 - optional, like Playwright

    return Axe()


class Visitor:
    """One person in one browser window size: signs in, opens pages, records what went wrong."""

    def __init__(self, browser, server: Server, username: str, size: str):
        self.server, self.username, self.size = server, username, size
        width, height = SIZES[size]
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.foreign: list[str] = []
        self.page.on("console", lambda message: self._console(message))
        self.page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        self.page.on("request", lambda request: self._request(request.url))

    def _console(self, message) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text} ({message.location.get('url')})")

    def _request(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about"):
            return
        if parts.hostname != "127.0.0.1":
            self.foreign.append(url)

    def sign_in(self) -> str:
        self.page.goto(f"{self.server.url}/dashboard/login/")
        self.page.fill("#id_username", self.username)
        self.page.fill("#id_password", PASSWORD)
        with self.page.expect_navigation():
            self.page.click("main button[type=submit]")
        self.page.wait_for_load_state("load")
        return urlsplit(self.page.url).path

    def open(self, path: str) -> int:
        response = self.page.goto(f"{self.server.url}{path}")
        self.page.wait_for_load_state("load")
        if self.page.locator("div.chart").count():
            self.page.wait_for_function("document.documentElement.dataset.charts === 'drawn'", timeout=15000)
        return response.status if response else 0

    def close(self) -> None:
        self.context.close()


# --- what every page must hold to -------------------------------------------------------------

DRAWN = """() => Array.from(document.querySelectorAll('div.chart')).map(div => {
  const chart = window.Chartkick.charts[div.id];
  const canvas = div.querySelector('canvas');
  const data = chart ? chart.getChartObject().data : null;
  return {
    id: div.id,
    width: canvas ? canvas.getBoundingClientRect().width : 0,
    height: canvas ? canvas.getBoundingClientRect().height : 0,
    series: data ? data.datasets.map(d => ({name: d.label,
        values: d.data.map(v => (typeof v === 'number' && !Number.isNaN(v)) ? v : null)})) : [],
  };
})"""


def _window(page) -> dict[str, str]:
    element = page.locator("p.window")
    return {name: element.get_attribute(f"data-{name}") for name in ("from", "to", "period")}


def _expected(server: Server, username: str, chart_id: str, window: dict[str, str], path: str) -> dict:
    """The chart's series as the API gives them to ``username`` for the page's window."""
    params = {"from": window["from"], "to": window["to"]}
    trend_params = {**params, "period": window["period"]}
    if chart_id == "chart-regions":
        regions = {r["name"]: r["id"] for r in server.api(username, "/api/v1/regions/")["results"]}
        return {
            name: [
                p["average_score"]
                for p in server.api(username, f"/api/v1/regions/{pk}/trend/", trend_params)["series"]
            ]
            for name, pk in regions.items()
        }
    if chart_id.startswith("spark-"):
        location = chart_id.removeprefix("spark-")
        body = server.api(username, f"/api/v1/locations/{location}/trend/", trend_params)
        return {"Average score": [p["average_score"] for p in body["series"]]}
    location = path.rstrip("/").rsplit("/", 1)[-1]
    if chart_id == "chart-trend":
        body = server.api(username, f"/api/v1/locations/{location}/trend/", trend_params)
        expected = {"Average score": [p["average_score"] for p in body["series"]]}
        sections = sorted({key for p in body["series"] for key in p["sections"]})
        for key in sections:
            title = key.replace("_", " ").replace("-", " ").strip().capitalize()
            expected[title] = [p["sections"].get(key) for p in body["series"]]
        return expected
    if chart_id == "chart-gap":
        gap = server.api(username, "/api/v1/reports/perception-gap/", {**params, "location": location})
        return {
            "Self-assessment": [row["self_assessment_score"] for row in gap["results"]],
            "Mystery visits": [row["mystery_score"] for row in gap["results"]],
        }
    raise AssertionError(f"no API report known for {chart_id}")


def _close(a: list, b: list) -> bool:
    return len(a) == len(b) and all(
        (x is None and y is None) or (x is not None and y is not None and math.isclose(x, y, abs_tol=1e-9))
        for x, y in zip(a, b, strict=True)
    )


def check_page(visitor: Visitor, axe, path: str, name: str, problems: list[str]) -> None:
    """Open ``path`` and hold it to every rule; what breaks is added to ``problems``."""
    where = f"{visitor.username} {name} ({visitor.size})"
    status = visitor.open(path)
    page = visitor.page
    if status != 200:
        problems.append(f"{where}: HTTP {status}")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{visitor.username}-{name}-{visitor.size}.png"), full_page=True)

    for chart in page.evaluate(DRAWN):
        if chart["width"] <= 0 or chart["height"] <= 0:
            problems.append(f"{where}: chart {chart['id']} not drawn ({chart['width']}x{chart['height']})")
        drawn = {series["name"]: series["values"] for series in chart["series"]}
        expected = _expected(visitor.server, visitor.username, chart["id"], _window(page), path)
        if drawn.keys() != expected.keys() or not all(_close(drawn[k], expected[k]) for k in expected):
            problems.append(f"{where}: chart {chart['id']} draws {drawn}, the API says {expected}")

    if visitor.size == "phone":  # axe at the narrow size, where layout-bound rules (scrolling regions) bite
        serious = [
            f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
            for v in axe.run(page).response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        if serious:
            problems.append(f"{where}: accessibility {serious}")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 0:
            problems.append(f"{where}: scrolls sideways by {overflow}px at 390 px")

    text = page.evaluate("document.documentElement.innerText") + page.content()
    if visitor.username == "demo-manager":
        problems.extend(f"{where}: shows {word!r} (another region)" for word in JAPAN if word in text)
    if visitor.username == "demo-staff":
        problems.extend(f"{where}: shows the auditor {word!r}" for word in AUDITORS if word in text)
    if visitor.errors:
        problems.append(f"{where}: {visitor.errors}")
        visitor.errors.clear()
    if visitor.foreign:
        problems.append(f"{where}: requests to other hosts {visitor.foreign}")
        visitor.foreign.clear()


def _pages(server: Server, username: str) -> dict[str, str]:
    """The pages a person checks: every page, with a store and a visit they see."""
    amsterdam = next(
        row["id"] for row in server.api(username, "/api/v1/locations/")["results"] if row["code"] == "AMS-01"
    )
    disputed = server.api(username, "/api/v1/disputes/", {"status": "open", "location": amsterdam})["results"]
    visits = server.api(username, "/api/v1/visits/", {"location": amsterdam, "kind": "mystery"})["results"]
    visit = disputed[0]["visit"] if disputed else visits[0]["id"]
    return {
        "overview": "/dashboard/overview/",
        "ranking": "/dashboard/locations/?window=182",
        "location": f"/dashboard/locations/{amsterdam}/",
        "visit": f"/dashboard/visits/{visit}/",
        "actions": "/dashboard/actions/",
        "disputes": "/dashboard/disputes/?window=364",
    }


LANDING = {"demo-manager": "/dashboard/overview/", "demo-admin": "/dashboard/overview/"}


@pytest.mark.parametrize("username", ["demo-manager", "demo-staff", "demo-admin"])
def test_every_page_holds_for_every_role_and_size(server, browser, axe, username):
    pages = _pages(server, username)
    problems: list[str] = []
    for size in SIZES:
        visitor = Visitor(browser, server, username, size)
        try:
            landed = visitor.sign_in()
            expected_landing = LANDING.get(username, pages["location"])
            if landed != expected_landing:
                problems.append(f"{username} landed on {landed}, not {expected_landing}")
            for name, path in pages.items():
                check_page(visitor, axe, path, name, problems)
        finally:
            visitor.close()
    assert not problems, "\n".join(problems)


def test_auditors_are_sent_to_their_phone(server, browser, axe):
    visitor = Visitor(browser, server, "demo-auditor", "phone")
    problems: list[str] = []
    try:
        assert visitor.sign_in() == "/dashboard/"
        assert "your work is on your phone" in visitor.page.content()
        check_page(visitor, axe, "/dashboard/", "home", problems)
        assert visitor.open("/dashboard/overview/") == 403
    finally:
        visitor.close()
    assert not problems, "\n".join(problems)


def test_charts_show_values_on_hover_and_links_keep_the_filters(server, browser):
    visitor = Visitor(browser, server, "demo-manager", "desktop")
    try:
        visitor.sign_in()
        visitor.open("/dashboard/overview/?window=182")
        page = visitor.page
        point = page.evaluate(
            """() => { const c = Chartkick.charts['chart-regions'].getChartObject();
                 const meta = c.getDatasetMeta(0); const i = meta.data.findIndex(p => !p.skip);
                 const box = c.canvas.getBoundingClientRect();
                 return {x: box.left + meta.data[i].x, y: box.top + meta.data[i].y}; }"""
        )
        page.mouse.move(point["x"], point["y"])
        page.wait_for_function(
            "Chartkick.charts['chart-regions'].getChartObject().tooltip.getActiveElements().length > 0",
            timeout=5000,
        )
        with page.expect_navigation():
            page.click("nav a:has-text('Locations')")
        assert page.url.endswith("/dashboard/locations/?window=182")
        assert page.locator("select[name=window]").input_value() == "182"
    finally:
        visitor.close()
