#!/usr/bin/python3
"""Generates a SYNTHETIC study of any size for benchmarks and partitioned runs (docs/scale.md).

Usage:
  /usr/bin/python3 scripts/generate_scale.py --scale K [--out DIR]          K x the bundled Kunshan study
  /usr/bin/python3 scripts/generate_scale.py --region jiangsu-like [--out DIR]

  --scale K            K times the bundled study: about 88,000 K populated 100 m cells over 930 K km²,
                       11 K units, 521 K facilities, a road grid of about 76 nodes per km².
  --region jiangsu-like  a province-sized study: about 10 million populated cells over 100,000 km²,
                       13 cities and 95 counties as units, a road grid of about 4 million nodes,
                       20,000 facilities in three kinds.
  DEFAULT --out: build/geodata/scale-K or build/geodata/jiangsu-like (outside git).

Everything is made up: a square region in CGCS2000 / 3-degree Gauss-Kruger CM 120E (EPSG:4549),
population as Gaussian city and county-seat kernels over a rural floor with lakes, units as Voronoi
cells of jittered seeds, facilities drawn in proportion to population, and roads as a jittered grid
(every eighth line a 60 km/h arterial, the others 30 km/h streets) written as a GeoPackage line
layer whose lines share a vertex at every crossing. Deterministic: fixed numpy seeds, no clock,
fixed GeoPackage timestamps. Vectorised with numpy: the province takes about a minute.
Needs Debian's /usr/bin/python3 with python3-gdal, python3-numpy and python3-shapely.
"""
import argparse
import math
import os
import struct
import sys

import numpy as np
from osgeo import gdal, ogr, osr
from shapely.geometry import MultiPoint, Point, box
from shapely.ops import voronoi_diagram

gdal.UseExceptions()
ogr.UseExceptions()
osr.UseExceptions()
gdal.SetConfigOption("OGR_CURRENT_DATE", "2021-01-01T00:00:00Z")
gdal.SetConfigOption("GDAL_PAM_ENABLED", "NO")

EPSG = 4549
CELL_M = 100.0
CENTRE = (500_000.0, 3_650_000.0)  # about 120°E 33°N, inside EPSG:4549's area of use

# Bundled study: 88,000 populated cells over about 930 km², 11 units, 32 + 170 + 319 facilities,
# 2.09 million people, about 70,000 road nodes.
KUNSHAN = dict(area_km2=930.0, units=11, venues=32, schools=170, stations=319, population=2_092_000,
               road_spacing_m=115.0, cities=1)


def parameters(args):
    if args.region == "jiangsu-like":
        return dict(name="jiangsu-like", side_m=316_200.0, units=95, cities=13, venues=1_000, schools=7_000,
                    stations=12_000, population=85_000_000, road_spacing_m=158.0, seed=32)
    k = args.scale
    return dict(name=f"scale-{k:g}", side_m=math.sqrt(KUNSHAN["area_km2"] * k) * 1000.0,
                units=max(1, round(KUNSHAN["units"] * k)), cities=max(1, round(k)),
                venues=round(KUNSHAN["venues"] * k), schools=round(KUNSHAN["schools"] * k),
                stations=round(KUNSHAN["stations"] * k), population=KUNSHAN["population"] * k,
                road_spacing_m=KUNSHAN["road_spacing_m"], seed=1000 + int(k * 10))


def srs():
    s = osr.SpatialReference()
    s.ImportFromEPSG(EPSG)
    s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return s


def add_kernel(grid, x0, y0, cx, cy, sigma_m, peak):
    """Adds peak * exp(-r²/2σ²) on a window of 4σ around (cx, cy); grid rows run north to south."""
    rows, cols = grid.shape
    r = 4.0 * sigma_m
    c0 = max(0, int((cx - r - x0) / CELL_M)); c1 = min(cols, int((cx + r - x0) / CELL_M) + 1)
    r0 = max(0, int((y0 - (cy + r)) / CELL_M)); r1 = min(rows, int((y0 - (cy - r)) / CELL_M) + 1)
    if c0 >= c1 or r0 >= r1:
        return
    xs = x0 + (np.arange(c0, c1) + 0.5) * CELL_M - cx
    ys = y0 - (np.arange(r0, r1) + 0.5) * CELL_M - cy
    d2 = (ys[:, None] ** 2 + xs[None, :] ** 2).astype(np.float32)
    grid[r0:r1, c0:c1] += np.float32(peak) * np.exp(d2 * np.float32(-0.5 / sigma_m ** 2))


def population(p, rng, x0, y0, n):
    grid = np.zeros((n, n), dtype=np.float32)
    side = p["side_m"]
    # Cities: large kernels; county seats: small ones. Peaks are rescaled to the total below.
    cities = np.column_stack([x0 + rng.uniform(0.1, 0.9, p["cities"]) * side,
                              y0 - rng.uniform(0.1, 0.9, p["cities"]) * side])
    for cx, cy in cities:
        add_kernel(grid, x0, y0, cx, cy, rng.uniform(2500, 4500), rng.uniform(60, 120))
    seats = unit_seeds(p, rng, x0, y0)
    for cx, cy in seats:
        add_kernel(grid, x0, y0, cx, cy, rng.uniform(900, 1800), rng.uniform(15, 40))
    grid += np.float32(1.0)  # rural floor before scaling
    # Lakes: about one per 150 km², 0.5-2.5 km across; cells inside are unpopulated.
    n_lakes = max(1, int(side * side / 150e6))
    lx = x0 + rng.uniform(0, side, n_lakes); ly = y0 - rng.uniform(0, side, n_lakes)
    lr = rng.uniform(500, 2500, n_lakes)
    for cx, cy, r in zip(lx, ly, lr):
        c0 = max(0, int((cx - r - x0) / CELL_M)); c1 = min(n, int((cx + r - x0) / CELL_M) + 1)
        r0 = max(0, int((y0 - (cy + r)) / CELL_M)); r1 = min(n, int((y0 - (cy - r)) / CELL_M) + 1)
        if c0 >= c1 or r0 >= r1:
            continue
        xs = x0 + (np.arange(c0, c1) + 0.5) * CELL_M - cx
        ys = y0 - (np.arange(r0, r1) + 0.5) * CELL_M - cy
        inside = ys[:, None] ** 2 + xs[None, :] ** 2 < r * r
        grid[r0:r1, c0:c1][inside] = 0.0
    grid *= np.float32(p["population"] / float(grid.sum(dtype=np.float64)))
    grid = np.round(grid, 1)
    return grid, cities, seats


def unit_seeds(p, rng, x0, y0):
    """Jittered grid of unit seeds (so units have similar areas), deterministic for the seed."""
    m = math.ceil(math.sqrt(p["units"]))
    step = p["side_m"] / m
    idx = np.arange(m * m)
    pick = np.sort(np.random.default_rng(p["seed"] + 7).permutation(idx)[: p["units"]])
    gx = (pick % m + 0.5 + rng.uniform(-0.3, 0.3, len(pick))) * step
    gy = (pick // m + 0.5 + rng.uniform(-0.3, 0.3, len(pick))) * step
    return np.column_stack([x0 + gx, y0 - gy])


def write_population(path, grid, x0, y0):
    drv = gdal.GetDriverByName("GTiff")
    n = grid.shape[0]
    ds = drv.Create(path, n, n, 3, gdal.GDT_Float32,
                    options=["COMPRESS=DEFLATE", "PREDICTOR=3", "TILED=YES", "BLOCKXSIZE=512", "BLOCKYSIZE=512"])
    ds.SetGeoTransform((x0, CELL_M, 0.0, y0, 0.0, -CELL_M))
    ds.SetProjection(srs().ExportToWkt())
    for b, (share, name) in enumerate([(1.0, "population"), (0.15, "youth"), (0.12, "elderly")], start=1):
        band = ds.GetRasterBand(b)
        band.SetNoDataValue(0.0)
        band.SetDescription(name)
        band.WriteArray(grid if share == 1.0 else np.round(grid * np.float32(share), 2))
    ds = None


def write_units(path, p, seeds, cities, x0, y0):
    side = p["side_m"]
    region = box(x0, y0 - side, x0 + side, y0)
    cells = voronoi_diagram(MultiPoint([tuple(s) for s in seeds]), envelope=region)
    polys = []
    for s in seeds:
        pt = Point(s)
        poly = next(g for g in cells.geoms if g.contains(pt))
        polys.append(poly.intersection(region))
    city_of = np.argmin(((seeds[:, None, :] - cities[None, :, :]) ** 2).sum(axis=2), axis=1)
    drv = ogr.GetDriverByName("GPKG")
    if os.path.exists(path):
        drv.DeleteDataSource(path)
    ds = drv.CreateDataSource(path)
    lyr = ds.CreateLayer("units", srs(), ogr.wkbPolygon)
    for name, kind in [("code", ogr.OFTString), ("name", ogr.OFTString), ("city_code", ogr.OFTString),
                       ("city_name", ogr.OFTString)]:
        lyr.CreateField(ogr.FieldDefn(name, kind))
    lyr.StartTransaction()
    for i, poly in enumerate(polys):
        f = ogr.Feature(lyr.GetLayerDefn())
        c = int(city_of[i])
        f.SetField("code", f"32{c + 1:02d}{i + 1:03d}")
        f.SetField("name", f"县{i + 1}")
        f.SetField("city_code", f"{3200 + c + 1:d}")
        f.SetField("city_name", f"市{c + 1}")
        f.SetGeometry(ogr.CreateGeometryFromWkb(poly.wkb))
        lyr.CreateFeature(f)
    lyr.CommitTransaction()
    ds = None


def write_facilities(path, p, rng, grid, x0, y0):
    flat = grid.ravel().astype(np.float64)
    prob = flat / flat.sum()
    n = grid.shape[0]
    drv = ogr.GetDriverByName("GPKG")
    if os.path.exists(path):
        drv.DeleteDataSource(path)
    ds = drv.CreateDataSource(path)
    for kind in ("venue", "school", "station"):
        count = p[kind + "s"]
        idx = np.sort(rng.choice(flat.size, size=count, replace=True, p=prob))
        xs = x0 + (idx % n + rng.uniform(0.05, 0.95, count)) * CELL_M
        ys = y0 - (idx // n + rng.uniform(0.05, 0.95, count)) * CELL_M
        lyr = ds.CreateLayer(kind + "s", srs(), ogr.wkbPoint)
        lyr.CreateField(ogr.FieldDefn("id", ogr.OFTString))
        lyr.CreateField(ogr.FieldDefn("name", ogr.OFTString))
        lyr.StartTransaction()
        for i in range(count):
            f = ogr.Feature(lyr.GetLayerDefn())
            f.SetField("id", f"{kind[0].upper()}{i + 1:05d}")
            f.SetField("name", f"{kind} {i + 1}")
            f.SetGeometry(ogr.CreateGeometryFromWkb(struct.pack("<BIdd", 1, 1, float(xs[i]), float(ys[i]))))
            lyr.CreateFeature(f)
        lyr.CommitTransaction()
    ds = None


def write_roads(path, p, rng, x0, y0):
    """A jittered grid: node (r, c) is shared by row line r and column line c, so lines cross at a
    common vertex (the line reader joins lines there). Returns the number of grid nodes."""
    s = p["road_spacing_m"]
    m = int(p["side_m"] // s)
    jx = rng.uniform(-0.2, 0.2, (m, m)) * s
    jy = rng.uniform(-0.2, 0.2, (m, m)) * s
    base = (np.arange(m) + 0.5) * s
    nx = x0 + base[None, :] + jx
    ny = y0 - base[:, None] + jy
    drv = ogr.GetDriverByName("GPKG")
    if os.path.exists(path):
        drv.DeleteDataSource(path)
    ds = drv.CreateDataSource(path)
    lyr = ds.CreateLayer("roads", srs(), ogr.wkbLineString)
    lyr.CreateField(ogr.FieldDefn("highway", ogr.OFTString))
    lyr.CreateField(ogr.FieldDefn("maxspeed", ogr.OFTReal))
    lyr.StartTransaction()

    def add(xs, ys, major):
        coords = np.empty(2 * len(xs), dtype="<f8")
        coords[0::2] = xs
        coords[1::2] = ys
        wkb = struct.pack("<BII", 1, 2, len(xs)) + coords.tobytes()
        f = ogr.Feature(lyr.GetLayerDefn())
        f.SetField("highway", "primary" if major else "residential")
        f.SetField("maxspeed", 60.0 if major else 30.0)
        f.SetGeometry(ogr.CreateGeometryFromWkb(wkb))
        lyr.CreateFeature(f)

    for r in range(m):
        add(nx[r, :], ny[r, :], r % 8 == 4)
    for c in range(m):
        add(nx[:, c], ny[:, c], c % 8 == 4)
    lyr.CommitTransaction()
    ds = None
    return m * m


STUDY = """# SYNTHETIC {name} study made by scripts/generate_scale.py (see docs/scale.md).
[study]
name = "{name} (synthetic)"
working_crs = "EPSG:4549"

[units]
path = "units.gpkg"
layer = "units"
code_field = "code"
name_field = "name"

[population]
path = "population.tif"
band = 1
groups = {{ youth = 2, elderly = 3 }}

[[facilities]]
kind = "venue"
label = "科普场馆/科普教育基地"
path = "facilities.gpkg"
layer = "venues"
id_field = "id"
name_field = "name"

[[facilities]]
kind = "school"
label = "学校"
path = "facilities.gpkg"
layer = "schools"
id_field = "id"
name_field = "name"

[[facilities]]
kind = "station"
label = "社区/村科普站"
path = "facilities.gpkg"
layer = "stations"
id_field = "id"
name_field = "name"

[coverage]
methods = ["crowfly", "network"]
radius_m = 1000
minutes = 15
profiles = ["walk", "drive"]
# Service areas on a 50 m grid are drawings for a city map; at this size they are left out.
isochrones = false

[network]
path = "roads.gpkg"
layer = "roads"
class_field = "highway"
speed_field = "maxspeed"
max_snap_m = 500
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--scale", type=float, help="K times the bundled study")
    g.add_argument("--region", choices=["jiangsu-like"])
    ap.add_argument("--out", help="output folder. DEFAULT: build/geodata/<name>")
    args = ap.parse_args()
    if args.scale is not None and args.scale <= 0:
        ap.error("--scale must be positive")
    p = parameters(args)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = args.out or os.path.join(root, "build", "geodata", p["name"])
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(p["seed"])
    n = int(round(p["side_m"] / CELL_M))
    x0 = CENTRE[0] - n * CELL_M / 2
    y0 = CENTRE[1] + n * CELL_M / 2
    grid, cities, seats = population(p, rng, x0, y0, n)
    write_population(os.path.join(out, "population.tif"), grid, x0, y0)
    write_units(os.path.join(out, "units.gpkg"), p, seats, cities, x0, y0)
    write_facilities(os.path.join(out, "facilities.gpkg"), p, rng, grid, x0, y0)
    nodes = write_roads(os.path.join(out, "roads.gpkg"), p, rng, x0, y0)
    with open(os.path.join(out, "study.toml"), "w", encoding="utf-8") as f:
        f.write(STUDY.format(name=p["name"]))
    populated = int(np.count_nonzero(grid > 0))
    print(f"{out}: {populated:,} populated cells of {n * n:,} ({n * CELL_M / 1000:.1f} km square), "
          f"{p['units']} units in {p['cities']} cities, {p['venues'] + p['schools'] + p['stations']:,} facilities, "
          f"{nodes:,} road grid nodes, population {float(grid.sum(dtype=np.float64)):,.0f}")


if __name__ == "__main__":
    sys.exit(main())
