#!/usr/bin/env bash
# A private PostgreSQL cluster under target/, on its own port, for development or tests.
#
#   scripts/postgres.sh start <name> <port>   initialise if needed, start, print DATABASE_URL
#   scripts/postgres.sh stop  <name>          stop it (fast shutdown)
#
# The cluster listens on 127.0.0.1 only and trusts local connections: it holds development data
# and nothing else. PostgreSQL refuses to run as root, so under root it runs as `postgres`.
set -euo pipefail
cd "$(dirname "$0")/.."

cmd=${1:?usage: postgres.sh start|stop NAME [PORT]}
name=${2:?cluster name}
port=${3:-55432}
root="$PWD/target/pg-$name"
data="$root/data"
sock="$root/sock"
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bin/pg_ctl" ] || { echo "error: PostgreSQL is not installed (scripts/setup.sh installs it)" >&2; exit 1; }

run_pg() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

case "$cmd" in
  start)
    mkdir -p "$root" "$sock"
    if [ "$(id -u)" = 0 ]; then chown -R postgres: "$root"; fi
    if [ ! -f "$data/PG_VERSION" ]; then
      run_pg "$bin/initdb" -D "$data" -U hrc --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$root/initdb.log" 2>&1 \
        || { cat "$root/initdb.log" >&2; exit 1; }
    fi
    if ! run_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
      extra=""
      # Test clusters trade durability for speed: they are thrown away anyway.
      if [ "$name" = test ]; then extra="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"; fi
      # Benchmarks measure the app against a server sized like production: a quarter of memory
      # as buffers (up to 4 GB) and SSD costs, so a million-person table is served from memory.
      if [ "$name" = bench ]; then
        mem_mb=$(awk '/MemTotal/ { print int($2 / 1024) }' /proc/meminfo)
        buffers_mb=$(( mem_mb / 4 < 4096 ? mem_mb / 4 : 4096 ))
        extra="-c shared_buffers=${buffers_mb}MB -c effective_cache_size=$(( mem_mb / 2 ))MB -c random_page_cost=1.1 -c work_mem=16MB"
      fi
      run_pg "$bin/pg_ctl" -D "$data" -l "$root/server.log" -w -t 60 \
        -o "-p $port -k $sock -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=256MB $extra" \
        start >/dev/null || { tail -n 20 "$root/server.log" >&2; exit 1; }
    fi
    for db in hrc; do
      if ! run_pg "$bin/psql" -h 127.0.0.1 -p "$port" -U hrc -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
        run_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U hrc "$db"
      fi
    done
    echo "postgres://hrc@127.0.0.1:$port/hrc"
    ;;
  stop)
    if [ -f "$data/PG_VERSION" ] && run_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
      run_pg "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null
    fi
    ;;
  *)
    echo "usage: postgres.sh start|stop NAME [PORT]" >&2; exit 2 ;;
esac
