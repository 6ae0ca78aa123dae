#!/usr/bin/env bash
# Chooses the 12 schools that geodata/kunshan/scenarios/plan-2025.toml makes demonstration schools
# (28 existing + 12 = the plan's 40): a maximal-covering `kepu15 site` run over the bundled study,
# with the demonstration schools as the kind (the 28 kept) and the other schools of schools.gpkg as
# the candidate layer, walk 15 minutes. Prints the proposals table; the ids go into plan-2025.toml.
#   scripts/plan-2025-demo-schools.sh [KEPU15_BINARY]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
kepu15="${1:-$root/build/release/kepu15}"
data="$root/geodata/kunshan"
work="$(mktemp -d "${TMPDIR:-/tmp}/kepu15-demo-schools.XXXXXX")"
trap 'rm -rf "$work"' EXIT
# The bundled study with the demonstration schools as a kind (absolute paths, since it moves).
sed -e "s|^path = \"|path = \"$data/|" -e "s|^water = \"|water = \"$data/|" "$data/study.toml" >"$work/study.toml"
cat >>"$work/study.toml" <<'TOML'

[[facilities]]
kind = "demo_school"
label = "科普示范学校"
path = "SCHOOLS"
layer = "schools"
id_field = "id"
name_field = "name"
filter = { demo_school = 1 }
TOML
sed -i "s|\"SCHOOLS\"|\"$data/schools.gpkg\"|" "$work/study.toml"
ogr2ogr -f GeoJSON "$work/candidates.geojson" "$data/schools.gpkg" schools -where "demo_school = 0"
"$kepu15" site "$work/study.toml" --kind demo_school --k 12 --method walk \
    --candidates "$work/candidates.geojson" --candidates-id-field id --candidates-name-field name \
    --solver exact --out "$work/site" --threads 2
python3 - "$work/site/proposals.geojson" <<'PY'
import json, sys
sites = json.load(open(sys.argv[1]))["features"]
print("ids = [" + ", ".join('"%s"' % f["properties"]["site_id"] for f in sites) + "]")
for f in sites:
    p = f["properties"]
    print("#  %2d %s %s (%s) +%.0f" % (p["order"], p["site_id"], p["name"], p["town_name"], p["marginal"]))
PY
