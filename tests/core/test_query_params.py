import pytest


@pytest.mark.parametrize("query", ["to=", "updated_since=", "region=&status=approved"])
def test_a_parameter_given_without_value_is_a_400_naming_it(client_for, admin, query):
    response = client_for(admin).get(f"/api/v1/visits/?{query}")
    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "validation_error"
    assert body["errors"][0]["code"] == "blank"
    assert body["errors"][0]["attr"] == query.split("=")[0]


def test_blank_search_and_cursor_are_allowed(client_for, admin):
    assert client_for(admin).get("/api/v1/locations/?search=").status_code == 200


def test_a_method_the_view_lacks_is_405_even_with_blank_parameters(client_for, admin):
    response = client_for(admin).generic("TRACE", "/api/v1/visits/?to=")
    assert response.status_code == 405
    assert response.json()["errors"][0]["code"] == "method_not_allowed"


def test_a_parameter_given_twice_is_a_400_naming_it(db, client_for, admin):
    response = client_for(admin).get("/api/v1/visits/?location=1&location=2")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"code": "repeated", "detail": "Give this parameter once.", "attr": "location"}
    ]


@pytest.mark.parametrize("value", ["7.0", "1e3", "+7", "0x7"])
def test_an_id_filter_takes_digits_only(db, client_for, admin, value):
    response = client_for(admin).get("/api/v1/visits/", {"location": value})
    assert response.status_code == 400 and response.json()["errors"][0]["attr"] == "location"
