#!/usr/bin/env bash
# Regenerates the SYNTHETIC Kunshan study (see geodata/kunshan/README.md), byte for byte.
# Usage: scripts/generate-geodata.sh [OUTDIR]   (DEFAULT: geodata/kunshan)
# Needs Debian's /usr/bin/python3 with python3-gdal, python3-numpy, python3-shapely, and osmium-tool.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/geodata/kunshan}"
# Fixed GeoPackage timestamps and no .aux.xml side files (the script sets them too).
export OGR_CURRENT_DATE="2021-01-01T00:00:00Z"
export GDAL_PAM_ENABLED=NO
exec /usr/bin/python3 "$root/scripts/generate_kunshan.py" "$out"
