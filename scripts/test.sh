#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test with CTest.
# Usage: scripts/test.sh [release|debug|asan]  (DEFAULT: release; CI runs release)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/install-deps.sh"
mode="${1:-release}"
dir="$("$root/scripts/build.sh" "$mode" | tail -n 1)"
cd "$dir"
if [ "$mode" = asan ]; then
  # Any sanitizer report fails the test that triggered it (also inside the CLI the e2e tests run).
  export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0"
fi
ctest --output-on-failure -j "$(nproc)" --timeout 600
