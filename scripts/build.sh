#!/usr/bin/env bash
# Configures and builds kepu15. Usage: scripts/build.sh [release|debug|asan]  (DEFAULT: release)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mode="${1:-release}"
case "$mode" in
  release) dir="$root/build/release"; flags=(-DCMAKE_BUILD_TYPE=Release) ;;
  debug)   dir="$root/build/debug";   flags=(-DCMAKE_BUILD_TYPE=Debug) ;;
  asan)    dir="$root/build/asan";    flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DKEPU15_SANITIZE=ON) ;;
  *) echo "usage: $0 [release|debug|asan]" >&2; exit 2 ;;
esac
cmake -S "$root" -B "$dir" "${flags[@]}" >/dev/null
cmake --build "$dir" -j "$(nproc)"
echo "$dir"
