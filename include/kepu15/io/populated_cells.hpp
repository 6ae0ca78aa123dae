// Reads the populated cells of a population raster block by block: memory and time grow with the
// populated cells, not with the raster's extent (a 20,000 x 20,000 raster holding 88,000 populated
// cells needs the 88,000, never the 400 million).
#pragma once

#include "kepu15/io/raster_reader.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace kepu15::io {

struct PopulatedCells {
    std::string path;
    std::string crs;                       // WKT of the raster's CRS (or the override)
    std::array<double, 6> geotransform{};  // GDAL order
    int width = 0;
    int height = 0;
    std::vector<std::int32_t> col;         // per populated cell, in raster (row-major) order
    std::vector<std::int32_t> row;
    // Per requested band, the values of the populated cells; band 0 decides "populated" (> 0).
    std::vector<std::vector<double>> bands;
    double total = 0.0;                    // sum of band 0 over the whole raster

    [[nodiscard]] std::size_t size() const { return col.size(); }
};

// Same options, value rules and errors as read_raster (nodata → 0, NaN/infinite refused naming the
// cell), without ever holding more than one block row of the raster.
PopulatedCells read_populated_cells(const std::string& path, const RasterReadOptions& options = {});

}  // namespace kepu15::io
