#!/usr/bin/env bash
# Runs the benchmarks in release builds: the sandbox's serving rate, then the sync engine against
# COPY and a naive upsert, an incremental sync, and with --million the peak memory of a
# 1,000,000-employee sync (about 4 minutes more on 2 cores). Without DATABASE_URL it starts a
# private PostgreSQL (scripts/postgres.sh, cluster "bench", durable settings) and stops it at the
# end.
#
#   scripts/bench.sh [--million]
set -euo pipefail
cd "$(dirname "$0")/.."

started_pg=0
cleanup() {
  if [ "$started_pg" = 1 ]; then scripts/postgres.sh stop bench || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -z "${DATABASE_URL:-}" ]; then
  # Another benchmark may be using the cluster; it is stopped only if this run started it.
  [ -f target/pg-bench/data/postmaster.pid ] || started_pg=1
  DATABASE_URL=$(scripts/postgres.sh start bench "${BENCH_PG_PORT:-55434}")
  export DATABASE_URL
fi

cargo bench --features ssr --bench sandbox_throughput
cargo bench --features ssr --bench sync_throughput -- "$@"
