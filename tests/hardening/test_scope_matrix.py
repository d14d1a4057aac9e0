"""Role scopes and auditor anonymity, generated from the OpenAPI document.

Within one organization: a manager outside a region, an auditor on another auditor's work and
staff on another location get exactly what a missing object gets. Staff and API keys never see
who audited a visit, in any response or export.
"""

import pytest

from .dataset import SECRET_NAME, SECRET_USERNAME, build_dataset
from .test_tenancy_matrix import BODIES, ID_OPERATIONS, PATH_PARAMS, _body, _missing_params, fill, operations

# Which id-taking paths each scoped role reaches at all (the rest are admin-only and covered by
# the permission tests of their apps).
SCOPED_PATHS = {
    "manager": (
        "/api/v1/locations/",
        "/api/v1/regions/",
        "/api/v1/assignments/",
        "/api/v1/visits/",
        "/api/v1/photos/",
        "/api/v1/disputes/",
        "/api/v1/actions/",
    ),
    "auditor": (
        "/api/v1/locations/",
        "/api/v1/assignments/",
        "/api/v1/visits/",
        "/api/v1/photos/",
        "/api/v1/disputes/",
        "/api/v1/actions/",
    ),
    "staff": (
        "/api/v1/locations/",
        "/api/v1/visits/",
        "/api/v1/photos/",
        "/api/v1/assignments/",
        "/api/v1/disputes/",
        "/api/v1/actions/",
    ),
}
CASES = [
    (role, method, path)
    for role, prefixes in SCOPED_PATHS.items()
    for method, path in ID_OPERATIONS
    if path.startswith(prefixes)
]


@pytest.fixture
def dataset(db):
    return build_dataset("Scoped Org")


@pytest.mark.parametrize(("role", "method", "path"), CASES, ids=[f"{r}-{m.upper()} {p}" for r, m, p in CASES])
def test_out_of_scope_object_answers_like_a_missing_one(dataset, role, method, path):
    params = PATH_PARAMS[path](dataset.outside)
    body = BODIES.get((method, path), lambda o: {})(dataset.outside)
    client = dataset.client(role)
    outside = getattr(client, method)(fill(path, params), body, format="json")
    missing = getattr(client, method)(fill(path, _missing_params(path, params)), body, format="json")
    assert (outside.status_code, outside.json()) == (missing.status_code, missing.json())
    assert outside.status_code in (403, 404), (path, outside.status_code, outside.json())


GET_PATHS = [p for m, p in operations() if m == "get" and p.startswith("/api/v1/")]


@pytest.mark.parametrize("role", ["staff", "api_key"])
def test_no_auditor_identity_reaches_staff_or_api_keys(dataset, role):
    client = dataset.client(role)
    own = dataset.objects
    seen = []
    for path in GET_PATHS:
        if "{" in path and path not in PATH_PARAMS:
            continue
        url = fill(path, PATH_PARAMS[path](own)) if "{" in path else path
        response = client.get(url)
        if response.status_code != 200:
            continue
        seen.append(path)
        text = _body(response)
        assert SECRET_USERNAME not in text, (path, text[:300])
        assert SECRET_NAME not in text, (path, text[:300])
        if response["Content-Type"].startswith("application/json"):
            _assert_no_auditor_field(response.json(), path)
    # The check means something only if the visit endpoints were actually read.
    assert "/api/v1/visits/" in seen and "/api/v1/exports/visits.csv" in seen, seen
    assert "/api/v1/disputes/{id}/" in seen and "/api/v1/reports/disputes/" in seen, seen
    assert "/api/v1/visits/{id}/report.pdf" in seen, seen


def _assert_no_auditor_field(payload, path):
    if isinstance(payload, dict):
        for key, value in payload.items():
            if key == "auditor":
                assert value is None, (path, payload)
            _assert_no_auditor_field(value, path)
    elif isinstance(payload, list):
        for value in payload:
            _assert_no_auditor_field(value, path)


def test_admins_do_see_who_audited(dataset):
    """The anonymity check above is not vacuous: the same data names the auditor to an admin."""
    response = dataset.client("admin").get("/api/v1/exports/visits.csv")
    assert SECRET_USERNAME in _body(response) or SECRET_NAME in _body(response)
    report = dataset.client("admin").get(
        fill("/api/v1/visits/{id}/report.pdf", {"id": dataset.objects["visit"].pk})
    )
    assert SECRET_NAME in _body(report)
