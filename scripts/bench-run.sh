#!/usr/bin/env bash
# Whole-process figures of the default run (`kepu15 run`: the bundled study, every measure, access,
# service areas, every default output) after one warm-up run: median wall time, median CPU time
# (user + system) and the largest peak RSS over RUNS runs, with the load average before and after
# (on a shared machine wall time includes waiting for a core; CPU time much less so).
# Usage: scripts/bench-run.sh [RUNS] [extra kepu15 run options...]   (DEFAULT: 5 runs)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
runs="${1:-5}"
shift || true
dir="$("$root/scripts/build.sh" release 2>"${TMPDIR:-/tmp}/kepu15-bench-build.log" | tail -n 1)" ||
  { cat "${TMPDIR:-/tmp}/kepu15-bench-build.log" >&2; exit 1; }
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$dir/kepu15" run --out "$out/maps" --quiet "$@" >/dev/null  # warm-up (page cache)
: >"$out/all.log"
for _ in $(seq "$runs"); do
  /usr/bin/time -f '%e %U %S %M' -o "$out/time.log" "$dir/kepu15" run --out "$out/maps" --quiet "$@" >/dev/null
  cat "$out/time.log" >>"$out/all.log"
done
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
sort -n -k1,1 "$out/all.log" | awk -v n="$runs" '{ w[NR] = $1 } END { printf "wall median %.2f s (min %.2f, max %.2f) over %d runs\n", w[int((n + 1) / 2)], w[1], w[n], n }'
awk '{ print $2 + $3 }' "$out/all.log" | sort -n | awk -v n="$runs" '{ c[NR] = $1 } END { printf "CPU median %.2f s (user + system)\n", c[int((n + 1) / 2)] }'
awk 'BEGIN { m = 0 } { if ($4 > m) m = $4 } END { printf "peak RSS %.0f MB\n", m / 1024 }' "$out/all.log"
