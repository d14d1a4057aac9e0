#!/usr/bin/env bash
# The whole suite: lint, Django checks, schema freshness, then pytest on SQLite and, whenever a
# PostgreSQL server answers, again on PostgreSQL. Fails loudly; says which legs ran.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export PYTHONDONTWRITEBYTECODE=1
PG_URL=${TEST_POSTGRES_URL:-postgres://root@127.0.0.1:5432/test}

step() { printf '\n==> %s\n' "$*"; }

# The checks before pytest are independent: they run side by side, each into its own log, and
# every log is printed in order afterwards (a failing check fails the run, after the others finish).
checks_dir=$(mktemp -d)
check() {  # check NAME COMMAND...: run in the background (errexit on), output to $checks_dir/<n>.log
  local n=${#check_names[@]}; check_names+=("$1"); shift
  ( set +e; ( set -e; "$@" ) >"$checks_dir/$n.log" 2>&1; echo $? >"$checks_dir/$n.rc" ) &
}
check_names=()

ruff_all() { .venv/bin/ruff check . && .venv/bin/ruff format --check .; }
django_checks() {
  DJANGO_SETTINGS_MODULE=config.settings.test $PY manage.py check
  DJANGO_SETTINGS_MODULE=config.settings.test $PY manage.py makemigrations --check --dry-run
  DJANGO_SETTINGS_MODULE=config.settings.production DJANGO_SECRET_KEY="ci-only-$(date +%s%N)-0123456789abcdefghijklmnopqrstuvwxyz" \
    ALLOWED_HOSTS=example.com CACHE_URL=redis://127.0.0.1:6379/0 $PY manage.py check --deploy --fail-level WARNING
}
schema_fresh() {
  local fresh
  fresh=$(mktemp --suffix=.yaml)
  DJANGO_SETTINGS_MODULE=config.settings.test $PY manage.py spectacular --validate --fail-on-warn --file "$fresh"
  if ! cmp -s "$fresh" openapi/schema.yaml; then
    diff -u openapi/schema.yaml "$fresh" | head -40
    echo "openapi/schema.yaml is stale: run 'make schema' and commit it." >&2
    return 1
  fi
}
client_generated() {
  local client_dir root generated
  client_dir=$(mktemp -d)
  root=$PWD
  generated=$(cd "$client_dir" && "$root/.venv/bin/openapi-python-client" generate --path "$root/openapi/schema.yaml" \
    --config "$root/tests/integration/client-config.yaml" --meta none --output-path "$client_dir/client" 2>&1) || { echo "$generated"; return 1; }
  rm -rf "$client_dir"
  if grep -qi warning <<<"$generated"; then echo "$generated"; echo "The client generator warned: fix the schema." >&2; return 1; fi
}

check "ruff check, ruff format --check" ruff_all
check "mypy (django-stubs, djangorestframework-stubs; strict on core/ and the domain modules)" .venv/bin/mypy
check "import-linter: the apps' layers (README, Architecture)" .venv/bin/lint-imports
check "manage.py check, makemigrations --check, check --deploy with production settings" django_checks
check "OpenAPI schema is valid and matches openapi/schema.yaml" schema_fresh
check "a Python client generated from the schema (openapi-python-client), without a single warning" client_generated
wait
failed=0
for n in "${!check_names[@]}"; do
  step "${check_names[$n]}"
  cat "$checks_dir/$n.log"
  if [ "$(cat "$checks_dir/$n.rc")" != 0 ]; then echo "!!! FAILED: ${check_names[$n]}" >&2; failed=1; fi
done
rm -rf "$checks_dir"
[ "$failed" = 0 ] || { echo "A check before pytest failed (above)." >&2; exit 1; }
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
pg_reachable=0
if $PY - "$PG_URL" <<'PYEOF'
import sys, psycopg
try:
    psycopg.connect(sys.argv[1].replace("postgres://", "postgresql://"), connect_timeout=3).close()
except Exception as exc:
    print(f"PostgreSQL not reachable ({exc.__class__.__name__}); skipping that leg.")
    sys.exit(1)
PYEOF
then pg_reachable=1; fi
# The schema fuzz (tests/hardening/test_fuzz.py) spends its full budget where the data is most
# exacting: on PostgreSQL when that leg runs (which refuses, say, a NUL byte in text), with a quarter
# of it on SQLite; with no PostgreSQL, the full budget on SQLite. FUZZ_EXAMPLES set by hand wins.
sqlite_fuzz=${FUZZ_EXAMPLES:-100}
if [ "$pg_reachable" = 1 ] && [ -z "${FUZZ_EXAMPLES:-}" ]; then sqlite_fuzz=25; fi
# Branch coverage is measured on the SQLite leg; the whole suite must cover at least 90 % of lines
# (a run narrowed by arguments only prints the report).
cov=(--cov --cov-branch --cov-report=term-missing:skip-covered)
if [ $# -eq 0 ]; then cov+=(--cov-fail-under=90); fi
step "pytest on SQLite, with coverage (schema fuzz: $sqlite_fuzz examples per operation)"
FUZZ_EXAMPLES=$sqlite_fuzz env -u DATABASE_URL $PY -m pytest -n 2 --dist loadgroup -p no:cacheprovider --durations=25 "${cov[@]}" "$@"
legs+=("sqlite")

if [ "$pg_reachable" = 1 ]; then
  step "pytest on PostgreSQL ($PG_URL)"
  # The tests that never reach the database (pure rules, Node.js legs, servers on their own SQLite
  # file) ran on the SQLite leg with the same inputs: this leg deselects them (tests/conftest.py).
  DATABASE_URL=$PG_URL TEST_LEG_REPEATS=1 $PY -m pytest -n 2 --dist loadgroup -p no:cacheprovider --durations=25 "$@"
  legs+=("postgresql")
fi

printf '\nLegs run: %s\n' "${legs[*]}"
