#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, address + undefined sanitizers) into build/fuzz and runs each
# for SECONDS on a corpus seeded from geodata/ and tests/. Any crash, sanitizer report or
# unexpected exception fails the script and leaves the input in build/fuzz/crashes/; turn it into
# a regression input under fuzz/regressions/<target>/ (replayed first on every run).
# Usage: scripts/fuzz.sh [SECONDS]   (DEFAULT: 60 per target). Exit 77 when clang-14 is missing.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seconds="${1:-60}"
dir="$root/build/fuzz"
if ! command -v clang++-14 >/dev/null; then
  echo "fuzz: clang++-14 not installed (scripts/install-deps.sh installs it); skipped" >&2
  exit 77
fi
cmake -S "$root/fuzz" -B "$dir" -DCMAKE_CXX_COMPILER=clang++-14 >/dev/null
cmake --build "$dir" -j "$(nproc)" >/dev/null

seed() {  # target, files...
  local target="$1"; shift
  mkdir -p "$dir/corpus/$target"
  for f in "$@"; do
    [ -f "$f" ] || continue
    # Seeds above 64 kB slow every mutation down; the small fixtures cover the same syntax.
    if [ "$(stat -c %s "$f")" -le 65536 ]; then cp "$f" "$dir/corpus/$target/seed_$(basename "$f")"; fi
  done
}
shopt -s nullglob
seed fuzz_csv "$root"/geodata/*/*.csv "$root"/tests/fixtures/io/*.csv "$root"/tests/e2e/cases/*/*.csv
seed fuzz_geojson "$root"/tests/fixtures/io/*.geojson "$root"/tests/e2e/cases/*/*.geojson
seed fuzz_study "$root"/geodata/*/study.toml "$root"/tests/e2e/cases/*/study.toml
seed fuzz_osm "$root"/tests/fixtures/network/*.osm

export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:symbolize=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
mkdir -p "$dir/crashes"
status=0
for target in fuzz_csv fuzz_geojson fuzz_study fuzz_osm; do
  regressions=("$root/fuzz/regressions/$target"/*)
  if [ ${#regressions[@]} -gt 0 ]; then
    if ! "$dir/$target" -runs=0 "${regressions[@]}" >"$dir/$target.regressions.log" 2>&1; then
      echo "fuzz: $target fails on a regression input; see $dir/$target.regressions.log" >&2
      status=1
      continue
    fi
  fi
  if "$dir/$target" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 -max_len=65536 \
       -artifact_prefix="$dir/crashes/$target-" "$dir/corpus/$target" >"$dir/$target.log" 2>&1; then
    echo "fuzz: $target $(grep -o 'stat::number_of_executed_units: [0-9]*' "$dir/$target.log" | awk '{print $2}') runs in ${seconds} s, no failure"
  else
    echo "fuzz: $target FAILED; input in $dir/crashes/, log $dir/$target.log" >&2
    tail -n 30 "$dir/$target.log" >&2
    status=1
  fi
done
exit $status
