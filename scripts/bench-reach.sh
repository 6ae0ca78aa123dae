#!/usr/bin/env bash
# Builds Release and runs the reach-table benchmark (bench/bench_reach.cpp): every facility within
# 15 minutes' walk of 90,000 cells on the seeded ~160,000-node road-like graph, 300 facilities.
# Usage: scripts/bench-reach.sh [repetitions] [seed] [threads]   (DEFAULT: 11 repetitions, seed 20240615, 1 thread)
# Target on one core: < 100 ms (median).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$(cd "$root" && cmake -S "$root" -B "$root/build/release" -DCMAKE_BUILD_TYPE=Release >/dev/null &&
       cmake --build "$root/build/release" -j "$(nproc)" --target bench_reach >/dev/null && echo "$root/build/release")"
echo "nproc: $(nproc)"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
"$dir/bench_reach" "$@"
