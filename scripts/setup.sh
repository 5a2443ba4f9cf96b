#!/usr/bin/env bash
# Installs everything HR Connectors needs to build, run and test, from the package registries
# only (crates.io, npm, Debian apt). Idempotent: each step is skipped when already satisfied, so
# a second run takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_BINDGEN_VERSION=0.2.130
CARGO_LEPTOS_VERSION=0.3.10

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "error: '$*' needs root; install it yourself or install sudo" >&2; exit 1
  fi
}

apt_install() {
  say "Installing $* with apt"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get install -y --no-install-recommends "$@" || {
    as_root apt-get update
    as_root apt-get install -y --no-install-recommends "$@"
  }
}

# 1. Rust: the wasm target, wasm-bindgen (matching the Cargo.toml pin) and cargo-leptos.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "Adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  say "Installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (a few minutes, once)"
  # Not --locked: that lockfile names a webpki-roots release the registry no longer serves.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi
if [ "$(cargo leptos --version 2>/dev/null | awk '{print $2}')" != "$CARGO_LEPTOS_VERSION" ]; then
  say "Installing cargo-leptos $CARGO_LEPTOS_VERSION (about 13 minutes on 2 cores, once)"
  # no_downloads: fail clearly instead of fetching tools from GitHub, which is unreachable here.
  cargo install --locked cargo-leptos --version "$CARGO_LEPTOS_VERSION" --features no_downloads
fi

# 2. System packages: PostgreSQL for the private database, Chromium for the browser tests.
pg_bin_dir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
if [ -z "$(pg_bin_dir)" ] || [ ! -x "$(pg_bin_dir)/initdb" ]; then
  apt_install postgresql postgresql-contrib
fi
if [ "${SKIP_BROWSER:-0}" != 1 ] && ! command -v chromium >/dev/null; then
  apt_install chromium
fi
# Python with venv runs Merge's official SDK against the sandbox (tests only).
if [ "${SKIP_BROWSER:-0}" != 1 ] && ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
  apt_install python3 python3-venv
fi

# 3. npm packages for the end-to-end tests (Playwright drives Debian's Chromium; it never
#    downloads a browser of its own).
if [ "${SKIP_BROWSER:-0}" != 1 ]; then
  stamp=end2end/node_modules/.package-lock.stamp
  if [ ! -f "$stamp" ] || ! cmp -s end2end/package-lock.json "$stamp"; then
    say "Installing end-to-end test packages (npm ci)"
    (cd end2end && npm ci --no-audit --no-fund)
    cp end2end/package-lock.json "$stamp"
  fi
fi
