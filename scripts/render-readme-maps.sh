#!/usr/bin/env bash
# Regenerates the two maps shown in the README (docs/img/, 150 dpi PNG, committed):
#   docs/img/map_station_walk.png      walking time to the nearest 社区/村科普站
#   docs/img/map_coverage_walk.png     covered by any kind on foot, and the gaps
# from a fresh run of the bundled (synthetic) Kunshan study. Builds Release when needed.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$("$root/scripts/build.sh" release | tail -n 1)"
work="$(mktemp -d "${TMPDIR:-/tmp}/kepu15-readme-maps.XXXXXX")"
trap 'rm -rf "$work"' EXIT
"$dir/kepu15" run "$root/geodata/kunshan/study.toml" --out "$work/run" --no-isochrones --cells-vector >/dev/null
"$dir/kepu15" render "$work/run" --out "$work/sheets" --dpi 150 --no-town-maps >/dev/null
mkdir -p "$root/docs/img"
for name in map_station_walk map_coverage_walk; do
    cp "$work/sheets/$name.png" "$root/docs/img/$name.png"
    echo "docs/img/$name.png"
done
