#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test with CTest.
# Usage: scripts/test.sh [release|debug|asan]  (DEFAULT: release; CI runs release)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/install-deps.sh"
mode="${1:-release}"
dir="$("$root/scripts/build.sh" "$mode" | tail -n 1)"
cd "$dir"
ctest --output-on-failure -j "$(nproc)" --timeout 600
