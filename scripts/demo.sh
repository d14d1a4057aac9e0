#!/usr/bin/env bash
# Serve the demo: a background task worker plus the development server, stopped together.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
HOST=${1:-127.0.0.1:8000}
$PY manage.py db_worker --interval 1 &
WORKER=$!
trap 'kill $WORKER 2>/dev/null || true' EXIT INT TERM
echo "Demo at http://$HOST/api/docs/  (worker pid $WORKER)"
$PY manage.py runserver "$HOST"
