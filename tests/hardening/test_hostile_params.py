"""Property test: hostile values in every parameter never produce a 5xx, and every 4xx has the
contract's error shape.

The GET operations, their path, query and header parameters and the parameters' types are read
from ``openapi/schema.yaml``, so a new endpoint is covered the day it is documented. Each example
picks, per parameter, "leave it out", a valid value or a hostile one: lone surrogates, NUL, very
long strings, percent-encoded garbage, huge, negative and fractional numbers, dates in year 1 and
9999, instants that overflow when moved to UTC, and tampered pagination cursors (a real ``next``
cursor with its position, offset or direction replaced, or its base64 mangled). A few write
bodies (checklists, versions, visits, assignments, locations) get the same treatment in their
string and id fields. Examples are derandomized and bounded (``HOSTILE_EXAMPLES`` per operation),
so a run takes seconds on either database.
"""

import base64
import datetime as dt
import json
import os
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import yaml
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .dataset import build_dataset, visit_body

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "openapi" / "schema.yaml"
SCHEMA = yaml.safe_load(SCHEMA_PATH.read_text())
EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "40"))
ROLES = ("admin", "manager", "staff", "auditor", "api_key")

HYPOTHESIS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=os.environ.get("FUZZ_RANDOM") != "1",
    database=None,
    suppress_health_check=list(HealthCheck),
)


class Raw(str):
    """A query-string fragment sent exactly as written (not percent-encoded again)."""


# --- hostile values -------------------------------------------------------------------------------

HOSTILE_TEXT = [
    "\ud800",
    "a\udfffb",
    "\x00",
    "a\x00b",
    "x" * 5000,
    "\u202e\ufeff",
    "'; DROP TABLE audits_visit; --",
    "../../etc/passwd",
    "null",
    " ",
    "\r\n",
    Raw("%00"),
    Raw("%ED%A0%80"),  # a UTF-8-encoded lone surrogate
    Raw("%C0%80"),  # an overlong NUL
    Raw("%FF%FE"),
    Raw("%zz"),
    Raw("%"),
]
HOSTILE_INT = [
    "-1",
    "0",
    "1.5",
    "1e3",
    "-0",
    str(2**31),
    str(2**63 - 1),
    str(2**63),
    str(2**64),
    str(-(2**63) - 1),
    "9" * 40,
    "9" * 5000,
    "0x10",
    "١",  # an Arabic-Indic digit one
    "１",  # a fullwidth digit one
    "NaN",
    "inf",
    " 1",
    "+1",
]
HOSTILE_DATE = [
    "0001-01-01",
    "0001-01-02",
    "0001-12-31",
    "9999-12-31",
    "9999-12-26",
    "9999-10-01",
    "0000-01-01",
    "2026-02-30",
    "10000-01-01",
    "2026-1-1",
    "-2026-01-01",
    "2026-01-01T00:00:00Z",
]
HOSTILE_DATETIME = [
    "0001-01-01T00:00:00+14:00",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59-12:00",
    "9999-12-31T23:59:59.999999Z",
    "0001-01-01",
    "2026-13-01T00:00:00Z",
    "2026-01-01T25:00:00Z",
    "2026-01-01T00:00:00+99:00",
    "not-a-date",
]

#: Generated on top of the fixed lists: any code point (surrogates included), any date, any int.
any_text = st.text(st.characters(exclude_categories=()), max_size=30)
any_int = st.integers(min_value=-(2**80), max_value=2**80).map(str)
any_date = st.one_of(st.dates(), st.deferred(lambda: edge_dates)).map(lambda d: _iso(d))
#: Dates near the ends of the calendar, and near the years visits are bounded to (1970-9000).
edge_dates = st.one_of(
    st.integers(0, 120).map(lambda days: dt.date.min + dt.timedelta(days=days)),
    st.integers(0, 120).map(lambda days: dt.date.max - dt.timedelta(days=days)),
    st.sampled_from([dt.date(1, 1, 1), dt.date(9999, 12, 31), dt.date(1970, 1, 1), dt.date(9000, 12, 31)]),
    st.dates(min_value=dt.date(1969, 12, 1), max_value=dt.date(1970, 1, 31)),
    st.dates(min_value=dt.date(9000, 12, 1), max_value=dt.date(9001, 1, 31)),
)


@st.composite
def edge_window(draw) -> dict:
    """A short, well-ordered ``from``/``to`` window near an end of the calendar (``from`` may be left out)."""
    start = draw(edge_dates)
    end = start + dt.timedelta(days=min(draw(st.integers(0, 400)), (dt.date.max - start).days))
    window = {"from": _iso(start), "to": _iso(end)}
    # Without ``from`` the report derives it from ``to`` (without ``to``, "today" makes the
    # window too long: a plain 400 that the single-parameter targets already try).
    drop = draw(st.sampled_from([None, "from"]))
    window.pop(drop, None)
    return window


def _iso(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}-{day.day:02d}"


any_datetime = st.tuples(st.datetimes(), st.sampled_from(["Z", "+14:00", "-12:00", ""])).map(
    lambda pair: pair[0].isoformat() + pair[1]
)


def _hostile(values, generated):
    return st.one_of(st.sampled_from(values), generated)


def _kind(parameter: dict) -> str:
    schema = parameter.get("schema", {})
    if parameter["name"] == "cursor":
        return "cursor"
    if schema.get("type") in ("integer", "number"):
        return "int"
    if schema.get("format") == "date":
        return "date"
    if schema.get("format") == "date-time":
        return "datetime"
    return "text"


HOSTILE_BY_KIND = {
    "int": _hostile(HOSTILE_INT, any_int),
    "date": _hostile(HOSTILE_DATE, any_date),
    "datetime": _hostile(HOSTILE_DATETIME, any_datetime),
    "text": _hostile(HOSTILE_TEXT + HOSTILE_INT[:4] + HOSTILE_DATE[:4], any_text),
}


def _valid(dataset, parameter: dict):
    schema = parameter.get("schema", {})
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = _kind(parameter)
    if kind == "date":
        return st.sampled_from(["2026-01-01", "2025-06-30", timezone.now().date().isoformat()])
    if kind == "datetime":
        return st.just("2026-01-01T00:00:00Z")
    if kind == "int":
        known = {name: dataset.objects[name].pk for name in ("checklist", "region", "location")}
        return st.just(str(known[parameter["name"]])) if parameter["name"] in known else st.just("1")
    return st.sampled_from(["a", "Amsterdam"])


# --- cursors --------------------------------------------------------------------------------------


def _b64(text: str | bytes) -> str:
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    return base64.b64encode(raw).decode("ascii")


@st.composite
def tampered_cursor(draw, real: str) -> Raw:
    """A real ``next`` cursor with one token replaced, or mangled base64, or a forged one."""
    try:
        tokens = {k: v[0] for k, v in parse_qs(base64.b64decode(real).decode("ascii")).items()}
    except ValueError:
        tokens = {}
    how = draw(st.sampled_from(["p", "o", "r", "raw", "forged"]))
    if how in ("p", "o", "r"):
        pool = {
            "p": HOSTILE_TEXT[:11] + HOSTILE_INT + HOSTILE_DATETIME,
            "o": HOSTILE_INT,
            "r": HOSTILE_INT,
        }[how]
        value = draw(_hostile([str(v) for v in pool], any_text))
        tokens[how] = value
        encoded = _b64(
            "&".join(f"{k}={quote(v.encode('utf-8', 'surrogatepass'))}" for k, v in tokens.items())
        )
        return Raw(quote(encoded, safe=""))
    if how == "raw":
        mangled = draw(
            st.sampled_from(
                [
                    real[:-3],
                    real + "=",
                    real + "%00",
                    "!!!",
                    "%FF%FE",
                    "a" * 5000,
                    _b64(b"\xff\xfe\x00garbage"),
                    _b64("p=\x00&o=0"),
                    _b64("p=" + "9" * 5000),
                    real.swapcase(),
                ]
            )
        )
        return Raw(quote(mangled, safe="%"))
    forged = draw(any_text)
    return Raw(quote(_b64("p=" + quote(forged.encode("utf-8", "surrogatepass"))), safe=""))


# --- operations -----------------------------------------------------------------------------------


def _operations(method: str) -> list[tuple[str, dict]]:
    return [(path, op) for path, ops in SCHEMA["paths"].items() for verb, op in ops.items() if verb == method]


GET_OPERATIONS = _operations("get")


def _valid_path_value(dataset, path: str, name: str) -> str:
    before = path.split("{" + name + "}")[0].rstrip("/").rsplit("/", 1)[-1]
    objects = dataset.objects
    if name == "number":
        return "1"
    if name == "code":
        return objects["qualification"].code
    by_segment = {
        "api-keys": objects["api_key"].pk,
        "assignments": objects["assignment"].pk,
        "checklists": objects["checklist"].pk,
        "locations": objects["location"].pk,
        "photos": objects["photo"].pk,
        "regions": objects["region"].pk,
        "users": objects["user"].pk,
        "visits": objects["visit"].pk,
        "webhooks": objects["webhook"].pk,
        "deliveries": objects["delivery"].pk,
        "disputes": objects["dispute"].pk,
        "actions": objects["action"].pk,
        "notifications": objects["notification"].pk,
        "calibrations": objects["calibration"].pk,
        "auditors": objects["user"].pk,
        "jobs": objects["job"].pk,
    }
    return str(by_segment[before])


def _encode(value: str) -> str:
    if isinstance(value, Raw):
        return str(value)
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def assert_no_server_error(response, what: str) -> None:
    if getattr(response, "streaming", False):
        body = b"".join(response.streaming_content)
    else:
        body = response.content
    assert response.status_code < 500, f"{what} -> {response.status_code}: {body[:500]!r}"
    if 400 <= response.status_code < 500:
        payload = json.loads(body)
        assert payload["type"] in ("validation_error", "client_error"), (what, payload)
        assert payload["errors"], (what, payload)
        for error in payload["errors"]:
            assert set(error) == {"code", "detail", "attr"}, (what, payload)
            assert isinstance(error["code"], str) and isinstance(error["detail"], str), (what, payload)


@pytest.fixture(scope="module")
def dataset(django_db_setup, django_db_blocker):
    """Built once for the module inside a transaction rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        data = build_dataset("Hostile Org")
        data.clients = {role: data.client(role) for role in ROLES + ("api_key_write",)}
        data.next_cursors = {}
        yield data
        transaction.set_rollback(True)


def _real_cursor(dataset, path: str) -> str:
    """The cursor of a real ``next`` link of this list (page size 1), or a forged plain one."""
    if path not in dataset.next_cursors:
        response = dataset.clients["admin"].get(path, {"page_size": 1})
        nxt = response.json().get("next") if response.status_code == 200 else None
        cursor = parse_qs(urlsplit(nxt).query).get("cursor", [None])[0] if nxt else None
        dataset.next_cursors[path] = cursor or _b64("p=1")
    return dataset.next_cursors[path]


@pytest.mark.parametrize("path,operation", GET_OPERATIONS, ids=[path for path, _ in GET_OPERATIONS])
def test_get_parameters_survive_hostile_values(path, operation, dataset, db):  # noqa: C901 - one walk over every GET operation of the schema, a branch per parameter kind
    parameters = [p for p in operation.get("parameters", []) if p["in"] in ("path", "query", "header")]

    names = {p["name"] for p in parameters if p["in"] == "query"}
    valid_url = path
    for parameter in parameters:
        if parameter["in"] == "path":
            name = parameter["name"]
            valid_url = valid_url.replace("{" + name + "}", _valid_path_value(dataset, path, name))

    # Each example aims at one target (a parameter, or a ``from``/``to`` window near an end of
    # the calendar) with a hostile value; the other parameters are left out or valid, so that the
    # hostile value is not hidden behind another parameter's 400. Now and then all are hostile.
    targets = [p["name"] for p in parameters] + (
        ["window"] * len(parameters) if {"from", "to"} <= names else []
    )

    @st.composite
    def requests(draw):
        role = draw(st.sampled_from(ROLES))
        target = draw(st.sampled_from(targets)) if targets else None
        everything = draw(st.integers(0, 9)) == 0
        url, query, headers = path, [], {}
        if target == "window":
            query.extend(f"{name}={value}" for name, value in draw(edge_window()).items())
        for parameter in parameters:
            name, where = parameter["name"], parameter["in"]
            kind = _kind(parameter)
            if target == "window" and name in ("from", "to"):
                continue
            hostile = everything or name == target
            if where == "path":
                if hostile:
                    value = draw(HOSTILE_BY_KIND["int" if kind == "int" else "text"])
                    value = value if isinstance(value, Raw) else _encode(value)
                else:
                    value = _valid_path_value(dataset, path, name)
                url = url.replace("{" + name + "}", value)
            elif where == "header":
                if hostile:
                    headers["HTTP_" + name.upper().replace("-", "_")] = draw(st.binary(max_size=40)).decode(
                        "latin-1"
                    )
            elif hostile or draw(st.booleans()):
                if kind == "cursor":
                    value = draw(tampered_cursor(_real_cursor(dataset, valid_url)))
                elif hostile:
                    value = draw(HOSTILE_BY_KIND[kind])
                else:
                    value = draw(_valid(dataset, parameter))
                query.append(f"{quote(name)}={_encode(value)}")
        return role, url, "&".join(query), headers

    # Reports get twice the budget: a window is two parameters, and only some windows overflow.
    @settings(HYPOTHESIS, max_examples=EXAMPLES * (2 if {"from", "to"} <= names else 1))
    @given(request=requests())
    def check(request):
        role, url, query, headers = request
        full = f"{url}?{query}" if query else url
        response = dataset.clients[role].get(full, **headers)
        assert_no_server_error(response, f"GET {full} as {role}")

    check()


# --- write bodies ---------------------------------------------------------------------------------


def _checklist_body() -> dict:
    return {
        "name": "Hostile checklist",
        "description": "",
        "channel": "in_person",
        "pass_threshold": 80,
        "sections": [
            {
                "key": "s",
                "title": "Section",
                "items": [
                    {"key": "q", "prompt": "Question?", "type": "yes_no", "help_text": "", "source": ""},
                    {
                        "key": "c",
                        "prompt": "Choose",
                        "type": "choice",
                        "options": [
                            {"key": "a", "label": "A", "points": 1},
                            {"key": "b", "label": "B", "points": 0},
                        ],
                    },
                ],
            }
        ],
    }


def _paths(body, prefix=()):
    """Every leaf of a JSON body, as a path of keys and indexes."""
    if isinstance(body, dict):
        for key, value in body.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(body, list):
        for index, value in enumerate(body):
            yield from _paths(value, (*prefix, index))
    else:
        yield prefix


def _replace(body, path, value):
    body = json.loads(json.dumps(body))
    target = body
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return body


HOSTILE_JSON = st.one_of(
    st.sampled_from([v for v in HOSTILE_TEXT if not isinstance(v, Raw)]),
    st.sampled_from(
        [2**63 - 1, 2**63, 2**64, -(2**63) - 1, 10**400, -1, 0, 1.5, 1e308, -0.0, True, None, [], {}]
    ),
    st.sampled_from(HOSTILE_DATE + HOSTILE_DATETIME),
    any_text,
)


def _write_cases(dataset):
    objects = dataset.objects
    assignment = objects["assignment"]
    return {
        "checklist": ("admin", "post", "/api/v1/checklists/", _checklist_body()),
        "version": (
            "admin",
            "post",
            f"/api/v1/checklists/{objects['checklist'].pk}/versions/",
            {k: v for k, v in _checklist_body().items() if k in ("pass_threshold", "sections")},
        ),
        "visit": ("auditor", "post", "/api/v1/visits/", {**visit_body(assignment), "notes": "fine"}),
        "assignment": (
            "admin",
            "post",
            "/api/v1/assignments/",
            {
                "location": objects["location"].pk,
                "checklist": objects["checklist"].pk,
                "checklist_version": 1,
                "auditor": objects["user"].pk,
                "due_from": timezone.now().isoformat(),
                "due_until": (timezone.now() + timezone.timedelta(days=3)).isoformat(),
                "instructions": "Go",
            },
        ),
        "location": (
            "admin",
            "patch",
            f"/api/v1/locations/{objects['location'].pk}/",
            {
                "name": "Shop",
                "address": "Street 1",
                "timezone": "Europe/Amsterdam",
                "region": objects["region"].pk,
            },
        ),
        "assignment change": (
            "admin",
            "patch",
            f"/api/v1/assignments/{assignment.pk}/",
            {"due_until": (timezone.now() + timezone.timedelta(days=9)).isoformat(), "instructions": "Later"},
        ),
        "review": (
            "admin",
            "post",
            f"/api/v1/visits/{objects['visit'].pk}/review/",
            {"decision": "return", "comment": "Add a photo"},
        ),
        "user": (
            "admin",
            "post",
            "/api/v1/users/",
            {
                "username": "hostile-user",
                "password": "a-long-passphrase-1",
                "display_name": "H",
                "email": "h@example.com",
                "role": "manager",
                "region_ids": [objects["region"].pk],
            },
        ),
        "webhook": (
            "admin",
            "post",
            "/api/v1/webhooks/",
            {"url": "https://hooks.example.com/x", "events": ["visit.submitted"], "secret": "s" * 32},
        ),
        "api key": ("admin", "post", "/api/v1/api-keys/", {"name": "k", "scopes": ["read"]}),
        "job": (
            "admin",
            "post",
            "/api/v1/assignments/",
            {
                "location": objects["location"].pk,
                "checklist": objects["checklist"].pk,
                "due_from": timezone.now().isoformat(),
                "due_until": (timezone.now() + timezone.timedelta(days=3)).isoformat(),
                "fee": "12.50",
                "expense_cap": "5.00",
                "min_rating": 6.5,
                "currency": dataset.org.currency,
            },
        ),
        "visit expenses": (
            "auditor",
            "post",
            "/api/v1/visits/",
            {**visit_body(assignment), "expenses": {"amount": "1.00", "note": "Coffee", "currency": "EUR"}},
        ),
        "auditor profile": (
            "auditor",
            "patch",
            "/api/v1/me/auditor/",
            {"home": {"latitude": 52.1, "longitude": 5.1}, "travel_radius_km": 30},
        ),
        "qualification": ("admin", "post", "/api/v1/qualifications/", {"code": "de", "name": "German"}),
        "mark paid": (
            "admin",
            "post",
            "/api/v1/payouts/mark-paid/",
            {"ids": [objects["payout"].pk], "reference": "BANK-1"},
        ),
    }


WRITE_CASES = [
    "checklist",
    "version",
    "visit",
    "assignment",
    "location",
    "assignment change",
    "review",
    "user",
    "webhook",
    "api key",
    "job",
    "visit expenses",
    "auditor profile",
    "qualification",
    "mark paid",
]


@pytest.mark.parametrize("case", WRITE_CASES)
def test_write_bodies_survive_hostile_values(case, dataset, db):
    role, method, url, body = _write_cases(dataset)[case]
    leaves = list(_paths(body))

    @HYPOTHESIS
    @given(leaf=st.sampled_from(leaves), value=HOSTILE_JSON, fresh_id=st.uuids())
    def check(leaf, value, fresh_id):
        sent = _replace(body, leaf, value)
        if case in ("visit", "visit expenses") and leaf != ("id",):
            sent["id"] = str(fresh_id)
        payload = json.dumps(sent)  # ASCII escapes: "\ud800" arrives as a lone surrogate
        response = getattr(dataset.clients[role], method)(url, payload, content_type="application/json")
        assert_no_server_error(response, f"{method.upper()} {url} {leaf}={value!r:.80}")

    check()
