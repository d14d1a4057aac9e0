#!/usr/bin/env bash
# The whole suite: lint, Django checks, schema freshness, then pytest on SQLite and, whenever a
# PostgreSQL server answers, again on PostgreSQL. Fails loudly; says which legs ran.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export PYTHONDONTWRITEBYTECODE=1
PG_URL=${TEST_POSTGRES_URL:-postgres://root@127.0.0.1:5432/test}

step() { printf '\n==> %s\n' "$*"; }

step "ruff check / ruff format --check"
.venv/bin/ruff check .
.venv/bin/ruff format --check .

step "mypy (django-stubs, djangorestframework-stubs; strict on core/ and the domain modules)"
.venv/bin/mypy

step "import-linter: the apps' layers (README, Architecture)"
.venv/bin/lint-imports

step "manage.py check, makemigrations --check"
DJANGO_SETTINGS_MODULE=config.settings.test $PY manage.py check
DJANGO_SETTINGS_MODULE=config.settings.test $PY manage.py makemigrations --check --dry-run

step "production settings: check --deploy"
DJANGO_SETTINGS_MODULE=config.settings.production DJANGO_SECRET_KEY="ci-only-$(date +%s%N)-0123456789abcdefghijklmnopqrstuvwxyz" \
  ALLOWED_HOSTS=example.com CACHE_URL=redis://127.0.0.1:6379/0 $PY manage.py check --deploy --fail-level WARNING

step "OpenAPI schema is valid and matches openapi/schema.yaml"
fresh=$(mktemp --suffix=.yaml)
DJANGO_SETTINGS_MODULE=config.settings.test $PY manage.py spectacular --validate --fail-on-warn --file "$fresh"
if ! cmp -s "$fresh" openapi/schema.yaml; then
  diff -u openapi/schema.yaml "$fresh" | head -40
  echo "openapi/schema.yaml is stale: run 'make schema' and commit it." >&2
  exit 1
fi

step "a Python client generated from the schema (openapi-python-client), without a single warning"
client_dir=$(mktemp -d)
root=$PWD
generated=$(cd "$client_dir" && "$root/.venv/bin/openapi-python-client" generate --path "$root/openapi/schema.yaml" \
  --config "$root/tests/integration/client-config.yaml" --meta none --output-path "$client_dir/client" 2>&1) || { echo "$generated"; exit 1; }
rm -rf "$client_dir"
if grep -qi warning <<<"$generated"; then echo "$generated"; echo "The client generator warned: fix the schema." >&2; exit 1; fi
# tests/integration/test_generated_client.py runs a scenario with that client against gunicorn.
step "json-logic-js for the show-if conformance cases (npm ci --prefix tests/js)"
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  npm ci --prefix tests/js --no-audit --no-fund --loglevel=error
elif [ "${CI:-}" = "true" ]; then
  echo "Node.js and npm are required in CI: the conformance cases must run through json-logic-js." >&2
  exit 1
else
  echo "!!! Node.js/npm not found: the json-logic-js conformance leg will be SKIPPED (install Node.js to run it)."
fi

step "Chromium for the browser tests of the dashboard and the phone app (Debian's chromium, driven by Playwright)"
if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
  echo "Chromium: $(command -v chromium || command -v chromium-browser)"
elif [ "${CI:-}" = "true" ]; then
  echo "Chromium is required in CI: the dashboard's pages must be driven in a real browser (.ci/run installs it)." >&2
  exit 1
else
  echo "!!! Chromium not found: the dashboard's and the phone app's browser tests will be SKIPPED (apt-get install chromium)."
fi

legs=()
# Branch coverage is measured on the SQLite leg; the whole suite must cover at least 90 % of lines
# (a run narrowed by arguments only prints the report).
cov=(--cov --cov-branch --cov-report=term-missing:skip-covered)
if [ $# -eq 0 ]; then cov+=(--cov-fail-under=90); fi
step "pytest on SQLite, with coverage"
env -u DATABASE_URL $PY -m pytest -n 2 --dist loadgroup -p no:cacheprovider "${cov[@]}" "$@"
legs+=("sqlite")

if $PY - "$PG_URL" <<'PYEOF'
import sys, psycopg
try:
    psycopg.connect(sys.argv[1].replace("postgres://", "postgresql://"), connect_timeout=3).close()
except Exception as exc:
    print(f"PostgreSQL not reachable ({exc.__class__.__name__}); skipping that leg.")
    sys.exit(1)
PYEOF
then
  step "pytest on PostgreSQL ($PG_URL)"
  DATABASE_URL=$PG_URL $PY -m pytest -n 2 --dist loadgroup -p no:cacheprovider "$@"
  legs+=("postgresql")
fi

printf '\nLegs run: %s\n' "${legs[*]}"
