#!/usr/bin/env bash
# Installs what is missing, builds Release, and runs the bundled Kunshan study into maps/.
# Extra arguments go to `kepu15 run` (e.g. --timings).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/install-deps.sh"
dir="$("$root/scripts/build.sh" release | tail -n 1)"
"$root/scripts/vendor-web.sh" >/dev/null   # the viewer's map library (maps/viewer/vendor/)
"$dir/kepu15" run "$root/geodata/kunshan/study.toml" --out "$root/maps" "$@"
