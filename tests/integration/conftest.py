"""``demo_server``: the demo organization (``seed_demo``: open assignments for its auditors) served by
gunicorn on 127.0.0.1 for the whole session (``tests.servers.seeded_gunicorn``)."""

from dataclasses import dataclass

import pytest
import requests

from tests.servers import seeded_gunicorn

PHOTO_CAP = 256 * 1024  # a small photo cap, so the oversize test sends little


@dataclass
class Server:
    url: str
    password: str = "Demo-Coffee-2026"

    def token(self, username: str) -> str:
        response = requests.post(
            f"{self.url}/api/v1/auth/token/",
            json={"username": username, "password": self.password},
            timeout=30,
        )
        response.raise_for_status()
        return response.json()["access"]


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory):
    home = tmp_path_factory.mktemp("server")
    with seeded_gunicorn(
        home,
        settings_module="tests.integration.server_settings",
        weeks=1,
        env={"PHOTO_MAX_UPLOAD_BYTES": str(PHOTO_CAP)},
    ) as url:
        yield Server(url=url)
