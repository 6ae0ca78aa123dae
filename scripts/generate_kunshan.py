#!/usr/bin/python3
"""Generates the SYNTHETIC Kunshan study bundled in geodata/kunshan.

Usage: /usr/bin/python3 scripts/generate_kunshan.py [OUTDIR]   (DEFAULT: geodata/kunshan)

Every file is made up. The script only imitates Kunshan's outline, towns, water, density and census
totals, using the public facts collected in the project's facts sheet (kunshan-facts.md: coarse
outline, 2020 NBS unit codes, town seats, lakes, 7th-census totals and age shares). Those facts are
embedded below; the script reads no input file at all.

Deterministic: every random draw comes from numpy.random.default_rng with a fixed seed, no clock is
read, GeoPackage timestamps come from OGR_CURRENT_DATE, the Shapefile DBF date is fixed, and output
features are sorted. scripts/check-geodata-reproducible.sh checks that a rerun is byte-identical.
Needs Debian's /usr/bin/python3 with python3-gdal, python3-numpy, python3-shapely and osmium-tool.
"""
import math
import os
import shutil
import subprocess
import sys
import tempfile
import warnings

import numpy as np
from osgeo import gdal, ogr, osr
from shapely.geometry import LineString, MultiPoint, Point, Polygon, mapping
from shapely.ops import substring, unary_union, voronoi_diagram
from shapely.strtree import STRtree
import shapely.vectorized

warnings.filterwarnings("ignore")  # shapely 1.8 STRtree deprecation notices
gdal.UseExceptions()
ogr.UseExceptions()
osr.UseExceptions()
FIXED_DATE = "2021-01-01T00:00:00Z"
gdal.SetConfigOption("OGR_CURRENT_DATE", FIXED_DATE)
gdal.SetConfigOption("GDAL_PAM_ENABLED", "NO")  # no .aux.xml side files

# ---------------------------------------------------------------------------------------------
# Facts (kunshan-facts.md). Coarse outline, WGS84, 33 vertices (~1 km simplification).
OUTLINE_LONLAT = [
    (120.812, 31.176), (120.897, 31.229), (120.842, 31.366), (120.815, 31.372), (120.823, 31.446),
    (120.803, 31.516), (120.845, 31.523), (120.860, 31.507), (120.895, 31.543), (120.892, 31.530),
    (120.913, 31.520), (120.933, 31.532), (120.954, 31.500), (121.011, 31.498), (121.019, 31.438),
    (121.088, 31.433), (121.081, 31.397), (121.104, 31.352), (121.126, 31.346), (121.125, 31.304),
    (121.139, 31.312), (121.157, 31.286), (121.116, 31.289), (121.101, 31.275), (121.084, 31.294),
    (121.078, 31.273), (121.059, 31.270), (121.072, 31.160), (121.041, 31.156), (121.036, 31.140),
    (120.877, 31.137), (120.853, 31.106), (120.811, 31.134),
]
# 2020 NBS vintage: code, name, short name, seat lon, seat lat.
TOWNS = [
    ("320583100", "玉山镇", "玉山", 120.954, 31.384),
    ("320583101", "巴城镇", "巴城", 120.880, 31.455),
    ("320583102", "周市镇", "周市", 120.995, 31.455),
    ("320583103", "陆家镇", "陆家", 121.045, 31.315),
    ("320583104", "花桥镇", "花桥", 121.100, 31.298),
    ("320583105", "淀山湖镇", "淀山湖", 120.985, 31.170),
    ("320583106", "张浦镇", "张浦", 120.950, 31.280),
    ("320583107", "周庄镇", "周庄", 120.848, 31.117),
    ("320583108", "千灯镇", "千灯", 121.005, 31.255),
    ("320583109", "锦溪镇", "锦溪", 120.905, 31.180),
    ("320583400", "开发区", "开发区", 121.020, 31.370),
]
TOTAL_POPULATION = 2_092_000   # 7th census (2020) resident population, 209.2万
SHARE_0_14 = 0.1529            # 7th census share aged 0-14
SHARE_60_PLUS = 0.123          # 7th census share aged 60+

# Synthetic modelling choices (not facts): resident population per unit, urban share, urban
# kernel width (m), street-grid radius (m) and spacing (m), urban/rural village counts.
TOWN_MODEL = {
    "玉山": dict(pop=820_000, urban=0.93, sigma=2000, grid_r=4500, grid_s=200, n_urban=70, n_rural=10),
    "开发区": dict(pop=330_000, urban=0.92, sigma=1800, grid_r=3500, grid_s=220, n_urban=45, n_rural=8),
    "花桥": dict(pop=210_000, urban=0.90, sigma=1300, grid_r=2600, grid_s=220, n_urban=25, n_rural=10),
    "周市": dict(pop=170_000, urban=0.80, sigma=1100, grid_r=2000, grid_s=240, n_urban=15, n_rural=20),
    "陆家": dict(pop=110_000, urban=0.80, sigma=1000, grid_r=1700, grid_s=240, n_urban=12, n_rural=10),
    "张浦": dict(pop=150_000, urban=0.75, sigma=1000, grid_r=1800, grid_s=250, n_urban=10, n_rural=28),
    "千灯": dict(pop=100_000, urban=0.70, sigma=900, grid_r=1500, grid_s=250, n_urban=8, n_rural=22),
    "巴城": dict(pop=100_000, urban=0.65, sigma=900, grid_r=1500, grid_s=250, n_urban=8, n_rural=30),
    "淀山湖": dict(pop=45_000, urban=0.60, sigma=700, grid_r=1100, grid_s=250, n_urban=5, n_rural=15),
    "锦溪": dict(pop=35_000, urban=0.55, sigma=700, grid_r=1100, grid_s=230, n_urban=4, n_rural=20),
    "周庄": dict(pop=22_000, urban=0.50, sigma=600, grid_r=1000, grid_s=230, n_urban=3, n_rural=18),
}
NEW_URBAN_AREAS = {"开发区", "花桥"}  # younger population in the urban parts

SEED = 2021
CELL_M = 100.0
WORK_EPSG = 4549

# ---------------------------------------------------------------------------------------------
# Coordinate systems. Traditional GIS order: x = lon / easting, y = lat / northing.


def _srs(epsg):
    s = osr.SpatialReference()
    s.ImportFromEPSG(epsg)
    s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return s


SRS_WGS84 = _srs(4326)
SRS_CGCS2000 = _srs(4490)
SRS_WORK = _srs(WORK_EPSG)
_LL_TO_WORK = osr.CoordinateTransformation(SRS_WGS84, SRS_WORK)
_WORK_TO_LL = osr.CoordinateTransformation(SRS_WORK, SRS_WGS84)


def ll_to_work(points):
    return [(p[0], p[1]) for p in _LL_TO_WORK.TransformPoints([(float(x), float(y)) for x, y in points])]


def work_to_ll(points):
    return [(p[0], p[1]) for p in _WORK_TO_LL.TransformPoints([(float(x), float(y)) for x, y in points])]


def _transform_geom(geom, fn):
    if geom.geom_type == "Polygon":
        return Polygon(fn(geom.exterior.coords), [fn(r.coords) for r in geom.interiors])
    if geom.geom_type == "LineString":
        return LineString(fn(geom.coords))
    if geom.geom_type == "Point":
        return Point(fn(geom.coords)[0])
    raise ValueError(geom.geom_type)


def geom_to_ll(geom):
    return _transform_geom(geom, work_to_ll)


# WGS84 -> GCJ-02, the published (leaked) Krasovsky-ellipsoid formula used by Chinese web maps.
_GCJ_A = 6378245.0
_GCJ_EE = 0.00669342162296594323


def _gcj_dlat(x, y):
    r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    r += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return r


def _gcj_dlon(x, y):
    r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    r += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return r


def wgs84_to_gcj02(lon, lat):
    dlat = _gcj_dlat(lon - 105.0, lat - 35.0)
    dlon = _gcj_dlon(lon - 105.0, lat - 35.0)
    radlat = lat / 180.0 * math.pi
    magic = 1 - _GCJ_EE * math.sin(radlat) ** 2
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_GCJ_A * (1 - _GCJ_EE)) / (magic * sqrtmagic) * math.pi)
    dlon = (dlon * 180.0) / (_GCJ_A / sqrtmagic * math.cos(radlat) * math.pi)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon, lat):
    """Inverse by fixed-point iteration (converges to < 1e-9 degrees here)."""
    wlon, wlat = lon, lat
    for _ in range(30):
        glon, glat = wgs84_to_gcj02(wlon, wlat)
        wlon, wlat = wlon - (glon - lon), wlat - (glat - lat)
    return wlon, wlat


# ---------------------------------------------------------------------------------------------
# Geometry helpers (all in EPSG:4549 metres).


def blob(rng, cx, cy, a, b, rot_deg, rough=0.12, n=96):
    """An irregular lake-like ellipse."""
    t = np.linspace(0.0, 2.0 * math.pi, n, endpoint=False)
    r = np.ones(n)
    for k in range(2, 7):
        r += rough / (k - 1) * rng.normal() * np.cos(k * t + rng.uniform(0, 2 * math.pi))
    x, y = a * r * np.cos(t), b * r * np.sin(t)
    c, s = math.cos(math.radians(rot_deg)), math.sin(math.radians(rot_deg))
    return Polygon(list(zip(cx + c * x - s * y, cy + s * x + c * y))).buffer(0)


def densify(coords, step):
    out = [tuple(coords[0])]
    for (x0, y0), (x1, y1) in zip(coords[:-1], coords[1:]):
        n = max(1, int(math.ceil(math.hypot(x1 - x0, y1 - y0) / step)))
        for i in range(1, n + 1):
            out.append((x0 + (x1 - x0) * i / n, y0 + (y1 - y0) * i / n))
    return out


def wobble(rng, coords, amp, step, wavelength):
    """Densifies a polyline and displaces interior vertices sideways by a smooth random wave."""
    pts = np.array(densify(coords, step))
    if len(pts) < 3 or amp <= 0:
        return [tuple(p) for p in pts]
    seg = np.diff(pts, axis=0)
    dist = np.concatenate([[0.0], np.cumsum(np.hypot(seg[:, 0], seg[:, 1]))])
    tang = np.gradient(pts, axis=0)
    norm = np.stack([-tang[:, 1], tang[:, 0]], axis=1)
    norm /= np.maximum(np.hypot(norm[:, 0], norm[:, 1]), 1e-9)[:, None]
    off = np.zeros(len(pts))
    for k in (1.0, 2.3):
        off += amp / k * np.sin(2 * math.pi * dist * k / wavelength + rng.uniform(0, 2 * math.pi))
    off *= np.sin(math.pi * dist / dist[-1])  # ends stay put
    pts = pts + norm * off[:, None]
    return [tuple(p) for p in pts]


def bezier(a, b, offset, step=50.0):
    ax, ay = a
    bx, by = b
    mx, my = (ax + bx) / 2, (ay + by) / 2
    length = math.hypot(bx - ax, by - ay)
    nx, ny = -(by - ay) / length, (bx - ax) / length
    cx, cy = mx + nx * offset * 2, my + ny * offset * 2  # the curve passes `offset` from the chord
    n = max(2, int(length / step))
    t = np.linspace(0, 1, n + 1)
    x = (1 - t) ** 2 * ax + 2 * (1 - t) * t * cx + t ** 2 * bx
    y = (1 - t) ** 2 * ay + 2 * (1 - t) * t * cy + t ** 2 * by
    return list(zip(x, y))


def offset_coords(coords, d):
    """Offsets a polyline to the left by d metres (negative: right), keeping its direction."""
    pts = np.array(coords)
    tang = np.gradient(pts, axis=0)
    norm = np.stack([-tang[:, 1], tang[:, 0]], axis=1)
    norm /= np.maximum(np.hypot(norm[:, 0], norm[:, 1]), 1e-9)[:, None]
    return [tuple(p) for p in pts + norm * d]


def polygon_parts(g):
    if g.is_empty:
        return []
    if g.geom_type == "Polygon":
        return [g]
    return [p for p in getattr(g, "geoms", []) if p.geom_type == "Polygon"]


def line_parts(g):
    if g.is_empty:
        return []
    if g.geom_type == "LineString":
        return [g]
    out = []
    for p in getattr(g, "geoms", []):
        out.extend(line_parts(p))
    return out


def clean_polygon(g):
    """Largest polygon of g without holes smaller than 1 m^2 (overlay noise)."""
    parts = sorted(polygon_parts(g.buffer(0)), key=lambda p: -p.area)
    p = parts[0]
    return Polygon(p.exterior.coords, [r.coords for r in p.interiors if Polygon(r).area > 1.0])


def tessellate(seeds, region):
    """Voronoi cells of seeds (dict key -> (x, y)) clipped to region. Cells that fall apart keep
    the piece holding their seed; other pieces join the neighbour sharing the longest border, so
    the cells stay single polygons that tile the region."""
    keys = sorted(seeds)
    # Far dummy seeds bound the diagram (shapely 1.8's envelope argument crashes with GEOS 3.11).
    cx, cy = region.centroid.x, region.centroid.y
    far = [(cx - 2e5, cy - 2e5), (cx + 2e5, cy - 2e5), (cx + 2e5, cy + 2e5), (cx - 2e5, cy + 2e5)]
    vor = voronoi_diagram(MultiPoint([seeds[k] for k in keys] + far))
    cells = {}
    for poly in vor.geoms:
        for k in keys:
            if k not in cells and poly.contains(Point(seeds[k])):
                cells[k] = poly.intersection(region)
                break
    assert len(cells) == len(keys), "voronoi cell without seed"
    for _ in range(10):
        orphans = []
        for k in keys:
            parts = polygon_parts(cells[k])
            if len(parts) > 1:
                seed = Point(seeds[k])
                main = [p for p in parts if p.buffer(1e-6).contains(seed)] or [max(parts, key=lambda p: p.area)]
                cells[k] = main[0]
                orphans.extend(p for p in parts if p is not main[0] and p.area > 1e-6)
        if not orphans:
            break
        for piece in orphans:
            probe = piece.buffer(0.5)
            best = max((k for k in keys), key=lambda k: (probe.intersection(cells[k]).area, k))
            cells[best] = clean_polygon(unary_union([cells[best], piece]).buffer(0))
    for k in keys:
        cells[k] = clean_polygon(cells[k])
    return cells


# ---------------------------------------------------------------------------------------------
# Synthetic place names.
NAME_FIRST = list("东西南北新金银江湖河港泾浦塘桥庄中前后上下大小长青红白绿石墩湾田园丰华")
NAME_SECOND = list("阳华丰安兴盛星湾溪泾浦港桥塘园林村庄圩浜里巷港荡墩旺福乐和平泰康宁祥瑞荣昌隆建")
NAME_CITY = list("苑城府庭园湾邸景悦汇嘉锦")


def village_names(rng, n_urban, n_rural, used):
    out = []
    for urban in [True] * n_urban + [False] * n_rural:
        while True:
            if urban and rng.uniform() < 0.35:
                nm = rng.choice(NAME_FIRST) + rng.choice(NAME_SECOND) + rng.choice(NAME_CITY) + "社区"
            else:
                nm = rng.choice(NAME_FIRST) + rng.choice(NAME_SECOND) + ("社区" if urban else "村")
            core = nm[:-2] if nm.endswith("社区") else nm[:-1]
            if nm not in used and len(set(core)) == len(core):
                used.add(nm)
                out.append(nm)
                break
    return out


# ---------------------------------------------------------------------------------------------
# Writers.


def remove_outputs(path):
    base, _ = os.path.splitext(path)
    for ext in ("", ".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix", ".aux.xml"):
        for p in (base + ext, path + ext if ext == ".aux.xml" else None):
            if p and os.path.exists(p):
                os.remove(p)
    if os.path.exists(path):
        os.remove(path)


def ogr_write(path, driver, layer_name, srs, geom_type, fields, rows, lco=()):
    """rows: list of (dict of field values, shapely geometry in lon/lat)."""
    remove_outputs(path)
    ds = ogr.GetDriverByName(driver).CreateDataSource(path)
    lyr = ds.CreateLayer(layer_name, srs, geom_type, list(lco))
    for name, ftype, width in fields:
        fd = ogr.FieldDefn(name, ftype)
        if width:
            fd.SetWidth(width)
        lyr.CreateField(fd)
    defn = lyr.GetLayerDefn()
    lyr.StartTransaction()
    for values, geom in rows:
        f = ogr.Feature(defn)
        for name, _, _ in fields:
            f.SetField(name, values[name])
        f.SetGeometry(ogr.CreateGeometryFromWkb(geom.wkb))
        lyr.CreateFeature(f)
    lyr.CommitTransaction()
    ds = None


# ---------------------------------------------------------------------------------------------


class Study:
    pass


def build_outline(st):
    st.outline = Polygon(ll_to_work(OUTLINE_LONLAT))
    assert st.outline.is_valid
    st.outline_inner = st.outline.buffer(-5.0)


def build_water(st):
    rng = np.random.default_rng(SEED + 1)
    lakes = []

    def lake(name, lon, lat, a, b, rot, rough=0.12):
        (x, y), = ll_to_work([(lon, lat)])
        lakes.append((name, blob(rng, x, y, a, b, rot, rough)))

    lake("阳澄湖", 120.829, 31.440, 2300, 3600, 8)      # east lobe on the north-west border
    lake("傀儡湖", 120.878, 31.404, 1200, 1500, -10)
    lake("澄湖", 120.833, 31.198, 2500, 2200, 20)       # Kunshan shore on the south-west border
    lake("淀山湖", 120.965, 31.118, 4500, 3000, 5)      # Kunshan shore in the south-east corner
    seats = {t[2]: ll_to_work([(t[3], t[4])])[0] for t in TOWNS}
    small_names = ["白蚬湖", "南湖", "天花荡", "明镜荡", "五保湖", "长白荡", "矾清湖", "汪洋荡"]
    around = ["周庄"] * 4 + ["锦溪"] * 4
    big = unary_union([g for _, g in lakes])
    placed = []
    for name, town in zip(small_names, around):
        sx, sy = seats[town]
        for _ in range(500):
            ang, dist = rng.uniform(0, 2 * math.pi), rng.uniform(1200, 4200)
            x, y = sx + dist * math.cos(ang), sy + dist * math.sin(ang)
            a, b = rng.uniform(250, 650), rng.uniform(200, 550)
            g = blob(rng, x, y, a, b, rng.uniform(0, 180), 0.15)
            if not st.outline.buffer(-400).contains(g):
                continue
            if min(math.hypot(x - px, y - py) for px, py in seats.values()) < 1100 + a:
                continue
            if g.buffer(400).intersects(big) or any(g.buffer(400).intersects(o) for o in placed):
                continue
            placed.append(g)
            lakes.append((name, g))
            break
    # Canals: centre lines in lon/lat, width in metres.
    canals = [
        ("娄江", 60, [(120.805, 31.377), (120.860, 31.382), (120.930, 31.386), (120.960, 31.391),
                     (121.020, 31.399), (121.095, 31.409)]),
        ("吴淞江", 80, [(120.860, 31.306), (120.920, 31.298), (120.990, 31.291), (121.040, 31.286),
                      (121.085, 31.279)]),
        ("青阳港", 50, [(120.986, 31.505), (120.981, 31.452), (120.975, 31.400), (120.971, 31.350),
                      (120.986, 31.292)]),
        ("急水港", 50, [(120.805, 31.147), (120.850, 31.139), (120.900, 31.142), (120.945, 31.132)]),
        ("千灯浦", 40, [(121.010, 31.289), (121.013, 31.250), (121.004, 31.200), (120.990, 31.140)]),
    ]
    st.canal_lines = {}
    canal_polys = []
    for name, width, pts in canals:
        line = wobble(rng, ll_to_work(pts), 120, 40, 3000)
        st.canal_lines[name] = LineString(line)
        poly = LineString(line).buffer(width / 2, cap_style=2, join_style=1)
        poly = clean_polygon(poly.intersection(st.outline.buffer(300)))
        canal_polys.append((name, poly))
    st.lakes = lakes
    st.canals = canal_polys
    st.water = [("lake", n, g) for n, g in lakes] + [("canal", n, g) for n, g in canal_polys]
    st.water_union = unary_union([g for _, _, g in st.water])
    st.lake_union = unary_union([g for _, g in lakes])
    st.water_buf = st.water_union.buffer(5.0)
    for t in TOWNS:
        assert not st.water_union.buffer(300).contains(Point(seats[t[2]])), t


def good_point(st, p, water_clear=30.0):
    return st.outline.buffer(-30).contains(p) and st.water_union.distance(p) > water_clear


def build_towns(st):
    st.seats = {t[0]: ll_to_work([(t[3], t[4])])[0] for t in TOWNS}
    st.town = {t[0]: dict(code=t[0], name=t[1], short=t[2], model=TOWN_MODEL[t[2]]) for t in TOWNS}
    st.town_poly = tessellate(st.seats, st.outline)


def build_villages(st):
    rng = np.random.default_rng(SEED + 2)
    used = set()
    st.villages = []  # dicts: code, name, town_code, urban, seat, poly
    outline_inner = st.outline.buffer(-150)
    for code in sorted(st.town):
        t = st.town[code]
        m = t["model"]
        poly = st.town_poly[code]
        sx, sy = st.seats[code]
        land = poly.buffer(-120).difference(st.water_union.buffer(150)).intersection(outline_inner)
        minx, miny, maxx, maxy = poly.bounds
        seeds = []

        def ok(x, y, spacing):
            p = Point(x, y)
            return land.contains(p) and all(math.hypot(x - a, y - b) >= spacing for a, b, _ in seeds)

        core_r = m["sigma"] * 1.6
        n_try = 0
        while sum(1 for s in seeds if s[2]) < m["n_urban"]:
            n_try += 1
            spacing = 320 if n_try < 20000 else 200
            x, y = rng.normal(sx, m["sigma"]), rng.normal(sy, m["sigma"])
            if ok(x, y, spacing):
                seeds.append((x, y, True))
        n_try = 0
        while sum(1 for s in seeds if not s[2]) < m["n_rural"]:
            n_try += 1
            spacing = 900 if n_try < 20000 else 500
            x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            if math.hypot(x - sx, y - sy) > core_r and ok(x, y, spacing):
                seeds.append((x, y, False))
        urban_seeds = sorted([s for s in seeds if s[2]], key=lambda s: math.hypot(s[0] - sx, s[1] - sy))
        rural_seeds = sorted([s for s in seeds if not s[2]], key=lambda s: (-s[1], s[0]))
        names = village_names(rng, len(urban_seeds), len(rural_seeds), used)
        keyed = {}
        for i, s in enumerate(urban_seeds):
            keyed[code + "%03d" % (i + 1)] = (s, names[i])       # 社区 (居委会) codes 001..
        for i, s in enumerate(rural_seeds):
            keyed[code + "%03d" % (201 + i)] = (s, names[len(urban_seeds) + i])  # 村 codes 201..
        cells = tessellate({k: (v[0][0], v[0][1]) for k, v in keyed.items()}, poly)
        for k in sorted(keyed):
            (x, y, urban), nm = keyed[k]
            st.villages.append(dict(code=k, name=nm, town_code=code, town_name=t["name"],
                                    urban=1 if urban else 0, seat=(x, y), poly=cells[k]))


def build_population(st):
    rng = np.random.default_rng(SEED + 3)
    minx, miny, maxx, maxy = st.outline.bounds
    x0 = math.floor(minx / CELL_M) * CELL_M
    y1 = math.ceil(maxy / CELL_M) * CELL_M
    nx = int(math.ceil((maxx - x0) / CELL_M))
    ny = int(math.ceil((y1 - miny) / CELL_M))
    st.grid = (x0, y1, nx, ny)
    xs = x0 + CELL_M * (np.arange(nx) + 0.5)
    ys = y1 - CELL_M * (np.arange(ny) + 0.5)
    X, Y = np.meshgrid(xs, ys)
    land = shapely.vectorized.contains(st.outline_inner, X, Y) & ~shapely.vectorized.contains(st.water_buf, X, Y)
    urban = np.zeros((ny, nx))
    rural = np.zeros((ny, nx))
    youth_bonus = np.zeros((ny, nx))

    def kernel(cx, cy, sigma, weight_grid, amp):
        r = 3.5 * sigma
        i0 = max(0, int((y1 - (cy + r)) / CELL_M)); i1 = min(ny, int((y1 - (cy - r)) / CELL_M) + 1)
        j0 = max(0, int((cx - r - x0) / CELL_M)); j1 = min(nx, int((cx + r - x0) / CELL_M) + 1)
        if i0 >= i1 or j0 >= j1:
            return
        d2 = (X[i0:i1, j0:j1] - cx) ** 2 + (Y[i0:i1, j0:j1] - cy) ** 2
        weight_grid[i0:i1, j0:j1] += amp * np.exp(-d2 / (2 * sigma * sigma))

    st.cell_town = np.full((ny, nx), -1)
    codes = sorted(st.town)
    for ti, code in enumerate(codes):
        inside = shapely.vectorized.contains(st.town_poly[code], X, Y) & land
        st.cell_town[inside] = ti
    for ti, code in enumerate(codes):
        m = st.town[code]["model"]
        inside = st.cell_town == ti
        u = np.zeros((ny, nx))
        sx, sy = st.seats[code]
        kernel(sx, sy, m["sigma"], u, 1.0)
        u = u / u[inside].sum() * 0.7
        b = np.zeros((ny, nx))
        vs = [v for v in st.villages if v["town_code"] == code and v["urban"]]
        for v in vs:
            kernel(v["seat"][0], v["seat"][1], 400.0, b, 1.0)
        u += b / b[inside].sum() * 0.3
        r = np.zeros((ny, nx))
        vs = [v for v in st.villages if v["town_code"] == code and not v["urban"]]
        for v in vs:
            kernel(v["seat"][0], v["seat"][1], 260.0, r, 1.0)
        r = r / r[inside].sum() * 0.7 + inside / inside.sum() * 0.3
        urban += np.where(inside, u * m["pop"] * m["urban"], 0.0)
        rural += np.where(inside, r * m["pop"] * (1 - m["urban"]), 0.0)
        if st.town[code]["short"] in NEW_URBAN_AREAS:
            youth_bonus[inside] = 1.0
    noise = np.exp(rng.normal(0.0, 0.3, size=(ny, nx)))
    raw = (urban + rural) * noise
    raw[~land] = 0.0
    pop = np.round(raw * (TOTAL_POPULATION / raw.sum()), 2)
    # Put the rounding residue on the densest cell so the total is exact to the cent.
    imax = np.unravel_index(np.argmax(pop), pop.shape)
    pop[imax] = round(pop[imax] + (TOTAL_POPULATION - pop.sum()), 2)
    u_share = np.divide(urban, urban + rural, out=np.zeros_like(urban), where=(urban + rural) > 0)
    ys_share = 0.12 + 0.05 * u_share + 0.03 * u_share * youth_bonus + rng.normal(0, 0.01, size=pop.shape)
    el_share = 0.20 - 0.10 * u_share + rng.normal(0, 0.015, size=pop.shape)
    ys_share = np.clip(ys_share, 0.05, 0.30)
    el_share = np.clip(el_share, 0.04, 0.32)
    youth = pop * ys_share
    elderly = pop * el_share
    youth = np.round(youth * (SHARE_0_14 * pop.sum() / youth.sum()), 2)
    elderly = np.round(elderly * (SHARE_60_PLUS * pop.sum() / elderly.sum()), 2)
    youth = np.minimum(youth, pop)
    elderly = np.minimum(elderly, pop - youth)
    st.pop, st.youth, st.elderly = pop, youth, elderly
    st.X, st.Y = X, Y
    st.town_population = {code: float(pop[st.cell_town == ti].sum()) for ti, code in enumerate(codes)}


def write_population(st, path):
    x0, y1, nx, ny = st.grid
    remove_outputs(path)
    ds = gdal.GetDriverByName("GTiff").Create(
        path, nx, ny, 3, gdal.GDT_Float32,
        ["COMPRESS=DEFLATE", "PREDICTOR=3", "TILED=YES", "BLOCKXSIZE=256", "BLOCKYSIZE=256"])
    ds.SetGeoTransform((x0, CELL_M, 0.0, y1, 0.0, -CELL_M))
    ds.SetProjection(SRS_WORK.ExportToWkt())
    for i, (arr, desc) in enumerate([(st.pop, "population"), (st.youth, "age_0_14"),
                                     (st.elderly, "age_60_plus")], start=1):
        b = ds.GetRasterBand(i)
        b.SetDescription(desc)
        b.WriteArray(arr.astype(np.float32))
    ds.FlushCache()
    ds = None


def weighted_cell_point(st, rng, weights):
    flat = weights.ravel()
    idx = rng.choice(len(flat), p=flat / flat.sum())
    i, j = divmod(idx, weights.shape[1])
    return (st.X[i, j] + rng.uniform(-45, 45), st.Y[i, j] + rng.uniform(-45, 45))


def build_venues(st):
    rng = np.random.default_rng(SEED + 4)
    spec = [
        ("玉山", "昆山市科技馆", "科普场馆", 5000), ("玉山", "昆山市规划展示馆", "科普场馆", 2000),
        ("玉山", "昆山市气象科普馆", "科普教育基地", 400), ("玉山", "昆山市地震科普馆", "科普教育基地", 300),
        ("玉山", "昆山市消防科普教育馆", "科普教育基地", 600), ("玉山", "昆山市图书馆科普阅览中心", "科普场馆", 3000),
        ("玉山", "昆山市青少年活动中心科技馆", "科普场馆", 1500), ("玉山", "昆山市健康科普馆", "科普教育基地", 300),
        ("玉山", "昆山市城市生态公园科普园", "科普教育基地", 2500), ("玉山", "昆山市禁毒教育馆", "科普教育基地", 400),
        ("玉山", "昆山市水利科普馆", "科普教育基地", 300), ("玉山", "昆山市植物科普园", "科普教育基地", 3000),
        ("开发区", "昆山开发区科创中心科普展厅", "科普场馆", 800), ("开发区", "昆山市智能制造科普馆", "科普教育基地", 600),
        ("开发区", "昆山市光电科普体验馆", "科普教育基地", 500), ("开发区", "昆山开发区湿地科普园", "科普教育基地", 1500),
        ("开发区", "昆山市安全生产科普馆", "科普教育基地", 400), ("花桥", "花桥商务城科普中心", "科普场馆", 1200),
        ("花桥", "花桥湿地科普馆", "科普教育基地", 1000), ("花桥", "花桥金融科技展示馆", "科普教育基地", 500),
        ("周市", "周市镇科普馆", "科普场馆", 600), ("周市", "周市现代农业科普园", "科普教育基地", 800),
        ("陆家", "陆家镇青少年科技活动中心", "科普场馆", 500), ("张浦", "张浦镇科技馆", "科普场馆", 700),
        ("张浦", "张浦湿地科普教育基地", "科普教育基地", 600), ("巴城", "阳澄湖生态科普馆", "科普场馆", 1500),
        ("巴城", "巴城现代农业科普园", "科普教育基地", 800), ("千灯", "千灯镇科普教育基地", "科普教育基地", 600),
        ("千灯", "千灯非遗科普馆", "科普教育基地", 800), ("周庄", "周庄科普教育基地", "科普教育基地", 1200),
        ("锦溪", "锦溪古砖瓦科普馆", "科普场馆", 900), ("淀山湖", "淀山湖水环境科普馆", "科普教育基地", 500),
    ]
    by_short = {t["short"]: c for c, t in st.town.items()}
    st.venues = []
    pts = []
    for i, (short, name, cat, cap) in enumerate(spec, start=1):
        code = by_short[short]
        sx, sy = st.seats[code]
        sigma = st.town[code]["model"]["sigma"] * 0.6
        while True:
            p = Point(rng.normal(sx, sigma), rng.normal(sy, sigma))
            if (st.town_poly[code].buffer(-100).contains(p) and good_point(st, p, 60)
                    and all(p.distance(q) > 250 for q in pts)):
                break
        pts.append(p)
        lon, lat = work_to_ll([(p.x, p.y)])[0]
        glon, glat = wgs84_to_gcj02(lon, lat)
        st.venues.append(dict(id="V%02d" % i, name=name, category=cat, capacity=cap, town_code=code,
                              p=p, gcj=(round(glon, 6), round(glat, 6))))


def write_venues(st, path):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("编号,名称,类别,容量,经度,纬度\n")
        for v in st.venues:
            f.write("%s,%s,%s,%d,%.6f,%.6f\n" % (v["id"], v["name"], v["category"], v["capacity"],
                                                 v["gcj"][0], v["gcj"][1]))


def build_schools(st):
    rng = np.random.default_rng(SEED + 5)
    codes = sorted(st.town)
    total = 170
    pops = np.array([st.town_population[c] for c in codes])
    quota = np.maximum(4, np.floor(pops / pops.sum() * total)).astype(int)
    while quota.sum() < total:
        quota[int(np.argmax(pops / pops.sum() * total - quota))] += 1
    while quota.sum() > total:
        quota[int(np.argmax(quota))] -= 1
    high = {"玉山": 5, "开发区": 2, "花桥": 1, "周市": 1, "张浦": 1, "陆家": 1, "千灯": 1, "巴城": 1}
    nine = {"玉山": 2, "开发区": 2, "花桥": 1, "周庄": 1, "锦溪": 1, "淀山湖": 1}
    ordinal = "一二三四五六七八九十"
    st.schools = []
    pts = []
    names = set()
    for ti, code in enumerate(codes):
        t = st.town[code]
        short, tname = t["short"], t["name"]
        prefix = "昆山" if short == "开发区" else "昆山市"
        n = int(quota[ti])
        nh, n9 = high.get(short, 0), nine.get(short, 0)
        nmid = max(1, round((n - nh - n9) * 0.32))
        levels = ["高中"] * nh + ["九年一贯制"] * n9 + ["初中"] * nmid + ["小学"] * (n - nh - n9 - nmid)
        weights = np.where(st.cell_town == ti, st.pop, 0.0) ** 1.2
        counters = {}
        for level in levels:
            while True:
                x, y = weighted_cell_point(st, rng, weights)
                p = Point(x, y)
                if good_point(st, p, 40) and all(p.distance(q) > 300 for q in pts):
                    break
            village = next(v for v in st.villages if v["town_code"] == code and v["poly"].contains(p))
            place = village["name"].replace("社区", "").replace("村", "")
            k = counters[level] = counters.get(level, 0) + 1
            if level == "小学":
                nm = (f"{prefix}{tname}第{ordinal[k - 1]}中心小学" if k <= 3 else f"{prefix}{tname}{place}小学")
            elif level == "初中":
                nm = (f"{prefix}{short}中学" if k == 1 else
                      f"{prefix}{short}第{ordinal[k - 1]}中学" if k <= 3 else f"{prefix}{short}{place}初级中学")
            elif level == "高中":
                nm = f"{prefix}{short}高级中学" if k == 1 else f"{prefix}{short}第{ordinal[k - 1]}高级中学"
            else:
                nm = f"{prefix}{short}实验学校" if k == 1 else f"{prefix}{short}{place}学校"
            while nm in names:
                nm = nm[:-2] + "分校" if not nm.endswith("分校") else nm + "二"
            names.add(nm)
            pts.append(p)
            st.schools.append(dict(name=nm, level=level, town_code=code, p=p, urban=village["urban"]))
    # Sort by town then north-to-south, then number.
    st.schools.sort(key=lambda s: (s["town_code"], -round(s["p"].y), round(s["p"].x)))
    w = np.array([{"高中": 3.0, "初中": 2.0, "九年一贯制": 2.0, "小学": 1.0}[s["level"]] * (1.5 if s["urban"] else 1.0)
                  for s in st.schools])
    demo = set(rng.choice(len(st.schools), size=28, replace=False, p=w / w.sum()).tolist())
    for i, s in enumerate(st.schools):
        s["id"] = "S%03d" % (i + 1)
        s["demo_school"] = 1 if i in demo else 0


def build_stations(st):
    rng = np.random.default_rng(SEED + 6)
    minx, miny, maxx, maxy = st.outline.bounds
    urban = [v for v in st.villages if v["urban"]]
    rural = [v for v in st.villages if not v["urban"]]
    keep = set()
    score = {v["code"]: rng.uniform() for v in st.villages}
    urban_sorted = sorted(urban, key=lambda v: (score[v["code"]], v["code"]))
    keep.update(v["code"] for v in urban_sorted[len(urban) - round(0.95 * len(urban)):])
    for v in rural:  # north-east villages score higher: the gaps sit in the south and west
        ne = 0.5 * ((v["seat"][0] - minx) / (maxx - minx) + (v["seat"][1] - miny) / (maxy - miny))
        score[v["code"]] = 0.45 * score[v["code"]] + 1.0 * ne
    rural_sorted = sorted(rural, key=lambda v: (score[v["code"]], v["code"]))
    keep.update(v["code"] for v in rural_sorted[len(rural) - round(0.65 * len(rural)):])
    st.stations = []
    for v in st.villages:
        if v["code"] not in keep:
            continue
        sx, sy = v["seat"]
        inner = v["poly"].buffer(-20)
        for attempt in range(1000):
            r = 120.0 if attempt < 500 else 400.0
            p = Point(sx + rng.uniform(-r, r), sy + rng.uniform(-r, r))
            if inner.contains(p) and good_point(st, p, 30):
                break
        else:
            raise RuntimeError("no station site in village " + v["code"])
        kind = "新时代文明实践站" if rng.uniform() < 0.4 else ("社区科普站" if v["urban"] else "村科普站")
        st.stations.append(dict(name=v["name"] + kind, village_code=v["code"], type=kind, p=p))
    for i, s in enumerate(st.stations):
        s["id"] = "K%04d" % (i + 1)


# ---------------------------------------------------------------------------------------------
# Roads.
CLASS_RANK = {"motorway": 0, "motorway_link": 1, "trunk": 2, "primary": 3, "secondary": 4, "tertiary": 5,
              "residential": 6, "unclassified": 7, "service": 8, "pedestrian": 9, "cycleway": 10,
              "footway": 11, "path": 12, "track": 13}
ALWAYS_BRIDGE = {"motorway", "motorway_link", "trunk", "primary", "secondary"}


def way(coords, tags, **flags):
    d = dict(coords=[tuple(c) for c in coords], tags=dict(tags))
    d.update(flags)
    return d


def route_around_lakes(st, rng, a, b):
    line = None
    for off in (0, 500, -500, 1000, -1000, 1600, -1600, 2400, -2400, 3200, -3200):
        coords = wobble(rng, bezier(a, b, off), 60, 50, 2500)
        line = LineString(coords)
        if not line.intersects(st.lake_union.buffer(40)):
            return coords
    return [tuple(c) for c in line.coords]


def build_roads(st):
    rng = np.random.default_rng(SEED + 7)
    ways = []
    seats = st.seats
    code_of = {t[2]: t[0] for t in TOWNS}
    clip_zone = st.outline.buffer(60)

    # Arterials between town seats (and to the border).
    arterials = [
        ("玉山", "开发区", "trunk", {"maxspeed": "60"}), ("开发区", "花桥", "trunk", {"maxspeed": "80", "foot": "no"}),
        ("开发区", "陆家", "primary", {}), ("陆家", "花桥", "primary", {"maxspeed": "60"}),
        ("玉山", "巴城", "primary", {}), ("玉山", "周市", "primary", {"maxspeed": "60"}),
        ("周市", "开发区", "primary", {}), ("玉山", "张浦", "primary", {"maxspeed": "60"}),
        ("张浦", "千灯", "secondary", {}), ("千灯", "陆家", "secondary", {"maxspeed": "50"}),
        ("张浦", "锦溪", "secondary", {}), ("锦溪", "周庄", "secondary", {"maxspeed": "50"}),
        ("千灯", "淀山湖", "secondary", {}), ("淀山湖", "锦溪", "secondary", {}),
        ("周庄", "淀山湖", "secondary", {}), ("巴城", "周市", "secondary", {"maxspeed": "50"}),
        ("张浦", "陆家", "secondary", {}),
    ]
    for a, b, cls, extra in arterials:
        coords = route_around_lakes(st, rng, seats[code_of[a]], seats[code_of[b]])
        ways.append(way(coords, dict(highway=cls, **extra)))
    for a, lonlat, cls, extra in [("花桥", (121.152, 31.288), "trunk", {"maxspeed": "80"}),
                                  ("巴城", (120.900, 31.537), "secondary", {}),
                                  ("周庄", (120.830, 31.160), "secondary", {}),
                                  ("开发区", (121.085, 31.430), "primary", {})]:
        coords = route_around_lakes(st, rng, seats[code_of[a]], ll_to_work([lonlat])[0])
        ways.append(way(coords, dict(highway=cls, **extra)))
    # The causeway across 傀儡湖.
    cw = ll_to_work([(120.852, 31.405), (120.905, 31.405)])
    ways.append(way(densify(cw, 50), dict(highway="secondary", name="傀儡湖大堤"), causeway=True))

    # Town street grids.
    grid_lines = []
    for code in sorted(st.town):
        t = st.town[code]
        m = t["model"]
        sx, sy = seats[code]
        R, s = m["grid_r"], m["grid_s"]
        zone = blob(rng, sx, sy, R, R * rng.uniform(0.8, 1.0), rng.uniform(0, 180), 0.10)
        zone = zone.intersection(st.town_poly[code].buffer(150)).intersection(clip_zone)
        ang = math.radians(rng.uniform(-20, 20))
        ux, uy = math.cos(ang), math.sin(ang)
        n = int(R / s) + 2
        t["grid_zone"] = zone
        for axis in (0, 1):
            dx, dy = (ux, uy) if axis == 0 else (-uy, ux)     # line direction
            px, py = -dy, dx                                  # offset direction
            for k in range(-n, n + 1):
                ox, oy = sx + px * (k * s + s / 2), sy + py * (k * s + s / 2)
                line = LineString([(ox - dx * R * 1.3, oy - dy * R * 1.3), (ox + dx * R * 1.3, oy + dy * R * 1.3)])
                cls = "tertiary" if k % 4 == 0 else "residential"
                for part in line_parts(line.intersection(zone)):
                    if cls == "residential":
                        # Break residential lines into chunks and drop a few for irregular blocks.
                        L = part.length
                        pos = 0.0
                        while pos < L - 1:
                            step = s * rng.integers(3, 7)
                            piece = substring(part, pos, min(L, pos + step + s * 0.6))
                            if rng.uniform() > 0.12 and piece.length > s * 0.5:
                                grid_lines.append((code, k, axis, piece))
                            pos += step
                    else:
                        grid_lines.append((code, k, axis, part))
    yushan = code_of["玉山"]
    ysx, ysy = seats[yushan]
    oneway_count = 0
    for code, k, axis, g in grid_lines:
        cls = "tertiary" if k % 4 == 0 else "residential"
        tags = dict(highway=cls)
        coords = list(g.coords)
        if (code == yushan and cls == "residential" and oneway_count < 10 and axis == 0 and k % 2 == 1
                and g.distance(Point(ysx, ysy)) < 1200):
            tags["oneway"] = "yes"
            if oneway_count % 2:
                coords = coords[::-1]
            if oneway_count % 3 == 0:
                tags["oneway:bicycle"] = "no"
            oneway_count += 1
        ways.append(way(coords, tags))

    # Rural lattice of lanes and tracks outside the street grids.
    minx, miny, maxx, maxy = st.outline.bounds
    sp = 600.0
    gx = np.arange(minx - sp, maxx + sp, sp)
    gy = np.arange(miny - sp, maxy + sp, sp)
    jit = rng.uniform(-150, 150, size=(len(gy), len(gx), 2))
    node = lambda i, j: (gx[j] + jit[i, j, 0], gy[i] + jit[i, j, 1])
    grid_zones = unary_union([st.town[c]["grid_zone"].buffer(-150) for c in sorted(st.town)])
    for i in range(len(gy)):
        for j in range(len(gx)):
            for di, dj in ((0, 1), (1, 0)):
                if i + di >= len(gy) or j + dj >= len(gx):
                    continue
                a, b = node(i, j), node(i + di, j + dj)
                u = rng.uniform()
                mid = Point((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
                if u > 0.88 or not st.outline.contains(mid) or grid_zones.contains(mid):
                    continue
                cls = "unclassified" if rng.uniform() < 0.3 else "track"
                coords = wobble(rng, [a, b], 18, 45, 700)
                ways.append(way(coords, dict(highway=cls)))

    # Expressways: two oneway carriageways each, with diamond interchanges onto arterials.
    motorways = [
        ("G2", [(120.828, 31.364), (120.880, 31.374), (120.930, 31.400), (120.990, 31.412),
                (121.050, 31.420), (121.092, 31.426)]),
        ("G15", [(121.002, 31.502), (121.030, 31.440), (121.052, 31.370), (121.055, 31.300),
                 (121.052, 31.270), (121.058, 31.220), (121.064, 31.158)]),
        ("S5", [(120.916, 31.527), (120.915, 31.470), (120.920, 31.400), (120.926, 31.330),
                (120.930, 31.250), (120.920, 31.200), (120.915, 31.160)]),
    ]
    arterial_ways = [w for w in ways if w["tags"]["highway"] in ("trunk", "primary", "secondary")]
    for ref, pts in motorways:
        centre = LineString(wobble(rng, ll_to_work(pts), 40, 50, 6000))
        centre = max(line_parts(centre.intersection(clip_zone)), key=lambda g: g.length)
        centre = LineString(densify(list(centre.coords), 50))
        fwd = offset_coords(list(centre.coords), -15.0)
        bwd = offset_coords(list(centre.coords), 15.0)[::-1]
        fwd_line, bwd_line = LineString(fwd), LineString(bwd)
        links = []
        last_ic = -1e9
        crossings = []
        for aw in arterial_ways:
            aline = LineString(aw["coords"])
            for p in (centre.intersection(aline),):
                for q in (list(p.geoms) if hasattr(p, "geoms") else [p]):
                    if q.geom_type == "Point":
                        crossings.append((centre.project(q), q, aw))
        crossings.sort(key=lambda c: c[0])
        for dX, X, aw in crossings:
            if dX - last_ic < 2500 or dX < 600 or dX > centre.length - 600:
                continue
            aline = LineString(aw["coords"])
            aX = aline.project(X)
            if aX < 300 or aX > aline.length - 300:
                continue
            p1, p2 = centre.interpolate(dX - 10), centre.interpolate(dX + 10)
            dirx, diry = p2.x - p1.x, p2.y - p1.y
            cand = [aline.interpolate(aX - 180), aline.interpolate(aX + 180)]
            side = [(dirx * (c.y - X.y) - diry * (c.x - X.x)) for c in cand]
            right = cand[0] if side[0] < 0 else cand[1]
            left = cand[1] if side[0] < 0 else cand[0]
            fa = fwd_line.interpolate(fwd_line.project(centre.interpolate(dX - 380)))
            fb = fwd_line.interpolate(fwd_line.project(centre.interpolate(dX + 380)))
            ba = bwd_line.interpolate(bwd_line.project(centre.interpolate(dX + 380)))
            bb = bwd_line.interpolate(bwd_line.project(centre.interpolate(dX - 380)))
            ramps = [(fa, right), (right, fb), (ba, left), (left, bb)]
            if any(LineString([a, b]).intersects(st.lake_union) for a, b in ramps):
                continue
            last_ic = dX
            for a, b in ramps:
                links.append((a, b, aw))
        mw_tags = dict(highway="motorway", oneway="yes", ref=ref, maxspeed="120")
        fwd_ins, bwd_ins, art_ins = [], [], {}
        for a, b, aw in links:
            for p in (a, b):
                if fwd_line.distance(p) < 1e-6:
                    fwd_ins.append(p)
                elif bwd_line.distance(p) < 1e-6:
                    bwd_ins.append(p)
                else:
                    art_ins.setdefault(id(aw), (aw, []))[1].append(p)
            mid = ((a.x + b.x) / 2, (a.y + b.y) / 2)
            ctrl = (mid[0] + (b.y - a.y) * 0.15, mid[1] - (b.x - a.x) * 0.15)
            t = np.linspace(0, 1, 9)
            xs = (1 - t) ** 2 * a.x + 2 * (1 - t) * t * ctrl[0] + t ** 2 * b.x
            ys = (1 - t) ** 2 * a.y + 2 * (1 - t) * t * ctrl[1] + t ** 2 * b.y
            coords = [(a.x, a.y)] + list(zip(xs[1:-1], ys[1:-1])) + [(b.x, b.y)]
            ways.append(way(coords, dict(highway="motorway_link", oneway="yes"), motorway=True))
        ways.append(way(insert_points(fwd, [(p.x, p.y) for p in fwd_ins]), mw_tags, motorway=True))
        ways.append(way(insert_points(bwd, [(p.x, p.y) for p in bwd_ins]), mw_tags, motorway=True))
        for aw, pts_ in art_ins.values():
            aw["coords"] = insert_points(aw["coords"], [(p.x, p.y) for p in pts_])

    # Paths along canal banks, a cycleway along 娄江, footways and a pedestrian street in the cores.
    for name, line in sorted(st.canal_lines.items()):
        L = line.length
        start = rng.uniform(0.1, 0.5) * L
        seg = substring(line, start, min(L, start + 3500))
        coords = offset_coords(densify(list(seg.coords), 40), 75.0)
        ways.append(way(coords, dict(highway="path")))
    lj = st.canal_lines["娄江"]
    d0 = lj.project(Point(ysx, ysy))
    seg = substring(lj, d0 - 1500, d0 + 4000)
    ways.append(way(offset_coords(densify(list(seg.coords), 40), 70.0),
                    dict(highway="cycleway", name="娄江绿道")))
    kx, ky = seats[code_of["开发区"]]
    for centre_code, count in ((yushan, 8), (code_of["开发区"], 5), (code_of["花桥"], 3)):
        cx, cy = seats[centre_code]
        for _ in range(count):
            for _attempt in range(100):
                x, y = cx + rng.uniform(-1500, 1500), cy + rng.uniform(-1500, 1500)
                ang = rng.uniform(0, math.pi)
                L = rng.uniform(350, 700)
                a = (x - math.cos(ang) * L / 2, y - math.sin(ang) * L / 2)
                b = (x + math.cos(ang) * L / 2, y + math.sin(ang) * L / 2)
                if not LineString([a, b]).intersects(st.water_union.buffer(20)):
                    break
            ways.append(way(wobble(rng, [a, b], 10, 30, 300), dict(highway="footway")))
    a = (ysx - 350 + 40, ysy - 90)
    b = (ysx + 350 + 40, ysy - 60)
    ways.append(way(densify([a, b], 60), dict(highway="pedestrian", name="商业步行街")))
    # Private service roads into two factory compounds in 开发区.
    for dx, dy in ((900, -700), (-600, 1100)):
        a = (kx + dx, ky + dy)
        b = (kx + dx + 320, ky + dy + 40)
        ways.append(way(densify([a, b], 60), dict(highway="service", access="private")))

    # Village lanes: from every village seat to the nearest road.
    net = [w for w in ways if not w.get("motorway") and w["tags"]["highway"] not in ("footway", "path", "service", "pedestrian", "cycleway")]
    net_lines = [LineString(w["coords"]) for w in net]
    tree = STRtree(net_lines)
    lanes = []
    for v in st.villages:
        S = Point(v["seat"])
        cands = tree.query_items(S.buffer(1500))
        cands = sorted(cands, key=lambda i: (net_lines[i].distance(S), i))
        for i in cands[:8]:
            g = net_lines[i]
            d = g.project(S)
            T = g.interpolate(d)
            if T.distance(S) < 15:
                break
            seg = LineString([S, T])
            if seg.intersects(st.lake_union):
                continue
            overshoot = True
            if d < 0.5 or d > g.length - 0.5:
                T = Point(g.coords[0] if d < 0.5 else g.coords[-1])
                overshoot = False
            ux, uy = (T.x - S.x) / S.distance(T), (T.y - S.y) / S.distance(T)
            end = (T.x + ux * 0.5, T.y + uy * 0.5) if overshoot else (T.x, T.y)
            coords = wobble(rng, [(S.x, S.y), (T.x, T.y)], 8, 40, 500)
            coords[-1] = end
            cls = "residential" if v["urban"] else ("unclassified" if rng.uniform() < 0.6 else "track")
            lanes.append(way(coords, dict(highway=cls), trim_end=overshoot))
            break
    ways.extend(lanes)

    # Clip to the outline zone, split at water, then node at-grade crossings.
    clipped = []
    for w in ways:
        g = LineString(w["coords"])
        if clip_zone.contains(g):
            clipped.append(w)
            continue
        for part in line_parts(g.intersection(clip_zone)):
            if part.length > 5:
                w2 = dict(w)
                w2["coords"] = list(part.coords)
                clipped.append(w2)
    ways = split_at_water(st, clipped)
    ways = node_ways(ways)
    st.ways = ways


def insert_points(coords, pts):
    if not pts:
        return [tuple(c) for c in coords]
    line = LineString(coords)
    arr = np.array(coords)
    seg = np.diff(arr, axis=0)
    cum = np.concatenate([[0.0], np.cumsum(np.hypot(seg[:, 0], seg[:, 1]))])
    items = [(float(cum[i]), 0, tuple(c)) for i, c in enumerate(coords)]
    items += [(line.project(Point(p)), 1, tuple(p)) for p in pts]
    items.sort(key=lambda it: (it[0], it[1]))
    out = []
    for _, _, c in items:
        if out and node_key(out[-1]) == node_key(c):
            if c in pts:
                out[-1] = c
            continue
        out.append(c)
    return out


def node_key(c):
    return (int(round(c[0] * 100)), int(round(c[1] * 100)))


def split_at_water(st, ways):
    water = st.water
    polys = [g for _, _, g in water]
    tree = STRtree(polys)
    boundary = st.water_union.boundary
    bridges = {}  # canal name -> list of bridge midpoints
    out = []
    order = sorted(range(len(ways)), key=lambda i: (CLASS_RANK[ways[i]["tags"]["highway"]], i))
    for i in order:
        w = ways[i]
        g = LineString(w["coords"])
        hits = tree.query_items(g)
        if not hits or not any(polys[h].intersects(g) for h in hits):
            out.append((i, w))
            continue
        cut = set()
        inter = g.intersection(boundary)
        for q in (list(inter.geoms) if hasattr(inter, "geoms") else [inter]):
            if q.is_empty:
                continue
            for c in (q.coords if q.geom_type == "Point" else [q.coords[0], q.coords[-1]]):
                cut.add(round(g.project(Point(c)), 6))
        ds = [0.0] + sorted(d for d in cut if 0.01 < d < g.length - 0.01) + [g.length]
        pieces = []
        for d0, d1 in zip(ds[:-1], ds[1:]):
            if d1 - d0 < 0.01:
                continue
            piece = substring(g, d0, d1)
            mid = piece.interpolate(0.5, normalized=True)
            inside = [h for h in hits if polys[h].contains(mid)]
            pieces.append((piece, inside))
        run = []
        runs = []
        for piece, inside in pieces:
            if not inside:
                run.append((piece, False))
                continue
            kinds = {water[h][0] for h in inside}
            name = water[inside[0]][1]
            ok = False
            if "lake" in kinds:
                ok = bool(w.get("causeway")) or bool(w.get("motorway"))
            elif piece.length <= 250:
                cls = w["tags"]["highway"]
                if cls in ALWAYS_BRIDGE or w.get("motorway"):
                    ok = True
                else:
                    spacing = 1500 if cls in ("track", "path", "footway") else 900
                    mid = piece.interpolate(0.5, normalized=True)
                    ok = all(mid.distance(b) > spacing for b in bridges.get(name, []))
                if ok:
                    bridges.setdefault(name, []).append(piece.interpolate(0.5, normalized=True))
            if ok:
                run.append((piece, True))
            else:
                runs.append(run)
                run = []
        runs.append(run)
        for ri, run in enumerate(runs):
            # Consecutive land pieces are merged; bridge pieces become their own ways.
            cur = []
            for piece, is_bridge in run + [(None, None)]:
                if piece is not None and not is_bridge:
                    c = list(piece.coords)
                    cur = cur + c[1:] if cur else c
                    continue
                if cur and LineString(cur).length > 2:
                    w2 = dict(w)
                    w2["coords"] = cur
                    w2["trim_end"] = w.get("trim_end") and ri == len(runs) - 1
                    out.append((i, w2))
                cur = []
                if piece is not None:
                    w2 = dict(w)
                    w2["coords"] = list(piece.coords)
                    w2["tags"] = dict(w["tags"], bridge="yes", layer="1")
                    w2["trim_end"] = False
                    out.append((i, w2))
    out.sort(key=lambda t: t[0])
    return [w for _, w in out]


def node_ways(ways):
    """Adds a shared vertex wherever two at-grade ways cross; motorway carriageways and links
    are grade-separated and connect only through their explicit shared vertices."""
    idx = [i for i, w in enumerate(ways) if not w.get("motorway")]
    lines = [LineString(ways[i]["coords"]) for i in idx]
    tree = STRtree(lines)
    extra = {i: [] for i in idx}
    for a, ga in enumerate(lines):
        for b in tree.query_items(ga):
            if b <= a or not ga.intersects(lines[b]):
                continue
            inter = ga.intersection(lines[b])
            pts = []
            for q in (list(inter.geoms) if hasattr(inter, "geoms") else [inter]):
                if q.geom_type == "Point":
                    pts.append((q.x, q.y))
                elif q.geom_type == "LineString":
                    pts.extend([q.coords[0], q.coords[-1]])
            extra[idx[a]].extend(pts)
            extra[idx[b]].extend(pts)
    for i in idx:
        if extra[i]:
            ways[i]["coords"] = insert_points(ways[i]["coords"], extra[i])
    # Trim lane overshoots back to the junction they were drawn to.
    uses = {}
    for w in ways:
        for k in {node_key(c) for c in w["coords"]}:
            uses[k] = uses.get(k, 0) + 1
    for w in ways:
        if not w.get("trim_end"):
            continue
        c = w["coords"]
        dist = 0.0
        for j in range(len(c) - 1, 0, -1):
            if uses[node_key(c[j])] >= 2 and j < len(c) - 1:
                w["coords"] = c[: j + 1]
                break
            dist += math.hypot(c[j][0] - c[j - 1][0], c[j][1] - c[j - 1][1])
            if dist > 2.0:
                break
    return [w for w in ways if len(w["coords"]) >= 2]


def write_osm(st, path):
    nodes = {}
    order = []
    way_refs = []
    for w in st.ways:
        refs = []
        for c in w["coords"]:
            k = node_key(c)
            if k not in nodes:
                nodes[k] = len(order) + 1
                order.append(c)
            if not refs or refs[-1] != nodes[k]:
                refs.append(nodes[k])
        if len(refs) >= 2:
            way_refs.append((refs, w["tags"]))
    lonlat = work_to_ll(order)
    tmpdir = tempfile.mkdtemp(prefix="kepu15-osm-")
    try:
        xml = os.path.join(tmpdir, "roads.osm")
        with open(xml, "w", encoding="utf-8") as f:
            f.write("<?xml version='1.0' encoding='UTF-8'?>\n")
            f.write('<osm version="0.6" generator="kepu15 generate_kunshan.py (synthetic)">\n')
            for i, (lon, lat) in enumerate(lonlat, start=1):
                f.write(' <node id="%d" version="1" lat="%.7f" lon="%.7f"/>\n' % (i, lat, lon))
            for wi, (refs, tags) in enumerate(way_refs, start=1):
                f.write(' <way id="%d" version="1">\n' % wi)
                for r in refs:
                    f.write('  <nd ref="%d"/>\n' % r)
                for k in sorted(tags):
                    f.write('  <tag k="%s" v="%s"/>\n' % (k, tags[k]))
                f.write(" </way>\n")
            f.write("</osm>\n")
        remove_outputs(path)
        subprocess.run(["osmium", "cat", "--no-progress", xml, "-o", path, "-O"], check=True)
    finally:
        shutil.rmtree(tmpdir)
    st.osm_nodes = len(order)
    st.osm_ways = len(way_refs)
    counts = {}
    for _, tags in way_refs:
        counts[tags["highway"]] = counts.get(tags["highway"], 0) + 1
    st.osm_highways = counts
    st.osm_bridges = sum(1 for _, t in way_refs if t.get("bridge") == "yes")


# ---------------------------------------------------------------------------------------------
STUDY_TOML = """# Kunshan 15-minute science-popularisation circle. SYNTHETIC data: see README.md.
[study]
name = "昆山市15分钟科普生态圈 (synthetic data)"
working_crs = "EPSG:4549"
data_date = "2020-11-01"     # census reference date of the population figures (synthetic data)

[units]
path = "towns.shp"
encoding = "GBK"
code_field = "code"
name_field = "name"

[villages]
path = "villages.gpkg"
layer = "villages"
code_field = "code"
name_field = "name"
town_field = "town_code"
urban_field = "urban"

[population]
path = "population.tif"
band = 1
groups = { youth = 2, elderly = 3 }

[[facilities]]
kind = "venue"
label = "科普场馆/科普教育基地"
path = "venues.csv"
crs = "GCJ-02"
id_field = "编号"
name_field = "名称"
capacity_field = "容量"

[[facilities]]
kind = "school"
label = "学校"
path = "schools.gpkg"
layer = "schools"
id_field = "id"
name_field = "name"

[[facilities]]
kind = "station"
label = "社区/村科普站"
path = "stations.geojson"
id_field = "id"
name_field = "name"

[coverage]
methods = ["crowfly", "network"]
radius_m = 1000
minutes = 15
profiles = ["walk", "elderly", "bike", "drive"]
isochrone_minutes = [5, 10, 15]

[network]
path = "roads.osm.pbf"
max_snap_m = 500

[network.speeds]
walk_kmh = 4.5
elderly_kmh = 2.7
bike_kmh = 15

[layers]
water = "water.geojson"

[access]
method = "e2sfca"            # enhanced 2SFCA, stepped weights 1.00 / 0.68 / 0.22 over the catchment
"""


def write_all(st, out):
    os.makedirs(out, exist_ok=True)
    # towns.shp, EPSG:4490, GBK attributes.
    rows = [(dict(code=c, name=st.town[c]["name"]), geom_to_ll(st.town_poly[c])) for c in sorted(st.town)]
    ogr_write(os.path.join(out, "towns.shp"), "ESRI Shapefile", "towns", SRS_CGCS2000, ogr.wkbPolygon,
              [("code", ogr.OFTString, 9), ("name", ogr.OFTString, 20)], rows,
              ["ENCODING=GBK", "DBF_DATE_LAST_UPDATE=2021-01-01"])
    rows = [(dict(code=v["code"], name=v["name"], town_code=v["town_code"], town_name=v["town_name"],
                  urban=v["urban"]), geom_to_ll(v["poly"])) for v in st.villages]
    ogr_write(os.path.join(out, "villages.gpkg"), "GPKG", "villages", SRS_CGCS2000, ogr.wkbPolygon,
              [("code", ogr.OFTString, 12), ("name", ogr.OFTString, 0), ("town_code", ogr.OFTString, 9),
               ("town_name", ogr.OFTString, 0), ("urban", ogr.OFTInteger, 0)], rows)
    water_rows = sorted(st.water, key=lambda w: (w[0], w[1]))
    rows = [(dict(name=n, kind=k), geom_to_ll(g)) for k, n, g in water_rows]
    ogr_write(os.path.join(out, "water.geojson"), "GeoJSON", "water", SRS_WGS84, ogr.wkbPolygon,
              [("name", ogr.OFTString, 0), ("kind", ogr.OFTString, 0)], rows,
              ["COORDINATE_PRECISION=7", "RFC7946=NO"])
    write_population(st, os.path.join(out, "population.tif"))
    write_venues(st, os.path.join(out, "venues.csv"))
    rows = [(dict(id=s["id"], name=s["name"], level=s["level"], demo_school=s["demo_school"],
                  town_code=s["town_code"]), geom_to_ll(s["p"])) for s in st.schools]
    ogr_write(os.path.join(out, "schools.gpkg"), "GPKG", "schools", SRS_CGCS2000, ogr.wkbPoint,
              [("id", ogr.OFTString, 0), ("name", ogr.OFTString, 0), ("level", ogr.OFTString, 0),
               ("demo_school", ogr.OFTInteger, 0), ("town_code", ogr.OFTString, 9)], rows)
    rows = [(dict(id=s["id"], name=s["name"], village_code=s["village_code"], type=s["type"]),
             geom_to_ll(s["p"])) for s in st.stations]
    ogr_write(os.path.join(out, "stations.geojson"), "GeoJSON", "stations", SRS_WGS84, ogr.wkbPoint,
              [("id", ogr.OFTString, 0), ("name", ogr.OFTString, 0), ("village_code", ogr.OFTString, 0),
               ("type", ogr.OFTString, 0)], rows, ["COORDINATE_PRECISION=7", "RFC7946=NO"])
    write_osm(st, os.path.join(out, "roads.osm.pbf"))
    with open(os.path.join(out, "study.toml"), "w", encoding="utf-8", newline="\n") as f:
        f.write(STUDY_TOML)
    with open(os.path.join(out, "README.md"), "w", encoding="utf-8", newline="\n") as f:
        f.write(readme_text(st))


def stats(st):
    pop = st.pop
    n_urban = sum(v["urban"] for v in st.villages)
    n_rural = len(st.villages) - n_urban
    with_station = {s["village_code"] for s in st.stations}
    su = sum(1 for v in st.villages if v["urban"] and v["code"] in with_station)
    sr = sum(1 for v in st.villages if not v["urban"] and v["code"] in with_station)
    return dict(
        towns=len(st.town), villages=len(st.villages), urban=n_urban, rural=n_rural,
        pop=float(pop.sum()), youth=float(st.youth.sum()), elderly=float(st.elderly.sum()),
        cells=int((pop > 0).sum()), max_cell=float(pop.max()), grid=st.grid,
        water_lakes=len(st.lakes), water_canals=len(st.canals),
        water_km2=st.water_union.intersection(st.outline).area / 1e6,
        outline_km2=st.outline.area / 1e6,
        venues=len(st.venues), schools=len(st.schools), demo=sum(s["demo_school"] for s in st.schools),
        levels={lv: sum(1 for s in st.schools if s["level"] == lv) for lv in ("小学", "初中", "九年一贯制", "高中")},
        stations=len(st.stations), st_urban=su, st_rural=sr,
        nodes=st.osm_nodes, ways=st.osm_ways, highways=st.osm_highways, bridges=st.osm_bridges,
    )


def readme_text(st):
    s = stats(st)
    x0, y1, nx, ny = s["grid"]
    town_rows = "\n".join(
        "| %s | %s | %d | %d | %s |" % (c, st.town[c]["name"],
                                        sum(1 for v in st.villages if v["town_code"] == c and v["urban"]),
                                        sum(1 for v in st.villages if v["town_code"] == c and not v["urban"]),
                                        format(round(st.town_population[c]), ","))
        for c in sorted(st.town))
    hw = ", ".join("%s %d" % (k, s["highways"][k]) for k in sorted(s["highways"], key=lambda k: CLASS_RANK[k]))
    lv = ", ".join("%s %d" % (k, v) for k, v in s["levels"].items())
    return f"""# Bundled Kunshan study — ALL DATA ARE SYNTHETIC

Every file in this folder is **made up**. The boundaries, villages, population grid, venues, schools,
science stations, water and roads were generated by `scripts/generate_kunshan.py` so that the
bundled study *looks and behaves* like Kunshan (昆山市): its coarse outline, its 11 statistical units
of the 2020 NBS vintage, its lakes and canals, its dense centre (玉山/开发区/花桥) and sparse water towns
in the south and west (周庄/锦溪/淀山湖), and its 2020 census totals. No feature, name or count
describes a real place, school or facility; do not use these files for planning decisions.

Regenerate with `scripts/generate-geodata.sh [OUTDIR]` (default `geodata/kunshan`); the output is
byte-for-byte reproducible (`scripts/check-geodata-reproducible.sh` checks it; `scripts/validate_geodata.py`
prints the statistics below and checks the invariants). The generator reads no input file.

## How it was made

Facts used (from the project's Kunshan facts sheet, embedded in the script): the 33-vertex coarse
outline (WGS84, ~1 km simplification), the 11 unit codes and names of the 2020 NBS vintage, approximate
town seats, the position of 阳澄湖 (east lobe), 傀儡湖, 澄湖 and the 淀山湖 shore, the 7th-census resident
population 2,092,000 and its age shares (0–14: 15.29 %, 60+: 12.3 %). Everything else is a modelling
choice. Random draws use `numpy.random.default_rng(2021 + k)` with k = 1 water, 2 villages,
3 population, 4 venues, 5 schools, 6 stations, 7 roads. Geometry is built in EPSG:4549 (CGCS2000 /
3-degree Gauss-Kruger CM 120E) and written in the CRS listed per file.

| file | CRS | how | fields |
|---|---|---|---|
| `towns.shp` (+ .dbf .shx .prj .cpg) | EPSG:4490 | Voronoi cells of the 11 town seats clipped to the outline; they tile it with no gap or overlap | `code` (9-digit NBS code), `name` (GBK-encoded, `.cpg` = GBK) |
| `villages.gpkg`, layer `villages` | EPSG:4490 | Voronoi cells of seeded village seats clipped to each town (urban seats normal around the town seat, rural seats uniform outside the core) | `code` (town code + 3 digits: 001.. 社区, 201.. 村), `name`, `town_code`, `town_name`, `urban` (1/0) |
| `water.geojson` | WGS84 | seeded irregular ellipses for the lakes, {s['water_lakes'] - 4} small lakes around 周庄/锦溪, 5 canals as 40–80 m wide buffers of wobbly lines (names borrowed, shapes synthetic) | `name`, `kind` (lake/canal) |
| `population.tif` | EPSG:4549 | 100 m Float32 grid, DEFLATE; per town a Gaussian urban kernel + bumps at urban community seats + rural hamlet bumps + a rural floor, times log-normal noise, scaled to the census total; zero outside the outline (5 m inside) and on water (5 m buffer); rounded to 0.01 | band 1 `population`, band 2 `age_0_14`, band 3 `age_60_plus` (persons per cell) |
| `venues.csv` | GCJ-02 lon/lat (as exported from a Chinese web map; WGS84 → GCJ-02 by the published formula) | 32 named venues near town centres | `编号`, `名称`, `类别` (科普场馆/科普教育基地), `容量` (daily visitors), `经度`, `纬度` |
| `schools.gpkg`, layer `schools` | EPSG:4490 | sites drawn from the population grid, quota per town by population | `id`, `name`, `level` (小学/初中/高中/九年一贯制), `demo_school` (1/0), `town_code` |
| `stations.geojson` | WGS84 | one 社区/村科普站 or 新时代文明实践站 near the seat of ~95 % of urban communities and ~65 % of rural villages; the missing ones are mostly in the south and west | `id`, `name`, `village_code`, `type` |
| `roads.osm.pbf` | OSM (WGS84) | synthetic road network written as OSM XML (sequential ids, version 1, no timestamps) and converted with `osmium cat` | `highway`, `oneway`, `oneway:bicycle`, `maxspeed`, `bridge`, `layer`, `access`, `foot`, `ref`, `name` |
| `study.toml` | — | the study file read by `kepu15 run` | |

Roads: three expressways (G2, G15, S5 refs; two oneway carriageways, diamond interchanges of
`motorway_link` ramps onto arterials); trunk/primary/secondary arterials between town seats, routed
around lakes; street grids (tertiary every fourth line, residential otherwise, 200–250 m spacing; a few
oneway streets in 玉山, some with `oneway:bicycle=no`); a 600 m jittered lattice of unclassified roads
and tracks in the countryside; a lane from every village seat to the nearest road; canal-bank paths, a
cycleway along 娄江, footways, a pedestrian street, two `access=private` service roads and `foot=no` on
one trunk road. Roads cross lakes only on the 傀儡湖 causeway (and expressway viaducts) and cross canals
on bridges (`bridge=yes`): arterials and expressways always, minor roads at most one per ~0.9 km of canal
(1.5 km for tracks and paths); other crossings are cut, so water forces
detours.

## Counts and totals

- Outline {s['outline_km2']:.1f} km²; water inside it {s['water_km2']:.1f} km² ({s['water_lakes']} lakes, {s['water_canals']} canals).
- Units: {s['towns']}; villages: {s['villages']} ({s['urban']} 社区, {s['rural']} 村).
- Population grid: {nx} × {ny} cells, origin ({x0:.0f}, {y1:.0f}); total {s['pop']:,.2f};
  aged 0–14 {s['youth']:,.2f} ({100 * s['youth'] / s['pop']:.2f} %); aged 60+ {s['elderly']:,.2f}
  ({100 * s['elderly'] / s['pop']:.2f} %); {s['cells']:,} populated cells; densest cell {s['max_cell']:.2f}.
- Venues: {s['venues']}. Schools: {s['schools']} ({lv}); {s['demo']} demonstration schools.
- Stations: {s['stations']} ({s['st_urban']} of {s['urban']} urban communities, {s['st_rural']} of {s['rural']} rural villages).
- Roads: {s['nodes']:,} nodes, {s['ways']:,} ways ({hw}); {s['bridges']} bridge ways.

| code | unit | 社区 | 村 | population |
|---|---|---|---|---|
{town_rows}

## Replacing them with real layers

Edit `study.toml` (or copy it next to your data) and point each entry at the real layer; field names
are set there too:

- `[units]`: 民政 / 自然资源 administrative boundaries (区镇), any vintage (units are data; e.g. the
  2023 vintage with 320583401 昆山旅游度假区), with `encoding` for GBK Shapefiles.
- `[villages]`: 民政 village/community (村/社区) boundaries with their 12-digit codes.
- `[population]`: the 第七次人口普查 grid, or WorldPop 100 m (set `band` and `groups`).
- `[[facilities]]`: 科协 lists of 科普场馆/科普教育基地 (CSV in GCJ-02 or BD-09 works with `crs`),
  教育局 school lists (`filter = "demo_school = 1"` for 科学教育综合示范学校), 新时代文明实践站 lists.
- `[network]`: an OpenStreetMap extract (`.osm.pbf`) of Kunshan or a GDAL road line layer.
- `[layers] water`: real water polygons (e.g. OSM `natural=water`).
"""


def main(argv):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = os.path.abspath(argv[1]) if len(argv) > 1 else os.path.join(root, "geodata", "kunshan")
    st = Study()
    build_outline(st)
    build_water(st)
    build_towns(st)
    build_villages(st)
    build_population(st)
    build_venues(st)
    build_schools(st)
    build_stations(st)
    build_roads(st)
    write_all(st, out)
    s = stats(st)
    print("generate_kunshan: wrote %s" % out)
    for k in ("towns", "villages", "urban", "rural", "pop", "youth", "elderly", "cells", "max_cell",
              "venues", "schools", "demo", "stations", "st_urban", "st_rural", "nodes", "ways", "bridges"):
        print("  %-10s %s" % (k, s[k]))
    print("  highways   %s" % s["highways"])


if __name__ == "__main__":
    main(sys.argv)
