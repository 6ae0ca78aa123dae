#!/usr/bin/env bash
# Viewer tests in real headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core).
#   tests/viewer/run.sh KEPU15_BINARY
# Makes two runs of the bundled study (crow-fly; the scenario with a 1,500 m radius) and a
# `kepu15 compare` folder (plan/), serves them on 127.0.0.1 with maps/viewer and runs
# viewer.test.cjs with node's test runner.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
kepu15="${1:?usage: tests/viewer/run.sh KEPU15_BINARY}"
command -v node >/dev/null || { echo "viewer tests: node is missing (scripts/install-deps.sh)" >&2; exit 1; }
[[ -x "${KEPU15_CHROMIUM:-/usr/bin/chromium}" ]] || { echo "viewer tests: chromium is missing (scripts/install-deps.sh)" >&2; exit 1; }
cache="$("$root/scripts/vendor-web.sh" | tail -n 1)"

work="$(mktemp -d "${TMPDIR:-/tmp}/kepu15-viewer-test.XXXXXX")"
trap 'rm -rf "$work"' EXIT
study="$root/geodata/kunshan/study.toml"
"$kepu15" run "$study" --out "$work/site" --methods crowfly --no-isochrones >/dev/null
# The scenario: the same study with a 1,500 m crow-fly radius (absolute paths, since it moves).
sed -e "s|^path = \"|path = \"$root/geodata/kunshan/|" -e 's|^radius_m = 1000|radius_m = 1500|' \
    -e 's|^water = "|water = "'"$root"'/geodata/kunshan/|' "$study" >"$work/scenario.toml"
"$kepu15" run "$work/scenario.toml" --out "$work/site/scenario" --methods crowfly --no-isochrones >/dev/null
# A compare folder: a crow-fly baseline (same layers) and a scenario adding three venues, with the
# demonstration schools as an extra kind and two schools made demonstration schools.
sed -e 's|^methods = .*|methods = ["crowfly"]|' "$work/scenario.toml" | sed -e 's|^radius_m = 1500|radius_m = 1000|' >"$work/crowfly.toml"
cat >"$work/plan.toml" <<TOML
[scenario]
name = "viewer test plan"
baseline = "$work/crowfly.toml"
[[facilities]]
kind = "demo_school"
label = "科普示范学校"
from = "school"
filter = { demo_school = 1 }
[[change]]
kind = "school"
ids = ["S001", "S002"]
attributes = { demo_school = 1 }
[[add]]
kind = "venue"
id = "T1"
lon = 120.90
lat = 31.30
[[add]]
kind = "venue"
id = "T2"
lon = 121.05
lat = 31.42
[[add]]
kind = "venue"
id = "T3"
lon = 120.98
lat = 31.25
TOML
"$kepu15" compare "$work/crowfly.toml" "$work/plan.toml" --out "$work/site/plan" >/dev/null
ln -s "$root/maps/viewer" "$work/site/viewer"
KEPU15_SITE="$work/site" NODE_PATH="$cache/node_modules" node --test --test-concurrency=1 "$root/tests/viewer/viewer.test.cjs"
