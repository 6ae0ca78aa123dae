// Writes a single-band Float32 GeoTIFF (DEFLATE) through GDAL, via a temporary file and rename.
#pragma once

#include <array>
#include <string>
#include <vector>

namespace kepu15::io {

struct RasterOutput {
    std::string crs;                       // any CRS string GDAL/PROJ accepts (WKT, EPSG:xxxx)
    std::array<double, 6> geotransform{};  // GDAL order
    int width = 0;
    int height = 0;
    std::vector<float> values;             // row-major, width * height
    float nodata = -9999.0F;
    std::string description;               // band description, e.g. "minutes to the nearest station (walk)"
};

// Throws output_error naming the path; leaves no file behind on failure.
void write_raster(const std::string& path, const RasterOutput& raster);

}  // namespace kepu15::io
