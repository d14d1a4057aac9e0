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

step "manage.py check, makemigrations --check"
DJANGO_SETTINGS_MODULE=config.settings.test $PY manage.py check
DJANGO_SETTINGS_MODULE=config.settings.test $PY manage.py makemigrations --check --dry-run

step "production settings: check --deploy"
DJANGO_SETTINGS_MODULE=config.settings.production DJANGO_SECRET_KEY="ci-only-$(date +%s%N)-0123456789abcdefghijklmnopqrstuvwxyz" \
  ALLOWED_HOSTS=example.com $PY manage.py check --deploy --fail-level WARNING

step "OpenAPI schema is valid and matches openapi/schema.yaml"
fresh=$(mktemp --suffix=.yaml)
DJANGO_SETTINGS_MODULE=config.settings.test $PY manage.py spectacular --validate --fail-on-warn --file "$fresh"
if ! cmp -s "$fresh" openapi/schema.yaml; then
  diff -u openapi/schema.yaml "$fresh" | head -40
  echo "openapi/schema.yaml is stale: run 'make schema' and commit it." >&2
  exit 1
fi

legs=()
step "pytest on SQLite"
env -u DATABASE_URL $PY -m pytest -n 2 -p no:cacheprovider "$@"
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
  DATABASE_URL=$PG_URL $PY -m pytest -n 2 -p no:cacheprovider "$@"
  legs+=("postgresql")
fi

printf '\nLegs run: %s\n' "${legs[*]}"
