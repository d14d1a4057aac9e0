"""Settings shared by every environment, read from environment variables.

Development defaults just work (SQLite, local ``media/``, an in-process task
backend); production overrides live in ``production.py`` and refuse to start
without a secret key.
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

from core.email_url import email_settings

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-insecure-secret-key-change-me-0123456789abcdef")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "drf_standardized_errors",
    # Before django_tasks_db: its db_worker command wakes on NOTIFY (core/management/commands/db_worker.py).
    "core",
    "django_tasks",
    "django_tasks_db",
    "csp",
    # Chart.js and Chartkick.js, served from the installed package's static files (the dashboard's charts).
    "chartkick.django",
    "accounts",
    "checklists",
    "audits",
    "photos",
    "reports",
    "webhooks",
    "disputes",
    "actions",
    "calibrations",
    "fieldwork",
    "documents",
    "notifications",
    "dashboard",
    "phone",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.RequestLogMiddleware",
    "core.middleware.ApiErrorShapeMiddleware",
    "core.query_params.BlankQueryParamMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

# Content Security Policy for every response; the docs pages (Swagger UI, ReDoc) are served from
# drf-spectacular-sidecar's static files with no inline script (SpectacularSwaggerSplitView).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "font-src": ["'self'", "data:"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
    }
}

ROOT_URLCONF = "config.urls"

# --- Dashboard: server-rendered pages under /dashboard/ with a session login (the API keeps JWTs) --
LOGIN_URL = "dashboard:login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "dashboard:login"
# A dashboard (or admin) session lasts a working day; production makes its cookies HTTPS-only.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
# A form posted without a valid CSRF token (an expired page, another site) gets a page that says so.
CSRF_FAILURE_VIEW = "dashboard.views.csrf_failure"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=0)
# Reused connections are checked before use, so a database restart costs no request an error.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A hung or unreachable server fails fast (503) instead of holding a worker past its timeout.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env.int(
        "DB_CONNECT_TIMEOUT", default=5
    )
# /readyz waits this long for each check (database, photo store) before answering 503.
READINESS_TIMEOUT_SECONDS = env.float("READINESS_TIMEOUT_SECONDS", default=2.0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the worker and the web process share the file. Transactions begin
    # IMMEDIATE (take the write lock up front, waiting up to the busy timeout for it): a deferred
    # transaction that reads first and then writes must upgrade its lock, and SQLite refuses that
    # upgrade at once ("database is locked", no busy wait) while another writer holds the lock.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

# Reports and exports read from a streaming replica of the primary when one is given (core/replica.py).
REPLICA_READS = bool(env("DATABASE_REPLICA_URL", default=""))
if REPLICA_READS:
    DATABASES["replica"] = {
        **DATABASES["default"],
        **env.db("DATABASE_REPLICA_URL"),
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["core.replica.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env("STATIC_ROOT", default=None)  # only needed for collectstatic
# The API docs' assets (drf-spectacular-sidecar) are served by WhiteNoise, straight from the
# installed apps, so Swagger UI and ReDoc work under gunicorn with no internet and no collectstatic.
WHITENOISE_USE_FINDERS = True
MEDIA_URL = "/media/"
MEDIA_ROOT = env("MEDIA_ROOT", default=str(BASE_DIR / "media"))

# Request bodies: JSON stays small; photo uploads are capped by the photo pipeline (20 MiB).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

# --- Storage: local media/ by default, any S3-compatible store by environment -------------------
# Photos are written under deterministic names (a retried upload lands on the same object), so both
# backends overwrite instead of inventing "name_x7Hq2.jpg" variants.
AWS_STORAGE_BUCKET_NAME = env("S3_BUCKET", default="")
USE_S3 = bool(AWS_STORAGE_BUCKET_NAME)
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"allow_overwrite": True},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Links to photos expire: presigned on S3, signed app links for local storage (at most 15 minutes).
PHOTO_URL_TTL_SECONDS = min(env.int("PHOTO_URL_TTL_SECONDS", default=600), 900)
PHOTO_RETENTION_DAYS = env.int("PHOTO_RETENTION_DAYS", default=730)  # purge_photos default age
if USE_S3:
    from botocore.config import Config as _BotoConfig

    from core.csp import s3_origin

    # Pages that show photos load them from the store's presigned links: allow that origin alone.
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(
        s3_origin(
            endpoint_url=env("S3_ENDPOINT_URL", default=None),
            bucket=AWS_STORAGE_BUCKET_NAME,
            region=env("S3_REGION", default="us-east-1"),
            addressing_style=env("S3_ADDRESSING_STYLE", default="path"),
        )
    )

    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env("S3_ENDPOINT_URL", default=None),
            "region_name": env("S3_REGION", default="us-east-1"),
            "access_key": env("S3_ACCESS_KEY_ID", default=None),
            "secret_key": env("S3_SECRET_ACCESS_KEY", default=None),
            "querystring_auth": True,
            "querystring_expire": PHOTO_URL_TTL_SECONDS,
            "file_overwrite": True,
            "default_acl": None,
            # A store that is down must answer 503 quickly, not after minutes of retries.
            "client_config": _BotoConfig(
                signature_version="s3v4",
                s3={"addressing_style": env("S3_ADDRESSING_STYLE", default="path")},
                connect_timeout=env.float("S3_CONNECT_TIMEOUT", default=3.0),
                read_timeout=env.float("S3_READ_TIMEOUT", default=10.0),
                retries={"max_attempts": env.int("S3_MAX_ATTEMPTS", default=2), "mode": "standard"},
            ),
        },
    }

# Photo pipeline limits and choices (see photos/imaging.py and the README).
PHOTO_MAX_UPLOAD_BYTES = 20 * 1024 * 1024
PHOTO_MAX_PIXELS = env.int("PHOTO_MAX_PIXELS", default=60_000_000)
# Memory one decode may take (decoded pixels x bytes per pixel x the format's decoder copies,
# estimated from the header before decoding; 400 image_too_large past it) and how many pictures one
# process decodes at once (others wait up to PHOTO_DECODE_WAIT_SECONDS, then 503 + Retry-After).
PHOTO_MAX_DECODE_BYTES = env.int("PHOTO_MAX_DECODE_BYTES", default=96 * 1024 * 1024)
PHOTO_MAX_CONCURRENT_DECODES = env.int("PHOTO_MAX_CONCURRENT_DECODES", default=2)
PHOTO_DECODE_WAIT_SECONDS = env.float("PHOTO_DECODE_WAIT_SECONDS", default=10.0)
PHOTO_DISPLAY_SIZE = 1600
# An upright JPEG no larger than the display size is stored as it is, metadata cut out (README, Photo evidence).
PHOTO_KEEP_UPRIGHT_JPEG = env.bool("PHOTO_KEEP_UPRIGHT_JPEG", default=True)
PHOTO_THUMB_SIZE = 400
PHOTO_JPEG_QUALITY = 82
PHOTO_REUSE_MAX_DISTANCE = 10  # Hamming distance between 64-bit dHashes that counts as "the same photo"
PHOTO_MAX_UNATTACHED = 20  # photos per visit not tied to an item
PHOTO_ORPHAN_GRACE_MINUTES = 60

# --- Background tasks (django-tasks with the database backend) ----------------------------------
TASKS = {
    "default": {
        "BACKEND": env(
            "TASKS_BACKEND",
            default="django_tasks_db.DatabaseBackend",
        ),
    }
}

# --- REST framework ----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.JWTAuthentication",
        "accounts.authentication.ApiKeyAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.permissions.RolePermission"],
    "DEFAULT_PARSER_CLASSES": ["core.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.DefaultPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "core.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",  # with the class below
    "DEFAULT_THROTTLE_CLASSES": ["core.throttling.PrincipalRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "auth": env("THROTTLE_AUTH", default="20/min"),
        "admin": env("THROTTLE_ADMIN", default="2000/min"),
        "manager": env("THROTTLE_MANAGER", default="2000/min"),
        "auditor": env("THROTTLE_AUDITOR", default="600/min"),
        "staff": env("THROTTLE_STAFF", default="600/min"),
        "api_key": env("THROTTLE_API_KEY", default="1200/min"),
        "anon": env("THROTTLE_ANON", default="120/min"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Proxies in front of the app (0: trust REMOTE_ADDR only; 1 behind one load balancer). Client
    # addresses key the anonymous and token-endpoint throttles.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}

DRF_STANDARDIZED_ERRORS = {
    "ENABLE_IN_DEBUG_FOR_UNHANDLED_EXCEPTIONS": True,
    "NESTED_FIELD_SEPARATOR": ".",
    "ALLOWED_ERROR_STATUS_CODES": [
        "400",
        "401",
        "403",
        "404",
        "405",
        "406",
        "409",
        "413",
        "415",
        "429",
        "503",
    ],
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "SIGNING_KEY": env("JWT_SIGNING_KEY", default=SECRET_KEY),
    "AUTH_HEADER_TYPES": ("Bearer",),
    "UPDATE_LAST_LOGIN": False,
    # A refresh token is good for one refresh: the answer carries a new one and the old one is
    # blacklisted (token_blacklist app; `manage.py flushexpiredtokens` prunes its tables).
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    # Every token carries the person's token generation (`gen`); a password change, deactivation,
    # role change or forgetting moves it on, and accounts.authentication refuses the old tokens.
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Mystery-shopper audit API",
    "DESCRIPTION": (
        "See your business through the customer's eyes: checklists, scored mystery visits, "
        "self-assessments, photo evidence, reports and signed webhooks. "
        "Errors always have the shape `{type, errors: [{code, detail, attr}]}`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    # No validator badge: it would load an image from validator.swagger.io.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        # Each checklist item variant's one-value `type` (the discriminator) gets its own name.
        "YesNoItemTypeEnum": ["yes_no"],
        "ScaleItemTypeEnum": ["scale"],
        "ChoiceItemTypeEnum": ["choice"],
        "NumberItemTypeEnum": ["number"],
        "TextItemTypeEnum": ["text"],
        "PhotoItemTypeEnum": ["photo"],
        "ErrorTypeEnum": ["validation_error", "client_error", "server_error"],
        "RoleEnum": "accounts.models.Role",
        "MeRoleEnum": "accounts.serializers.ME_ROLE_CHOICES",
        "ValidationErrorEnum": "drf_standardized_errors.openapi_serializers.ValidationErrorEnum.choices",
        "ClientErrorEnum": "drf_standardized_errors.openapi_serializers.ClientErrorEnum.choices",
        "ServerErrorEnum": "drf_standardized_errors.openapi_serializers.ServerErrorEnum.choices",
        "ErrorCode401Enum": "drf_standardized_errors.openapi_serializers.ErrorCode401Enum.choices",
        "ErrorCode403Enum": "drf_standardized_errors.openapi_serializers.ErrorCode403Enum.choices",
        "ErrorCode404Enum": "drf_standardized_errors.openapi_serializers.ErrorCode404Enum.choices",
        "ErrorCode405Enum": "drf_standardized_errors.openapi_serializers.ErrorCode405Enum.choices",
        "ErrorCode406Enum": "drf_standardized_errors.openapi_serializers.ErrorCode406Enum.choices",
        "ErrorCode415Enum": "drf_standardized_errors.openapi_serializers.ErrorCode415Enum.choices",
        "ErrorCode429Enum": "drf_standardized_errors.openapi_serializers.ErrorCode429Enum.choices",
        "ErrorCode500Enum": "drf_standardized_errors.openapi_serializers.ErrorCode500Enum.choices",
        "ItemDecisionEnum": "disputes.models.ItemDecision.choices",
        "NotificationKindEnum": "accounts.notification_kinds.NotificationKind.choices",
        "KindEnum": "audits.models.VisitKind.choices",  # the visit's kind keeps its name beside it
    },
    "POSTPROCESSING_HOOKS": [
        "drf_standardized_errors.openapi_hooks.postprocess_schema_enums",
        "core.openapi.strict_request_bodies",
        "core.openapi.create_links",
    ],
    "APPEND_COMPONENTS": {
        "securitySchemes": {
            "ApiKeyAuth": {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": "`Authorization: Api-Key <key>` (integrators).",
            }
        }
    },
}

# --- Webhooks ----------------------------------------------------------------------------------
# Private/loopback receivers only for development; metadata addresses stay refused regardless.
WEBHOOK_ALLOW_PRIVATE_HOSTS = env.bool("WEBHOOK_ALLOW_PRIVATE_HOSTS", default=False)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=15)
# Delays before retries 1..7 after a failed attempt (seconds): ~5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
WEBHOOK_RETRY_DELAYS = [5, 300, 1800, 7200, 18000, 36000, 36000]
# An endpoint failing (no success at all) for this long is disabled.
WEBHOOK_DISABLE_AFTER = timedelta(days=5)
# How long a worker owns an attempt it claimed; longer than any attempt can take.
WEBHOOK_LEASE_SECONDS = env.int("WEBHOOK_LEASE_SECONDS", default=300)
# The sweep re-enqueues deliveries overdue by this much, and runs again after as long.
WEBHOOK_SWEEP_INTERVAL_SECONDS = env.int("WEBHOOK_SWEEP_INTERVAL_SECONDS", default=60)

# --- Task workers --------------------------------------------------------------------------------
# Every ``db_worker`` calls these at start and then every TASK_WORKER_HOUSEKEEPING_SECONDS: each makes
# sure its self-renewing chain (the webhook and email sweeps, the digest check) has a next run queued.
# A chain whose running link died with its worker (SIGKILL, OOM) is restarted by the next look, so
# no sweep depends on one process surviving.
TASK_WORKER_HOUSEKEEPING = ["webhooks.tasks.sweep_schedule", "notifications.tasks.schedule"]
TASK_WORKER_HOUSEKEEPING_SECONDS = env.float("TASK_WORKER_HOUSEKEEPING_SECONDS", default=30)

# --- Email and notifications --------------------------------------------------------------------
# One URL says where mail goes (core/email_url.py): the console by default (the demo prints every
# email), SMTP in production, e.g. EMAIL_URL=smtp+tls://user:password@mail.example.com:587.
# A malformed URL stops the process here, naming the variable (never the URL: it holds a password).
_EMAIL = email_settings(
    env("EMAIL_URL", default="consolemail://"), timeout=env.float("EMAIL_TIMEOUT_SECONDS", default=15)
)
EMAIL_BACKEND = _EMAIL["EMAIL_BACKEND"]
EMAIL_HOST = _EMAIL["EMAIL_HOST"]
EMAIL_PORT = _EMAIL["EMAIL_PORT"]
EMAIL_HOST_USER = _EMAIL["EMAIL_HOST_USER"]
EMAIL_HOST_PASSWORD = _EMAIL["EMAIL_HOST_PASSWORD"]
EMAIL_USE_TLS = _EMAIL["EMAIL_USE_TLS"]
EMAIL_USE_SSL = _EMAIL["EMAIL_USE_SSL"]
EMAIL_TIMEOUT = _EMAIL["EMAIL_TIMEOUT"]
if "EMAIL_FILE_PATH" in _EMAIL:
    EMAIL_FILE_PATH = _EMAIL["EMAIL_FILE_PATH"]
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Mystery audits <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Where people open the app: links in emails (the dashboard, a visit, a dispute) start with it.
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
if urlsplit(PUBLIC_BASE_URL).scheme not in ("http", "https") or not urlsplit(PUBLIC_BASE_URL).netloc:
    raise ImproperlyConfigured("PUBLIC_BASE_URL must be an http(s) URL, e.g. https://audits.example.com")

# Notification emails leave through the task worker: a failed send is retried after these delays
# (seconds: ~10 s, 1 min, 5 min, 30 min, 2 h, 6 h, 12 h), then given up (`failed`).
NOTIFICATION_RETRY_DELAYS = env.list(
    "NOTIFICATION_RETRY_DELAYS", cast=int, default=[10, 60, 300, 1800, 7200, 21600, 43200]
)
# How long a worker owns a send it claimed (longer than any SMTP conversation can take).
NOTIFICATION_LEASE_SECONDS = env.int("NOTIFICATION_LEASE_SECONDS", default=300)
# The sweep re-enqueues sends overdue by this much (lost tasks, dead workers) and runs this often.
NOTIFICATION_SWEEP_INTERVAL_SECONDS = env.int("NOTIFICATION_SWEEP_INTERVAL_SECONDS", default=60)
# How often the digest task looks for people whose Monday 08:00 has come.
DIGEST_CHECK_INTERVAL_SECONDS = env.int("DIGEST_CHECK_INTERVAL_SECONDS", default=900)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "core.logging.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "loggers": {
        "request": {
            "handlers": ["console"],
            "level": env("REQUEST_LOG_LEVEL", default="INFO"),
            "propagate": False,
        },
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
}

DRF_STANDARDIZED_ERRORS["EXCEPTION_HANDLER_CLASS"] = "core.exceptions.ExceptionHandler"

# Throttle counters live in this cache: in production it must be shared by every process
# (production.py refuses to start otherwise), e.g. CACHE_URL=redis://127.0.0.1:6379/0 (Django's
# RedisCache, with the `redis` package). CACHE_KEY_PREFIX keeps deployments sharing one server apart.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
CACHES["default"]["KEY_PREFIX"] = env("CACHE_KEY_PREFIX", default="")
