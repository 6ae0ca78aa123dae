#!/usr/bin/env bash
# Developer check of the map viewer: serves a run's outputs on 127.0.0.1, takes a headless Chromium
# screenshot of the viewer and FAILS (exit 1) when the map is blank (pixel statistics of the map
# canvas) or the page logs an error.
#   scripts/screenshot-viewer.sh [PNG] [QUERY] [OUTDIR]
#   PNG     DEFAULT /tmp/kepu15-viewer.png
#   QUERY   viewer URL parameters, e.g. 'kind=station&method=walk&lang=en' (see docs/maps.md)
#   OUTDIR  DEFAULT maps/ (runs scripts/run.sh when maps/manifest.json is missing)
# Uses Debian's chromium and playwright-core from npm (scripts/vendor-web.sh); downloads no browser.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
png="${1:-/tmp/kepu15-viewer.png}"
query="${2:-}"
out="${3:-$root/maps}"

command -v chromium >/dev/null || { echo "screenshot-viewer.sh: chromium missing (scripts/install-deps.sh)" >&2; exit 1; }
cache="$("$root/scripts/vendor-web.sh" | tail -n 1)"
if [[ "$out" == "$root/maps" && ! -e "$root/maps/manifest.json" ]]; then "$root/scripts/run.sh"; fi
[[ -e "$out/manifest.json" ]] || { echo "screenshot-viewer.sh: no manifest.json in $out (run kepu15 run first)" >&2; exit 1; }

site="$(mktemp -d "${TMPDIR:-/tmp}/kepu15-shot.XXXXXX")"
trap 'rm -rf "$site"' EXIT
for f in "$out"/*; do
    [[ "$(basename "$f")" != viewer ]] && ln -s "$(cd "$(dirname "$f")" && pwd)/$(basename "$f")" "$site/$(basename "$f")"
done
ln -s "$root/maps/viewer" "$site/viewer"
mkdir -p "$(dirname "$png")"
NODE_PATH="$cache/node_modules" node "$root/tests/viewer/screenshot.cjs" "$site" "$query" "$png"
