#!/usr/bin/env bash
# Runs every check and test: formatting, clippy (server and browser builds, warnings denied, the
# committed query descriptions up to date), unit and integration tests against a private
# PostgreSQL, then the Playwright browser tests in Chromium against a freshly built app. Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."

began=$(date +%s)
step() { printf '\n\033[1m==> [%ss] %s\033[0m\n' "$(( $(date +%s) - began ))" "$*"; }

step "Setup"
scripts/setup.sh

step "Formatting (cargo fmt --check)"
cargo fmt --all -- --check

step "README matches the code (scripts/check_readme.sh)"
scripts/check_readme.sh

server_pid=""
started_pg=0
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  if [ "$started_pg" = 1 ]; then scripts/postgres.sh stop test || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -z "${DATABASE_URL:-}" ]; then
  DATABASE_URL=$(scripts/postgres.sh start test "${TEST_PG_PORT:-55433}")
  export DATABASE_URL
  started_pg=1
fi

step "Clippy, server build, with every query checked against freshly migrated tables (.sqlx/ must match)"
scripts/sqlx_data.sh check cargo clippy --features ssr --all-targets -- -D warnings
step "Clippy, browser build"
cargo clippy --features hydrate --lib --target wasm32-unknown-unknown -- -D warnings

step "Unit and integration tests (cargo test)"
cargo test --features ssr

step "Merge conformance: official Python SDK and OpenAPI schemas against the sandbox"
cargo build --features ssr --bin merge-sandbox
scripts/conformance.sh

step "Building the app (cargo leptos build)"
cargo leptos build

step "Browser tests (Playwright, Chromium)"
e2e_port=${E2E_PORT:-3100}
e2e_db="${DATABASE_URL%/*}/hrc_e2e"
psql "${DATABASE_URL}" -qc "DROP DATABASE IF EXISTS hrc_e2e WITH (FORCE)" -c "CREATE DATABASE hrc_e2e" >/dev/null
mkdir -p target/e2e
# The browser tests serve their own copy of the built site: `scripts/run.sh` rebuilds
# target/site whenever it runs, and a bundle replaced under a running test breaks its page loads
# ("Failed to fetch dynamically imported module").
rm -rf target/e2e/site.new
cp -r target/site target/e2e/site.new
rm -rf target/e2e/site
mv target/e2e/site.new target/e2e/site
APP_ENV=development \
  TEST_CLOCK=true \
  DATABASE_URL="$e2e_db" \
  LEPTOS_SITE_ROOT=target/e2e/site \
  LEPTOS_SITE_ADDR="127.0.0.1:$e2e_port" \
  PUBLIC_URL="http://127.0.0.1:$e2e_port" \
  DEV_SECRETS_FILE=target/e2e/secrets.env \
  RUST_LOG="${RUST_LOG:-info}" \
  ./target/debug/hr-connectors >target/e2e/server.log 2>&1 &
server_pid=$!
for _ in $(seq 1 120); do
  if node -e "fetch(process.argv[1]).then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))" "http://127.0.0.1:$e2e_port/healthz"; then break; fi
  if ! kill -0 "$server_pid" 2>/dev/null; then cat target/e2e/server.log; exit 1; fi
  sleep 0.5
done
# A file only the copy holds must come back through the server, or it is serving something else.
marker="e2e-site-$(date +%s%N).txt"
echo "$marker" >"target/e2e/site/pkg/$marker"
node -e "fetch(process.argv[1]).then(async r => process.exit(r.ok && (await r.text()).trim() === process.argv[2] ? 0 : 1), () => process.exit(1))" \
  "http://127.0.0.1:$e2e_port/pkg/$marker" "$marker" \
  || { echo "error: the browser-test server is not serving target/e2e/site" >&2; exit 1; }
# The people tests run the operator's `create-account` against the same database and secrets.
repo=$PWD
(cd end2end && BASE_URL="http://127.0.0.1:$e2e_port" E2E_DATABASE_URL="$e2e_db" \
  E2E_SECRETS_FILE="$repo/target/e2e/secrets.env" HRC_BIN="$repo/target/debug/hr-connectors" \
  E2E_SERVER_LOG="$repo/target/e2e/server.log" npx playwright test)

step "Fault drills: kill -9 the server and restart Postgres mid-sync (scripts/drills.sh)"
kill "$server_pid" 2>/dev/null || true
scripts/drills.sh

step "All checks passed"
