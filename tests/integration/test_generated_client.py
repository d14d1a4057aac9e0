"""A Python client generated from openapi/schema.yaml (openapi-python-client) works against a real server.

The generator must run without a single warning, and the client must get through an integrator's
day: log in, read the caller and an open assignment, read the checklist version (every item parsed
as its own type), submit a visit and resend it (a phone first sent it without defaults: 200, not
409), add a photo and download it, read reports, list visits by id filters, export the CSV.
"""

import csv
import datetime as dt
import importlib
import io
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import requests
from PIL import Image

from checklists.logic import answers_shown

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "mystery_audit_client"


# One xdist worker runs every test of tests/integration/, so the session's demo server is built once.
pytestmark = pytest.mark.xdist_group("integration")


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    """The generated package, built in a temporary directory and imported from there."""
    where = tmp_path_factory.mktemp("generated")
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("openapi-python-client")),
            "generate",
            "--path",
            str(ROOT / "openapi" / "schema.yaml"),
            "--config",
            str(ROOT / "tests" / "integration" / "client-config.yaml"),
            "--meta",
            "none",
            "--output-path",
            str(where / PACKAGE),
        ],
        cwd=where,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "warning" not in output.lower(), output  # every operation and body was understood
    sys.path.insert(0, str(where))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(where))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def _module(path: str):
    return importlib.import_module(f"{PACKAGE}.{path}")


def _login(api, server, username: str):
    models = _module("models")
    token_create = _module("api.auth.api_v1_auth_token_create")
    anonymous = api.Client(base_url=server.url, raise_on_unexpected_status=True)
    pair = token_create.sync(
        client=anonymous, body=models.StrictTokenObtainRequest(username=username, password=server.password)
    )
    assert isinstance(pair, models.TokenPair), pair
    return api.AuthenticatedClient(base_url=server.url, token=pair.access, raise_on_unexpected_status=True)


def _value(item):
    kind = item.type_.value
    if kind == "yes_no":
        return True
    if kind == "scale":
        return item.scale_max
    if kind == "choice":
        return item.options[0].key
    if kind == "number":
        return item.pass_min if isinstance(item.pass_min, (int, float)) else 0
    return "Friendly."


def test_an_integrators_day_with_the_generated_client(api, demo_server):
    models = _module("models")
    auditor = _login(api, demo_server, "demo-auditor")

    me = _module("api.accounts.api_v1_me_retrieve").sync(client=auditor)
    assert me.role == models.MeRoleEnum.AUDITOR

    page = _module("api.assignments.api_v1_assignments_list").sync(
        client=auditor, status=models.ApiV1AssignmentsListStatus.OPEN
    )
    assert page.results, "the demo leaves open assignments for its auditors"
    assignment = page.results[0]

    version = _module("api.checklists.api_v1_checklists_versions_retrieve").sync(
        assignment.checklist, assignment.checklist_version, client=auditor
    )
    items = [item for section in version.sections for item in section.items]
    # The discriminator works: each item is parsed as the variant its `type` names.
    kinds = {type(item).__name__: item.type_.value for item in items}
    assert {"ScaleItem", "ChoiceItem", "NumberItem", "PhotoItem", "YesNoItem"} <= set(kinds)
    for name, kind in kinds.items():
        assert name == "".join(part.title() for part in kind.split("_")) + "Item"

    # A phone sends the visit first, leaving optional fields out ...
    started = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=50)
    answered = [item for item in items if item.type_.value != "photo"]
    shown = answers_shown(  # as a phone asks them (show_if)
        version.to_dict()["sections"], [{"item": item.key, "value": _value(item)} for item in answered]
    )
    answered = [item for item in answered if item.key in {answer["item"] for answer in shown}]
    phone_body = {
        "id": str(uuid.uuid4()),
        "assignment": assignment.id,
        "kind": "mystery",
        "started_at": started.isoformat(),
        "ended_at": (started + dt.timedelta(minutes=18)).isoformat(),
        "answers": [{"item": item.key, "value": _value(item)} for item in answered],
    }
    first = requests.post(
        f"{demo_server.url}/api/v1/visits/",
        json=phone_body,
        headers={"Authorization": auditor.get_httpx_client().headers["Authorization"]},
        timeout=30,
    )
    assert first.status_code == 201, first.text

    # ... and the integration resends it through the generated client, which writes defaults out.
    body = models.VisitSubmitRequest(
        id=uuid.UUID(phone_body["id"]),
        assignment=assignment.id,
        kind=models.KindEnum.MYSTERY,
        started_at=started,
        ended_at=started + dt.timedelta(minutes=18),
        answers=[models.AnswerInRequest(item=item.key, value=_value(item)) for item in answered],
    )
    assert body.to_dict()["answers"][0]["na"] is False  # what used to make it a 409
    resent = _module("api.visits.api_v1_visits_create").sync_detailed(client=auditor, body=body)
    assert resent.status_code == 200, resent.content
    visit = resent.parsed
    assert str(visit.id) == phone_body["id"] and visit.score is not None

    read = _module("api.visits.api_v1_visits_retrieve").sync(visit.id, client=auditor)
    assert read.id == visit.id

    picture = io.BytesIO()
    Image.new("RGB", (320, 240), (10, 120, 200)).save(picture, "JPEG")
    photo_item = next(item.key for item in items if item.type_.value == "photo")
    photo = _module("api.photos.api_v1_visits_photos_create").sync(
        visit.id,
        client=auditor,
        body=models.PhotoUploadRequest(
            id=uuid.uuid4(),
            item=photo_item,
            image=api.types.File(
                payload=io.BytesIO(picture.getvalue()), file_name="p.jpg", mime_type="image/jpeg"
            ),
        ),
    )
    assert isinstance(photo, models.Photo) and photo.width == 320
    link = requests.utils.urlparse(photo.url)
    query = dict(part.split("=", 1) for part in link.query.split("&"))
    downloaded = _module("api.photos.api_v1_photos_file_retrieve").sync(
        photo.id,
        client=api.Client(base_url=demo_server.url, raise_on_unexpected_status=True),
        exp=int(query["exp"]),
        sig=query["sig"],
        variant=models.ApiV1PhotosFileRetrieveVariant(query["variant"]),
    )
    assert downloaded.payload.read(3) == b"\xff\xd8\xff"  # a JPEG

    manager = _login(api, demo_server, "demo-manager")
    ranking = _module("api.reports.api_v1_reports_location_ranking_retrieve").sync(client=manager)
    assert isinstance(ranking, models.Ranking) and ranking.results
    visits = _module("api.visits.api_v1_visits_list").sync(
        client=manager, checklist=assignment.checklist, location=assignment.location
    )
    assert visits.results and all(v.location == assignment.location for v in visits.results)

    exported = _module("api.reports.exports_visits_csv").sync_detailed(
        client=manager, location=assignment.location
    )
    assert exported.status_code == 200
    rows = list(csv.reader(io.StringIO(exported.parsed)))
    assert rows[0][:3] == ["visit_id", "kind", "status"]
    assert phone_body["id"] in {row[0] for row in rows[1:]}

    report = _module("api.visits.visits_report_pdf").sync(visit.id, client=manager, lang="fr")
    assert report.payload.read(5) == b"%PDF-"
