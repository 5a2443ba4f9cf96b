#!/usr/bin/env bash
# Fails when README.md no longer describes the code: a variable the code or scripts read that the
# Configuration section does not name, a file the Architecture tree names that does not exist, a
# migration range that is not the real one, or a test suite the Tests table does not name (or the
# one test binary does not declare).
set -euo pipefail
cd "$(dirname "$0")/.."

failed=0
fail() { echo "README.md: $*" >&2; failed=1; }

# The text of one "## " section of the README.
section() { awk -v want="## $1" '$0 == want { on = 1; next } /^## / { on = 0 } on' README.md; }

# --- Configuration: every variable read anywhere is named in the Configuration section.
# Variables a script sets only for its own child process are not configuration.
internal='^(BENCH_SECRET_KEY|BENCH_MERGE_URL|MERGE_SANDBOX_API_KEY|MERGE_SANDBOX_BASE_URL|E2E_DATABASE_URL|E2E_SECRETS_FILE|E2E_SERVER_LOG|HRC_BIN|OIDC_CLIENT_ID|OIDC_CLIENT_SECRET|HOSTNAME|HOME|PATH)$'
config=$(section Configuration)
read_vars=$(
  {
    grep -rhoE '\b(get|flag|var|var_os|number)\("[A-Z][A-Z0-9_]+"' src tests benches | grep -oE '"[A-Z0-9_]+"' | tr -d '"'
    grep -rhoE '\$\{[A-Z][A-Z0-9_]*:?[-=?]' scripts | grep -oE '[A-Z][A-Z0-9_]*'
    grep -rhoE 'process\.env\.[A-Z][A-Z0-9_]+' end2end/*.ts end2end/tests end2end/oidc | sed 's/process\.env\.//'
    grep -rhoE 'os\.environ\.get\("[A-Z][A-Z0-9_]+"' tests/conformance | grep -oE '"[A-Z0-9_]+"' | tr -d '"'
  } | sort -u | grep -vE "$internal" || true
)
for v in $read_vars; do
  # A documented family (`LEPTOS_*`) covers its members.
  grep -qE "\\b${v}\\b" <<<"$config" || grep -qF "\`${v%%_*}_*\`" <<<"$config" || fail "the Configuration section does not mention \`$v\`, which the code reads"
done

# --- Architecture: every file the tree names exists, and the migration range is the real one.
tree=$(section Architecture | awk '/^```/ { n++; next } n == 1')
checked=0
while IFS= read -r path; do
  checked=$((checked + 1))
  [ -e "$path" ] || fail "the Architecture tree names $path, which does not exist"
done < <(awk '
  {
    match($0, /^ */); indent = RLENGTH
    rest = substr($0, indent + 1)
    # A directory line ("server/  text") opens a level; deeper lines belong to it.
    while (depth > 0 && indent <= ind[depth]) depth--
    if (match(rest, /^[A-Za-z0-9_.]+\/( |$)/)) {
      name = substr(rest, 1, RLENGTH); sub(/ $/, "", name)
      depth++; ind[depth] = indent; dir[depth] = name
      rest = substr(rest, RLENGTH + 1); sub(/^ +/, "", rest)
    }
    # Leading comma-separated file names ("cli.rs, startup.rs, config.rs   text").
    prefix = ""
    for (i = 1; i <= depth; i++) prefix = prefix dir[i]
    while (match(rest, /^[A-Za-z0-9_/-]+\.(rs|css|toml|sql|sh|ts)(, *| |$)/)) {
      file = substr(rest, 1, RLENGTH); sub(/[, ]+$/, "", file)
      print prefix file
      rest = substr(rest, RLENGTH + 1)
    }
  }' <<<"$tree")
[ "$checked" -gt 10 ] || fail "the Architecture tree names only $checked files; has its format changed?"

first=$(ls migrations | sort | head -n 1 | cut -c1-4)
last=$(ls migrations | sort | tail -n 1 | cut -c1-4)
grep -qE "migrations/ +.*${first}–${last}" <<<"$tree" \
  || fail "the Architecture tree should give the migrations as ${first}–${last}"

# --- Tests: every Rust test suite and every browser spec is named in the Tests section.
tests_section=$(section Tests)
for f in tests/it/*.rs end2end/tests/*.spec.ts; do
  [ "$f" = tests/it/main.rs ] && continue
  grep -qF "$f" <<<"$tests_section" || fail "the Tests section does not name $f"
done
# Each suite is a module of the one test binary; a file it does not declare would never run.
for f in tests/it/*.rs; do
  m=$(basename "$f" .rs)
  [ "$m" = main ] && continue
  if ! grep -qE "^mod $m;" tests/it/main.rs; then
    echo "tests/it/main.rs does not declare $f (mod $m;), so it never runs" >&2
    failed=1
  fi
done

[ "$failed" = 0 ] || { echo "Update README.md (or tests/it/main.rs) so that they describe the code as it is." >&2; exit 1; }
echo "README.md names every variable read, every file in its tree exists, every test suite is listed."
