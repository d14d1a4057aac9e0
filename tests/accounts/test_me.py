"""``/api/v1/me/``: who the caller is."""


def test_me_describes_a_staff_member(client_for, staff, location, org):
    response = client_for(staff).get("/api/v1/me/")

    assert response.status_code == 200
    assert response.json() == {
        "id": staff.pk,
        "username": "stella",
        "display_name": staff.display_name,
        "role": "staff",
        "organization": {"id": org.pk, "name": "Acme Coffee"},
        "region_ids": [],
        "location_ids": [location.pk],
        "notifications": {
            "critical_failure": False,
            "low_score": False,
            "dispute_opened": False,
            "dispute_decided": True,
            "action_assigned": True,
            "action_overdue": True,
            "weekly_digest": True,
        },
    }


def test_me_lists_a_managers_regions(client_for, manager, region):
    assert client_for(manager).get("/api/v1/me/").json()["region_ids"] == [region.pk]


def test_me_for_an_api_key_names_the_key_and_no_person(key_client_for, org):
    body = key_client_for(org, ["read"]).get("/api/v1/me/").json()

    assert body["role"] == "api_key"
    assert body["id"] is None and body["username"] is None
    assert body["notifications"] is None
    assert body["organization"] == {"id": org.pk, "name": "Acme Coffee"}


def test_me_takes_no_post(client_for, admin):
    response = client_for(admin).post("/api/v1/me/", {}, format="json")

    assert response.status_code == 405
    assert response.json()["errors"][0]["code"] == "method_not_allowed"
