"""Photo fixtures: visits with photo rules, an upload helper, and a real S3 server (moto) on 127.0.0.1."""

import socket
import uuid

import boto3
import pytest
from botocore.config import Config
from django.core.files.uploadedfile import SimpleUploadedFile

from .factories import make_visit, photo_checklist

BUCKET = "audit-photos"


@pytest.fixture
def checklist(org):
    return photo_checklist(org)


@pytest.fixture
def visit(location, auditor, checklist):
    """A submitted mystery visit by ``auditor`` at ``location`` (in the manager's region)."""
    return make_visit(location=location, auditor=auditor, checklist=checklist)


@pytest.fixture
def upload():
    """``upload(client, visit, data, photo_id=None, item="", name="photo.jpg")`` posts a multipart photo."""

    def post(client, visit, data, *, photo_id=None, item="", name="photo.jpg", content_type="image/jpeg"):
        body = {"id": str(photo_id or uuid.uuid4()), "item": item}
        body["image"] = SimpleUploadedFile(name, data, content_type=content_type)
        return client.post(f"/api/v1/visits/{visit.pk}/photos/", body, format="multipart")

    return post


# --- S3 over real HTTP ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class S3Server:
    """moto's ThreadedMotoServer on 127.0.0.1 that can be stopped (socket closed) and restarted."""

    def __init__(self, port: int):
        from moto.server import ThreadedMotoServer  # noqa: PLC0415 - moto takes seconds to import; only S3 tests start it

        self.port = port
        self.endpoint = f"http://127.0.0.1:{port}"
        self._factory = lambda: ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        self._server = None

    def start(self):
        self._server = self._factory()
        self._server.start()

    def stop(self):
        if self._server is not None:
            self._server.stop()
            # ThreadedMotoServer.stop() leaves the socket listening: close it so the store is truly down.
            self._server._server.server_close()
            self._server = None

    def client(self):
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )


def ensure_bucket(server: S3Server) -> None:
    client = server.client()
    if BUCKET not in {bucket["Name"] for bucket in client.list_buckets().get("Buckets", [])}:
        client.create_bucket(Bucket=BUCKET)


def empty_bucket(server: S3Server) -> None:
    client = server.client()
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for entry in page.get("Contents", []):
            client.delete_object(Bucket=BUCKET, Key=entry["Key"])


@pytest.fixture(scope="session")
def s3_server():
    server = S3Server(free_port())
    server.start()
    ensure_bucket(server)
    yield server
    server.stop()


def s3_storages(endpoint: str) -> dict:

    return {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": endpoint,
                "region_name": "us-east-1",
                "access_key": "testing",
                "secret_key": "testing",
                "querystring_auth": True,
                "querystring_expire": 600,
                "file_overwrite": True,
                "default_acl": None,
                "client_config": Config(
                    signature_version="s3v4",
                    s3={"addressing_style": "path"},
                    connect_timeout=1,
                    read_timeout=5,
                    retries={"max_attempts": 1, "mode": "standard"},
                ),
            },
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def s3(s3_server, settings):
    """Photos stored in the moto bucket for this test (settings change resets default_storage)."""
    settings.STORAGES = s3_storages(s3_server.endpoint)
    empty_bucket(s3_server)
    yield s3_server
    empty_bucket(s3_server)


@pytest.fixture
def flaky_s3(settings):
    """A store of its own that the test may stop and start again (same port).

    moto keeps its buckets in-process, so every server started by the suite sees the same bucket.
    """
    server = S3Server(free_port())
    server.start()
    ensure_bucket(server)
    empty_bucket(server)
    settings.STORAGES = s3_storages(server.endpoint)
    yield server
    server.stop()
    server.start()
    empty_bucket(server)
    server.stop()
