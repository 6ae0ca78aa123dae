#include "kepu15/io/populated_cells.hpp"

#include "kepu15/error.hpp"
#include "kepu15/io/detail/gdal_util.hpp"

#include <algorithm>
#include <cmath>

namespace kepu15::io {

using detail::ErrorKind;
using detail::GdalErrorScope;

namespace {

bool is_nodata(double v, double nodata, GDALDataType type) {
    if (std::isnan(nodata)) return std::isnan(v);
    if (type == GDT_Float32) return static_cast<float>(v) == static_cast<float>(nodata);
    return v == nodata;
}

struct BandReader {
    GDALRasterBand* band = nullptr;
    std::string where;
    int has_nodata = 0;
    double nodata = 0.0;
    GDALDataType type = GDT_Float64;
};

}  // namespace

PopulatedCells read_populated_cells(const std::string& path, const RasterReadOptions& options) {
    auto ds = detail::open_dataset(path, GDAL_OF_RASTER | GDAL_OF_VERBOSE_ERROR);
    const std::string shown = detail::redact(path);
    PopulatedCells out;
    out.path = path;
    out.width = ds->GetRasterXSize();
    out.height = ds->GetRasterYSize();
    if (out.width <= 0 || out.height <= 0 || ds->GetRasterCount() == 0) {
        throw input_error(shown + ": not a raster with bands");
    }
    {
        GdalErrorScope quiet;  // a missing geotransform leaves GDAL's default (0,1,0,0,0,1)
        if (ds->GetGeoTransform(out.geotransform.data()) != CE_None) out.geotransform = {0, 1, 0, 0, 0, 1};
    }
    if (!options.crs.empty()) {
        out.crs = options.crs;
    } else if (const OGRSpatialReference* srs = ds->GetSpatialRef()) {
        out.crs = detail::crs_wkt(srs);
    }
    if (out.crs.empty()) throw crs_error(shown + ": the raster has no CRS; give one (e.g. crs = \"EPSG:4549\")");
    if (options.bands.empty()) throw input_error(shown + ": no bands requested");

    std::vector<BandReader> bands;
    for (const int b : options.bands) {
        if (b < 1 || b > ds->GetRasterCount()) {
            throw input_error(shown + ": band " + std::to_string(b) + " out of range (the raster has " +
                              std::to_string(ds->GetRasterCount()) + " band(s))");
        }
        BandReader r;
        r.band = ds->GetRasterBand(b);
        r.where = shown + ", band " + std::to_string(b);
        r.nodata = r.band->GetNoDataValue(&r.has_nodata);
        r.type = r.band->GetRasterDataType();
        bands.push_back(r);
    }
    out.bands.assign(bands.size(), {});

    // Window by window along the file's own blocks (tiles, or strips of rows), so each block is
    // decoded once; windows the file marks as empty (sparse GeoTIFF blocks never written) are
    // skipped without reading, so time grows with the populated part, not with the extent.
    int block_w = 0;
    int block_h = 0;
    bands[0].band->GetBlockSize(&block_w, &block_h);
    const int win_h = std::clamp(block_h, 1, 1024);
    const int win_w = block_w >= out.width ? out.width : std::clamp(block_w, 1, 4096);
    std::vector<std::vector<double>> buf(bands.size());
    for (int y0 = 0; y0 < out.height; y0 += win_h) {
        const int rows = std::min(win_h, out.height - y0);
        for (int x0 = 0; x0 < out.width; x0 += win_w) {
            const int cols = std::min(win_w, out.width - x0);
            {
                GdalErrorScope quiet;
                if (bands[0].band->GetDataCoverageStatus(x0, y0, cols, rows) == GDAL_DATA_COVERAGE_STATUS_EMPTY) continue;
            }
            const std::size_t n = static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols);
            for (std::size_t k = 0; k < bands.size(); ++k) {
                buf[k].resize(n);
                GdalErrorScope errors;
                detail::check(bands[k].band->RasterIO(GF_Read, x0, y0, cols, rows, buf[k].data(), cols, rows,
                                                      GDT_Float64, 0, 0, nullptr),
                              ErrorKind::input, bands[k].where + ": read error", errors);
                // Value rules per band: nodata -> 0, NaN/infinite refused, negative -> 0.
                for (std::size_t i = 0; i < n; ++i) {
                    double& v = buf[k][i];
                    if (bands[k].has_nodata != 0 && is_nodata(v, bands[k].nodata, bands[k].type)) {
                        v = 0.0;
                    } else if (!std::isfinite(v)) {
                        const int col = x0 + static_cast<int>(i % static_cast<std::size_t>(cols));
                        const int row = y0 + static_cast<int>(i / static_cast<std::size_t>(cols));
                        throw input_error(bands[k].where + ": " + (std::isnan(v) ? "NaN" : "infinite") +
                                          " value at cell (col " + std::to_string(col) + ", row " +
                                          std::to_string(row) + ")");
                    } else if (v < 0.0) {
                        v = 0.0;
                    }
                }
            }
            for (std::size_t i = 0; i < n; ++i) {
                const double pop = buf[0][i];
                out.total += pop;
                if (!(pop > 0.0)) continue;
                out.col.push_back(x0 + static_cast<std::int32_t>(i % static_cast<std::size_t>(cols)));
                out.row.push_back(y0 + static_cast<std::int32_t>(i / static_cast<std::size_t>(cols)));
                for (std::size_t k = 0; k < bands.size(); ++k) out.bands[k].push_back(buf[k][i]);
            }
        }
    }
    // Tiles give cells in tile order; the rest of kepu15 expects raster (row-major) order.
    if (win_w < out.width) {
        std::vector<std::size_t> order(out.size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
            return out.row[a] != out.row[b] ? out.row[a] < out.row[b] : out.col[a] < out.col[b];
        });
        const auto permute = [&](auto& v) {
            auto copy = v;
            for (std::size_t i = 0; i < order.size(); ++i) v[i] = copy[order[i]];
        };
        permute(out.col);
        permute(out.row);
        for (auto& b : out.bands) permute(b);
    }
    return out;
}

}  // namespace kepu15::io
