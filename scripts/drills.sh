#!/usr/bin/env bash
# Fault drills, against the real server binary, the bundled sandbox and a private
# Postgres:
#   1. kill -9 the server while a 100,000-employee first sync runs, then start it again;
#   2. restart Postgres while a full resync of those 100,000 runs.
# Each must end with every person stored once, and with data identical to a clean run: a full
# resync afterwards finds nobody to add, update or remove. Exits non-zero on any failure.
#
#   scripts/drills.sh            (after scripts/setup.sh; builds the app if needed)
set -euo pipefail
cd "$(dirname "$0")/.."

port=${DRILL_PORT:-3400}
pg_port=${DRILL_PG_PORT:-55435}
dir=target/drill
mkdir -p "$dir"
rm -f "$dir/secrets.env" "$dir/merge-sandbox-state.json" "$dir/cookies"

server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  scripts/postgres.sh stop drill >/dev/null 2>&1 || true
}
trap cleanup EXIT

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
fail() { echo "DRILL FAILED: $*" >&2; exit 1; }

cargo leptos build >/dev/null 2>&1 || cargo leptos build
base_url=$(scripts/postgres.sh start drill "$pg_port")
psql "$base_url" -qc "DROP DATABASE IF EXISTS hrc_drill WITH (FORCE)" -c "CREATE DATABASE hrc_drill" >/dev/null
db="${base_url%/*}/hrc_drill"
q() { psql "$db" -qAtX -c "$1"; }

start_server() {
  APP_ENV=development DATABASE_URL="$db" LEPTOS_SITE_ADDR="127.0.0.1:$port" \
    PUBLIC_URL="http://127.0.0.1:$port" DEV_SECRETS_FILE="$dir/secrets.env" RUST_LOG=info \
    ./target/debug/hr-connectors >>"$dir/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  fail "the server did not start (see $dir/server.log)"
}

api() {
  curl -sf -b "$dir/cookies" -c "$dir/cookies" -H "origin: http://127.0.0.1:$port" "$@"
}

# Waits until the connection's latest job satisfies a SQL condition on sync_jobs (alias j).
wait_job() {
  local connection=$1 condition=$2 what=$3
  for _ in $(seq 1 1200); do
    [ "$(q "SELECT count(*) FROM sync_jobs j WHERE j.connection_id = '$connection'
             AND j.created_at = (SELECT max(created_at) FROM sync_jobs WHERE connection_id = '$connection')
             AND ($condition)")" = 1 ] && return 0
    sleep 0.25
  done
  fail "timed out waiting for: $what"
}

check_clean() {
  local connection=$1 label=$2
  local stored
  stored=$(q "SELECT count(*) FROM staff WHERE connection_id = '$connection'")
  [ "$stored" = 100000 ] || fail "$label: $stored people stored, expected 100000"
  api -X POST -d "id=$connection" "http://127.0.0.1:$port/api/integrations/resync" >/dev/null
  wait_job "$connection" "j.kind = 'manual' AND j.state = 'succeeded'" "$label: clean resync"
  local changes
  changes=$(q "SELECT added || '/' || updated || '/' || removed || '/' || received FROM sync_jobs
               WHERE connection_id = '$connection' ORDER BY created_at DESC LIMIT 1")
  [ "$changes" = "0/0/0/100000" ] || fail "$label: a clean resync changed data (added/updated/removed/received = $changes)"
  echo "$label: 100000 people stored once; a clean full resync changed nothing ($changes)"
}

say "Drill 1: kill -9 the server during a 100,000-employee first sync"
start_server
api -X POST -d "email=admin%40acme.example&password=acme-admin-demo" "http://127.0.0.1:$port/api/auth/login" >/dev/null
connection=$(api -X POST -H "content-type: application/json" \
  -d '{"slug":"sage-hr","label":"Drill","optional_fields":["job_title"],"credentials":{"subdomain":"bigco","api_key":"demo-api-key"}}' \
  "http://127.0.0.1:$port/api/integrations/connect" | sed -E 's/.*"id":"([0-9a-f-]{36})".*/\1/')
[ ${#connection} = 36 ] || fail "could not connect"
wait_job "$connection" "j.received >= 30000" "30,000 people received"
kill -9 "$server_pid"
wait "$server_pid" 2>/dev/null || true
echo "killed the server with $(q "SELECT received FROM sync_jobs WHERE connection_id = '$connection'") people received"
start_server
# The dead worker's job is taken over once its heartbeat is stale; restarting makes that the
# next claim, and the job resumes from its last checkpoint.
q "UPDATE sync_jobs SET heartbeat_at = now() - interval '1 hour' WHERE connection_id = '$connection' AND state = 'running'" >/dev/null
wait_job "$connection" "j.state = 'succeeded'" "the interrupted sync to finish"
check_clean "$connection" "kill -9"

say "Drill 2: restart Postgres during a full resync"
api -X POST -d "id=$connection" "http://127.0.0.1:$port/api/integrations/resync" >/dev/null
wait_job "$connection" "j.kind = 'manual' AND j.state = 'running' AND j.received >= 30000" "30,000 people received"
scripts/postgres.sh stop drill >/dev/null
sleep 2
scripts/postgres.sh start drill "$pg_port" >/dev/null
echo "restarted Postgres mid-sync"
wait_job "$connection" "j.kind = 'manual' AND j.state = 'succeeded'" "the resync to finish after the restart"
check_clean "$connection" "Postgres restart"

say "All drills passed"
