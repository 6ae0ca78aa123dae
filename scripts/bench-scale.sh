#!/usr/bin/env bash
# Wall time, peak memory and seconds per stage of a run on a SYNTHETIC study of any size
# (docs/scale.md): K times the bundled study, or the province-sized jiangsu-like study.
# Generates the study into build/geodata/<name>/ when it is missing (not committed), then runs
# `kepu15 run --timings` (crow-fly, walk and drive, every output except service areas) under
# /usr/bin/time -v. Usage: scripts/bench-scale.sh [1|4|16|K|jiangsu] ...   (DEFAULT: 1 4 16)
# KEPU15=/path/to/kepu15 uses that binary instead of building build/release.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1 4 16)
if [ -n "${KEPU15:-}" ]; then
  bin="$KEPU15"
else
  dir="$("$root/scripts/build.sh" release 2>"${TMPDIR:-/tmp}/kepu15-bench-build.log" | tail -n 1)" || { cat "${TMPDIR:-/tmp}/kepu15-bench-build.log" >&2; exit 1; }
  bin="$dir/kepu15"
fi
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); binary $bin"
for size in "${sizes[@]}"; do
  if [ "$size" = jiangsu ]; then
    name=jiangsu-like; gen=(--region jiangsu-like)
  else
    name="scale-$size"; gen=(--scale "$size")
  fi
  study="$root/build/geodata/$name/study.toml"
  if [ ! -f "$study" ]; then
    echo "generating $name ..."
    /usr/bin/time -f "  generated in %e s, peak %M KB" /usr/bin/python3 "$root/scripts/generate_scale.py" "${gen[@]}" \
      --out "$root/build/geodata/$name"
  fi
  echo "== $name (load average before $(cut -d' ' -f1-3 /proc/loadavg))"
  /usr/bin/time -v -o "$out/time.log" "$bin" run "$study" --out "$out/maps" --timings >"$out/run.log" 2>"$out/err.log" \
    || { cat "$out/err.log" "$out/run.log" >&2; exit 1; }
  grep -E 'populated cells|  time' "$out/run.log"
  wall="$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$out/time.log")"
  kb="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$out/time.log")"
  cpu_s="$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%.1f", s}' "$out/time.log")"
  printf '  wall %s, peak RSS %.0f MB, CPU %s (user + sys %s s), outputs %s, load average after %s\n' "$wall" \
    "$(echo "$kb/1024" | bc -l)" "$(awk -F': ' '/Percent of CPU/ {print $2}' "$out/time.log")" "$cpu_s" \
    "$(du -sh "$out/maps" | cut -f1)" "$(cut -d' ' -f1-3 /proc/loadavg)"
  rm -rf "$out/maps"
done
