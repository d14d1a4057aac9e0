"""Who may do what on the structure endpoints: every role against every operation.

``manager`` manages the region of ``location``; ``manager_elsewhere`` manages the other region;
``assigned_auditor`` is sent to ``location``; ``staff`` works at ``location``.
"""

import pytest

PRINCIPALS = [
    "admin",
    "manager",
    "manager_elsewhere",
    "assigned_auditor",
    "staff",
    "key_read",
    "key_write",
    "anonymous",
]


def _row(**expected):
    return [expected[p] for p in PRINCIPALS]


# (method, path, body, expected status per principal in PRINCIPALS order)
MATRIX = {
    "me": ("get", "/api/v1/me/", None, _row(
        admin=200, manager=200, manager_elsewhere=200, assigned_auditor=200, staff=200,
        key_read=200, key_write=200, anonymous=401)),
    "users list": ("get", "/api/v1/users/", None, _row(
        admin=200, manager=403, manager_elsewhere=403, assigned_auditor=403, staff=403,
        key_read=403, key_write=403, anonymous=401)),
    "user read": ("get", "/api/v1/users/{staff_id}/", None, _row(
        admin=200, manager=403, manager_elsewhere=403, assigned_auditor=403, staff=403,
        key_read=403, key_write=403, anonymous=401)),
    "user create": ("post", "/api/v1/users/", {"username": "newbie", "password": "long-enough-1", "role": "auditor"}, _row(
        admin=201, manager=403, manager_elsewhere=403, assigned_auditor=403, staff=403,
        key_read=403, key_write=403, anonymous=401)),
    "user patch": ("patch", "/api/v1/users/{staff_id}/", {"display_name": "Stella S."}, _row(
        admin=200, manager=403, manager_elsewhere=403, assigned_auditor=403, staff=403,
        key_read=403, key_write=403, anonymous=401)),
    "user deactivate": ("delete", "/api/v1/users/{staff_id}/", None, _row(
        admin=204, manager=403, manager_elsewhere=403, assigned_auditor=403, staff=403,
        key_read=403, key_write=403, anonymous=401)),
    "keys list": ("get", "/api/v1/api-keys/", None, _row(
        admin=200, manager=403, manager_elsewhere=403, assigned_auditor=403, staff=403,
        key_read=403, key_write=403, anonymous=401)),
    "key create": ("post", "/api/v1/api-keys/", {"name": "bi"}, _row(
        admin=201, manager=403, manager_elsewhere=403, assigned_auditor=403, staff=403,
        key_read=403, key_write=403, anonymous=401)),
    "regions list": ("get", "/api/v1/regions/", None, _row(
        admin=200, manager=200, manager_elsewhere=200, assigned_auditor=200, staff=200,
        key_read=200, key_write=200, anonymous=401)),
    "region read": ("get", "/api/v1/regions/{region_id}/", None, _row(
        admin=200, manager=200, manager_elsewhere=404, assigned_auditor=200, staff=200,
        key_read=200, key_write=200, anonymous=401)),
    "other region read": ("get", "/api/v1/regions/{other_region_id}/", None, _row(
        admin=200, manager=404, manager_elsewhere=200, assigned_auditor=404, staff=404,
        key_read=200, key_write=200, anonymous=401)),
    "region create": ("post", "/api/v1/regions/", {"code": "EAST", "name": "East"}, _row(
        admin=201, manager=403, manager_elsewhere=403, assigned_auditor=403, staff=403,
        key_read=403, key_write=201, anonymous=401)),
    "region patch": ("patch", "/api/v1/regions/{region_id}/", {"name": "Far North"}, _row(
        admin=200, manager=403, manager_elsewhere=403, assigned_auditor=403, staff=403,
        key_read=403, key_write=200, anonymous=401)),
    "locations list": ("get", "/api/v1/locations/", None, _row(
        admin=200, manager=200, manager_elsewhere=200, assigned_auditor=200, staff=200,
        key_read=200, key_write=200, anonymous=401)),
    "location read": ("get", "/api/v1/locations/{location_id}/", None, _row(
        admin=200, manager=200, manager_elsewhere=404, assigned_auditor=200, staff=200,
        key_read=200, key_write=200, anonymous=401)),
    "other location read": ("get", "/api/v1/locations/{other_location_id}/", None, _row(
        admin=200, manager=404, manager_elsewhere=200, assigned_auditor=404, staff=404,
        key_read=200, key_write=200, anonymous=401)),
    "location create": ("post", "/api/v1/locations/", {"code": "UTR-01", "name": "Utrecht", "region": "{region_id}"}, _row(
        admin=201, manager=403, manager_elsewhere=403, assigned_auditor=403, staff=403,
        key_read=403, key_write=201, anonymous=401)),
    "location patch": ("patch", "/api/v1/locations/{location_id}/", {"geofence_m": 250}, _row(
        admin=200, manager=403, manager_elsewhere=403, assigned_auditor=403, staff=403,
        key_read=403, key_write=200, anonymous=401)),
}  # fmt: skip

CASES = [
    pytest.param(name, principal, expected, id=f"{name}-{principal}")
    for name, (_, _, _, row) in MATRIX.items()
    for principal, expected in zip(PRINCIPALS, row, strict=True)
]


@pytest.mark.parametrize(("operation", "principal", "expected"), CASES)
def test_role_may_or_may_not(
    operation, principal, expected, caller, staff, region, other_region, location, other_location
):
    ids = {
        "staff_id": staff.pk,
        "region_id": region.pk,
        "other_region_id": other_region.pk,
        "location_id": location.pk,
        "other_location_id": other_location.pk,
    }
    method, path, body, _ = MATRIX[operation]
    if body is not None:
        body = {
            k: (int(v.format(**ids)) if isinstance(v, str) and v.startswith("{") else v)
            for k, v in body.items()
        }
    response = getattr(caller(principal), method)(path.format(**ids), body, format="json")
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert response.json()["type"] == "client_error"
