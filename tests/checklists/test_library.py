"""The built-in library: valid, traceable to the seeds' practices, one per channel, installed once."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from checklists.definition import CHANNELS, ITEM_TYPES, definition_problems, items_by_key, normalize_sections
from checklists.library import LIBRARY, PRACTICES
from checklists.library_fr import FR
from checklists.models import Checklist, ChecklistVersion
from checklists.services import library_install
from tests.factories import OrganizationFactory

IDS = [entry["builtin_key"] for entry in LIBRARY]


@pytest.mark.parametrize("entry", LIBRARY, ids=IDS)
def test_every_library_checklist_passes_the_validator(entry):
    problems = definition_problems(
        sections=entry["sections"],
        pass_threshold=entry["pass_threshold"],
        channel=entry["channel"],
        languages=entry["languages"],
    )
    assert problems == []


@pytest.mark.parametrize("entry", LIBRARY, ids=IDS)
def test_every_item_names_a_practice_from_the_seeds(entry):
    for _, item in items_by_key(entry["sections"]).values():
        assert item["source"] in PRACTICES, item["key"]


@pytest.mark.parametrize("entry", LIBRARY, ids=IDS)
def test_library_checklists_are_a_realistic_size_with_critical_items(entry):
    items = [item for _, item in items_by_key(normalize_sections(entry["sections"])).values()]
    assert 3 <= len(entry["sections"]) <= 5
    assert 8 <= len(items) <= 20
    assert any(item["critical"] for item in items)
    assert all(item["prompt"]["en"].strip() and item["prompt"]["fr"].strip() for item in items)
    assert entry["name"] and entry["description"]


def test_there_is_one_checklist_per_channel():
    assert sorted(entry["channel"] for entry in LIBRARY) == sorted(CHANNELS)
    assert len({entry["builtin_key"] for entry in LIBRARY}) == len(LIBRARY)


def test_the_library_uses_every_item_type():
    used = {item["type"] for entry in LIBRARY for _, item in items_by_key(entry["sections"]).values()}
    assert used == set(ITEM_TYPES)


def test_the_practices_named_in_the_brief_are_checked():
    prompts = {
        item["source"]: item["prompt"]
        for entry in LIBRARY
        for _, item in items_by_key(entry["sections"]).values()
    }
    for practice in (
        "Make a great first impression",
        "A customer can hear a smile over the phone",
        "Say please and thank you",
        "Don't interrupt",
        "Thank customers for their business and invite them back",
        "Solve the customer's problem",
        "No bouncing between departments",
        "Ask how you can serve them better",
        "Make your website user friendly",
    ):
        assert practice in prompts


def test_every_practice_is_used_somewhere():
    used = {item["source"] for entry in LIBRARY for _, item in items_by_key(entry["sections"]).values()}
    assert used == set(PRACTICES)


# --- load_checklists ------------------------------------------------------------------------------


def run(*args):
    out = StringIO()
    call_command("load_checklists", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_load_checklists_installs_the_library_into_every_organization(org, other_org):
    output = run()
    for organization in (org, other_org):
        installed = Checklist.objects.filter(organization=organization)
        assert sorted(installed.values_list("channel", flat=True)) == sorted(CHANNELS)
        assert all(c.current_version == 1 and c.builtin_key for c in installed)
    assert "6 created" in output


@pytest.mark.django_db
def test_load_checklists_twice_creates_nothing_new(org):
    run()
    checklists, versions = Checklist.objects.count(), ChecklistVersion.objects.count()
    output = run()
    assert (Checklist.objects.count(), ChecklistVersion.objects.count()) == (checklists, versions)
    assert "0 created" in output and "6 unchanged" in output


@pytest.mark.django_db
def test_load_checklists_for_one_organization(org, other_org):
    run("--org", org.name)
    assert Checklist.objects.filter(organization=org).count() == len(LIBRARY)
    assert not Checklist.objects.filter(organization=other_org).exists()


@pytest.mark.django_db
def test_load_checklists_for_an_unknown_organization_fails_clearly():
    OrganizationFactory(name="Acme")
    with pytest.raises(CommandError, match="No organization named"):
        run("--org", "Nobody")
    assert not Checklist.objects.exists()


@pytest.mark.django_db
def test_an_admins_rename_survives_a_reload(org):
    run()
    phone = Checklist.objects.get(organization=org, channel="phone")
    phone.name = "Our phone standard"
    phone.save()
    run()
    phone.refresh_from_db()
    assert phone.name == "Our phone standard"


@pytest.mark.django_db
def test_update_publishes_a_changed_library_definition_as_a_new_version(org):
    library_install(organization=org)
    entry = {**LIBRARY[1], "pass_threshold": 75}
    assert library_install(organization=org, entries=[entry]) == [(entry["builtin_key"], "unchanged")]
    assert library_install(organization=org, entries=[entry], update=True) == [
        (entry["builtin_key"], "updated")
    ]
    assert library_install(organization=org, entries=[entry], update=True) == [
        (entry["builtin_key"], "unchanged")
    ]
    checklist = Checklist.objects.get(organization=org, builtin_key=entry["builtin_key"])
    assert checklist.current_version == 2
    assert [float(v.pass_threshold) for v in checklist.versions.order_by("number")] == [80.0, 75.0]


@pytest.mark.django_db
def test_installed_library_versions_are_served_normalized(org, admin, client_for):
    run("--org", org.name)
    checklist = Checklist.objects.get(organization=org, channel="in_person")
    tree = client_for(admin).get(f"/api/v1/checklists/{checklist.pk}/versions/1/").json()
    storefront = items_by_key(tree["sections"])["storefront"][1]
    assert storefront["type"] == "photo" and storefront["photo"] == {"min": 1, "max": 3}
    assert storefront["source"] == "Make a great first impression"


# --- languages and branching ------------------------------------------------------------------


def _texts(entry):
    """Every translatable text of an entry: section titles, prompts, help texts, option labels."""
    for section in entry["sections"]:
        yield section["title"]
        for item in section["items"]:
            yield item["prompt"]
            yield item["help_text"]
            for option in item.get("options", []):
                yield option["label"]


@pytest.mark.parametrize("entry", LIBRARY, ids=IDS)
def test_every_library_text_is_in_english_and_in_french(entry):
    assert entry["languages"] == ["en", "fr"]
    for text in _texts(entry):
        if text == "":
            continue  # an empty help text
        assert set(text) == {"en", "fr"}, text
        assert text["fr"].strip() and text["fr"] != text["en"], text


def test_the_french_texts_name_only_items_that_exist():

    for entry in LIBRARY:
        texts = FR[entry["builtin_key"]]
        items = {item["key"]: item for _, item in items_by_key(entry["sections"]).values()}
        assert set(texts["items"]) == set(items)
        assert set(texts["sections"]) == {section["key"] for section in entry["sections"]}
        for key, french in texts["items"].items():
            assert (len(french) > 1) == (items[key]["help_text"] != ""), key
        for key, labels in texts["options"].items():
            assert set(labels) == {option["key"] for option in items[key]["options"]}


def test_the_library_branches_where_a_real_program_would():
    branching = {
        entry["builtin_key"]
        for entry in LIBRARY
        for section in entry["sections"]
        if section.get("show_if") or any(item.get("show_if") for item in section["items"])
    }
    assert branching == {entry["builtin_key"] for entry in LIBRARY}
    in_person = next(entry for entry in LIBRARY if entry["channel"] == "in_person")
    follow_up = items_by_key(in_person["sections"])["acknowledged_within_2min"][1]
    assert follow_up["show_if"] == {"===": [{"var": "greeted_within_30s"}, False]}


def test_installed_library_versions_are_served_in_french(org, admin, client_for):
    library_install(organization=org)
    phone = Checklist.objects.get(organization=org, builtin_key="builtin-phone")
    url = f"/api/v1/checklists/{phone.pk}/versions/1/"
    tree = client_for(admin).get(url, {"lang": "fr"}).json()
    assert tree["lang"] == "fr" and tree["languages"] == ["en", "fr"]
    assert tree["sections"][0]["title"] == "La prise d'appel"
    english = client_for(admin).get(url, {"lang": "en"}).json()
    assert english["sections"][0]["title"] == "Answering the call"
