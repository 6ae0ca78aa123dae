#!/usr/bin/python3
"""Writes the small committed fixtures of tests/fixtures/io (deterministic; rerun to regenerate).

Run with Debian's Python, which has GDAL:  /usr/bin/python3 scripts/make-test-fixtures.py
Every file is named by what it contains; the tests state the same values by hand.
"""
import json
import os
import shutil
import sys

from osgeo import gdal, ogr, osr

gdal.UseExceptions()
ogr.UseExceptions()
# Fixed dates so that rerunning the script gives byte-identical files.
gdal.SetConfigOption("OGR_CURRENT_DATE", "2024-01-01T00:00:00.000Z")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "fixtures", "io")


def path(name):
    return os.path.join(OUT, name)


def srs(epsg):
    s = osr.SpatialReference()
    s.ImportFromEPSG(epsg)
    s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return s


def write_text(name, text):
    with open(path(name), "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def write_geojson(name, features):
    fc = {"type": "FeatureCollection", "name": os.path.splitext(name)[0], "features": features}
    write_text(name, json.dumps(fc, ensure_ascii=False, indent=1) + "\n")


def point(props, x, y):
    return {"type": "Feature", "properties": props, "geometry": {"type": "Point", "coordinates": [x, y]}}


def remove_shapefile(stem):
    for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
        if os.path.exists(path(stem + ext)):
            os.remove(path(stem + ext))


def write_shapefile(stem, crs_epsg, encoding, rows):
    """rows: (name, students, lon, lat). Attributes in `encoding` (.cpg written by GDAL)."""
    remove_shapefile(stem)
    ds = ogr.GetDriverByName("ESRI Shapefile").CreateDataSource(path(stem + ".shp"))
    options = ["DBF_DATE_LAST_UPDATE=2024-01-01"]
    if encoding:
        options.append("ENCODING=" + encoding)
    layer = ds.CreateLayer(stem, srs(crs_epsg) if crs_epsg else None, ogr.wkbPoint, options)
    name = ogr.FieldDefn("name", ogr.OFTString)
    name.SetWidth(40)
    layer.CreateField(name)
    layer.CreateField(ogr.FieldDefn("students", ogr.OFTInteger))
    for n, students, x, y in rows:
        f = ogr.Feature(layer.GetLayerDefn())
        f.SetField("name", n)
        f.SetField("students", students)
        f.SetGeometry(ogr.CreateGeometryFromWkt("POINT (%r %r)" % (x, y)))
        layer.CreateFeature(f)
    ds = None


def write_raster(name, dtype, bands, nodata, epsg, descriptions=None):
    """bands: list of row lists (height x width)."""
    height, width = len(bands[0]), len(bands[0][0])
    ds = gdal.GetDriverByName("GTiff").Create(path(name), width, height, len(bands), dtype)
    # 100 m cells, top-left corner at (500000, 3475000) in the given CRS.
    ds.SetGeoTransform((500000.0, 100.0, 0.0, 3475000.0, 0.0, -100.0))
    if epsg:
        ds.SetSpatialRef(srs(epsg))
    for i, rows in enumerate(bands):
        b = ds.GetRasterBand(i + 1)
        if nodata is not None:
            b.SetNoDataValue(nodata)
        if descriptions:
            b.SetDescription(descriptions[i])
        for r, row in enumerate(rows):
            b.WriteRaster(0, r, width, 1, row_bytes(dtype, row), buf_type=dtype)
    ds = None


def row_bytes(dtype, row):
    import struct
    fmt = {gdal.GDT_Float32: "f", gdal.GDT_Int16: "h"}[dtype]
    return struct.pack("<%d%s" % (len(row), fmt), *row)


def main():
    os.makedirs(OUT, exist_ok=True)

    # GeoJSON, WGS84 points with Chinese text, integers, reals and nulls.
    write_geojson("points_wgs84.geojson", [
        point({"name": "昆山市科技馆", "visitors": 1200, "rating": 4.5}, 120.9581, 31.3846),
        point({"name": "Kunshan Library", "visitors": 800, "rating": None}, 120.9612, 31.3791),
        point({"name": "周庄博物馆", "visitors": None, "rating": 3.25}, 120.8493, 31.1171),
    ])

    # GeoPackage in EPSG:4490 (CGCS2000), layer "parks", one polygon with a hole.
    if os.path.exists(path("parks_epsg4490.gpkg")):
        os.remove(path("parks_epsg4490.gpkg"))
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(path("parks_epsg4490.gpkg"))
    layer = ds.CreateLayer("parks", srs(4490), ogr.wkbPolygon, ["SPATIAL_INDEX=NO"])
    layer.CreateField(ogr.FieldDefn("name", ogr.OFTString))
    layer.CreateField(ogr.FieldDefn("area_ha", ogr.OFTReal))
    for n, area, wkt in [
        ("亭林园", 12.5, "POLYGON ((120.95 31.38,120.96 31.38,120.96 31.39,120.95 31.39,120.95 31.38))"),
        ("森林公园", 40.0, "POLYGON ((121.0 31.3,121.02 31.3,121.02 31.32,121.0 31.32,121.0 31.3),"
                          "(121.005 31.305,121.005 31.31,121.01 31.31,121.01 31.305,121.005 31.305))"),
    ]:
        f = ogr.Feature(layer.GetLayerDefn())
        f.SetField("name", n)
        f.SetField("area_ha", area)
        f.SetGeometry(ogr.CreateGeometryFromWkt(wkt))
        layer.CreateFeature(f)
    ds = None
    # Smaller SQLite pages keep the committed file small.
    ds = gdal.OpenEx(path("parks_epsg4490.gpkg"), gdal.OF_VECTOR | gdal.OF_UPDATE)
    ds.ExecuteSQL("PRAGMA page_size = 512")
    ds.ExecuteSQL("VACUUM")
    ds = None

    # Shapefiles with GBK attributes: with a .cpg, and the same without it.
    schools = [("昆山市第一中学", 1850, 120.9602, 31.3869), ("玉山镇中心小学", 960, 120.9751, 31.3912)]
    write_shapefile("schools_gbk", 4326, "GBK", schools)
    write_shapefile("schools_gbk_nocpg", 4326, "GBK", schools)
    os.remove(path("schools_gbk_nocpg.cpg"))
    # A shapefile without a .prj (no CRS).
    write_shapefile("points_no_crs", None, "UTF-8", [("a", 1, 500100.0, 3474900.0)])
    os.remove(path("points_no_crs.cpg"))

    # CSV with 经度/纬度 in GCJ-02 (as copied from AMap), and CSV with lng/lat in WGS84.
    write_text("pois_gcj02_jingwei.csv",
               "名称,经度,纬度,类别\n"
               "昆山市科技馆,120.962616,31.382493,科技馆\n"
               "昆山图书馆,120.965725,31.377012,图书馆\n")
    write_text("pois_lnglat.csv",
               "name,lng,lat,visitors\n"
               "site a,120.95,31.38,150\n"
               "site b,121.0,31.4,\n")
    # Row 2 has "nan" as longitude; row 3 of the second file has an infinite longitude.
    write_text("nan_coordinate.csv", "name,lng,lat\nok,120.95,31.38\nbad,nan,31.4\n")
    write_text("infinite_coordinate.csv", "name,lng,lat\nok,120.95,31.38\nok2,120.96,31.39\nbad,1e999,31.4\n")

    # Empty layer, null geometry (feature 1), bow-tie polygon (feature 1).
    write_geojson("empty_layer.geojson", [])
    write_geojson("null_geometry.geojson", [
        point({"name": "ok"}, 120.95, 31.38),
        {"type": "Feature", "properties": {"name": "no geometry"}, "geometry": None},
    ])
    write_geojson("bowtie_polygon.geojson", [
        {"type": "Feature", "properties": {"name": "square"},
         "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}},
        {"type": "Feature", "properties": {"name": "bowtie"},
         "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]]}},
    ])

    # Rasters, 4 columns x 3 rows of 100 m cells in EPSG:4549.
    write_raster("pop_4x3_nodata_-9999.tif", gdal.GDT_Float32,
                 [[[10, 20, -9999, 5], [0, -3, 7.5, 100], [1, 2, 3, 4]]], -9999.0, 4549)
    write_raster("pop_4x3_two_bands.tif", gdal.GDT_Int16,
                 [[[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]],
                  [[-1, 0, 30, 40], [50, 60, 70, 80], [90, 100, 110, -1]]], -1, 4549,
                 ["children", "elderly"])
    nan = float("nan")
    write_raster("pop_4x3_nan_at_col2_row1.tif", gdal.GDT_Float32,
                 [[[1, 1, 1, 1], [1, 1, nan, 1], [1, 1, 1, 1]]], None, 4549)
    write_text("pop_4x3_no_crs.asc",
               "ncols 4\nnrows 3\nxllcorner 500000\nyllcorner 3474700\ncellsize 100\nNODATA_value -9999\n"
               "10 20 -9999 5\n0 -3 7.5 100\n1 2 3 4\n")
    for f in os.listdir(OUT):
        if f.endswith(".aux.xml"):
            os.remove(path(f))
    print("wrote", len(os.listdir(OUT)), "files to", OUT)


if __name__ == "__main__":
    sys.exit(main())
