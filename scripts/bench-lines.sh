#!/usr/bin/env bash
# Line-layer reading (docs/scale.md "Road layers"): seconds kepu15 takes to read a road network
# from GeoJSON, GeoPackage and FlatGeobuf (network::read_road_lines: fields, geometry, topology and
# speeds), next to GDAL's own scans of the same file, `ogrinfo -al -so` (summary) and
# `ogrinfo -al -q` (every feature printed to /dev/null).
# Networks: the seeded ~160,000-node grid of bench_network, written by bench_lines as GeoJSON
# (WGS84) and converted with ogr2ogr to GeoPackage and FlatGeobuf (EPSG:4549); plus any line
# layers given on the command line (e.g. build/geodata/scale-16/roads.gpkg).
# Usage: scripts/bench-lines.sh [LINE_LAYER ...]    BENCH_LINES=/path/to/bench_lines skips the build.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
if [ -n "${BENCH_LINES:-}" ]; then
  bin="$BENCH_LINES"
else
  cmake -S "$root" -B "$root/build/release" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$root/build/release" -j "$(nproc)" --target bench_lines >/dev/null
  bin="$root/build/release/bench_lines"
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); $(ogrinfo --version)"
"$bin" --write-grid "$work/grid.geojson" >/dev/null
ogr2ogr -f GPKG -t_srs EPSG:4549 -nln roads "$work/grid.gpkg" "$work/grid.geojson"
ogr2ogr -f FlatGeobuf -t_srs EPSG:4549 -nln roads "$work/grid.fgb" "$work/grid.geojson"
seconds() { /usr/bin/time -f %e -o "$work/t" "$@" >/dev/null 2>&1; cat "$work/t"; }
printf '%-44s %9s %9s %12s %12s %10s %10s\n' file MB kepu15_s ogrinfo_so_s ogrinfo_q_s "x_so" "x_q"
for f in "$work/grid.geojson" "$work/grid.gpkg" "$work/grid.fgb" "$@"; do
  k="$("$bin" --repeat 1 "$f" | sed -E 's/.* read in ([0-9.]+) s.*/\1/')"
  so="$(seconds ogrinfo -al -so "$f")"
  q="$(seconds ogrinfo -al -q "$f")"
  mb="$(du -m "$f" | cut -f1)"
  name="$f"; case "$f" in "$work"/*) name="grid (160k nodes) ${f##*.}" ;; esac
  printf '%-44s %9s %9s %12s %12s %10.2f %10.2f\n' "$name" "$mb" "$k" "$so" "$q" \
    "$(echo "$k / $so" | bc -l)" "$(echo "$k / $q" | bc -l)"
done
