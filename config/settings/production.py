"""Production settings: secrets must come from the environment; HTTPS everywhere."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403
from .base import CACHES, env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY or SECRET_KEY.startswith("dev-insecure"):
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in production.")

# Throttles (login guesses above all) count in the cache: a per-process cache would give each
# gunicorn worker its own budget, so production needs one that every process shares.
_LOCAL_CACHES = ("locmem.LocMemCache", "dummy.DummyCache")
if not env("CACHE_URL", default="") or CACHES["default"]["BACKEND"].endswith(_LOCAL_CACHES):
    raise ImproperlyConfigured(
        "CACHE_URL must name a cache shared by every process in production (e.g. "
        "redis://127.0.0.1:6379/0): throttle counters kept in each process's memory let every "
        "worker grant its own budget of login guesses."
    )

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# Load balancers probe over plain HTTP and do not follow redirects.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
