"""With S3 storage, the pages that show photos allow the store's origin in ``img-src``, and no other."""

import subprocess
import sys

import pytest

from core.csp import s3_origin


@pytest.mark.parametrize(
    ("endpoint", "style", "origin"),
    [
        ("http://127.0.0.1:9000", "path", "http://127.0.0.1:9000"),
        ("https://minio.internal.example:9000/", "path", "https://minio.internal.example:9000"),
        ("https://s3.eu-west-1.example", "virtual", "https://photos.s3.eu-west-1.example"),
        (None, "path", "https://s3.eu-central-1.amazonaws.com"),
        (None, "virtual", "https://photos.s3.eu-central-1.amazonaws.com"),
    ],
)
def test_the_origin_of_presigned_links(endpoint, style, origin):
    assert (
        s3_origin(endpoint_url=endpoint, bucket="photos", region="eu-central-1", addressing_style=style)
        == origin
    )


def test_the_settings_allow_the_store_origin_when_s3_is_configured():
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'])"
    )
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "S3_BUCKET": "photos",
        "S3_ENDPOINT_URL": "http://127.0.0.1:9000",
        "PATH": "/usr/bin:/bin",
    }
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd="."
    )
    assert out.stdout.strip() == "[\"'self'\", 'data:', 'blob:', 'http://127.0.0.1:9000']"
