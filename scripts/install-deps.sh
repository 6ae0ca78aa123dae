#!/usr/bin/env bash
# Installs every Debian package kepu15 needs to build, test, benchmark and regenerate its data.
# Idempotent: when everything is present it only runs dpkg-query and exits.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config ccache
  libgdal-dev libsqlite3-dev gdal-bin libproj-dev proj-bin libgeos-dev
  libboost-dev libnanoflann-dev catch2
  libosmium2-dev libprotozero-dev zlib1g-dev libbz2-dev libexpat1-dev liblz4-dev
  libcli11-dev libtomlplusplus-dev nlohmann-json3-dev coinor-libcbc-dev
  osmium-tool python3-gdal python3-numpy python3-shapely python3-distributed time bc
  clang-14 libfuzzer-14-dev libclang-rt-14-dev
  postgresql postgis postgresql-15-postgis-3
  libmapnik-dev mapnik-utils fonts-noto-cjk libcairo2-dev libpango1.0-dev poppler-utils
  chromium
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

# Node and npm (viewer vendoring and tests): Debian's packages unless a node is already installed
# (e.g. a NodeSource build, which bundles npm and conflicts with Debian's npm package).
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
