#include "kepu15/io/raster_reader.hpp"

#include <algorithm>
#include <cmath>

#include "kepu15/error.hpp"
#include "kepu15/range.hpp"
#include "kepu15/io/detail/gdal_util.hpp"

namespace kepu15::io {

using detail::ErrorKind;
using detail::GdalErrorScope;

namespace {
Point apply(const std::array<double, 6>& gt, double col, double row) {
    return {gt[0] + col * gt[1] + row * gt[2], gt[3] + col * gt[4] + row * gt[5]};
}

// Nodata compared at the band's own precision: a Float32 nodata of 0.1 is not the double 0.1.
bool is_nodata(double v, double nodata, GDALDataType type) {
    if (std::isnan(nodata)) return std::isnan(v);
    if (type == GDT_Float32) return static_cast<float>(v) == static_cast<float>(nodata);
    return v == nodata;
}
}  // namespace

Point RasterGrid::cell_centre(int col, int row) const { return apply(geotransform, col + 0.5, row + 0.5); }

Polygon RasterGrid::cell_polygon(int col, int row) const {
    Ring r{apply(geotransform, col, row), apply(geotransform, col + 1, row),
           apply(geotransform, col + 1, row + 1), apply(geotransform, col, row + 1)};
    r.push_back(r.front());
    if (signed_area(r) < 0) std::reverse(r.begin(), r.end());
    return Polygon{std::move(r), {}};
}

RasterGrid read_raster(const std::string& path, const RasterReadOptions& options) {
    auto ds = detail::open_dataset(path, GDAL_OF_RASTER | GDAL_OF_VERBOSE_ERROR);
    const std::string shown = detail::redact(path);

    RasterGrid grid;
    grid.path = path;
    grid.width = ds->GetRasterXSize();
    grid.height = ds->GetRasterYSize();
    if (grid.width <= 0 || grid.height <= 0 || ds->GetRasterCount() == 0) {
        throw input_error(shown + ": not a raster with bands");
    }
    {
        GdalErrorScope quiet;  // a missing geotransform leaves GDAL's default (0,1,0,0,0,1)
        if (ds->GetGeoTransform(grid.geotransform.data()) != CE_None) grid.geotransform = {0, 1, 0, 0, 0, 1};
    }

    if (!options.crs.empty()) {
        grid.crs = options.crs;
    } else if (const OGRSpatialReference* srs = ds->GetSpatialRef()) {
        grid.crs = detail::crs_wkt(srs);
    }
    if (grid.crs.empty()) {
        throw crs_error(shown + ": the raster has no CRS; give one (e.g. crs = \"EPSG:4549\")");
    }

    if (options.bands.empty()) throw input_error(shown + ": no bands requested");
    const double cell_count = static_cast<double>(grid.width) * static_cast<double>(grid.height);
    if (cell_count > max_raster_cells) {
        throw input_error(shown + ": " + std::to_string(grid.width) + " x " + std::to_string(grid.height) + " = " +
                          short_number(cell_count) + " cells would need " +
                          short_number(cell_count * 8.0 * static_cast<double>(options.bands.size()) / 1e9) +
                          " GB of memory; the limit is " + short_number(max_raster_cells) +
                          " cells: clip the raster to the study area or aggregate it to larger cells");
    }
    const std::size_t cells = static_cast<std::size_t>(grid.width) * static_cast<std::size_t>(grid.height);
    for (const int b : options.bands) {
        if (b < 1 || b > ds->GetRasterCount()) {
            throw input_error(shown + ": band " + std::to_string(b) + " out of range (the raster has " +
                              std::to_string(ds->GetRasterCount()) + " band(s))");
        }
        GDALRasterBand* band = ds->GetRasterBand(b);
        const std::string band_where = shown + ", band " + std::to_string(b);
        std::string name = band->GetDescription();
        grid.band_names.push_back(name.empty() ? "band" + std::to_string(b) : name);

        std::vector<double> values(cells);
        GdalErrorScope errors;
        detail::check(band->RasterIO(GF_Read, 0, 0, grid.width, grid.height, values.data(), grid.width,
                                     grid.height, GDT_Float64, 0, 0, nullptr),
                      ErrorKind::input, band_where + ": read error", errors);
        int has_nodata = 0;
        const double nodata = band->GetNoDataValue(&has_nodata);
        const GDALDataType type = band->GetRasterDataType();
        const auto cell_name = [&](std::size_t i) {
            const auto col = static_cast<int>(i % static_cast<std::size_t>(grid.width));
            const auto row = static_cast<int>(i / static_cast<std::size_t>(grid.width));
            return "cell (col " + std::to_string(col) + ", row " + std::to_string(row) + ")";
        };
        for (std::size_t i = 0; i < cells; ++i) {
            double& v = values[i];
            if (has_nodata != 0 && is_nodata(v, nodata, type)) {
                v = 0.0;
            } else if (!std::isfinite(v)) {
                throw input_error(band_where + ": " + (std::isnan(v) ? "NaN" : "infinite") + " value at " +
                                  cell_name(i) + "; set the band's nodata value if it marks missing data");
            } else if (v < 0.0) {
                if (options.negative == NegativeValues::error) {
                    throw input_error(band_where + ": negative value " + short_number(v) + " at " + cell_name(i) +
                                      " is not a count; set the band's nodata value if it marks missing data, "
                                      "or set [population] negative = \"clamp\" to count such cells as 0");
                }
                ++grid.clamped;
                grid.clamped_sum += v;
                v = 0.0;
            } else if (v > options.max_value) {
                throw input_error(band_where + ": value " + short_number(v) + " at " + cell_name(i) +
                                  " exceeds " + short_number(options.max_value) +
                                  " per cell; it looks like an undeclared nodata value (set the band's nodata)");
            }
        }
        grid.bands.push_back(std::move(values));
    }
    return grid;
}

}  // namespace kepu15::io
