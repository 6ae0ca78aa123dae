#!/usr/bin/env bash
# Builds Release and measures re-evaluation on a prepared study (bench/bench_evaluate.cpp): the
# bundled Kunshan study is prepared once, then changed facility sets are evaluated and summarised.
# Usage: scripts/bench-evaluate.sh [repetitions] [threads]   (DEFAULT: 10 repetitions, 2 threads)
# Target: re-evaluating one changed facility set under 150 ms on 2 cores.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$("$root/scripts/build.sh" release | tail -n 1)"
echo "nproc: $(nproc)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
"$dir/bench_evaluate" "$root/geodata/kunshan/study.toml" "${1:-10}" "${2:-2}"
