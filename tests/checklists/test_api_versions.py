"""Versions over HTTP: publishing the next one, reading trees with ETag/304, and who may do what."""

import threading

import pytest
from django.db import close_old_connections, connection

from checklists.definition import items_by_key
from checklists.models import ChecklistVersion

pytestmark = pytest.mark.django_db


def versions_url(checklist, number=None):
    base = f"/api/v1/checklists/{checklist.pk}/versions/"
    return base if number is None else f"{base}{number}/"


def publish_body(definition, **changes):
    return {"pass_threshold": definition["pass_threshold"], "sections": definition["sections"], **changes}


# --- publishing -----------------------------------------------------------------------------------


def test_publishing_creates_the_next_version_and_leaves_the_old_one_alone(
    admin, client_for, checklist, definition
):
    client = client_for(admin)
    before = client.get(versions_url(checklist, 1))
    definition["sections"][0]["items"][0]["prompt"] = "Greeted within 20 seconds?"

    response = client.post(
        versions_url(checklist), publish_body(definition, pass_threshold=85.5), format="json"
    )

    assert response.status_code == 201, response.content
    assert response.json()["number"] == 2
    assert response.json()["pass_threshold"] == 85.5
    assert response.headers["Location"] == versions_url(checklist, 2)
    assert response.headers["ETag"] == f'"{response.json()["etag"]}"'
    assert client.get(f"/api/v1/checklists/{checklist.pk}/").json()["current_version"] == 2
    after = client.get(versions_url(checklist, 1))
    assert after.json() == before.json()
    assert after.headers["ETag"] == before.headers["ETag"]
    v2 = client.get(versions_url(checklist, 2)).json()
    assert v2["sections"][0]["items"][0]["prompt"] == "Greeted within 20 seconds?"


def test_versions_list_is_newest_first_without_trees(admin, client_for, checklist, definition):
    client = client_for(admin)
    client.post(versions_url(checklist), publish_body(definition), format="json")
    rows = client.get(versions_url(checklist)).json()["results"]
    assert [row["number"] for row in rows] == [2, 1]
    assert set(rows[0]) == {"checklist", "number", "published_at", "pass_threshold", "etag", "languages"}


def test_publishing_reports_every_mistake_with_its_path(admin, client_for, checklist, definition):
    definition["sections"][1]["items"][1]["options"][1]["key"] = "none"
    definition["sections"][1]["items"][2]["pass_min"] = 9
    definition["sections"][0]["items"][0]["photo"] = {"min": 3, "max": 1}
    response = client_for(admin).post(
        versions_url(checklist), publish_body(definition, pass_threshold=120), format="json"
    )
    assert response.status_code == 400
    assert {e["attr"] for e in response.json()["errors"]} == {
        "pass_threshold",
        "sections.1.items.1.options.1.key",
        "sections.1.items.2.pass_min",
        "sections.0.items.0.photo.min",
    }
    assert ChecklistVersion.objects.filter(checklist=checklist).count() == 1


def test_a_version_keeps_its_checklists_channel(admin, client_for, checklist, definition):
    response = client_for(admin).post(
        versions_url(checklist), publish_body(definition, channel="phone"), format="json"
    )
    assert response.status_code == 400
    assert [e["attr"] for e in response.json()["errors"]] == ["channel"]


@pytest.mark.parametrize("role", ["manager", "auditor", "staff"])
def test_only_admins_publish(role, request, client_for, checklist, definition):
    user = request.getfixturevalue(role)
    response = client_for(user).post(versions_url(checklist), publish_body(definition), format="json")
    assert response.status_code == 403
    assert checklist.versions.count() == 1


def test_api_keys_publish_only_with_write_scope(org, key_client_for, checklist, definition):
    assert (
        key_client_for(org).post(versions_url(checklist), publish_body(definition), format="json").status_code
        == 403
    )
    response = key_client_for(org, ["read", "write"]).post(
        versions_url(checklist), publish_body(definition), format="json"
    )
    assert response.status_code == 201


def test_another_organizations_admin_cannot_publish(foreign_admin, client_for, checklist, definition):
    response = client_for(foreign_admin).post(
        versions_url(checklist), publish_body(definition), format="json"
    )
    assert response.status_code == 404
    assert checklist.versions.count() == 1


def test_unknown_version_is_404(admin, client_for, checklist):
    assert client_for(admin).get(versions_url(checklist, 2)).status_code == 404
    assert client_for(admin).get(versions_url(checklist, 99999999999999999999)).status_code == 404


def test_versions_are_never_replaced_or_deleted_over_http(admin, client_for, checklist, definition):
    client = client_for(admin)
    assert client.put(versions_url(checklist, 1), publish_body(definition), format="json").status_code == 405
    assert client.delete(versions_url(checklist, 1)).status_code == 405
    assert checklist.versions.count() == 1


def test_staff_read_version_trees_to_self_assess(staff, client_for, checklist):
    response = client_for(staff).get(versions_url(checklist, 1))
    assert response.status_code == 200
    assert "transfers" in items_by_key(response.json()["sections"])


# --- ETag and 304 ---------------------------------------------------------------------------------


@pytest.fixture
def tree(admin, client_for, checklist):
    response = client_for(admin).get(versions_url(checklist, 1))
    assert response.status_code == 200
    return response


def test_the_tree_carries_a_strong_etag_of_its_content(tree, checklist):
    etag = tree.headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"') and not etag.startswith("W/")
    assert etag == f'"{checklist.versions.get().etag}"'
    assert "no-cache" in tree.headers["Cache-Control"] and "private" in tree.headers["Cache-Control"]


@pytest.mark.parametrize(
    "header",
    [
        "{etag}",
        "W/{etag}",
        '"not-it", {etag}',
        '"a",W/{etag} , "b"',
        "*",
    ],
    ids=["exact", "weak", "list", "list-with-weak", "star"],
)
def test_if_none_match_answers_304_with_no_body(admin, client_for, checklist, tree, header):
    etag = tree.headers["ETag"]
    response = client_for(admin).get(versions_url(checklist, 1), HTTP_IF_NONE_MATCH=header.format(etag=etag))
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["ETag"] == etag


@pytest.mark.parametrize("header", ['"something-else"', "garbage without quotes", '""', 'W/"x"'])
def test_a_stale_or_malformed_if_none_match_gets_the_tree(admin, client_for, checklist, tree, header):
    response = client_for(admin).get(versions_url(checklist, 1), HTTP_IF_NONE_MATCH=header)
    assert response.status_code == 200
    assert response.json() == tree.json()


def test_each_version_has_its_own_etag(admin, client_for, checklist, definition, tree):
    client = client_for(admin)
    v2 = client.post(versions_url(checklist), publish_body(definition), format="json")
    assert v2.headers["ETag"] != tree.headers["ETag"]
    stale = client.get(versions_url(checklist, 2), HTTP_IF_NONE_MATCH=tree.headers["ETag"])
    assert stale.status_code == 200


def test_a_matching_etag_does_not_bypass_visibility(foreign_admin, client_for, checklist, tree):
    response = client_for(foreign_admin).get(
        versions_url(checklist, 1), HTTP_IF_NONE_MATCH=tree.headers["ETag"]
    )
    assert response.status_code == 404


def test_head_answers_like_get_without_a_body(admin, client_for, checklist, tree):
    response = client_for(admin).head(versions_url(checklist, 1))
    assert response.status_code == 200
    assert response.headers["ETag"] == tree.headers["ETag"]
    assert response.content == b""


def test_reading_a_tree_costs_two_queries(admin, client_for, checklist, django_assert_num_queries):
    client = client_for(admin)
    with django_assert_num_queries(2):  # the user, the scoped version
        assert client.get(versions_url(checklist, 1)).status_code == 200


# --- concurrency (PostgreSQL) ---------------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrent transactions need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_publishes_get_consecutive_numbers(admin, client_for, checklist, definition):
    barrier = threading.Barrier(4)
    statuses = []

    def publish():
        try:
            client = client_for(admin)
            barrier.wait()
            statuses.append(
                client.post(versions_url(checklist), publish_body(definition), format="json").status_code
            )
        finally:
            close_old_connections()

    threads = [threading.Thread(target=publish) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [201] * 4
    assert sorted(checklist.versions.values_list("number", flat=True)) == [1, 2, 3, 4, 5]
    checklist.refresh_from_db()
    assert checklist.current_version == 5


def test_versions_list_costs_the_same_number_of_queries_however_many_versions(
    admin, client_for, checklist, definition, django_assert_num_queries
):
    client = client_for(admin)
    with django_assert_num_queries(3) as one:  # the user, the checklist, the page
        assert len(client.get(versions_url(checklist)).json()["results"]) == 1
    expected = len(one.captured_queries)  # read now: every request resets Django's query log
    for _ in range(4):
        client.post(versions_url(checklist), publish_body(definition), format="json")
    with django_assert_num_queries(expected):
        assert len(client.get(versions_url(checklist)).json()["results"]) == 5
