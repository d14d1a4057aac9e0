"""The auditor's whole field day in the phone app (/app/), in a real headless Chromium.

One server for the module: gunicorn on 127.0.0.1 over a fresh SQLite database seeded by ``seed_demo``
(the demo auditor has three open assignments: Amsterdam, Utrecht and Boston). The app is driven as
an auditor uses it (taps, the camera's file input, GPS from the browser's geolocation) and what
reached the server is read back through the API as the demo manager:

- the field day: log in, sync, go offline (``context.set_offline(True)``), fill a visit with two
  photos and a hidden branch, close the page and open it again (the service worker serves the app,
  the draft is still there), send it into the outbox, come back online: exactly one visit and two
  photos on the server, with the score the answers make;
- a flaky network (requests aborted at random, before or after the server saw them, a bounded
  number of times): the outbox's blind retries still end with exactly one visit and two photos;
- a refusal and a return: a server validation error appears on the item it names, is fixed and
  sent; the manager returns the visit, it comes back to the phone, is corrected and resubmitted.

Throughout: no console error, no request to another host, no serious or critical axe-core
violation. The outbox's send time after the connection returns is written to
``tests/phone/artifacts/figures.txt`` (reported, never asserted). Without Chromium or Playwright the
module is skipped loudly (failed under ``CI=true``); it runs on the SQLite leg only (its server has
its own database).
"""

from __future__ import annotations

import io
import os
import random
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from PIL import Image

from audits.scoring import AnswerInput, score_visit
from tests.browsers import chromium
from tests.servers import seeded_gunicorn

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
DOCS = Path(__file__).resolve().parents[2] / "docs"
PASSWORD = "Demo-Coffee-2026"
AUDITOR = "demo-auditor"
PHONE = {"width": 390, "height": 844}
TABLET = (820, 1180)
TESTS = "the phone app's browser tests"
#: Near Amsterdam Centraal (the demo store), as the phone's GPS would say.
GPS = {"latitude": 52.3791, "longitude": 4.9003, "accuracy": 12}

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser"), pytest.mark.slow]

# The visit as the auditor fills it (the built-in in-store checklist). greeted_within_30s is first
# answered "no", which reveals acknowledged_within_2min (answered), then "yes", which hides it again:
# the hidden branch. payment_problem stays hidden (paying was not "difficult").
ANSWERS = [
    ("entrance_clean_tidy", "yes_no", True),
    ("greeted_within_30s", "yes_no", False),
    ("acknowledged_within_2min", "yes_no", True),
    ("greeted_within_30s", "yes_no", True),
    ("welcome_warmth", "scale", 4),
    ("asked_about_needs", "yes_no", True),
    ("did_not_interrupt", "yes_no", False),
    ("please_and_thank_you", "yes_no", True),
    ("polite_throughout", "yes_no", True),
    ("explained_simply", "scale", 3),
    ("problem_owned_and_solved", "na", None),
    ("wow_moment", "yes_no", False),
    ("minutes_waited_to_pay", "number", 3),
    ("payment_experience", "choice", "some_friction"),
    ("thanked_and_invited_back", "yes_no", True),
    ("asked_how_to_serve_better", "yes_no", False),
    ("relationship", "choice", "transaction"),
    ("tell_a_friend", "text", "Friendly, a bit slow at the till."),
]
HIDDEN = {"acknowledged_within_2min", "payment_problem"}


@dataclass
class Api:
    """The API over HTTP, as ``username``."""

    url: str
    username: str
    token: str = ""

    def headers(self) -> dict[str, str]:
        if not self.token:
            response = requests.post(
                f"{self.url}/api/v1/auth/token/",
                json={"username": self.username, "password": PASSWORD},
                timeout=30,
            )
            response.raise_for_status()
            self.token = response.json()["access"]
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, path: str, **params) -> dict:
        response = requests.get(f"{self.url}{path}", params=params, headers=self.headers(), timeout=30)
        response.raise_for_status()
        return response.json()

    def post(self, path: str, body: dict) -> dict:
        response = requests.post(f"{self.url}{path}", json=body, headers=self.headers(), timeout=30)
        response.raise_for_status()
        return response.json()


@dataclass
class Field:
    url: str
    auditor: Api
    manager: Api
    assignments: dict[str, dict]  # the demo auditor's open assignments by store code
    figures: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if "postgres" in os.environ.get("DATABASE_URL", ""):
        pytest.skip("The browser tests run on the SQLite leg (their server has its own SQLite database).")
    home = tmp_path_factory.mktemp("phone-server")
    with seeded_gunicorn(
        home, settings_module="tests.dashboard.server_settings", weeks=2, env={"THROTTLE_AUTH": "1000/min"}
    ) as url:
        auditor, manager = Api(url, AUDITOR), Api(url, "demo-manager")
        locations = {loc["id"]: loc["code"] for loc in auditor.get("/api/v1/locations/")["results"]}
        assignments = {
            locations[a["location"]]: a for a in auditor.get("/api/v1/assignments/", status="open")["results"]
        }
        field_ = Field(url=url, auditor=auditor, manager=manager, assignments=assignments)
        yield field_
        if field_.figures:
            ARTIFACTS.mkdir(exist_ok=True)
            (ARTIFACTS / "figures.txt").write_text("\n".join(field_.figures) + "\n")


@pytest.fixture(scope="module")
def browser(server):
    with chromium(TESTS) as launched:
        yield launched


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe  # noqa: PLC0415 - optional, like Playwright

    return Axe()


class Phone:
    """One auditor's phone: a browser context at 390 px with GPS, recording what went wrong."""

    def __init__(self, browser, server: Field, *, service_workers: str = "allow"):
        self.server, self.service_workers = server, service_workers
        self.context = browser.new_context(
            viewport=PHONE,
            permissions=["geolocation"],
            geolocation=GPS,
            service_workers=service_workers,
        )
        self.errors: list[str] = []
        self.foreign: list[str] = []
        self.expected_failures: tuple[str, ...] = ()
        self.responses: list[tuple[str, str, int]] = []  # (method, path?query, status) of every API answer
        self.context.on("request", lambda request: self._request(request.url))
        self.context.on("response", self._response)
        self.page = self.open_page()

    def open_page(self):
        page = self.context.new_page()
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        return page

    def _console(self, message) -> None:
        if message.type == "error" and not any(part in message.text for part in self.expected_failures):
            self.errors.append(f"console: {message.text} ({message.location.get('url')})")

    def _request(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("data", "blob", "about") and parts.hostname != "127.0.0.1":
            self.foreign.append(url)

    def _response(self, response) -> None:
        parts = urlsplit(response.url)
        if parts.path.startswith("/api/"):
            self.responses.append((response.request.method, f"{parts.path}?{parts.query}", response.status))

    def start(self, query: str = "") -> None:
        self.page.goto(f"{self.server.url}/app/{query}")
        self.page.wait_for_selector("body[data-ready='true']")

    def log_in(self) -> None:
        self.page.fill("#username", AUDITOR)
        self.page.fill("#password", PASSWORD)
        self.page.click("form.login button[type=submit]")
        self.page.wait_for_selector("[data-synced]:not([data-synced=''])", timeout=30000)
        if self.service_workers == "allow":  # the app is installed: it starts with no signal from now on
            self.page.wait_for_function("() => navigator.serviceWorker.ready.then(() => true)")

    def start_visit(self, assignment_id: int) -> str:
        self.page.click(f"[data-assignment='{assignment_id}'] [data-start]")
        self.page.wait_for_selector("form.visit")
        return self.page.get_attribute("form.visit", "data-visit")

    def answer(self, key: str, kind: str, value) -> None:
        item = f"fieldset[data-item='{key}']"
        if kind == "na":
            self.page.check(f"{item} [data-role='na']")
        elif kind in ("number", "text"):
            self.page.fill(f"#value-{key}", str(value))
        else:
            self.page.check(f"{item} input[value='{str(value).lower() if kind == 'yes_no' else value}']")

    def photo(self, key: str, name: str) -> None:
        before = self.page.locator(f"[data-thumbs='{key}'] li").count()
        self.page.set_input_files(
            f"#camera-{key}", files=[{"name": name, "mimeType": "image/jpeg", "buffer": jpeg()}]
        )
        self.page.wait_for_function(
            "([key, count]) => document.querySelectorAll(`[data-thumbs='${key}'] li`).length === count",
            arg=[key, before + 1],
        )

    def fill(self) -> None:
        for key, kind, value in ANSWERS:
            self.answer(key, kind, value)
        self.photo("storefront", "door.jpg")
        self.photo("storefront", "window.jpg")

    def send(self) -> None:
        self.page.click("form.visit button[type=submit]")
        self.page.wait_for_selector(".outbox")

    def states(self) -> list[str]:
        return self.page.locator(".outbox li.entry").evaluate_all("items => items.map(i => i.dataset.state)")

    def wait_all_sent(self, count: int, timeout: float = 60000) -> None:
        self.page.wait_for_function(
            f"""() => {{ const e = document.querySelectorAll('.outbox li.entry');
            return e.length === {count} && Array.from(e).every(i => i.dataset.state === 'sent'); }}""",
            timeout=timeout,
        )

    def check_clean(self, axe=None) -> None:
        if axe is not None:
            violations = [
                f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
                for v in axe.run(self.page).response["violations"]
                if v["impact"] in ("serious", "critical")
            ]
            assert violations == []
        assert self.errors == []
        assert self.foreign == []
        for width, height in (PHONE["width"], PHONE["height"]), TABLET:  # no sideways scrolling
            self.page.set_viewport_size({"width": width, "height": height})
            assert self.page.evaluate("() => document.documentElement.scrollWidth") <= width
        self.page.set_viewport_size(PHONE)

    def close(self) -> None:
        self.context.close()


# Read and spoil the tokens the app keeps in IndexedDB (its "kv" store), and list the databases.
TOKENS = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open("mystery-audits");
  open.onerror = reject;
  open.onsuccess = () => {
    const read = open.result.transaction("kv").objectStore("kv").get("tokens");
    read.onsuccess = () => { open.result.close(); resolve(read.result); };
  };
})"""
SPOIL_ACCESS = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open("mystery-audits");
  open.onerror = reject;
  open.onsuccess = () => {
    const tx = open.result.transaction("kv", "readwrite");
    const kv = tx.objectStore("kv");
    const read = kv.get("tokens");
    read.onsuccess = () => kv.put({...read.result, access: "expired"}, "tokens");
    tx.oncomplete = () => { open.result.close(); resolve(true); };
  };
})"""
DATABASES = "() => indexedDB.databases().then(found => found.map(d => d.name))"


def jpeg(width: int = 2400, height: int = 1800) -> bytes:
    """A camera-sized photo, bigger than the app sends (it resizes to at most 1600 px)."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), (random.randrange(256), 120, 80)).save(out, "JPEG", quality=80)
    return out.getvalue()


def expected_score(server: Field, assignment: dict) -> float:
    """The score the filled answers make, by the scoring rules (audits.scoring), not the server's word."""
    tree = server.auditor.get(
        f"/api/v1/checklists/{assignment['checklist']}/versions/{assignment['checklist_version']}/"
    )
    answers: dict[str, AnswerInput] = {}
    for key, kind, value in ANSWERS:
        answers[key] = AnswerInput(na=True) if kind == "na" else AnswerInput(value=value)
    for key in HIDDEN:
        answers.pop(key, None)
    return float(score_visit(tree["sections"], answers, tree["pass_threshold"]).rounded)


def stored(server: Field, assignment_id: int) -> tuple[dict, list[dict]]:
    """The assignment's visit and its photos, as the manager reads them."""
    assignment = server.manager.get(f"/api/v1/assignments/{assignment_id}/")
    visit = server.manager.get(f"/api/v1/visits/{assignment['visit']}/")
    photos = server.manager.get(f"/api/v1/visits/{visit['id']}/photos/")["results"]
    return visit, photos


def visit_ids_at(server: Field, location_id: int) -> set[str]:
    """Every visit id at the location, as the manager reads them (paged through)."""
    ids: set[str] = set()
    body = server.manager.get("/api/v1/visits/", location=location_id, page_size=200)
    while True:
        ids.update(visit["id"] for visit in body["results"])
        if not body["next"]:
            return ids
        body = server.manager.get(urlsplit(body["next"]).path + "?" + urlsplit(body["next"]).query)


def check_stored(server: Field, assignment: dict, before: set[str]) -> dict:
    """Exactly one new visit at the store, the assignment's, with two photos and the answers' score."""
    visit, photos = stored(server, assignment["id"])
    assert visit_ids_at(server, assignment["location"]) - before == {visit["id"]}
    assert len(photos) == 2
    assert {photo["item"] for photo in photos} == {"storefront"}
    assert all(max(photo["width"], photo["height"]) <= 1600 for photo in photos)
    assert HIDDEN <= set(visit["hidden_items"])
    assert visit["score"] == expected_score(server, assignment)
    assert visit["photos_missing"] == []
    assert visit["position"]["accuracy_m"] == GPS["accuracy"]
    assert visit["started_at"] < visit["ended_at"]
    return visit


# --- the tests ----------------------------------------------------------------------------------


def test_a_field_day_offline(server, browser, axe):
    assignment = server.assignments["AMS-01"]
    before = visit_ids_at(server, assignment["location"])
    french = server.auditor.get(
        f"/api/v1/checklists/{assignment['checklist']}/versions/{assignment['checklist_version']}/", lang="fr"
    )
    phone = Phone(browser, server)
    try:
        phone.start("?lang=fr")
        phone.check_clean(axe)  # the login screen
        phone.log_in()
        assert phone.page.locator(f"[data-assignment='{assignment['id']}'] .ready").count() == 1
        phone.check_clean(axe)  # the list, everything downloaded
        installable = phone.context.new_cdp_session(phone.page).send("Page.getInstallabilityErrors")
        # Chromium would offer to install it (a test's browser context is always incognito).
        assert [e["errorId"] for e in installable["installabilityErrors"]] in ([], ["in-incognito"])

        phone.context.set_offline(True)
        visit_id = phone.start_visit(assignment["id"])
        assert phone.page.locator("form.visit").get_attribute("lang") == "fr"
        first = french["sections"][0]["items"][1]
        assert phone.page.locator(f"#prompt-{first['key']}").inner_text().startswith(first["prompt"])
        phone.fill()
        assert set(phone.page.locator("form.visit").get_attribute("data-hidden").split()) == HIDDEN
        assert phone.page.locator("fieldset[data-item='acknowledged_within_2min']").is_hidden()
        assert "1600×1200" in phone.page.locator("[data-thumbs='storefront'] img").first.get_attribute("alt")
        phone.check_clean(axe)  # the visit form
        phone.page.screenshot(path=str(ARTIFACTS / "phone-visit.png"), full_page=False)

        # The browser is closed mid-visit, with no signal; the app starts again from its worker.
        phone.page.close()
        phone.page = phone.open_page()
        phone.start()
        phone.page.click(f"[data-assignment='{assignment['id']}'] a")
        phone.page.wait_for_selector(f"form.visit[data-visit='{visit_id}']")
        assert phone.page.is_checked("fieldset[data-item='greeted_within_30s'] input[value='true']")
        assert phone.page.input_value("#value-tell_a_friend") == ANSWERS[-1][2]
        assert phone.page.locator("[data-thumbs='storefront'] li").count() == 2
        phone.send()
        assert phone.states() == ["queued", "queued", "queued"]
        phone.check_clean(axe)  # the outbox, waiting

        phone.context.set_offline(False)
        phone.wait_all_sent(3)
        sent = [path for method, path, status in phone.responses if method == "POST" and status in (200, 201)]
        assert sent[-3:] == ["/api/v1/visits/?"] + [f"/api/v1/visits/{visit_id}/photos/?"] * 2  # in order
        flush_ms = phone.page.get_attribute("body", "data-flush-ms")
        server.figures.append(
            f"outbox: a visit of {len(ANSWERS) - 2} answers and 2 photos queued offline, sent {flush_ms} ms "
            "after the connection returned"
        )
        assert "score" in phone.page.locator(".outbox li[data-entry='visit']").inner_text()
        check_stored(server, assignment, before)
        phone.check_clean()
    finally:
        phone.close()


def test_a_flaky_network_still_stores_each_thing_once(server, browser):
    assignment = server.assignments["UTR-01"]
    before = visit_ids_at(server, assignment["location"])
    # No service worker here, so that every request passes the route below (the app needs none online).
    phone = Phone(browser, server, service_workers="block")
    phone.expected_failures = ("net::ERR_FAILED",)
    chance, budget = random.Random(18), {"lost": 0}

    def flaky(route) -> None:
        roll = chance.random()
        if budget["lost"] < 6 and roll < 0.5:
            budget["lost"] += 1
            if roll < 0.25:
                route.fetch()  # the server did it, but the answer never reaches the phone
            route.abort()
        else:
            route.continue_()

    try:
        phone.start()
        phone.log_in()
        phone.start_visit(assignment["id"])
        phone.fill()
        phone.page.route("**/api/v1/visits/**", flaky)
        phone.send()
        phone.wait_all_sent(3)
        assert budget["lost"] >= 3
        check_stored(server, assignment, before)
        phone.check_clean()
    finally:
        phone.close()


def test_a_refused_visit_is_fixed_and_a_returned_one_corrected(server, browser, axe):
    assignment = server.assignments["BOS-01"]
    phone = Phone(browser, server)
    phone.expected_failures = ("status of 400", "status of 401")  # the refusal and the expiry it provokes
    try:
        phone.start()
        phone.log_in()
        visit_id = phone.start_visit(assignment["id"])
        phone.fill()
        # A comment over the API's 2,000 characters: the server refuses it, on that very answer.
        phone.page.click("fieldset[data-item='wow_moment'] summary")
        phone.page.fill("#comment-wow_moment", "Too long. " * 201)
        phone.send()
        phone.page.wait_for_selector(".outbox li[data-entry='visit'][data-state='attention']")
        assert phone.states().count("queued") == 2  # its photos wait for it
        phone.page.click(".outbox li[data-entry='visit'] a")
        phone.page.wait_for_selector("fieldset[data-item='wow_moment'].invalid .error")
        assert phone.page.locator("fieldset.invalid").count() == 1
        assert "2000" in phone.page.locator("fieldset[data-item='wow_moment'] .error").inner_text().replace(
            ",", ""
        )
        phone.check_clean(axe)  # the form with the server's error on the field
        phone.page.fill("#comment-wow_moment", "Nothing special.")
        phone.send()
        phone.wait_all_sent(3)

        server.manager.post(
            f"/api/v1/visits/{visit_id}/review/",
            {"decision": "return", "comment": "The wait to pay was 8 minutes on the till log: please check."},
        )
        synced = len(phone.responses)
        refresh_before = phone.page.evaluate(TOKENS)["refresh"]
        phone.page.evaluate(SPOIL_ACCESS)  # the access token has expired: the app must refresh it
        phone.page.click("[data-action='sync']")
        card = phone.page.locator(f"[data-returned='{visit_id}']")
        card.wait_for()
        # The second sync asks only for what changed, and the checklist is not downloaded again.
        again = phone.responses[synced:]
        assert any(path.startswith("/api/v1/assignments/?updated_since=") for _, path, _ in again)
        versions = [status for _, path, status in again if "/versions/" in path]
        assert versions and set(versions) == {304}
        assert ("POST", "/api/v1/auth/token/refresh/?", 200) in again
        assert phone.page.evaluate(TOKENS)["refresh"] != refresh_before  # the rotated refresh token is kept
        assert "8 minutes" in card.inner_text()
        card.locator("a").click()
        phone.page.wait_for_selector(f"form.visit[data-visit='{visit_id}']")
        assert phone.page.input_value("#value-minutes_waited_to_pay") == "3"
        phone.page.fill("#value-minutes_waited_to_pay", "8")
        phone.check_clean(axe)  # the correction form
        phone.page.click("form.visit button[type=submit]")
        phone.page.wait_for_selector(".outbox li[data-entry='visit'][data-state='sent'] >> text=Correction")

        visit = server.manager.get(f"/api/v1/visits/{visit_id}/")
        assert visit["status"] == "submitted"
        waited = next(a for a in visit["answers"] if a["item"] == "minutes_waited_to_pay")
        assert (waited["value"], waited["score"]) == (8, 0.0)
        history = server.manager.get(f"/api/v1/visits/{visit_id}/history/")["results"]
        assert [entry["action"] for entry in history] == ["submitted", "returned", "revised"]
        phone.check_clean()

        phone.page.click("[data-action='logout']")
        phone.page.wait_for_selector("form.login")
        assert "mystery-audits" not in phone.page.evaluate(DATABASES)  # nothing of the auditor's is left
    finally:
        phone.close()
