#!/usr/bin/env bash
# Developer check of the map viewer (not part of CI): serves maps/ on 127.0.0.1, takes a headless
# Chromium screenshot of maps/viewer/ and stops the server.
#   scripts/screenshot-viewer.sh [PNG] [QUERY]
#   PNG    DEFAULT /tmp/kepu15-viewer.png
#   QUERY  viewer URL parameters, e.g. 'layers=villages,gaps,facilities&gapkind=station&gapmethod=walk'
#          or 'method=crowfly&share=venue&village=320583100210' (see maps/viewer/README.md)
# Installs Debian's chromium (and a small CJK font, so Chinese names render) when missing, and runs
# scripts/run.sh when maps/summary.json is missing.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
png="${1:-/tmp/kepu15-viewer.png}"
query="${2:-}"
port="${PORT:-8016}"

sudo=""
[[ "$(id -u)" -eq 0 ]] || sudo="sudo"
missing=()
command -v chromium >/dev/null || missing+=(chromium)
if command -v fc-list >/dev/null && [[ -z "$(fc-list :lang=zh 2>/dev/null)" ]]; then
    missing+=(fonts-wqy-microhei)
fi
if [[ ${#missing[@]} -gt 0 ]]; then
    echo "installing ${missing[*]}" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

[[ -e "$root/maps/summary.json" ]] || "$root/scripts/run.sh"

python3 -m http.server --bind 127.0.0.1 --directory "$root/maps" "$port" >/dev/null 2>&1 &
server=$!
profile="$(mktemp -d)"
trap 'kill "$server" 2>/dev/null || true; rm -rf "$profile"' EXIT
for _ in $(seq 50); do
    python3 - "$port" <<'PY' 2>/dev/null && break
import sys, urllib.request
urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/viewer/", timeout=1)
PY
    sleep 0.2
done

url="http://127.0.0.1:$port/viewer/${query:+?$query}"
mkdir -p "$(dirname "$png")"
rm -f "$png"
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --window-size=1400,900 --virtual-time-budget=15000 \
    --screenshot="$png" "$url" 2>/dev/null || true
if [[ ! -s "$png" ]]; then
    echo "screenshot-viewer.sh: no screenshot written for $url" >&2
    exit 1
fi
echo "$png  ($url)"
