// The parts of reading a population raster shared by read_raster (whole grid) and
// read_populated_cells (window by window): opening and checking the dataset and the requested bands,
// and the rules every cell value obeys.
#pragma once

#include "kepu15/error.hpp"
#include "kepu15/io/detail/gdal_util.hpp"
#include "kepu15/io/raster_reader.hpp"
#include "kepu15/range.hpp"

#include <array>
#include <cmath>
#include <string>
#include <vector>

namespace kepu15::io::detail {

struct RasterBandSource {
    GDALRasterBand* band = nullptr;
    int number = 0;     // 1-based band number
    std::string where;  // "file, band N"
    int has_nodata = 0;
    double nodata = 0.0;
    GDALDataType type = GDT_Float64;
};

struct RasterSource {
    GDALDatasetUniquePtr ds;
    std::string shown;  // the path for messages (passwords redacted)
    int width = 0;
    int height = 0;
    std::array<double, 6> geotransform{};
    std::string crs;                     // the raster's own, or the override
    std::vector<RasterBandSource> bands; // the requested bands, in order
};

// Throws input_error (missing file, not a raster, no bands requested, band out of range) and
// crs_error (no CRS and none given).
RasterSource open_raster_source(const std::string& path, const RasterReadOptions& options);

// Nodata compared at the band's own precision: a Float32 nodata of 0.1 is not the double 0.1.
inline bool is_nodata(double v, double nodata, GDALDataType type) {
    if (std::isnan(nodata)) return std::isnan(v);
    if (type == GDT_Float32) return static_cast<float>(v) == static_cast<float>(nodata);
    return v == nodata;
}

// The value rules of a count band, applied to `v` in place: nodata becomes 0; NaN, infinite, values
// above options.max_value and (unless options.negative is clamp) negative values are refused naming
// the cell; clamped negatives become 0 and are counted. `cell_name()` is called only for messages.
template <class CellName>
void apply_value_rules(double& v, const RasterBandSource& b, const RasterReadOptions& options, std::size_t& clamped,
                       double& clamped_sum, CellName&& cell_name) {
    if (b.has_nodata != 0 && is_nodata(v, b.nodata, b.type)) {
        v = 0.0;
    } else if (!std::isfinite(v)) {
        throw input_error(b.where + ": " + (std::isnan(v) ? "NaN" : "infinite") + " value at " + cell_name() +
                          "; set the band's nodata value if it marks missing data");
    } else if (v < 0.0) {
        if (options.negative == NegativeValues::error) {
            throw input_error(b.where + ": negative value " + short_number(v) + " at " + cell_name() +
                              " is not a count; set the band's nodata value if it marks missing data, "
                              "or set [population] negative = \"clamp\" to count such cells as 0");
        }
        ++clamped;
        clamped_sum += v;
        v = 0.0;
    } else if (v > options.max_value) {
        throw input_error(b.where + ": value " + short_number(v) + " at " + cell_name() + " exceeds " +
                          short_number(options.max_value) +
                          " per cell; it looks like an undeclared nodata value (set the band's nodata)");
    }
}

}  // namespace kepu15::io::detail
