#!/usr/bin/env bash
# Runs HR Connectors on http://127.0.0.1:3000 with embedded defaults: a private PostgreSQL
# cluster under target/ (unless DATABASE_URL is set), the bundled Merge sandbox (unless
# MERGE_API_KEY is set) and the built-in mail outbox (unless SMTP_URL is set).
# Ctrl-C stops the server and the private database.
set -euo pipefail
cd "$(dirname "$0")/.."

SKIP_BROWSER=1 scripts/setup.sh

started_pg=0
cleanup() {
  if [ "$started_pg" = 1 ]; then
    scripts/postgres.sh stop dev || true
    echo "Stopped the private database."
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -z "${DATABASE_URL:-}" ]; then
  DATABASE_URL=$(scripts/postgres.sh start dev "${DEV_PG_PORT:-55432}")
  export DATABASE_URL
  started_pg=1
  echo "Private database running (data in target/pg-dev)."
fi

cargo leptos serve
