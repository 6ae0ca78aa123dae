#!/usr/bin/python3
"""Runs a study as partitions of its units on a Dask cluster, then merges them (docs/scale.md).

Usage:
  /usr/bin/python3 scripts/run-partitioned.py STUDY.toml --out DIR
      [--partitions N | --group-by FIELD] [--halo-m M] [--scheduler tcp://HOST:8786 | --workers N]
      [--kepu15 PATH] [--threads T] [--keep] [-- RUN OPTIONS...]

Each partition is one `kepu15 run STUDY --partition CODES --halo-m M --no-isochrones` process on a
Dask worker, writing into DIR.parts/pNNN; then `kepu15 merge DIR DIR.parts/p*` writes the whole
study's outputs into DIR (equal to one whole run without service areas). The first partition
writes roads.geojson (the map background, which the merge copies) and so reads the whole road
network; the others run with --no-roads and read only the roads within their cells' box widened by
the halo, and write only the partition file the merge reads (--partition-file-only). Partitions:
  DEFAULT          one partition per unit (county, 区镇)
  --partitions N   the units, sorted by code, in N groups of consecutive codes
  --group-by FIELD one partition per value of a field of the units layer (e.g. city_code)
--halo-m DEFAULT: horizon minutes (--horizon or the study's horizon_minutes, 60) x --fastest-kmh
(DEFAULT: 120 km/h, the fastest drive speed kepu15 reads from maxspeed tags; give the fastest speed of
the study's roads when it is known to be lower, for a narrower halo). Without --scheduler a dask.distributed LocalCluster with
--workers processes (DEFAULT: the number of cores) runs here; with --scheduler any Dask cluster whose
workers see the same paths (shared file system) and have kepu15 at --kepu15 runs the partitions.
Options after `--` go to every `kepu15 run` (e.g. -- --methods crowfly --profiles walk,drive).
Needs Debian's /usr/bin/python3 with python3-distributed and python3-gdal.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib

from osgeo import ogr

ogr.UseExceptions()


def units_of(study_path):
    """(code, group value or None) of every unit, read with OGR as kepu15 reads them."""
    with open(study_path, "rb") as f:
        study = tomllib.load(f)
    units = study["units"]
    path = os.path.join(os.path.dirname(os.path.abspath(study_path)), units["path"])
    ds = ogr.Open(path)
    if ds is None:
        raise SystemExit(f"{path}: cannot open the units layer")
    layer = ds.GetLayerByName(units["layer"]) if units.get("layer") else ds.GetLayer(0)
    code_field = units.get("code_field", "code")
    rows = [f for f in layer]
    return study, [(str(f.GetField(code_field)), f) for f in rows]


def partitions(units, args):
    if args.group_by:
        groups = {}
        for code, f in units:
            groups.setdefault(str(f.GetField(args.group_by)), []).append(code)
        return [sorted(v) for _, v in sorted(groups.items())]
    codes = sorted(code for code, _ in units)
    if args.partitions:
        n = min(args.partitions, len(codes))
        return [codes[i * len(codes) // n:(i + 1) * len(codes) // n] for i in range(n)]
    return [[c] for c in codes]


def run_measured(cmd, stdout=subprocess.DEVNULL):
    """Runs cmd; returns (exit code, wall s, CPU s (user + system), peak RSS in MB, stderr tail)."""
    start = time.monotonic()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=stdout, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own peak memory and CPU time
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.monotonic() - start
        err.seek(0)
        tail = err.read()[-2000:].decode("utf-8", "replace")
    return proc.returncode, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0, tail


def run_partition(kepu15, study, out, codes, halo_m, threads, roads, extra):
    """One partition (runs on a Dask worker): run_measured's figures."""
    cmd = [kepu15, "run", study, "--out", out, "--no-access", "--partition", ",".join(codes), "--halo-m", f"{halo_m:.0f}",
           "--no-isochrones", "--threads", str(threads), "--quiet"] + ([] if roads else ["--no-roads", "--partition-file-only"]) + list(extra)
    return run_measured(cmd)


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("study")
    ap.add_argument("--out", required=True)
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--partitions", type=int)
    g.add_argument("--group-by")
    ap.add_argument("--halo-m", type=float)
    ap.add_argument("--fastest-kmh", type=float, default=120.0,
                    help="fastest speed of any trip, for the DEFAULT halo. DEFAULT: 120 (expressways)")
    c = ap.add_mutually_exclusive_group()
    c.add_argument("--scheduler", help="address of a running Dask scheduler (tcp://host:8786)")
    c.add_argument("--workers", type=int, default=os.cpu_count(), help="LocalCluster processes")
    ap.add_argument("--kepu15", default=os.path.join(root, "build", "release", "kepu15"))
    ap.add_argument("--threads", type=int, default=1, help="threads per kepu15 process. DEFAULT: 1")
    ap.add_argument("--keep", action="store_true", help="keep the partition folders DIR.parts")
    args, extra = ap.parse_known_args()
    extra = [a for a in extra if a != "--"]
    study = os.path.abspath(args.study)
    kepu15 = os.path.abspath(args.kepu15)
    out = os.path.abspath(args.out)

    toml, units = units_of(study)
    horizon = float(toml.get("coverage", {}).get("horizon_minutes", 60))
    if "--horizon" in extra:
        horizon = float(extra[extra.index("--horizon") + 1])
    halo_m = args.halo_m if args.halo_m is not None else horizon / 60.0 * args.fastest_kmh * 1000.0
    parts = partitions(units, args)
    work = out + ".parts"
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    dirs = [os.path.join(work, f"p{i:03d}") for i in range(len(parts))]

    from dask.distributed import Client, LocalCluster
    cluster = None
    if args.scheduler:
        client = Client(args.scheduler)
    else:
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    print(f"{len(parts)} partitions of {len(units)} units, halo {halo_m:,.0f} m, on {client.scheduler.address}",
          flush=True)
    start = time.monotonic()
    try:
        # The first partition reads the whole network for roads.geojson: the longest, so it starts first.
        futures = [client.submit(run_partition, kepu15, study, d, codes, halo_m, args.threads, i == 0, extra,
                                 key=f"kepu15-{os.path.basename(d)}", pure=False, priority=len(parts) - i)
                   for i, (d, codes) in enumerate(zip(dirs, parts))]
        results = client.gather(futures)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    failed = False
    for d, codes, (rc, wall, cpu, rss_mb, err) in zip(dirs, parts, results):
        print(f"  {os.path.basename(d)}: {len(codes)} units, {wall:.1f} s, CPU {cpu:.1f} s, peak {rss_mb:,.0f} MB"
              + ("" if rc == 0 else f", exit {rc}"))
        if rc != 0:
            sys.stderr.write(err)
            failed = True
    if failed:
        return 3
    wall_parts = time.monotonic() - start
    walls = sorted(r[1] for r in results)
    cpus = sorted(r[2] for r in results)
    print(f"partitions: {wall_parts:.1f} s wall for {len(parts)}; each {walls[len(walls) // 2]:.1f} s median wall "
          f"(max {walls[-1]:.1f}), CPU {cpus[len(cpus) // 2]:.1f} s median (sum {sum(cpus):.0f} s), peak "
          f"{max(r[3] for r in results):,.0f} MB (first partition, whole network: {results[0][3]:,.0f} MB; others "
          f"at most {max([r[3] for r in results[1:]] or [0]):,.0f} MB)", flush=True)
    rc, wall, cpu, rss_mb, err = run_measured([kepu15, "merge", out] + dirs, stdout=None)
    sys.stderr.write(err)
    if rc != 0:
        return rc
    print(f"merge: {wall:.1f} s wall, CPU {cpu:.1f} s, peak {rss_mb:,.0f} MB; in all {time.monotonic() - start:.1f} s")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
