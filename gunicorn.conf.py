"""gunicorn settings for production: `gunicorn config.wsgi` reads this file from the working directory.

Every value can be overridden by the environment (GUNICORN_*), e.g. GUNICORN_WORKERS=8.

Sync workers read a request themselves, with no bound on how long its headers or body take: six
sockets sending a header byte a second hold six workers. So gunicorn listens on loopback only and
production runs `deploy/serve.sh`, which puts nginx in front to read whole requests first.
"""

import multiprocessing
import os

# Loopback by default: deploy/serve.sh puts nginx in front (slow clients are its problem).
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = 30
keepalive = 5
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 2000))
max_requests_jitter = 200
# Bounded request line and headers; bodies are bounded by Django (DATA_UPLOAD_MAX_MEMORY_SIZE)
# and the photo endpoint (20 MiB).
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = None  # the app logs one structured JSON line per request
errorlog = "-"
