#!/usr/bin/env bash
# The production server: nginx on LISTEN (default 0.0.0.0:8000) in front of gunicorn on loopback
# (GUNICORN_BIND, default 127.0.0.1:8001). nginx buffers whole requests and responses, so slow
# clients cannot starve gunicorn's sync workers (see deploy/nginx.conf.template). Runs in the
# foreground until either process exits or it is sent SIGTERM/SIGINT, then stops both.
#
# Environment: everything config.settings.production needs (DJANGO_SECRET_KEY, DATABASE_URL,
# CACHE_URL, ALLOWED_HOSTS, ...), GUNICORN_* (gunicorn.conf.py), and
#   LISTEN             address:port nginx listens on                 (0.0.0.0:8000)
#   GUNICORN_BIND      loopback address:port of gunicorn             (127.0.0.1:8001)
#   NUM_PROXIES        proxies in front of Django, nginx included    (1; 2 behind a load balancer)
#   SERVE_RUNTIME_DIR  nginx's config, pid and temp files            (a new directory under /tmp)
#   NGINX              the nginx binary                              (nginx on PATH, else /usr/sbin/nginx)
set -euo pipefail
cd "$(dirname "$0")/.."

LISTEN=${LISTEN:-0.0.0.0:8000}
export GUNICORN_BIND=${GUNICORN_BIND:-127.0.0.1:8001}
export NUM_PROXIES=${NUM_PROXIES:-1}
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-config.settings.production}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
GUNICORN=${GUNICORN:-.venv/bin/gunicorn}
if [ ! -x "$NGINX" ]; then
  echo "serve.sh: nginx not found (apt-get install nginx-light, or set NGINX=/path/to/nginx)" >&2
  exit 1
fi
case "$GUNICORN_BIND" in
  127.*|localhost:*|"[::1]"*|unix:*) ;;
  *) echo "serve.sh: GUNICORN_BIND=$GUNICORN_BIND must be a loopback address (nginx is the front)" >&2; exit 1 ;;
esac

RUNTIME=${SERVE_RUNTIME_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/mystery-audit-serve.XXXXXX")}
mkdir -p "$RUNTIME"
chmod 755 "$RUNTIME"  # nginx's workers (nobody, when started as root) write their temp files here
sed -e "s|@LISTEN@|$LISTEN|g" -e "s|@UPSTREAM@|$GUNICORN_BIND|g" -e "s|@RUNTIME@|$RUNTIME|g" \
  deploy/nginx.conf.template >"$RUNTIME/nginx.conf"
"$NGINX" -t -q -p "$RUNTIME" -c "$RUNTIME/nginx.conf" -e stderr

pids=()
stop() {
  trap - EXIT INT TERM
  kill -TERM "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
}
trap stop EXIT
trap 'exit 143' INT TERM

"$GUNICORN" -c gunicorn.conf.py config.wsgi &
pids+=($!)
"$NGINX" -p "$RUNTIME" -c "$RUNTIME/nginx.conf" -e stderr -g "daemon off;" &
pids+=($!)
echo "serve.sh: nginx on $LISTEN -> gunicorn on $GUNICORN_BIND (runtime files in $RUNTIME)" >&2
wait -n "${pids[@]}"
