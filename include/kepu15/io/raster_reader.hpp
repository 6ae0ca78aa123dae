// Reads a population raster (any GDAL raster: GeoTIFF, ASC, ...) as a regular grid.
#pragma once

#include "kepu15/geo/geometry.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace kepu15::io {

struct RasterGrid {
    std::string path;
    std::string crs;                       // WKT of the raster's CRS (or the override)
    std::array<double, 6> geotransform{};  // GDAL order
    int width = 0;
    int height = 0;
    std::vector<std::string> band_names;   // band description, or "band<N>"
    // Row-major values per requested band; nodata and negative values become 0.
    std::vector<std::vector<double>> bands;

    // Cell corner/centre in the raster CRS.
    [[nodiscard]] Point cell_centre(int col, int row) const;
    [[nodiscard]] Polygon cell_polygon(int col, int row) const;
};

struct RasterReadOptions {
    std::vector<int> bands{1};  // 1-based band numbers. DEFAULT: band 1 only
    std::string crs;            // DEFAULT: the raster's own CRS
};

// True when GDAL opens `path` as a raster (and not as a vector source). False for missing files.
bool is_raster(const std::string& path);

// Throws input_error (missing file, not a raster, band out of range, NaN value with its cell),
// crs_error (no CRS and none given).
RasterGrid read_raster(const std::string& path, const RasterReadOptions& options = {});

}  // namespace kepu15::io
