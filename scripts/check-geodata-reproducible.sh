#!/usr/bin/env bash
# Regenerates the bundled Kunshan study into a temporary folder and compares every file's sha256
# with the committed geodata/kunshan. Prints each difference; exits 1 on any, 0 when identical.
# Usage: scripts/check-geodata-reproducible.sh [REFDIR]   (DEFAULT: geodata/kunshan)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
ref="${1:-$root/geodata/kunshan}"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/kepu15-geodata.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
"$root/scripts/generate-geodata.sh" "$tmp" >/dev/null
status=0
names="$( (cd "$ref" && find . -maxdepth 1 -type f -printf '%f\n'; cd "$tmp" && find . -maxdepth 1 -type f -printf '%f\n') | LC_ALL=C sort -u)"
count=0
while IFS= read -r f; do
  [ -n "$f" ] || continue
  count=$((count + 1))
  if [ ! -f "$tmp/$f" ]; then
    echo "not regenerated: $f"; status=1
  elif [ ! -f "$ref/$f" ]; then
    echo "missing from $ref: $f"; status=1
  else
    a="$(sha256sum < "$ref/$f" | cut -d' ' -f1)"
    b="$(sha256sum < "$tmp/$f" | cut -d' ' -f1)"
    if [ "$a" != "$b" ]; then
      echo "differs: $f (committed $a, regenerated $b)"; status=1
    fi
  fi
done <<< "$names"
if [ "$status" -eq 0 ]; then
  echo "check-geodata-reproducible: $count files identical"
else
  echo "check-geodata-reproducible: differences found (regenerate with scripts/generate-geodata.sh)"
fi
exit "$status"
