#!/usr/bin/env bash
# The staff query benchmark, in two parts:
#   1. server-side latency of the recipients query (staff_query::search), p50 and p95 for a fixed
#      set of filter combinations at 100,000 and 1,000,000 employees (release build);
#   2. keystroke to updated results on the People page in Chromium (Playwright) at 100,000
#      employees, against the app as `cargo leptos build` makes it.
# Without DATABASE_URL it starts a private PostgreSQL (scripts/postgres.sh, cluster "bench") and
# stops it at the end. Arguments go to part 1, e.g. a single size.
#
#   scripts/bench_staff.sh [<employees>]
#   scripts/bench_staff.sh --browser-only      part 2 alone
set -euo pipefail
cd "$(dirname "$0")/.."

port=${BENCH_APP_PORT:-3300}
app_db=hrc_bench_keystroke
server_pid=""
started_pg=0
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  if [ -n "${DATABASE_URL:-}" ]; then psql "$DATABASE_URL" -qc "DROP DATABASE IF EXISTS $app_db WITH (FORCE)" >/dev/null 2>&1 || true; fi
  if [ "$started_pg" = 1 ]; then scripts/postgres.sh stop bench || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -z "${DATABASE_URL:-}" ]; then
  DATABASE_URL=$(scripts/postgres.sh start bench "${BENCH_PG_PORT:-55434}")
  export DATABASE_URL
  started_pg=1
fi

if [ "${1:-}" = --browser-only ]; then
  shift
else
  echo "==> Server-side latency of the staff query"
  cargo bench --features ssr --bench staff_query_latency -- "$@"
fi

echo "==> Building the app (cargo leptos build)"
cargo leptos build

echo "==> Keystroke to updated results in Chromium at 100,000 employees"
db="${DATABASE_URL%/*}/$app_db"
psql "$DATABASE_URL" -qc "DROP DATABASE IF EXISTS $app_db WITH (FORCE)" -c "CREATE DATABASE $app_db" >/dev/null
# The demo account the app seeds in development; loading first means the app starts on a full
# table rather than one being rebuilt under it.
cargo bench --features ssr --bench staff_query_latency -- --load-only "$db" "Acme Ltd" 100000
mkdir -p target/bench-staff
APP_ENV=development \
  DATABASE_URL="$db" \
  LEPTOS_SITE_ADDR="127.0.0.1:$port" \
  PUBLIC_URL="http://127.0.0.1:$port" \
  DEV_SECRETS_FILE=target/bench-staff/secrets.env \
  RUST_LOG="${RUST_LOG:-warn}" \
  ./target/debug/hr-connectors >target/bench-staff/server.log 2>&1 &
server_pid=$!
for _ in $(seq 1 120); do
  if node -e "fetch(process.argv[1]).then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))" "http://127.0.0.1:$port/healthz"; then break; fi
  if ! kill -0 "$server_pid" 2>/dev/null; then cat target/bench-staff/server.log; exit 1; fi
  sleep 0.5
done
(cd end2end && BASE_URL="http://127.0.0.1:$port" npx playwright test --config bench/playwright.config.ts)
