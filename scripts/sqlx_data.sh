#!/usr/bin/env bash
# The compile-time query descriptions in `.sqlx/`, which let `sqlx::query!` check every static
# statement without a database at build time.
#
#   scripts/sqlx_data.sh prepare         rewrite .sqlx/ from the migrations
#   scripts/sqlx_data.sh check CMD...    run CMD (a cargo build of every target) with each query
#                                        described against freshly migrated tables, then fail if
#                                        .sqlx/ is missing, stale or has extra descriptions
#   scripts/sqlx_data.sh database        print the URL of a freshly migrated database, for
#                                        writing queries with SQLX_OFFLINE=false
#
# Uses the server in DATABASE_URL when set, otherwise starts its own cluster (target/pg-sqlx).
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:?usage: sqlx_data.sh prepare|check CMD...|database}
shift || true

server=${DATABASE_URL:-}
if [ -z "$server" ]; then server=$(scripts/postgres.sh start sqlx "${SQLX_PG_PORT:-55439}"); fi
db="${server%/*}/hrc_sqlx"
PGOPTIONS="-c client_min_messages=warning" psql "$server" -qc "DROP DATABASE IF EXISTS hrc_sqlx WITH (FORCE)" -c "CREATE DATABASE hrc_sqlx" >/dev/null
for migration in migrations/*.sql; do
  psql "$db" -q -v ON_ERROR_STOP=1 -f "$migration" >/dev/null
done

if [ "$mode" = database ]; then echo "$db"; exit 0; fi

out=target/sqlx-data
rm -rf "$out"
mkdir -p "$out"
# Every crate that holds a query is rebuilt, so each macro runs and writes its description.
touch src/lib.rs src/main.rs tests/it/main.rs benches/*.rs

case "$mode" in
  prepare)
    SQLX_OFFLINE=false DATABASE_URL="$db" SQLX_OFFLINE_DIR="$PWD/$out" \
      cargo check --features ssr --all-targets
    rm -rf .sqlx
    cp -r "$out" .sqlx
    echo "wrote $(ls .sqlx | wc -l) query descriptions to .sqlx/"
    ;;
  check)
    [ $# -gt 0 ] || { echo "usage: sqlx_data.sh check CMD..." >&2; exit 2; }
    SQLX_OFFLINE=false DATABASE_URL="$db" SQLX_OFFLINE_DIR="$PWD/$out" "$@"
    if ! diff -r .sqlx "$out" >/dev/null; then
      diff -rq .sqlx "$out" >&2 || true
      echo "error: .sqlx/ does not match the queries and migrations; run scripts/sqlx_data.sh prepare and commit .sqlx/" >&2
      exit 1
    fi
    ;;
  *)
    echo "usage: sqlx_data.sh prepare|check CMD...|database" >&2; exit 2 ;;
esac
