#!/usr/bin/env bash
# Serve the demo: a background task worker (webhook deliveries, notification emails) plus the development server,
# stopped together. The worker shares the SQLite file with the server (WAL mode) or uses
# PostgreSQL when DATABASE_URL says so.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
HOST=${1:-127.0.0.1:8000}
# Re-enqueue anything owed from a previous run and queue the self-renewing sweeps (idempotent):
# webhook deliveries, notification emails and the weekly digests (the worker prints the emails).
$PY manage.py webhooks_sweep --schedule
$PY manage.py notifications_sweep --schedule
# --no-reload: the worker must survive edits; DB_CONN_MAX_AGE keeps its connection between tasks.
DB_CONN_MAX_AGE=${DB_CONN_MAX_AGE:-60} $PY manage.py db_worker --interval 1 --no-reload &
WORKER=$!
trap 'kill $WORKER 2>/dev/null || true' EXIT INT TERM
echo "Demo at http://$HOST/api/docs/  (worker pid $WORKER)"
echo "Dashboard at http://$HOST/dashboard/  (log in as demo-manager with the demo password printed above)"
echo "Phone app at http://$HOST/app/  (log in as demo-auditor, password Demo-Coffee-2026; installing it on a phone needs HTTPS, see README "Phone app")"
$PY manage.py runserver "$HOST"
