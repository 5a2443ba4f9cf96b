#!/usr/bin/env bash
# Merge conformance check for the bundled sandbox:
#   1. Merge's official Python SDK (MergePythonClient) works unchanged against it
#      (tests/conformance/sdk_conformance.py);
#   2. its JSON responses validate against Merge's HRIS OpenAPI schemas
#      (tests/conformance/schema_check.py, spec copy in tests/conformance/);
#   3. every query parameter that spec lists for an endpoint the sandbox serves is honoured as
#      documented or refused with Merge's error (tests/conformance/param_check.py).
#
# Needs python3 (>= 3.10) and the sandbox binary:
#   cargo build --features ssr --bin merge-sandbox
# The Python venv lives in target/conformance-venv and is reinstalled only when
# tests/conformance/requirements.txt changes. PYTHON=... picks the interpreter.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

BIN=target/debug/merge-sandbox
VENV=target/conformance-venv
REQS=tests/conformance/requirements.txt
STAMP="$VENV/.requirements.sha256"
PYTHON="${PYTHON:-python3}"

if [[ ! -x "$BIN" ]]; then
  echo "conformance: $BIN not found. Build it first: cargo build --features ssr --bin merge-sandbox" >&2
  exit 2
fi

want="$(sha256sum "$REQS" | cut -d' ' -f1)"
if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -c 'import sys' 2>/dev/null; then
  echo "conformance: creating $VENV"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
fi
if [[ "$(cat "$STAMP" 2>/dev/null || true)" != "$want" ]]; then
  echo "conformance: installing $REQS"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQS"
  echo "$want" > "$STAMP"
fi
PY="$VENV/bin/python"

port="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
key="conf-$("$PY" -c 'import secrets; print(secrets.token_hex(16))')"
log="$(mktemp -t merge-sandbox-conformance.XXXXXX)"

SANDBOX_ADDR="127.0.0.1:$port" SANDBOX_API_KEY="$key" SANDBOX_INITIAL_SYNC_MS=3000 RUST_LOG=warn \
  "$BIN" >"$log" 2>&1 &
sandbox_pid=$!

cleanup() {
  if kill -0 "$sandbox_pid" 2>/dev/null; then
    kill "$sandbox_pid" 2>/dev/null || true
    wait "$sandbox_pid" 2>/dev/null || true
  fi
  rm -f "$log"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

base=""
ready=""
for _ in $(seq 1 300); do
  if ! kill -0 "$sandbox_pid" 2>/dev/null; then
    echo "conformance: the sandbox exited during start-up:" >&2
    cat "$log" >&2
    exit 1
  fi
  line="$(grep -m1 -o 'base URL http[^ ]*' "$log" 2>/dev/null || true)"
  if [[ -n "$line" ]]; then
    base="${line#base URL }"
    if "$PY" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1] + "/integrations", timeout=2)' "$base" 2>/dev/null; then
      ready=1
      break
    fi
  fi
  sleep 0.1
done
if [[ -z "$ready" ]]; then
  echo "conformance: the sandbox did not start within 30 s:" >&2
  cat "$log" >&2
  exit 1
fi

export MERGE_SANDBOX_BASE_URL="$base" MERGE_SANDBOX_API_KEY="$key" PYTHONDONTWRITEBYTECODE=1
echo "conformance: sandbox at $base (pid $sandbox_pid)"

sdk=PASS
schema=PASS
params=PASS
echo
"$PY" tests/conformance/sdk_conformance.py || sdk=FAIL
echo
"$PY" tests/conformance/schema_check.py || schema=FAIL
echo
"$PY" tests/conformance/param_check.py || params=FAIL
echo

summary="Merge Python SDK: $sdk, OpenAPI schemas: $schema, OpenAPI query parameters: $params"
if [[ "$sdk" == PASS && "$schema" == PASS && "$params" == PASS ]]; then
  echo "conformance: PASS ($summary)"
else
  echo "conformance: FAIL ($summary)"
  exit 1
fi
