"""Settings of the real server the integration tests start: the test settings, with the database,
media root and photo cap the fixture gives it (one process tree, one place for its files)."""

from config.settings.test import *  # noqa: F401,F403
from config.settings.test import env

MEDIA_ROOT = env("MEDIA_ROOT")
PHOTO_MAX_UPLOAD_BYTES = env.int("PHOTO_MAX_UPLOAD_BYTES", default=20 * 1024 * 1024)
