#include "kepu15/io/raster_reader.hpp"

#include <algorithm>
#include <cmath>

#include "kepu15/error.hpp"
#include "kepu15/range.hpp"
#include "kepu15/io/detail/gdal_util.hpp"
#include "kepu15/io/detail/raster_source.hpp"

namespace kepu15::io {

using detail::ErrorKind;
using detail::GdalErrorScope;

namespace {
Point apply(const std::array<double, 6>& gt, double col, double row) {
    return {gt[0] + col * gt[1] + row * gt[2], gt[3] + col * gt[4] + row * gt[5]};
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

namespace detail {

RasterSource open_raster_source(const std::string& path, const RasterReadOptions& options) {
    RasterSource src;
    src.ds = open_dataset(path, GDAL_OF_RASTER | GDAL_OF_VERBOSE_ERROR);
    src.shown = redact(path);
    src.width = src.ds->GetRasterXSize();
    src.height = src.ds->GetRasterYSize();
    if (src.width <= 0 || src.height <= 0 || src.ds->GetRasterCount() == 0) {
        throw input_error(src.shown + ": not a raster with bands");
    }
    {
        GdalErrorScope quiet;  // a missing geotransform leaves GDAL's default (0,1,0,0,0,1)
        if (src.ds->GetGeoTransform(src.geotransform.data()) != CE_None) src.geotransform = {0, 1, 0, 0, 0, 1};
    }
    if (!options.crs.empty()) {
        src.crs = options.crs;
    } else if (const OGRSpatialReference* srs = src.ds->GetSpatialRef()) {
        src.crs = crs_wkt(srs);
    }
    if (src.crs.empty()) {
        throw crs_error(src.shown + ": the raster has no CRS; give one (e.g. crs = \"EPSG:4549\")");
    }
    if (options.bands.empty()) throw input_error(src.shown + ": no bands requested");
    for (const int b : options.bands) {
        if (b < 1 || b > src.ds->GetRasterCount()) {
            throw input_error(src.shown + ": band " + std::to_string(b) + " out of range (the raster has " +
                              std::to_string(src.ds->GetRasterCount()) + " band(s))");
        }
        RasterBandSource r;
        r.band = src.ds->GetRasterBand(b);
        r.number = b;
        r.where = src.shown + ", band " + std::to_string(b);
        r.nodata = r.band->GetNoDataValue(&r.has_nodata);
        r.type = r.band->GetRasterDataType();
        src.bands.push_back(r);
    }
    return src;
}

}  // namespace detail

RasterGrid read_raster(const std::string& path, const RasterReadOptions& options) {
    detail::RasterSource src = detail::open_raster_source(path, options);
    RasterGrid grid;
    grid.path = path;
    grid.width = src.width;
    grid.height = src.height;
    grid.geotransform = src.geotransform;
    grid.crs = src.crs;
    const double cell_count = static_cast<double>(grid.width) * static_cast<double>(grid.height);
    if (cell_count > max_raster_cells) {
        throw input_error(src.shown + ": " + std::to_string(grid.width) + " x " + std::to_string(grid.height) +
                          " = " + short_number(cell_count) + " cells would need " +
                          short_number(cell_count * 8.0 * static_cast<double>(options.bands.size()) / 1e9) +
                          " GB of memory; the limit is " + short_number(max_raster_cells) +
                          " cells: clip the raster to the study area or aggregate it to larger cells");
    }
    const std::size_t cells = static_cast<std::size_t>(grid.width) * static_cast<std::size_t>(grid.height);
    for (const auto& b : src.bands) {
        const std::string name = b.band->GetDescription();
        grid.band_names.push_back(name.empty() ? "band" + std::to_string(b.number) : name);
        std::vector<double> values(cells);
        GdalErrorScope errors;
        detail::check(b.band->RasterIO(GF_Read, 0, 0, grid.width, grid.height, values.data(), grid.width,
                                       grid.height, GDT_Float64, 0, 0, nullptr),
                      ErrorKind::input, b.where + ": read error", errors);
        for (std::size_t i = 0; i < cells; ++i) {
            detail::apply_value_rules(values[i], b, options, grid.clamped, grid.clamped_sum, [&] {
                const auto col = static_cast<int>(i % static_cast<std::size_t>(grid.width));
                const auto row = static_cast<int>(i / static_cast<std::size_t>(grid.width));
                return "cell (col " + std::to_string(col) + ", row " + std::to_string(row) + ")";
            });
        }
        grid.bands.push_back(std::move(values));
    }
    return grid;
}

}  // namespace kepu15::io
