"""Settings of the real server the browser tests drive: the test settings, with the database and media
root the fixture gives it (one process tree, one place for its files)."""

from config.settings.test import *  # noqa: F401,F403
from config.settings.test import env

MEDIA_ROOT = env("MEDIA_ROOT")
