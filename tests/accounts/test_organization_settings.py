"""GET/PATCH /api/v1/organization/: everyone reads the settings, admins change them within range."""

import pytest

from accounts.models import Organization

URL = "/api/v1/organization/"
DEFAULTS = {
    "timezone": "UTC",
    "currency": "EUR",
    "dispute_window_days": 14,
    "action_due_days": 14,
    "lockout_days": 90,
    "daily_claim_cap": 3,
    "default_language": "en",
}


@pytest.mark.parametrize("who", ["admin", "manager", "auditor", "staff", "key_read"])
def test_everyone_reads_their_organizations_defaults(caller, who, org):
    response = caller(who).get(URL)
    assert response.status_code == 200, response.content
    assert response.json() == {"id": org.pk, "name": "Acme Coffee", **DEFAULTS}


def test_a_caller_only_ever_reads_their_own_organization(client_for, foreign_admin, other_org):
    body = client_for(foreign_admin).get(URL).json()
    assert body["id"] == other_org.pk and body["name"] == "Rival Roasters"


def test_anonymous_is_401(anon):
    assert anon.get(URL).status_code == 401


def test_admin_changes_settings(client_for, admin, org):
    change = {
        "timezone": "America/New_York",
        "currency": "USD",
        "dispute_window_days": 21,
        "action_due_days": 7,
        "lockout_days": 365,
        "daily_claim_cap": 50,
        "default_language": "pt-br",
    }
    response = client_for(admin).patch(URL, change, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {"id": org.pk, "name": "Acme Coffee", **change, "default_language": "pt-BR"}
    org.refresh_from_db()
    assert (org.currency, org.lockout_days, org.default_language) == ("USD", 365, "pt-BR")


def test_admin_renames_the_organization(client_for, admin, org):
    response = client_for(admin).patch(URL, {"name": "  Acme Coffee Europe "}, format="json")
    assert response.status_code == 200
    assert Organization.objects.get(pk=org.pk).name == "Acme Coffee Europe"


def test_a_name_another_organization_has_is_a_conflict(client_for, admin, other_org):
    response = client_for(admin).patch(URL, {"name": "Rival Roasters"}, format="json")
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "duplicate_name"


@pytest.mark.parametrize("who", ["manager", "auditor", "staff", "key_read", "key_write"])
def test_only_admins_change_settings(caller, who, org):
    response = caller(who).patch(URL, {"daily_claim_cap": 5}, format="json")
    assert response.status_code == 403
    assert Organization.objects.get(pk=org.pk).daily_claim_cap == 3


@pytest.mark.parametrize(
    "field,value,code",
    [
        ("dispute_window_days", 0, "min_value"),
        ("action_due_days", 366, "max_value"),
        ("lockout_days", -1, "min_value"),
        ("daily_claim_cap", 51, "max_value"),
        ("daily_claim_cap", 0, "min_value"),
        ("daily_claim_cap", "3", "wrong_type"),
        ("dispute_window_days", 14.5, "wrong_type"),
        ("dispute_window_days", True, "wrong_type"),
        ("timezone", "Mars/Olympus_Mons", "invalid_timezone"),
        ("timezone", "utc", "invalid_timezone"),
        ("currency", "EURO", "invalid_currency"),
        ("currency", "eur", "invalid_currency"),
        ("currency", "XYZ", "invalid_currency"),
        ("default_language", "english", "invalid_language"),
        ("default_language", "zz", "invalid_language"),
        ("default_language", "en_US", "invalid_language"),
        ("name", " ", "blank"),
        ("name", None, "null"),
        ("color", "red", "unknown_field"),
    ],
)
def test_out_of_range_settings_are_400_naming_the_field(client_for, admin, org, field, value, code):
    response = client_for(admin).patch(URL, {field: value}, format="json")
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert [(e["attr"], e["code"]) for e in errors] == [(field, code)]
    org.refresh_from_db()
    assert org.dispute_window_days == 14 and org.currency == "EUR"


def test_id_is_read_only(client_for, admin, org):
    response = client_for(admin).patch(URL, {"id": 999}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "id"
