#!/usr/bin/python3
"""CLI-level mutation testing: runs `kepu15 run` on mutated copies of a small study (crow-fly and a
line-layer network) and fails on exit code 1 (internal error), a signal, a sanitizer report, an
undocumented exit code, partial output after a failure, or output text that is not valid UTF-8 / JSON.

Usage: /usr/bin/python3 scripts/mutate_cli.py [--runs N] [--seed S] [--binary PATH]
Failing cases are kept in build/mutate-failures/<run>/ with the command and its stderr.
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASES = os.path.join(ROOT, "tests", "e2e", "cases")
DOCUMENTED = {0, 2, 3, 4, 5, 6, 7, 8}

STUDY = """[study]
name = "mutation base"
working_crs = "EPSG:4549"

[units]
path = "towns.geojson"

[population]
path = "population.asc"
crs = "EPSG:4549"

[[facilities]]
kind = "station"
path = "stations.csv"
crs = "EPSG:4549"
id_field = "id"
name_field = "name"

[coverage]
methods = ["crowfly", "network"]
profiles = ["walk", "drive"]
radius_m = 150
minutes = 5
isochrone_minutes = [2, 5]
isochrone_cell_m = 25

[network]
path = "roads.geojson"
speed_field = "speed"
oneway_field = "oneway"
max_snap_m = 500
"""

NUMBERS = ["nan", "inf", "-inf", "-1", "0", "1e300", "1e-300", "0.5", "1.9", "1e20", "-0", "3e38", "2147483648"]
TEXT = ["", "KLINGON", "EPSG:4326", "EPSG:2263", "\xff\xfe", "../..", "walk", "科普", "GBK", "UTF-8"]
BYTES = [b"\xff", b"\xc0\xaf", b"\xbf\xc6\xc6\xd5", b"\x00", b",", b"\n", b'"', b"nan", b"95", b"-", b"{", b"]"]


def base_files(tmp):
    shutil.copy(os.path.join(CASES, "tiny_crowfly", "towns.geojson"), tmp)
    shutil.copy(os.path.join(CASES, "tiny_crowfly", "population.asc"), tmp)
    shutil.copy(os.path.join(CASES, "tiny_crowfly", "stations.csv"), tmp)
    shutil.copy(os.path.join(CASES, "tiny_network", "roads.geojson"), tmp)
    with open(os.path.join(tmp, "study.toml"), "w", encoding="utf-8") as f:
        f.write(STUDY)


def mutate_study(rng, data):
    text = data.decode("utf-8", "surrogateescape")
    lines = text.split("\n")
    i = rng.randrange(len(lines))
    op = rng.randrange(5)
    line = lines[i]
    if op == 0 and "=" in line:  # a value replaced by a hostile number
        key = line.split("=", 1)[0]
        lines[i] = key + "= " + rng.choice(NUMBERS)
    elif op == 1 and "=" in line:  # a value replaced by hostile text
        key = line.split("=", 1)[0]
        lines[i] = key + '= "' + rng.choice(TEXT) + '"'
    elif op == 2:
        del lines[i]
    elif op == 3:
        lines.insert(i, line)
    else:
        lines[i] = line.replace('"walk"', '"walk", "walk"') if '"walk"' in line else line + " x"
    return "\n".join(lines).encode("utf-8", "surrogateescape")


def mutate_bytes(rng, data):
    op = rng.randrange(5)
    if not data:
        return rng.choice(BYTES)
    pos = rng.randrange(len(data))
    if op == 0:
        return data[:pos] + rng.choice(BYTES) + data[pos:]
    if op == 1:
        return data[:pos] + bytes([rng.randrange(256)]) + data[pos + 1:]
    if op == 2:
        return data[:pos]
    if op == 3:  # a number replaced by a hostile one
        digits = [k for k in range(len(data)) if chr(data[k]).isdigit()]
        if digits:
            k = rng.choice(digits)
            end = k
            while end < len(data) and (chr(data[end]).isdigit() or data[end] in b".e-"):
                end += 1
            return data[:k] + rng.choice(NUMBERS).encode() + data[end:]
        return data
    line_start = data.rfind(b"\n", 0, pos) + 1
    line_end = data.find(b"\n", pos)
    line_end = len(data) if line_end < 0 else line_end + 1
    return data[:line_end] + data[line_start:line_end] + data[line_end:]  # a duplicated line


def valid_output(out):
    for dirpath, _, files in os.walk(out):
        for name in files:
            path = os.path.join(dirpath, name)
            if name.endswith((".geojson", ".json", ".csv")):
                with open(path, "rb") as f:
                    raw = f.read()
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError as e:
                    return f"{name}: not valid UTF-8 ({e})"
                if name.endswith((".geojson", ".json")):
                    try:
                        json.loads(text)
                    except ValueError as e:
                        return f"{name}: not valid JSON ({e})"
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--binary", default=os.path.join(ROOT, "build", "release", "kepu15"))
    args = ap.parse_args()
    if not os.path.exists(args.binary):
        print(f"mutate: {args.binary} not built", file=sys.stderr)
        return 2
    rng = random.Random(args.seed)
    failures = 0
    codes = {}
    for run in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="kepu15-mutate-") as tmp:
            base_files(tmp)
            applied = []
            for _ in range(rng.randint(1, 3)):
                target = rng.choice(["study.toml", "stations.csv", "roads.geojson", "population.asc", "towns.geojson"])
                path = os.path.join(tmp, target)
                with open(path, "rb") as f:
                    data = f.read()
                data = mutate_study(rng, data) if target == "study.toml" else mutate_bytes(rng, data)
                with open(path, "wb") as f:
                    f.write(data)
                applied.append(target)
            out = os.path.join(tmp, "out")
            cmd = [args.binary, "run", os.path.join(tmp, "study.toml"), "--out", out, "--threads", "1"]
            try:
                p = subprocess.run(cmd, capture_output=True, timeout=120)
                code, err = p.returncode, p.stderr.decode("utf-8", "replace")
            except subprocess.TimeoutExpired:
                code, err = None, "timeout after 120 s"
            codes[code] = codes.get(code, 0) + 1
            problem = None
            if code is None:
                problem = err
            elif code < 0:
                problem = f"killed by signal {-code}"
            elif code not in DOCUMENTED:
                problem = f"exit code {code} (1 = internal error)"
            elif "runtime error:" in err or "Sanitizer" in err or "internal error" in err:
                problem = "sanitizer report or internal error"
            elif code == 0:
                problem = valid_output(out)
            elif os.path.exists(out) and any(files for _, _, files in os.walk(out)):
                problem = "partial output after a failure"
            if problem:
                failures += 1
                keep = os.path.join(ROOT, "build", "mutate-failures", str(run))
                shutil.rmtree(keep, ignore_errors=True)
                shutil.copytree(tmp, keep, ignore=shutil.ignore_patterns("out"))
                with open(os.path.join(keep, "FAILURE.txt"), "w", encoding="utf-8") as f:
                    f.write(f"{problem}\nmutated: {applied}\ncommand: {' '.join(cmd)}\nstderr:\n{err}\n")
                print(f"mutate: run {run}: {problem} (mutated {applied}); kept in {keep}", file=sys.stderr)
    summary = ", ".join(f"exit {k}: {v}" for k, v in sorted(codes.items(), key=lambda kv: str(kv[0])))
    print(f"mutate: {args.runs} runs (seed {args.seed}): {summary}; {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
