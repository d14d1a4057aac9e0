"""A correctly signed token whose ``user_id`` claim is not an id is a 401, never a 500.

Only someone holding the signing key can make such a token, but the answer must still be the
contract's 401 (and must never authenticate anyone: ``1.9`` is not user 1).
"""

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

BAD_CLAIMS = [
    [1],
    {"id": 1},
    None,
    True,
    1.0,
    1.9,
    "",
    "abc",
    "1 ",
    "１",  # a fullwidth digit one
    "-1",
    "0",
    2**63,
    str(2**64),
    "9" * 5000,
    "\x00",
]


def forged(token_class, user, claim):
    """A token signed with the test signing key, as a holder of that key could make it."""
    token = token_class.for_user(user)
    token["user_id"] = claim
    return str(token)


@pytest.mark.parametrize("claim", BAD_CLAIMS, ids=lambda claim: repr(claim)[:24])
def test_an_access_token_with_a_malformed_user_id_is_a_401(admin, claim):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {forged(AccessToken, admin, claim)}")

    response = client.get("/api/v1/me/")

    assert response.status_code == 401, response.content
    body = response.json()
    assert body["type"] == "client_error"
    assert body["errors"][0]["code"] == "token_not_valid"


@pytest.mark.parametrize("claim", BAD_CLAIMS, ids=lambda claim: repr(claim)[:24])
def test_a_refresh_token_with_a_malformed_user_id_is_a_401(admin, claim):
    response = APIClient().post(
        "/api/v1/auth/token/refresh/", {"refresh": forged(RefreshToken, admin, claim)}, format="json"
    )

    assert response.status_code == 401, response.content
    assert response.json()["errors"][0]["code"] == "token_not_valid"


@pytest.mark.parametrize("claim", ["{pk}", "int"])
def test_well_formed_claims_still_work(admin, claim):
    value = admin.pk if claim == "int" else str(admin.pk)  # simplejwt writes strings; older tokens ints
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {forged(AccessToken, admin, value)}")
    assert client.get("/api/v1/me/").json()["id"] == admin.pk
    refreshed = APIClient().post(
        "/api/v1/auth/token/refresh/", {"refresh": forged(RefreshToken, admin, value)}, format="json"
    )
    assert refreshed.status_code == 200, refreshed.content
