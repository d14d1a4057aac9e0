"""Tenancy matrix generated from the OpenAPI document.

For every operation that takes an id, a caller of organization B on organization A's object gets
404, exactly like a missing object; every list answers zero rows of organization A. A new
endpoint is covered automatically: the test fails when an id-taking operation has no fixture
below, or when a list has no model to check against.
"""

import io
import re
from pathlib import Path

import pypdf
import pytest
import yaml

from accounts.models import ApiKey, Location, Region, User
from actions.models import Action, ActionHistory
from audits.models import Assignment, Visit, VisitHistory
from calibrations.models import Calibration
from checklists.models import Checklist, ChecklistVersion, Qualification
from disputes.models import Dispute
from fieldwork.models import Payout
from notifications.models import Notification
from photos.models import Photo
from webhooks.models import Delivery, Webhook

from .dataset import build_dataset, client_with, visit_body

SCHEMA = yaml.safe_load((Path(__file__).resolve().parents[2] / "openapi" / "schema.yaml").read_text())
METHODS = ("get", "post", "put", "patch", "delete")


def operations():
    for path, item in SCHEMA["paths"].items():
        for method in METHODS:
            if method in item:
                yield method, path


ID_OPERATIONS = [(m, p) for m, p in operations() if "{" in p]
LIST_OPERATIONS = [
    (m, p)
    for m, p in operations()
    if m == "get" and "{" not in p and p.startswith("/api/v1/") and "results" in str(SCHEMA["paths"][p][m])
]

# Path parameters of organization A's objects, by path template.
PATH_PARAMS = {
    "/api/v1/api-keys/{id}/": lambda o: {"id": o["api_key"].pk},
    "/api/v1/assignments/{id}/release/": lambda o: {"id": o["job"].pk},
    "/api/v1/auditors/{id}/": lambda o: {"id": o["user"].pk},
    "/api/v1/auditors/{id}/qualifications/{code}/": lambda o: {"id": o["user"].pk, "code": "fr"},
    "/api/v1/jobs/{id}/claim/": lambda o: {"id": o["job"].pk},
    "/api/v1/assignments/{id}/": lambda o: {"id": o["assignment"].pk},
    "/api/v1/checklists/{id}/": lambda o: {"id": o["checklist"].pk},
    "/api/v1/checklists/{checklist_id}/versions/": lambda o: {"checklist_id": o["checklist"].pk},
    "/api/v1/checklists/{checklist_id}/versions/{number}/": lambda o: {
        "checklist_id": o["checklist"].pk,
        "number": 1,
    },
    "/api/v1/locations/{id}/": lambda o: {"id": o["location"].pk},
    "/api/v1/locations/{id}/trend/": lambda o: {"id": o["location"].pk},
    "/api/v1/regions/{id}/": lambda o: {"id": o["region"].pk},
    "/api/v1/regions/{id}/trend/": lambda o: {"id": o["region"].pk},
    "/api/v1/users/{id}/": lambda o: {"id": o["user"].pk},
    "/api/v1/visits/{id}/": lambda o: {"id": o["visit"].pk},
    "/api/v1/visits/{id}/history/": lambda o: {"id": o["visit"].pk},
    "/api/v1/visits/{id}/review/": lambda o: {"id": o["visit"].pk},
    "/api/v1/visits/{id}/report.pdf": lambda o: {"id": o["visit"].pk},
    "/api/v1/visits/{visit_id}/photos/": lambda o: {"visit_id": o["visit"].pk},
    "/api/v1/visits/{visit_id}/disputes/": lambda o: {"visit_id": o["visit"].pk},
    "/api/v1/disputes/{id}/": lambda o: {"id": o["dispute"].pk},
    "/api/v1/disputes/{id}/decision/": lambda o: {"id": o["dispute"].pk},
    "/api/v1/disputes/{id}/evidence/": lambda o: {"id": o["dispute"].pk},
    "/api/v1/actions/{id}/": lambda o: {"id": o["action"].pk},
    "/api/v1/actions/{id}/resolve/": lambda o: {"id": o["action"].pk},
    "/api/v1/actions/{id}/verify/": lambda o: {"id": o["action"].pk},
    "/api/v1/actions/{id}/reopen/": lambda o: {"id": o["action"].pk},
    "/api/v1/actions/{id}/history/": lambda o: {"id": o["action"].pk},
    "/api/v1/actions/{id}/evidence/": lambda o: {"id": o["action"].pk},
    "/api/v1/photos/{id}/file/": lambda o: {"id": o["photo"].pk},
    "/api/v1/notifications/{id}/": lambda o: {"id": o["notification"].pk},
    "/api/v1/notifications/{id}/read/": lambda o: {"id": o["notification"].pk},
    "/api/v1/webhooks/{id}/": lambda o: {"id": o["webhook"].pk},
    "/api/v1/calibrations/{id}/": lambda o: {"id": o["calibration"].pk},
    "/api/v1/webhooks/{id}/rotate-secret/": lambda o: {"id": o["webhook"].pk},
    "/api/v1/webhooks/{webhook_id}/deliveries/": lambda o: {"webhook_id": o["webhook"].pk},
    "/api/v1/webhooks/{webhook_id}/deliveries/{id}/": lambda o: {
        "webhook_id": o["webhook"].pk,
        "id": o["delivery"].pk,
    },
    "/api/v1/webhooks/{webhook_id}/deliveries/{id}/redeliver/": lambda o: {
        "webhook_id": o["webhook"].pk,
        "id": o["delivery"].pk,
    },
}

# Plausible bodies, so that a 404 cannot hide behind a 400.
BODIES = {
    ("patch", "/api/v1/assignments/{id}/"): lambda o: {"instructions": "Look at the windows."},
    ("patch", "/api/v1/auditors/{id}/"): lambda o: {"travel_radius_km": 30},
    ("patch", "/api/v1/checklists/{id}/"): lambda o: {"name": "Renamed"},
    ("post", "/api/v1/checklists/{checklist_id}/versions/"): lambda o: {
        "pass_threshold": 80,
        "sections": o["checklist"].versions.get().sections,
    },
    ("patch", "/api/v1/locations/{id}/"): lambda o: {"name": "Renamed"},
    ("patch", "/api/v1/regions/{id}/"): lambda o: {"name": "Renamed"},
    ("patch", "/api/v1/users/{id}/"): lambda o: {"display_name": "Renamed"},
    ("put", "/api/v1/visits/{id}/"): lambda o: visit_body(o["assignment"]),
    ("post", "/api/v1/visits/{id}/review/"): lambda o: {"decision": "approve", "comment": ""},
    ("patch", "/api/v1/webhooks/{id}/"): lambda o: {"events": ["visit.reviewed"]},
    ("post", "/api/v1/visits/{visit_id}/disputes/"): lambda o: {
        "id": "5d0c8a4e-1f2b-4c3d-8e9f-0a1b2c3d4e5f",
        "items": [{"item": "greeted_within_30s", "reason": "We did.", "proposed": {"value": False}}],
    },
    ("post", "/api/v1/disputes/{id}/decision/"): lambda o: {
        "comment": "",
        "items": [{"item": "smile", "decision": "upheld"}],
    },
    ("patch", "/api/v1/actions/{id}/"): lambda o: {"title": "Renamed"},
    ("post", "/api/v1/actions/{id}/resolve/"): lambda o: {"resolution": "Trained the team."},
    ("post", "/api/v1/actions/{id}/verify/"): lambda o: {"comment": ""},
    ("post", "/api/v1/actions/{id}/reopen/"): lambda o: {"comment": "Still slow."},
}

# The model behind each list, to count organization A's rows in organization B's answer.
LIST_MODELS = {
    "/api/v1/api-keys/": ApiKey,
    "/api/v1/assignments/": Assignment,
    "/api/v1/checklists/": Checklist,
    "/api/v1/checklists/{checklist_id}/versions/": ChecklistVersion,
    "/api/v1/locations/": Location,
    "/api/v1/regions/": Region,
    "/api/v1/users/": User,
    "/api/v1/visits/": Visit,
    "/api/v1/visits/{id}/history/": VisitHistory,
    "/api/v1/visits/{visit_id}/photos/": Photo,
    "/api/v1/disputes/": Dispute,
    "/api/v1/disputes/{id}/evidence/": Photo,
    "/api/v1/actions/": Action,
    "/api/v1/actions/{id}/history/": ActionHistory,
    "/api/v1/actions/{id}/evidence/": Photo,
    "/api/v1/notifications/": Notification,
    "/api/v1/webhooks/": Webhook,
    "/api/v1/webhooks/{webhook_id}/deliveries/": Delivery,
    "/api/v1/calibrations/": Calibration,
    "/api/v1/jobs/": Assignment,
    "/api/v1/payouts/": Payout,
    "/api/v1/qualifications/": Qualification,
}


def fill(path: str, params: dict) -> str:
    return re.sub(r"{(\w+)}", lambda m: str(params[m.group(1)]), path)


@pytest.fixture
def two_orgs(db, make_api_key):
    a = build_dataset("Org A")
    b = build_dataset("Org B")
    _, b_write_key = make_api_key(b.org, ["read", "write"])
    callers = {
        "admin": b.client("admin"),
        "api_key_write": client_with(f"Api-Key {b_write_key}"),
    }
    return a, b, callers


def test_every_id_taking_operation_has_a_fixture():
    missing = sorted({p for _, p in ID_OPERATIONS if p not in PATH_PARAMS})
    assert missing == [], f"add PATH_PARAMS fixtures for: {missing}"


MISSING = {
    "id": 987654321,
    "checklist_id": 987654321,
    "webhook_id": 987654321,
    "visit_id": "00000000-0000-4000-8000-000000000000",
    "number": 1,
    "code": "no-such-code",
}


def _missing_params(path: str, params: dict) -> dict:
    """The same path with the innermost object missing."""
    names = re.findall(r"{(\w+)}", path)
    last = names[-1]
    value = MISSING[last]
    if last == "id" and "visits/{id}" in path:
        value = MISSING["visit_id"]
    if last == "id" and ("photos/{id}" in path or "disputes/{id}" in path or "actions/{id}" in path):
        value = MISSING["visit_id"]
    if last == "id" and "calibrations/{id}" in path:
        value = MISSING["visit_id"]
    return {**params, last: value}


@pytest.mark.parametrize(
    ("method", "path"), ID_OPERATIONS, ids=[f"{m.upper()} {p}" for m, p in ID_OPERATIONS]
)
@pytest.mark.parametrize("caller", ["admin", "api_key_write"])
def test_foreign_object_answers_exactly_like_a_missing_one(two_orgs, method, path, caller):
    a, _, callers = two_orgs
    params = PATH_PARAMS[path](a.objects)
    body = BODIES.get((method, path), lambda o: {})(a.objects)
    client = callers[caller]
    foreign = getattr(client, method)(fill(path, params), body, format="json")
    missing = getattr(client, method)(fill(path, _missing_params(path, params)), body, format="json")
    assert (foreign.status_code, foreign.json()) == (missing.status_code, missing.json())
    if caller == "admin":
        # An admin may use every endpoint: the only possible answer is "not found".
        assert foreign.status_code == 404, (path, foreign.status_code, foreign.json())
        assert foreign.json()["errors"][0]["code"] == "not_found"
    else:
        assert foreign.status_code in (403, 404), (path, foreign.status_code, foreign.json())


def _ids(payload) -> set[str]:
    results = payload.get("results", payload) if isinstance(payload, dict) else payload
    return {str(row.get("id")) for row in results if isinstance(row, dict) and "id" in row}


LIST_PATHS = sorted(
    {p for _, p in LIST_OPERATIONS if "{" not in p and not p.startswith("/api/v1/reports/")}
    | {p for p in LIST_MODELS if "{" in p}
)
REPORT_PATHS = sorted({p for _, p in operations() if p.startswith(("/api/v1/reports/", "/api/v1/exports/"))})


def test_every_list_has_a_model_to_check():
    missing = sorted(p for p in LIST_PATHS if p not in LIST_MODELS)
    assert missing == [], f"add LIST_MODELS entries for: {missing}"


@pytest.mark.parametrize("path", LIST_PATHS)
def test_lists_show_no_foreign_rows(two_orgs, path):
    a, b, callers = two_orgs
    model = LIST_MODELS[path]
    # Organization B reads its own parent objects where the list is nested.
    url = fill(path, PATH_PARAMS.get(path, lambda o: {})(b.objects))
    response = callers["admin"].get(url)
    assert response.status_code == 200, (url, response.status_code)
    foreign = {
        str(pk) for pk in model.objects.filter(**_org_filter(model, a.org)).values_list("pk", flat=True)
    }
    assert foreign, f"the dataset has no {model.__name__} rows in organization A"
    assert _ids(response.json()) & foreign == set()


def _org_filter(model, org) -> dict:
    if model is ChecklistVersion:
        return {"checklist__organization": org}
    if model is VisitHistory:
        return {"visit__organization": org}
    if model is Delivery:
        return {"webhook__organization": org}
    if model is ActionHistory:
        return {"action__organization": org}
    return {"organization": org}


@pytest.mark.parametrize("path", REPORT_PATHS)
def test_reports_are_blind_to_other_organizations(two_orgs, path):
    """Organization B's report is the same whether or not organization A has any visits."""
    a, b, callers = two_orgs
    before = callers["admin"].get(path)
    assert before.status_code == 200, (path, before.status_code)
    Payout.objects.filter(organization=a.org).delete()  # payouts keep their visits
    Visit.objects.filter(organization=a.org).delete()
    after = callers["admin"].get(path)
    assert _body(before) == _body(after)
    assert str(a.objects["visit"].pk) not in _body(before)


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    if response["Content-Type"] == "application/pdf":  # the visit report: its text, as a reader copies it
        return " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(response.content)).pages)
    return response.content.decode()
