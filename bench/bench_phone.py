"""The phone app's figures: what it weighs to load, and how fast its outbox empties when signal returns.

    .venv/bin/python bench/bench_phone.py [--rounds 3]

Starts a real server (gunicorn over a fresh SQLite database seeded by ``seed_demo``, as the browser
tests do), publishes a 40-item checklist (10 each of yes/no, scale, choice and number) and sends
the demo auditor to a store with it, then prints:

- the app shell plus that checklist's version as the phone downloads them: the page, the manifest,
  the service worker, every precached asset and the version's JSON, in KB raw and gzip-compressed
  (level 6), against the 300 KB (gzip) budget;
- in headless Chromium (skipped, saying so, without it): a 40-answer visit filled and queued while
  offline, then the time from the connection returning (``context.set_offline(False)``) until the
  outbox has sent it, as the app measures it (``document.body.dataset.flushMs``), per round and the
  median, over the median time of the same visit POSTed straight to the API (the baseline, same run).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import re
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.phone.test_field_day import Api, Field, Phone  # noqa: E402 - after the path
from tests.servers import seeded_gunicorn  # noqa: E402

BUDGET_KB = 300
KINDS = ("yes_no", "scale", "choice", "number")


def item(kind: str, n: int) -> dict:
    base = {"key": f"{kind}_{n}", "prompt": f"Question {n} ({kind.replace('_', '/')})?", "type": kind}
    if kind == "scale":
        base.update(scale_min=1, scale_max=5)
    elif kind == "choice":
        base["options"] = [
            {"key": "good", "label": "Good", "points": 2},
            {"key": "bad", "label": "Bad", "points": 0},
        ]
    elif kind == "number":
        base.update(pass_max=5)
    return base


def answer(kind: str) -> object:
    return {"yes_no": True, "scale": 4, "choice": "good", "number": 3}[kind]


SECTIONS = [
    {"key": f"s_{kind}", "title": f"Section {kind}", "weight": 1, "items": [item(kind, n) for n in range(10)]}
    for kind in KINDS
]


def assign(admin: Api, auditor_id: int, location: int, checklist: int) -> dict:
    now = dt.datetime.now(dt.UTC)
    return admin.post(
        "/api/v1/assignments/",
        {
            "location": location,
            "checklist": checklist,
            "auditor": auditor_id,
            "due_from": (now - dt.timedelta(hours=1)).isoformat(),
            "due_until": (now + dt.timedelta(days=7)).isoformat(),
        },
    )


def weigh(url: str, auditor: Api, checklist: int) -> None:
    worker = requests.get(f"{url}/app/sw.js", timeout=30).text
    assets = json.loads(re.search(r"const ASSETS = (\[.*?\]);", worker).group(1))
    files = ["/app/", "/app/manifest.webmanifest", "/app/sw.js", *assets]
    raw = packed = 0
    for path in files:
        body = requests.get(f"{url}{path}", timeout=30).content
        raw, packed = raw + len(body), packed + len(gzip.compress(body, 6))
    version = requests.get(
        f"{url}/api/v1/checklists/{checklist}/versions/1/",
        params={"lang": "en"},
        headers=auditor.headers(),
        timeout=30,
    ).content
    raw, packed = raw + len(version), packed + len(gzip.compress(version, 6))
    print(
        f"shell ({len(files)} files) + one 40-item checklist ({len(version) / 1024:.1f} KB): "
        f"{raw / 1024:.1f} KB raw, {packed / 1024:.1f} KB gzip; budget {BUDGET_KB} KB gzip: "
        f"{packed / 1024 / BUDGET_KB:.2f} of it"
    )


def direct_post(auditor: Api, assignment: dict) -> float:
    now = dt.datetime.now(dt.UTC)
    body = {
        "id": str(uuid.uuid4()),
        "assignment": assignment["id"],
        "location": assignment["location"],
        "checklist": assignment["checklist"],
        "checklist_version": 1,
        "kind": "mystery",
        "started_at": (now - dt.timedelta(minutes=20)).isoformat(),
        "ended_at": now.isoformat(),
        "answers": [
            {"item": it["key"], "value": answer(it["type"]), "na": False, "comment": ""}
            for section in SECTIONS
            for it in section["items"]
        ],
    }
    started = time.perf_counter()
    auditor.post("/api/v1/visits/", body)
    return (time.perf_counter() - started) * 1000


def outbox_rounds(url: str, new_assignment, rounds: int) -> list[float]:
    from tests.browsers import chromium_path  # noqa: PLC0415 - optional: only when a browser is there

    try:
        chromium_path("the outbox timing")
    except BaseException:  # noqa: BLE001 - pytest's skip: no Chromium here
        print("outbox timing: skipped (no Chromium: apt-get install chromium)")
        return []
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - optional, like Chromium

    times = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path("bench"), args=["--no-sandbox"])
        try:
            for _ in range(rounds):
                assignment = new_assignment()
                phone = Phone(browser, Field(url=url, auditor=None, manager=None, assignments={}))
                try:
                    phone.start()
                    phone.log_in()
                    phone.context.set_offline(True)
                    phone.start_visit(assignment["id"])
                    for section in SECTIONS:
                        for it in section["items"]:
                            phone.answer(it["key"], it["type"], answer(it["type"]))
                    phone.send()
                    phone.context.set_offline(False)
                    phone.wait_all_sent(1)
                    times.append(float(phone.page.get_attribute("body", "data-flush-ms")))
                    assert phone.errors == [], phone.errors
                finally:
                    phone.close()
        finally:
            browser.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="bench-phone-") as home,
        seeded_gunicorn(
            Path(home),
            settings_module="tests.dashboard.server_settings",
            weeks=1,
            env={"THROTTLE_AUTH": "1000/min", "THROTTLE_AUDITOR": "100000/min"},
        ) as url,
    ):
        admin, auditor = Api(url, "demo-admin"), Api(url, "demo-auditor")
        checklist = admin.post(
            "/api/v1/checklists/",
            {"name": "Forty questions", "channel": "in_person", "pass_threshold": 80, "sections": SECTIONS},
        )["id"]
        auditor_id = next(
            user["id"]
            for user in admin.get("/api/v1/users/", page_size=200)["results"]
            if user["username"] == "demo-auditor"
        )
        location = admin.get("/api/v1/locations/", search="AMS-01")["results"][0]["id"]

        def new_assignment() -> dict:
            return assign(admin, auditor_id, location, checklist)

        new_assignment()
        weigh(url, auditor, checklist)
        baseline = [direct_post(auditor, new_assignment()) for _ in range(max(args.rounds, 5))]
        times = outbox_rounds(url, new_assignment, args.rounds)
        print(
            f"baseline: the same 40-answer visit POSTed straight to the API, median {statistics.median(baseline):.0f} ms"
        )
        if times:
            median = statistics.median(times)
            print(
                f"outbox: 40 answers queued offline, sent {', '.join(f'{t:.0f}' for t in times)} ms after the "
                f"connection returned (median {median:.0f} ms; goal under 2000 ms; "
                f"{median / statistics.median(baseline):.1f}x the direct POST)"
            )


if __name__ == "__main__":
    main()
