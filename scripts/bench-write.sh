#!/usr/bin/env bash
# Builds Release and runs the vector writing benchmark (bench/bench_write.cpp): an 88,000-polygon,
# 40-field layer like the Kunshan cells, written as GeoJSON text, GeoPackage, FlatGeobuf,
# Shapefile and CSV (GeoPackage and FlatGeobuf twice: on every core, DEFAULT, and on 1 thread). Target: GeoPackage
# and FlatGeobuf within 1.5x the GeoJSON text writer's wall time.
# Usage: scripts/bench-write.sh [repetitions] [cells] [writer]   (DEFAULT: 5 repetitions, 88,000 cells,
# every writer; writer: a name prefix such as FlatGeobuf)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$("$root/scripts/build.sh" release | tail -n 1)"
echo "nproc: $(nproc)"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
"$dir/bench_write" "$@"
