#!/usr/bin/env bash
# Builds Release and measures the service areas of the bundled study part by part on one thread
# (bench/bench_areas.cpp): searches and street parts, rasterizing, polygonizing (lattice tracer, and
# GDALPolygonize for reference). Prints median CPU times.
# Usage: scripts/bench-areas.sh [repetitions]   (DEFAULT: 5)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$("$root/scripts/build.sh" release | tail -n 1)"
echo "nproc: $(nproc)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
"$dir/bench_areas" "$root/geodata/kunshan/study.toml" "${1:-5}"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
