#!/usr/bin/env bash
# Serves the map viewer on http://127.0.0.1:${PORT:-8015}/viewer/ until Ctrl-C.
#   scripts/view.sh          the outputs in maps/ (the default of `kepu15 run`)
#   scripts/view.sh OUTDIR   the outputs of `kepu15 run --out OUTDIR` (served through symlinks in a
#                            temporary folder; nothing is copied or written into OUTDIR)
# The viewer reads its data from the folder above it (../villages.geojson, ../summary.json, ...).
# Browsers block file:// reads, hence the local server; it listens on 127.0.0.1 only.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
port="${PORT:-8015}"

if [[ $# -gt 1 || "${1:-}" == -h || "${1:-}" == --help ]]; then
    echo "usage: scripts/view.sh [OUTDIR]   (PORT=8015 by default)" >&2
    exit 2
fi

"$root/scripts/vendor-web.sh" >/dev/null   # MapLibre GL JS into maps/viewer/vendor/ (once)
serve_dir="$root/maps"
tmp=""
if [[ $# -eq 1 ]]; then
    out="$(cd "$1" 2>/dev/null && pwd)" || { echo "view.sh: $1: no such folder" >&2; exit 2; }
    if [[ "$out" != "$root/maps" ]]; then
        tmp="$(mktemp -d "${TMPDIR:-/tmp}/kepu15-view.XXXXXX")"
        trap 'rm -rf "$tmp"' EXIT
        ln -s "$root/maps/viewer" "$tmp/viewer"
        for f in "$out"/*; do
            [[ -e "$f" && "$(basename "$f")" != viewer ]] && ln -s "$f" "$tmp/$(basename "$f")"
        done
        serve_dir="$tmp"
    fi
fi

if [[ ! -e "$serve_dir/manifest.json" ]]; then
    echo "view.sh: no kepu15 outputs in ${1:-$root/maps} (run scripts/run.sh first); serving anyway" >&2
fi

echo "kepu15 viewer: http://127.0.0.1:$port/viewer/   (serving $serve_dir; Ctrl-C stops)"
python3 -m http.server --bind 127.0.0.1 --directory "$serve_dir" "$port"
