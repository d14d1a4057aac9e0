"""Checklist languages: declared per version, texts as strings or translation objects, read in one
language with ?lang= or Accept-Language (falling back to the default) under their own ETag."""

import pytest

CHECKLISTS = "/api/v1/checklists/"

SECTIONS = [
    {
        "key": "greeting",
        "title": {"en": "Greeting", "fr": "Accueil"},
        "items": [
            {
                "key": "greeted",
                "prompt": {"en": "Were you greeted?", "fr": "Vous a-t-on salué ?"},
                "help_text": {"en": "Count from the door.", "fr": ""},
                "type": "yes_no",
            },
            {
                "key": "transfers",
                "prompt": "Were you passed around?",  # a plain string: the default language only
                "type": "choice",
                "options": [
                    {"key": "none", "label": {"en": "No", "fr": "Non"}, "points": 1},
                    {"key": "once", "label": {"en": "Once"}, "points": 0},
                ],
            },
        ],
    }
]


def body(**overrides):
    return {
        "name": "Bilingual",
        "channel": "in_person",
        "pass_threshold": 80,
        "languages": ["en", "fr"],
        "sections": SECTIONS,
        **overrides,
    }


@pytest.fixture
def version_url(client_for, admin):
    created = client_for(admin).post(CHECKLISTS, body(), format="json")
    assert created.status_code == 201, created.content
    return f"{CHECKLISTS}{created.json()['id']}/versions/1/"


def test_the_tree_without_lang_carries_every_translation(client_for, admin, version_url):
    tree = client_for(admin).get(version_url).json()
    assert tree["languages"] == ["en", "fr"] and tree["lang"] is None
    assert tree["sections"][0]["title"] == {"en": "Greeting", "fr": "Accueil"}
    assert tree["sections"][0]["items"][1]["prompt"] == "Were you passed around?"


def test_lang_resolves_every_text_with_fallback_to_the_default(client_for, auditor, admin, version_url):
    response = client_for(admin).get(version_url, {"lang": "fr"})
    assert response.status_code == 200
    tree = response.json()
    assert tree["lang"] == "fr"
    greeted, transfers = tree["sections"][0]["items"]
    assert tree["sections"][0]["title"] == "Accueil"
    assert greeted["prompt"] == "Vous a-t-on salué ?"
    assert greeted["help_text"] == "Count from the door."  # blank in French: the default's
    assert transfers["prompt"] == "Were you passed around?"
    assert [o["label"] for o in transfers["options"]] == ["Non", "Once"]


@pytest.mark.parametrize(
    "params,header,expected",
    [
        ({"lang": "fr-CA"}, None, "fr"),
        ({"lang": "FR"}, None, "fr"),
        ({"lang": "de"}, None, "en"),
        ({}, "fr-CH, fr;q=0.9, en;q=0.8", "fr"),
        ({}, "de-DE,de;q=0.9", "en"),
        ({}, "*", "en"),
        ({"lang": "en"}, "fr", "en"),
        ({}, "!!garbage", None),
    ],
)
def test_lang_and_accept_language_negotiate(client_for, admin, version_url, params, header, expected):
    extra = {"HTTP_ACCEPT_LANGUAGE": header} if header else {}
    response = client_for(admin).get(version_url, params, **extra)
    assert response.status_code == 200
    assert response.json()["lang"] == expected
    assert "Accept-Language" in response["Vary"]


def test_each_language_has_its_own_etag_and_304(client_for, admin, version_url):
    client = client_for(admin)
    full, en, fr = (client.get(version_url, params) for params in ({}, {"lang": "en"}, {"lang": "fr"}))
    etags = {full["ETag"], en["ETag"], fr["ETag"]}
    assert len(etags) == 3
    assert fr.json()["etag"] == fr["ETag"].strip('"')
    assert client.get(version_url, {"lang": "fr"}, HTTP_IF_NONE_MATCH=fr["ETag"]).status_code == 304
    assert client.get(version_url, {"lang": "en"}, HTTP_IF_NONE_MATCH=fr["ETag"]).status_code == 200
    assert client.get(version_url, HTTP_IF_NONE_MATCH=full["ETag"]).status_code == 304


@pytest.mark.parametrize("value", ["french", "f", "en_US", "12", "x" * 40, "zz"])
def test_a_malformed_lang_is_a_400_at_lang(client_for, admin, version_url, value):
    response = client_for(admin).get(version_url, {"lang": value})
    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [("lang", "invalid_language")]


@pytest.mark.parametrize(
    "languages,sections_patch,expected",
    [
        (["en", "en"], None, [("languages.1", "duplicate_language")]),
        ("en", None, [("languages", "not_a_list")]),
        ([], None, [("languages", "empty")]),
        (["en", "klingon"], None, [("languages.1", "invalid_language")]),
        (["fr", "en"], None, []),  # French is the default: every object holds it... except one below
        (None, None, [("sections.0.title", "languages_not_declared")]),
        (["en", "fr"], ("title", {"fr": "Accueil"}), [("sections.0.title.en", "required")]),
        (
            ["en", "fr"],
            ("title", {"en": "Greeting", "de": "Begrüßung"}),
            [("sections.0.title.de", "undeclared_language")],
        ),
        (["en", "fr"], ("title", {"en": "Greeting", "fr": 3}), [("sections.0.title.fr", "invalid")]),
        (
            ["en", "fr"],
            ("title", {"en": "Greeting", "fr": "x" * 201}),
            [("sections.0.title.fr", "max_length")],
        ),
        (["en", "fr"], ("title", {"en": "", "fr": "Accueil"}), [("sections.0.title.en", "invalid")]),
    ],
)
def test_translation_mistakes_are_400_naming_their_path(
    client_for, admin, languages, sections_patch, expected
):
    sections = [dict(SECTIONS[0])]
    if languages == ["fr", "en"]:
        # The option label {"en": "Once"} lacks the French default.
        expected = [("sections.0.items.1.options.1.label.fr", "required")]
    if sections_patch:
        sections[0][sections_patch[0]] = sections_patch[1]
    payload = body(sections=sections)
    if languages is None:
        payload.pop("languages")
    else:
        payload["languages"] = languages
    response = client_for(admin).post(CHECKLISTS, payload, format="json")
    assert response.status_code == 400
    got = [(e["attr"], e["code"]) for e in response.json()["errors"]]
    for problem in expected:
        assert problem in got


def test_a_new_version_may_add_a_language(client_for, admin, version_url):
    client = client_for(admin)
    checklist_url = version_url.rsplit("versions/", 1)[0]
    sections = [dict(SECTIONS[0], title={"en": "Greeting", "fr": "Accueil", "es": "Bienvenida"})]
    response = client.post(
        f"{checklist_url}versions/",
        {"pass_threshold": 80, "languages": ["en", "fr", "es"], "sections": sections},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["languages"] == ["en", "fr", "es"]
    assert (
        client.get(f"{checklist_url}versions/2/", {"lang": "es"}).json()["sections"][0]["title"]
        == "Bienvenida"
    )


def test_null_languages_means_none_declared(client_for, admin):
    plain = [{"key": "s", "title": "S", "items": [{"key": "q", "prompt": "Q?", "type": "yes_no"}]}]
    response = client_for(admin).post(CHECKLISTS, body(languages=None, sections=plain), format="json")
    assert response.status_code == 201, response.content
    tree = client_for(admin).get(f"{CHECKLISTS}{response.json()['id']}/versions/1/").json()
    assert tree["languages"] == []
