#!/usr/bin/python3
"""Embeds a population raster in a much larger, mostly empty one (same CRS, cell size and cells):
a tiled, sparse, compressed GeoTIFF of SIZE x SIZE cells in which only the source's blocks are
written. Used to check that kepu15's cost follows the populated cells, not the raster's extent.
Usage: make-sparse-raster.py SRC.tif DST.tif [SIZE]   (DEFAULT SIZE 20000)"""
import sys

import numpy as np
from osgeo import gdal

gdal.UseExceptions()
src_path, dst_path = sys.argv[1], sys.argv[2]
size = int(sys.argv[3]) if len(sys.argv) > 3 else 20000
src = gdal.Open(src_path)
gt = list(src.GetGeoTransform())
# The source sits at (offset, offset) cells from the new origin, away from the edges.
off_x = (size - src.RasterXSize) // 3 // 256 * 256
off_y = (size - src.RasterYSize) // 2 // 256 * 256
new_gt = (gt[0] - off_x * gt[1], gt[1], gt[2], gt[3] - off_y * gt[5], gt[4], gt[5])
drv = gdal.GetDriverByName("GTiff")
dst = drv.Create(dst_path, size, size, src.RasterCount, gdal.GDT_Float32,
                 ["TILED=YES", "BLOCKXSIZE=256", "BLOCKYSIZE=256", "COMPRESS=DEFLATE", "SPARSE_OK=TRUE",
                  "BIGTIFF=YES"])
dst.SetGeoTransform(new_gt)
dst.SetProjection(src.GetProjection())
for b in range(1, src.RasterCount + 1):
    data = src.GetRasterBand(b).ReadAsArray().astype(np.float32)
    band = dst.GetRasterBand(b)
    nodata = src.GetRasterBand(b).GetNoDataValue()
    if nodata is not None:
        band.SetNoDataValue(nodata)
    desc = src.GetRasterBand(b).GetDescription()
    if desc:
        band.SetDescription(desc)
    band.WriteArray(data, off_x, off_y)
dst.FlushCache()
dst = None
print(f"{dst_path}: {size} x {size} cells, source at col {off_x}, row {off_y}")
