"""A path id of thousands of digits is a plain 404, not a 500 (``int()`` refuses 4,300 digits)."""

import pytest

HUGE = "9" * 5000


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/locations/{HUGE}/",
        f"/api/v1/regions/{HUGE}/",
        f"/api/v1/assignments/{HUGE}/",
        f"/api/v1/webhooks/{HUGE}/",
        f"/api/v1/users/-{HUGE}/",
    ],
)
def test_an_id_of_thousands_of_digits_is_a_404(client_for, admin, url):
    response = client_for(admin).get(url)

    assert response.status_code == 404, response.content
    assert response.json()["errors"][0]["code"] == "not_found"
