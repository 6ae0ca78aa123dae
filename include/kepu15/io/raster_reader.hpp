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
    // Row-major values per requested band; nodata becomes 0 (negative values: see RasterReadOptions).
    std::vector<std::vector<double>> bands;
    std::size_t clamped = 0;               // negative values set to 0 (NegativeValues::clamp)
    double clamped_sum = 0.0;              // their sum (negative)

    // Cell corner/centre in the raster CRS.
    [[nodiscard]] Point cell_centre(int col, int row) const;
    [[nodiscard]] Polygon cell_polygon(int col, int row) const;
};

// What a negative cell value (not nodata) means for counts such as population.
enum class NegativeValues { error, clamp };

// Largest raster read, in cells per band, refused before allocating (8 bytes per cell and band).
inline constexpr double max_raster_cells = 2e8;

struct RasterReadOptions {
    std::vector<int> bands{1};  // 1-based band numbers. DEFAULT: band 1 only
    std::string crs;            // DEFAULT: the raster's own CRS
    // DEFAULT: error naming the first cell; clamp sets them to 0 and counts them (RasterGrid::clamped).
    NegativeValues negative = NegativeValues::error;
    // Values above this are an error naming the cell (3e38 is a broken nodata, not a count).
    // DEFAULT: 1e7 (a cell holding ten million persons)
    double max_value = 1e7;
};

// True when GDAL opens `path` as a raster (and not as a vector source). False for missing files.
bool is_raster(const std::string& path);

// Throws input_error (missing file, not a raster, band out of range, more than max_raster_cells,
// NaN value, negative value unless clamped, value above max_value, each naming its cell),
// crs_error (no CRS and none given).
RasterGrid read_raster(const std::string& path, const RasterReadOptions& options = {});

}  // namespace kepu15::io
