#!/usr/bin/env bash
# The test command: type-check, lint, unit tests, then the Docker integration tests against a real
# engine (started here when none answers). Ends with one line `N passed, N failed`.
set -uo pipefail
cd "$(dirname "$0")/.."

[ -d node_modules ] || npm ci --no-audit --no-fund
# the CLI the tests run is gulpfile.ts compiled (scripts/compile.js): compiled from these sources
node scripts/compile.js || exit $?
bash scripts/ensure-engine.sh --with-test-tools || exit $?
# the demo's git repositories (contrail-ansible and its roles), as npm run demo makes them
node -r esbuild-register scripts/demo-git.ts || exit $?

passed=0
failed=0
count() { # adds the counts of an ava log: one line per test, ✔ passed, ✘ failed
  local p f
  p=$(grep -cE '^\s*✔' "$1")
  f=$(grep -cE '^\s*✘' "$1")
  # failures not tied to one test (uncaught exceptions, timeouts) show only in ava's totals
  local extra
  extra=$(grep -Eo '^\s*[0-9]+ (uncaught exceptions?|unhandled rejections?|tests? remained pending|tests? timed out)' "$1" | awk '{s+=$1} END {print s+0}')
  passed=$((passed + p))
  failed=$((failed + f + extra))
}

log=$(mktemp)
echo "== type check (tsc --noEmit)"
if npx tsc --noEmit -p .; then passed=$((passed + 1)); else failed=$((failed + 1)); fi

echo "== lint (npm run lint: oxlint with type-aware rules)"
if npm run --silent lint; then passed=$((passed + 1)); else failed=$((failed + 1)); fi

echo "== ava: ${AVA_FILES:-test/unit test/docker}"
# shellcheck disable=SC2086
npx ava ${AVA_FILES:-test/unit test/docker} 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
count "$log"
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
rm -f "$log"

echo "${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
