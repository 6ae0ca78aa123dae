#!/usr/bin/env bash
# Builds Release and runs the snapping benchmark (bench/bench_snap.cpp): 160,000 homes onto the
# seeded ~160,000-node road-like graph of scripts/bench-network.sh, on 1 and 2 threads.
# Usage: scripts/bench-snap.sh [repetitions] [seed] [threads]   (DEFAULT: 21 repetitions, seed 20240615, 2 threads)
# Target: < 100 ms on 2 cores (median).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$(cd "$root" && cmake -S "$root" -B "$root/build/release" -DCMAKE_BUILD_TYPE=Release >/dev/null &&
       cmake --build "$root/build/release" -j "$(nproc)" --target bench_snap >/dev/null && echo "$root/build/release")"
echo "nproc: $(nproc)"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
"$dir/bench_snap" "$@"
