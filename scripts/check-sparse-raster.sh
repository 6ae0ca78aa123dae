#!/usr/bin/env bash
# Memory follows the populated cells, not the raster's extent: the bundled population embedded in a
# 20,000 x 20,000 sparse raster (400 million cells, 88,461 populated) gives the same crow-fly
# results as the bundled raster, within a 2 GB address-space limit (holding the whole grid of three
# bands as doubles would take 9.6 GB). Prints the wall time and peak memory of both runs.
# Usage: scripts/check-sparse-raster.sh [SIZE]   (DEFAULT 20000; CTest runs it)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
size="${1:-20000}"
cli="${KEPU15_CLI:-$root/build/release/kepu15}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 "$root/scripts/make-sparse-raster.py" "$root/geodata/kunshan/population.tif" "$tmp/sparse.tif" "$size"
g="$root/geodata/kunshan"
for pop in "$g/population.tif" "$tmp/sparse.tif"; do
  name=$(basename "$pop" .tif)
  sed -e "s|^path = \"\\([^\"]*\\)\"|path = \"$g/\\1\"|" -e "s|^water = \"\\([^\"]*\\)\"|water = \"$g/\\1\"|" \
      -e "s|^path = \"$g/population.tif\"|path = \"$pop\"|" "$g/study.toml" > "$tmp/$name.toml"
  (ulimit -v 2000000; /usr/bin/time -f "$name: %e s wall, %M kB peak" \
     "$cli" run "$tmp/$name.toml" --methods crowfly --out "$tmp/out-$name" --quiet)
done
/usr/bin/python3 - "$tmp/out-population/summary.json" "$tmp/out-sparse/summary.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for key in ("total_population", "populated_cells"):
    assert a[key] == b[key], (key, a[key], b[key])
assert a["region"] == b["region"], "region figures differ"
assert a["units"] == b["units"], "unit figures differ"
print(f"same results: {a['populated_cells']} populated cells, population {a['total_population']}")
PY
cmp "$tmp/out-population/towns.csv" "$tmp/out-sparse/towns.csv"
echo "sparse raster check passed"
