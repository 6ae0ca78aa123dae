#!/usr/bin/env bash
# Vendors the viewer's map library so maps/viewer/ works offline with no tile server or CDN:
# installs pinned npm packages into a cache folder and copies MapLibre GL JS's dist files into
# maps/viewer/vendor/ (not committed; run.sh, view.sh, the screenshot script and the viewer tests
# call this script). Also installs playwright-core for tests/viewer (it drives Debian's chromium;
# no browser is ever downloaded). Idempotent: does nothing when the pinned versions are in place.
#   KEPU15_WEB_CACHE  DEFAULT ${XDG_CACHE_HOME:-$HOME/.cache}/kepu15-web
# Prints the cache folder (its node_modules serves tests/viewer through NODE_PATH) on the last line.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
MAPLIBRE_VERSION=5.24.1
PLAYWRIGHT_VERSION=1.65.1
cache="${KEPU15_WEB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kepu15-web}"
vendor="$root/maps/viewer/vendor"
stamp="maplibre-gl@$MAPLIBRE_VERSION playwright-core@$PLAYWRIGHT_VERSION"

if [[ "$(cat "$cache/.stamp" 2>/dev/null)" != "$stamp" ]]; then
    if ! command -v npm >/dev/null; then
        echo "vendor-web.sh: npm is missing (scripts/install-deps.sh installs Debian's nodejs and npm)" >&2
        exit 1
    fi
    mkdir -p "$cache"
    [[ -e "$cache/package.json" ]] || echo '{"name":"kepu15-web-cache","private":true}' >"$cache/package.json"
    # PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: playwright-core downloads nothing, but say so anyway.
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --prefix "$cache" --no-audit --no-fund --silent \
        "maplibre-gl@$MAPLIBRE_VERSION" "playwright-core@$PLAYWRIGHT_VERSION" >&2
    echo "$stamp" >"$cache/.stamp"
fi

if [[ "$(cat "$vendor/VERSION" 2>/dev/null)" != "maplibre-gl@$MAPLIBRE_VERSION" ]]; then
    mkdir -p "$vendor"
    dist="$cache/node_modules/maplibre-gl/dist"
    cp "$dist/maplibre-gl.js" "$dist/maplibre-gl.css" "$vendor/"
    cp "$cache/node_modules/maplibre-gl/LICENSE.txt" "$vendor/LICENSE.txt"
    echo "maplibre-gl@$MAPLIBRE_VERSION" >"$vendor/VERSION"
fi
echo "$cache"
