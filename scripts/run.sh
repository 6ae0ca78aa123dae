#!/usr/bin/env bash
# Installs what is missing, builds Release, runs the bundled Kunshan study into maps/, and compares
# the plan-2025 scenario with it into maps/plan-2025/.
# Extra arguments go to `kepu15 run` (e.g. --timings).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/install-deps.sh"
dir="$("$root/scripts/build.sh" release | tail -n 1)"
"$root/scripts/vendor-web.sh" >/dev/null   # the viewer's map library (maps/viewer/vendor/)
"$dir/kepu15" run "$root/geodata/kunshan/study.toml" --out "$root/maps" "$@"
# The plan-2025 scenario (40 科普示范学校, 30 more 科普教育基地) against the bundled baseline: what it
# changes, for whom (maps/plan-2025/: compare tables, newly covered areas, baseline/ and scenario/ runs).
"$dir/kepu15" compare "$root/geodata/kunshan/study.toml" "$root/geodata/kunshan/scenarios/plan-2025.toml" \
    --out "$root/maps/plan-2025"
echo "scripts/view.sh, then open http://127.0.0.1:8015/viewer/?compare=../plan-2025/ (baseline | plan-2025 swipe)"
