#!/usr/bin/env bash
# make bench: measure, in one run, the registry import against PostgreSQL COPY, the community API
# against a hello-world view, the Art. 278 tally and the campaign rollups against raw SQL GROUP BY
# over the same rows, and print them as ratios. Absolute figures vary from machine to
# machine and run to run; the ratios are what to compare. See bench/README.md.
#
# Environment (all optional):
#   DATABASE_URL       PostgreSQL to use (default postgres://postgres@127.0.0.1:5432/tongde_bench,
#                      created if missing)
#   BENCH_REDIS_URL    Redis for gunicorn's cache (default redis://127.0.0.1:6379/3)
#   BENCH_PORT         gunicorn's port on 127.0.0.1 (default 8765)
#   BENCH_COMMUNITIES  synthetic communities next to the demo (default 4)
#   BENCH_ROWS         rows in the registry file to import (default 20000)
#   BENCH_DURATION     seconds of wrk per URL (default 10)
#   BENCH_BALLOTS      ballots to tally (default 100000, on a roll of BENCH_BALLOTS * 1.1)
#   BENCH_BALLOT_ROWS  rows in the ballot file to import (default 20000)
#   BENCH_OPERATIONS   clean-up operations over the synthetic communities (default 50000)
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/tongde_bench}"
REDIS="${BENCH_REDIS_URL:-redis://127.0.0.1:6379/3}"
PORT="${BENCH_PORT:-8765}"
COMMUNITIES="${BENCH_COMMUNITIES:-4}"
ROWS="${BENCH_ROWS:-20000}"
DURATION="${BENCH_DURATION:-10}"
BALLOTS="${BENCH_BALLOTS:-100000}"
BALLOT_ROWS="${BENCH_BALLOT_ROWS:-20000}"
OPERATIONS="${BENCH_OPERATIONS:-50000}"
WORK="$(mktemp -d /tmp/tongde-bench.XXXXXX)"
PIDFILE="$WORK/gunicorn.pid"

cleanup() {
  # measure_api stops gunicorn itself; this is the safety net if it was killed first.
  if [ -s "$PIDFILE" ]; then
    pid="$(cat "$PIDFILE")"
    kill -TERM -- "-$pid" 2>/dev/null || true
    sleep 2
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() { printf '\n-- %s\n' "$*"; }

if ! command -v wrk >/dev/null 2>&1; then
  step "installing wrk"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq wrk
fi

case "$DATABASE_URL" in
  postgres://*|postgresql://*) ;;
  *) echo "bench: DATABASE_URL must point at PostgreSQL (the COPY comparison needs it)" >&2; exit 2 ;;
esac
# Host, port, user and database name out of the URL, for pg_isready and createdb.
read -r PGH PGP PGU PGD < <($PY - <<'PYEOF'
import os
from urllib.parse import urlparse
u = urlparse(os.environ["DATABASE_URL"])
print(u.hostname or "127.0.0.1", u.port or 5432, u.username or "postgres", u.path.lstrip("/"))
PYEOF
)
if ! pg_isready -q -h "$PGH" -p "$PGP"; then
  echo "bench: PostgreSQL is not answering on $PGH:$PGP (start it, see RECIPES/README)" >&2
  exit 2
fi
if ! psql -h "$PGH" -p "$PGP" -U "$PGU" -Atc "SELECT 1 FROM pg_database WHERE datname = '$PGD'" postgres | grep -q 1; then
  step "creating database $PGD"
  createdb -h "$PGH" -p "$PGP" -U "$PGU" "$PGD"
fi
if ! redis-cli -u "$REDIS" ping >/dev/null 2>&1; then
  echo "bench: warning: Redis at $REDIS does not answer; the cache will miss (IGNORE_EXCEPTIONS)" >&2
fi

step "migrate"
$PY manage.py migrate --noinput -v 0

step "data: the demo community and $COMMUNITIES synthetic ones"
SLUG="tongde-lane"
if ! $PY manage.py help load_demo >/dev/null 2>&1 || ! $PY manage.py load_demo >"$WORK/load_demo.log" 2>&1; then
  echo "load_demo is not available or failed: measuring the API on city-0001 instead"
  SLUG="city-0001"
fi
$PY manage.py generate_city --communities "$COMMUNITIES" 2>&1 | grep -v 'AXES: BEGIN' || true
# Written once and kept (skipped when present): a compound of $BALLOTS ballots with its election,
# and $OPERATIONS clean-up operations over the synthetic communities.
TALLY_ARGS=(--ballots "$BALLOTS" --dwellings "$((BALLOTS * 11 / 10))" --import-rows "$BALLOT_ROWS")
timeout 900 $PY -m bench.measure_tally "${TALLY_ARGS[@]}" --setup-only 2> >(grep -v 'AXES: BEGIN' >&2) || true
CAMPAIGN_ARGS=(--communities "$COMMUNITIES" --operations "$OPERATIONS")
timeout 600 $PY -m bench.measure_campaigns "${CAMPAIGN_ARGS[@]}" --setup-only 2> >(grep -v 'AXES: BEGIN' >&2) || true
# A published red/black list for city-0001 (kept; skipped when the community has one).
timeout 300 $PY -m bench.measure_redblack --slug city-0001 --setup-only 2> >(grep -v 'AXES: BEGIN' >&2) || true
# Fresh bulk loads have no planner statistics (a production database has had autovacuum), and
# earlier bench runs leave dead rows behind their rollbacks: both would skew the plans.
psql -h "$PGH" -p "$PGP" -U "$PGU" -d "$PGD" -qc "VACUUM (ANALYZE)"

step "collectstatic (production storage, into $WORK/static)"
DEBUG=false SECRET_KEY="bench-only-collectstatic-key-0123456789-abcdefghijklmnopqrstuvwxyz" \
  STATIC_ROOT="$WORK/static" $PY manage.py collectstatic --noinput -v 0

STATUS=0
step "community API vs hello world (gunicorn on 127.0.0.1:$PORT, wrk ${DURATION}s per URL)"
$PY -m bench.measure_api --slug "$SLUG" --port "$PORT" --duration "$DURATION" \
  --redis-url "$REDIS" --static-root "$WORK/static" --pidfile "$PIDFILE" \
  --json-out "$WORK/api.json" || STATUS=1

step "public red/black list page vs hello world (anonymous, cached rendering)"
$PY -m bench.measure_redblack --slug city-0001 --port "$PORT" --duration "$DURATION" \
  --redis-url "$REDIS" --static-root "$WORK/static" --pidfile "$PIDFILE" \
  --json-out "$WORK/redblack.json" 2> >(grep -v 'AXES: BEGIN' >&2) || STATUS=1

# After the API run: the import's rolled-back writes leave dead rows that autovacuum would
# clean up during the load test.
step "registry import vs COPY ($ROWS rows)"
$PY -m bench.measure_import --rows "$ROWS" --json-out "$WORK/import.json" 2> >(grep -v 'AXES: BEGIN' >&2) || STATUS=1

step "tally of $BALLOTS ballots vs SQL GROUP BY, and ballot import ($BALLOT_ROWS rows)"
timeout 600 $PY -m bench.measure_tally "${TALLY_ARGS[@]}" --json-out "$WORK/tally.json" \
  2> >(grep -v 'AXES: BEGIN' >&2) || STATUS=1

step "campaign rollups vs SQL GROUP BY ($OPERATIONS operations)"
timeout 600 $PY -m bench.measure_campaigns "${CAMPAIGN_ARGS[@]}" --json-out "$WORK/campaigns.json" \
  2> >(grep -v 'AXES: BEGIN' >&2) || STATUS=1

step "monthly drafting of 1,000 compounds vs SQL GROUP BY of the same findings"
timeout 900 $PY -m bench.measure_drafting --json-out "$WORK/drafting.json" \
  2> >(grep -v 'AXES: BEGIN' >&2) || STATUS=1

echo
$PY -m bench.report --import-json "$WORK/import.json" --api-json "$WORK/api.json" \
  --tally-json "$WORK/tally.json" --campaigns-json "$WORK/campaigns.json" \
  --drafting-json "$WORK/drafting.json" --redblack-json "$WORK/redblack.json" \
  --database-url "$DATABASE_URL"
exit "$STATUS"
