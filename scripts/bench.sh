#!/usr/bin/env bash
# Wall time and peak memory of the default run on the bundled Kunshan study (build excluded).
# Prints one line per configuration: crow-fly only (issue target < 1 s) and the full study with
# network coverage for 3 kinds x 4 profiles (issue target < 3 s, < 1 GB). Usage: scripts/bench.sh [RUNS]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
runs="${1:-5}"
"$root/scripts/install-deps.sh" >/dev/null
dir="$("$root/scripts/build.sh" release 2>"${TMPDIR:-/tmp}/kepu15-bench-build.log" | tail -n 1)" || { cat "${TMPDIR:-/tmp}/kepu15-bench-build.log" >&2; exit 1; }
bin="$dir/kepu15"
study="$root/geodata/kunshan/study.toml"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"

measure() {
  local label="$1"; shift
  local best="" peak=0
  for _ in $(seq "$runs"); do
    local log="$out/time.log"
    /usr/bin/time -f '%e %M' -o "$log" "$bin" run "$study" --out "$out/maps" "$@" >/dev/null
    read -r wall kb <"$log"
    if [ -z "$best" ] || awk "BEGIN{exit !($wall < $best)}"; then best="$wall"; fi
    if [ "$kb" -gt "$peak" ]; then peak="$kb"; fi
  done
  printf '%-44s best wall %6.2f s over %d runs, peak RSS %5.0f MB\n' "$label" "$best" "$runs" "$(echo "$peak/1024" | bc -l)"
}

measure "crow-fly (3 kinds)" --methods crowfly
measure "crow-fly + network (3 kinds x 4 profiles)"
measure "  same without isochrones" --no-isochrones
echo "stage timings of one full run:"
"$bin" run "$study" --out "$out/maps" --timings | grep '  time'
