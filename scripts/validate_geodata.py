#!/usr/bin/python3
"""Prints key statistics of the bundled SYNTHETIC Kunshan study and checks its invariants.

Usage: /usr/bin/python3 scripts/validate_geodata.py [DIR]   (DEFAULT: geodata/kunshan)
Exits 1 when an invariant is violated (each violation is printed with FAIL).
Reads the files as a user would (GDAL/OGR, osmium), not the generator's in-memory state.
"""
import math
import os
import subprocess
import sys
import warnings

import numpy as np
from osgeo import gdal, ogr, osr
from shapely import wkb
from shapely.geometry import LineString, Point, Polygon
from shapely.ops import unary_union
from shapely.strtree import STRtree
import shapely.vectorized

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate_kunshan as gen  # noqa: E402  (facts and coordinate helpers only)

warnings.filterwarnings("ignore")
gdal.UseExceptions()
ogr.UseExceptions()

failures = []


def check(ok, what):
    print("  %s %s" % ("ok  " if ok else "FAIL", what))
    if not ok:
        failures.append(what)


def to_work(g):
    return gen._transform_geom(g, gen.ll_to_work)


def read_layer(path, layer=None, options=None):
    ds = gdal.OpenEx(path, gdal.OF_VECTOR, open_options=options or [])
    lyr = ds.GetLayerByName(layer) if layer else ds.GetLayer(0)
    defn = lyr.GetLayerDefn()
    names = [defn.GetFieldDefn(i).GetName() for i in range(defn.GetFieldCount())]
    rows = []
    for f in lyr:
        g = f.GetGeometryRef()
        rows.append(({n: f.GetField(n) for n in names}, wkb.loads(bytes(g.ExportToWkb())) if g else None))
    srs = lyr.GetSpatialRef()
    auth = srs.GetAuthorityCode(None) if srs else None
    return rows, auth


def main(argv):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    d = os.path.abspath(argv[1]) if len(argv) > 1 else os.path.join(root, "geodata", "kunshan")
    outline = Polygon(gen.ll_to_work(gen.OUTLINE_LONLAT))
    print("validate_geodata: %s" % d)

    # --- towns
    print("towns.shp")
    towns, auth = read_layer(os.path.join(d, "towns.shp"))
    with open(os.path.join(d, "towns.cpg")) as f:
        check(f.read().strip() == "GBK", ".cpg says GBK")
    check(auth == "4490", "CRS EPSG:4490 (got %s)" % auth)
    expected = {t[0]: t[1] for t in gen.TOWNS}
    got = {r["code"]: r["name"] for r, _ in towns}
    check(got == expected, "11 units with the 2020 NBS codes and names read back: %s" % ", ".join(
        "%s %s" % kv for kv in sorted(got.items())))
    tpolys = {}
    for r, g in towns:
        tpolys[r["code"]] = to_work(g)
    check(all(g.geom_type == "Polygon" and g.is_valid for g in tpolys.values()), "each unit one valid polygon")
    union = unary_union(list(tpolys.values()))
    overlap = sum(g.area for g in tpolys.values()) - union.area
    gap = outline.difference(union).area
    outside = union.difference(outline).area
    print("  towns: overlap %.3f m², gap %.3f m², outside outline %.3f m², union %.2f km²" % (
        overlap, gap, outside, union.area / 1e6))
    check(abs(overlap) < 1.0 and gap < 1.0 and outside < 1.0, "towns tessellate the outline")

    # --- villages
    print("villages.gpkg")
    vill, auth = read_layer(os.path.join(d, "villages.gpkg"), "villages")
    check(auth == "4490", "CRS EPSG:4490")
    codes = [r["code"] for r, _ in vill]
    names = [r["name"] for r, _ in vill]
    n_urban = sum(r["urban"] for r, _ in vill)
    print("  villages %d (urban %d, rural %d)" % (len(vill), n_urban, len(vill) - n_urban))
    check(350 <= len(vill) <= 450, "380-420ish villages")
    check(len(set(codes)) == len(codes) and len(set(names)) == len(names), "codes and names unique")
    check(all(len(r["code"]) == 12 and r["code"].startswith(r["town_code"]) and r["town_name"] == expected[r["town_code"]]
              and r["urban"] in (0, 1) and r["name"].endswith("社区" if r["urban"] else "村") for r, _ in vill),
          "code = town code + 3 digits; town_name; urban 1/0 matches 社区/村")
    vpolys = [(r, to_work(g)) for r, g in vill]
    check(all(g.geom_type == "Polygon" and g.is_valid for _, g in vpolys), "each village one valid polygon")
    worst = 0.0
    for code, tp in tpolys.items():
        parts = [g for r, g in vpolys if r["town_code"] == code]
        u = unary_union(parts)
        ov = sum(g.area for g in parts) - u.area
        worst = max(worst, abs(ov), u.symmetric_difference(tp).area)
    print("  worst village tessellation error per town: %.3f m²" % worst)
    check(worst < 1.0, "villages tessellate their towns")

    # --- water
    print("water.geojson")
    water, auth = read_layer(os.path.join(d, "water.geojson"))
    kinds = [r["kind"] for r, _ in water]
    print("  lakes %d, canals %d: %s" % (kinds.count("lake"), kinds.count("canal"), ", ".join(r["name"] for r, _ in water)))
    wpolys = [to_work(g) for _, g in water]
    wunion = unary_union(wpolys)
    print("  water inside the outline: %.2f km²" % (wunion.intersection(outline).area / 1e6))
    check(kinds.count("canal") in range(3, 6) and kinds.count("lake") >= 10, "lakes and 3-5 canals")

    # --- population
    print("population.tif")
    ds = gdal.Open(os.path.join(d, "population.tif"))
    gt = ds.GetGeoTransform()
    srs = osr.SpatialReference(wkt=ds.GetProjection())
    check(srs.GetAuthorityCode(None) == "4549", "CRS EPSG:4549")
    check(gt[1] == 100 and gt[5] == -100 and gt[0] % 100 == 0 and gt[3] % 100 == 0, "100 m cells aligned to 100 m")
    descs = [ds.GetRasterBand(i).GetDescription() for i in (1, 2, 3)]
    check(descs == ["population", "age_0_14", "age_60_plus"], "band descriptions %s" % descs)
    check(ds.GetRasterBand(1).DataType == gdal.GDT_Float32, "Float32")
    check("DATETIME" not in (ds.GetMetadata() or {}) and "TIFFTAG_DATETIME" not in (ds.GetMetadata() or {}),
          "no TIFF DATETIME tag")
    pop, youth, eld = (ds.GetRasterBand(i).ReadAsArray().astype(np.float64) for i in (1, 2, 3))
    total = pop.sum()
    print("  total %.2f, 0-14 %.2f (%.3f %%), 60+ %.2f (%.3f %%), populated cells %d, max %.2f" % (
        total, youth.sum(), 100 * youth.sum() / total, eld.sum(), 100 * eld.sum() / total, (pop > 0).sum(), pop.max()))
    check(abs(total - gen.TOTAL_POPULATION) <= 0.001 * gen.TOTAL_POPULATION, "total 2,092,000 within 0.1 %")
    check(abs(youth.sum() / total - gen.SHARE_0_14) <= 0.001 * gen.SHARE_0_14, "0-14 share 15.29 % within 0.1 %")
    check(abs(eld.sum() / total - gen.SHARE_60_PLUS) <= 0.001 * gen.SHARE_60_PLUS, "60+ share 12.3 % within 0.1 %")
    check(85000 <= (pop > 0).sum() <= 93000, "85,000-93,000 populated cells")
    check(bool(np.all(youth + eld <= pop + 0.011)) and bool(np.all(youth >= 0)) and bool(np.all(eld >= 0)),
          "0 <= youth + elderly <= population in every cell")
    check(bool(np.all(np.abs(pop * 100 - np.round(pop * 100)) < 0.05)), "values rounded to 0.01")
    ny, nx = pop.shape
    X, Y = np.meshgrid(gt[0] + 100 * (np.arange(nx) + 0.5), gt[3] - 100 * (np.arange(ny) + 0.5))
    populated = pop > 0
    px, py = X[populated], Y[populated]
    out_outline = int((~shapely.vectorized.contains(outline, px, py)).sum())
    on_water = int(shapely.vectorized.contains(wunion, px, py).sum())
    in_village = np.zeros(len(px), dtype=bool)
    for _, g in vpolys:
        minx, miny, maxx, maxy = g.bounds
        sel = (px >= minx) & (px <= maxx) & (py >= miny) & (py <= maxy) & ~in_village
        if sel.any():
            in_village[sel] |= shapely.vectorized.contains(g, px[sel], py[sel])
    print("  populated cell centres: outside outline %d, on water %d, outside all villages %d" % (
        out_outline, on_water, int((~in_village).sum())))
    check(out_outline == 0 and on_water == 0 and in_village.all(), "populated cells inside outline and a village, not on water")
    town_pop = {}
    for code, tp in sorted(tpolys.items()):
        minx, miny, maxx, maxy = tp.bounds
        sel = (px >= minx) & (px <= maxx) & (py >= miny) & (py <= maxy)
        inside = np.zeros(len(px), dtype=bool)
        inside[sel] = shapely.vectorized.contains(tp, px[sel], py[sel])
        town_pop[code] = pop[populated][inside].sum()
    print("  per unit: " + ", ".join("%s %.0f" % (expected[c], v) for c, v in town_pop.items()))

    # --- facilities
    print("facilities")
    land = outline

    def bad_points(pts):
        return sum(1 for p in pts if not land.contains(p)), sum(1 for p in pts if wunion.contains(p))

    import csv
    with open(os.path.join(d, "venues.csv"), encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    check(list(rows[0].keys()) == ["编号", "名称", "类别", "容量", "经度", "纬度"], "venues.csv header")
    vpts = [Point(gen.ll_to_work([gen.gcj02_to_wgs84(float(r["经度"]), float(r["纬度"]))])[0]) for r in rows]
    check(all(r["类别"] in ("科普场馆", "科普教育基地") and 200 <= int(r["容量"]) <= 5000 for r in rows),
          "venue 类别 and 容量 200-5,000")
    o, w = bad_points(vpts)
    print("  venues %d: outside outline %d, in water %d (after GCJ-02 -> WGS84)" % (len(rows), o, w))
    check(o == 0 and w == 0, "venues inside the outline, not in water")
    schools, auth = read_layer(os.path.join(d, "schools.gpkg"), "schools")
    spts = [to_work(g) for _, g in schools]
    o, w = bad_points(spts)
    levels = {}
    for r, _ in schools:
        levels[r["level"]] = levels.get(r["level"], 0) + 1
    demo = sum(r["demo_school"] for r, _ in schools)
    print("  schools %d (%s), demo %d: outside outline %d, in water %d" % (len(schools), levels, demo, o, w))
    check(auth == "4490" and o == 0 and w == 0 and len({r["name"] for r, _ in schools}) == len(schools),
          "schools EPSG:4490, unique names, inside the outline, not in water")
    stations, auth = read_layer(os.path.join(d, "stations.geojson"))
    tpts = [to_work(g) for _, g in stations]
    o, w = bad_points(tpts)
    vmap = {r["code"]: (r, g) for r, g in vpolys}
    wrong_village = sum(1 for (r, _), p in zip(stations, tpts) if not vmap[r["village_code"]][1].contains(p))
    urban_with = {r["village_code"] for r, _ in stations if vmap[r["village_code"]][0]["urban"]}
    rural_with = {r["village_code"] for r, _ in stations if not vmap[r["village_code"]][0]["urban"]}
    n_rural = len(vill) - n_urban
    print("  stations %d: urban %d/%d (%.1f %%), rural %d/%d (%.1f %%); outside outline %d, in water %d, "
          "outside own village %d" % (len(stations), len(urban_with), n_urban, 100 * len(urban_with) / n_urban,
                                      len(rural_with), n_rural, 100 * len(rural_with) / n_rural, o, w, wrong_village))
    check(o == 0 and w == 0 and wrong_village == 0, "stations inside their village, not in water")

    # --- roads
    print("roads.osm.pbf")
    opl = subprocess.run(["osmium", "cat", "--no-progress", "-f", "opl", os.path.join(d, "roads.osm.pbf")],
                         check=True, capture_output=True, text=True).stdout
    nodes = {}
    ways = []
    for line in opl.splitlines():
        if line.startswith("n"):
            parts = line.split(" ")
            nid = int(parts[0][1:])
            x = float(next(p for p in parts if p.startswith("x"))[1:])
            y = float(next(p for p in parts if p.startswith("y"))[1:])
            nodes[nid] = (x, y)
        elif line.startswith("w"):
            parts = line.split(" ")
            tags = dict(kv.split("=", 1) for kv in next(p for p in parts if p.startswith("T"))[1:].split(",") if kv)
            refs = [int(r[1:]) for r in next(p for p in parts if p.startswith("N"))[1:].split(",")]
            ways.append((tags, refs))
    ids = sorted(nodes)
    work = dict(zip(ids, gen.ll_to_work([nodes[i] for i in ids])))
    hw = {}
    for tags, _ in ways:
        hw[tags["highway"]] = hw.get(tags["highway"], 0) + 1
    print("  nodes %d, ways %d: %s" % (len(nodes), len(ways), hw))
    check(ids == list(range(1, len(ids) + 1)), "sequential node ids")
    check(50000 <= len(nodes) <= 120000, "50,000-120,000 nodes")
    check(os.path.getsize(os.path.join(d, "roads.osm.pbf")) < 5e6, "PBF under 5 MB")
    lines = [LineString([work[r] for r in refs]) for _, refs in ways]
    wtree = STRtree(wpolys)
    crossing = 0
    bridges = 0
    for (tags, _), g in zip(ways, lines):
        if tags.get("bridge") == "yes":
            bridges += 1
            continue
        wet = sum(wpolys[i].intersection(g).length for i in wtree.query_items(g))
        if wet > 1.0:
            crossing += 1
    print("  bridge ways %d; other ways crossing water %d" % (bridges, crossing))
    check(crossing == 0, "roads cross water only on bridges")
    # Connectivity of the at-grade network (union-find over way node lists).
    parent = {}

    def find(a):
        while parent.setdefault(a, a) != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for _, refs in ways:
        for a, b in zip(refs[:-1], refs[1:]):
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[ra] = rb
    comp = {}
    for n in nodes:
        r = find(n)
        comp[r] = comp.get(r, 0) + 1
    biggest = max(comp.values())
    print("  connected components %d; largest holds %.1f %% of nodes" % (len(comp), 100 * biggest / len(nodes)))
    check(biggest / len(nodes) > 0.95, "largest component > 95 % of nodes")
    roads_buf = unary_union([g.buffer(300, 4) for g in lines])
    near = shapely.vectorized.contains(roads_buf, px, py)
    share_cells = near.mean()
    share_pop = pop[populated][near].sum() / total
    print("  populated cells with a road within 300 m: %.1f %% (%.1f %% of people)" % (100 * share_cells, 100 * share_pop))
    check(share_cells > 0.9, "most populated cells within 300 m of a road")

    if failures:
        print("validate_geodata: %d violation(s)" % len(failures))
        return 1
    print("validate_geodata: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
