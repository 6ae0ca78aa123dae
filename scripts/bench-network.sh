#!/usr/bin/env bash
# Builds Release and runs the network search benchmark (bench/bench_network.cpp): one bounded
# 15-minute multi-source search per profile on a seeded ~160,000-node road-like graph, single thread.
# Usage: scripts/bench-network.sh [repetitions] [seed]   (DEFAULT: 20 repetitions, seed 20240615)
# Targets on one core: walk < 15 ms, drive < 45 ms (median).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$("$root/scripts/build.sh" release | tail -n 1)"
echo "nproc: $(nproc)"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
"$dir/bench_network" "$@"
