#!/usr/bin/env bash
# Measures the compare step of `kepu15 compare`: a scenario adding 50 venues to the bundled Kunshan
# study, evaluated against the loaded baseline (after the baseline is prepared and evaluated; the
# time kepu15 prints as "scenario evaluated and compared in N ms": the scenario's facilities,
# incremental evaluation, summaries by 区镇 and village, the compare rows). Writing the outputs is not
# included. Runs the bundled study as is (E2SFCA access on) and without [access].
# Usage: scripts/bench-compare.sh [repetitions] [threads]   (DEFAULT: 5 repetitions, 2 threads)
# BENCH_VERBOSE=1 also prints each run's time with its page faults, system time and heap figures.
# Target: under 100 ms on 2 cores. Prints the wall median and the CPU median (user + system of every
# thread during the step): under load the CPU time is the better guide.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
reps="${1:-5}"
threads="${2:-2}"
verbose="${BENCH_VERBOSE:-}"  # non-empty: every run's page faults, system time and heap
kepu15="${KEPU15_BINARY:-}"
[[ -n "$kepu15" ]] || kepu15="$("$root/scripts/build.sh" release | tail -n 1)/kepu15"
data="$root/geodata/kunshan"
work="$(mktemp -d "${TMPDIR:-/tmp}/kepu15-bench-compare.XXXXXX")"
trap 'rm -rf "$work"' EXIT
echo "nproc: $(nproc)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
# The bundled study without [access] (absolute paths, since it moves).
sed -e "s|^path = \"|path = \"$data/|" -e "s|^water = \"|water = \"$data/|" "$data/study.toml" |
    sed -e '/^\[access\]/,$d' >"$work/no-access.toml"
# 50 new venues, 300 m east of the first 50 stations (inside the county, spread over every 区镇).
python3 - "$data/stations.geojson" "$work/add50.toml" <<'PY'
import json, sys
stations = json.load(open(sys.argv[1]))["features"][:50]
with open(sys.argv[2], "w") as out:
    for i, f in enumerate(stations):
        lon, lat = f["geometry"]["coordinates"][:2]
        out.write('[[add]]\nkind = "venue"\nid = "BENCH-%02d"\nlon = %.7f\nlat = %.7f\n\n' % (i + 1, lon + 0.0032, lat))
PY
for study in "$data/study.toml" "$work/no-access.toml"; do
    { printf '[scenario]\nname = "add 50 venues"\nbaseline = "%s"\n\n' "$study"; cat "$work/add50.toml"; } >"$work/scenario.toml"
    times=()
    cpus=()
    for ((i = 0; i < reps; ++i)); do
        out="$("$kepu15" compare "$study" "$work/scenario.toml" --out "$work/out" --threads "$threads" --timings)"
        line="$(grep 'scenario evaluated and compared in' <<<"$out")"
        counters="$(grep 'compare step: user' <<<"$out" || true)"
        times+=("$(sed -E 's/.*compared in ([0-9.]+) ms.*/\1/' <<<"$line")")
        cpus+=("$(sed -E 's/.*\(CPU ([0-9.]+) ms.*/\1/' <<<"$line")")
        [[ -z "$verbose" ]] || echo "  run $((i + 1)): ${times[-1]} ms: ${counters#"${counters%%[![:space:]]*}"}"
    done
    median="$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')"
    cpu_median="$(printf '%s\n' "${cpus[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')"
    label="bundled study (E2SFCA access on)"
    [[ "$study" == "$work/no-access.toml" ]] && label="bundled study without [access]"
    echo "$label: compare step, 50 venues added: median ${median} ms of ${reps} (${times[*]}), CPU median ${cpu_median} ms (all threads), $threads threads"
    echo "  ${line#"${line%%[![:space:]]*}"}"
    [[ -z "$counters" ]] || echo "  ${counters#"${counters%%[![:space:]]*}"}"
done
