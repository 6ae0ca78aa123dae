#include "kepu15/io/populated_cells.hpp"

#include "kepu15/error.hpp"
#include "kepu15/io/detail/gdal_util.hpp"
#include "kepu15/io/detail/raster_source.hpp"
#include "kepu15/range.hpp"

#include <algorithm>
#include <cmath>

namespace kepu15::io {

using detail::ErrorKind;
using detail::GdalErrorScope;

PopulatedCells read_populated_cells(const std::string& path, const RasterReadOptions& options) {
    detail::RasterSource src = detail::open_raster_source(path, options);
    const auto& bands = src.bands;
    PopulatedCells out;
    out.path = path;
    out.width = src.width;
    out.height = src.height;
    out.geotransform = src.geotransform;
    out.crs = src.crs;
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
                // Value rules per band, as read_raster's; clamped cells counted on band 1 only.
                std::size_t clamped = 0;
                double clamped_sum = 0.0;
                for (std::size_t i = 0; i < n; ++i) {
                    detail::apply_value_rules(buf[k][i], bands[k], options, clamped, clamped_sum, [&] {
                        const int col = x0 + static_cast<int>(i % static_cast<std::size_t>(cols));
                        const int row = y0 + static_cast<int>(i / static_cast<std::size_t>(cols));
                        return "cell (col " + std::to_string(col) + ", row " + std::to_string(row) + ")";
                    });
                }
                if (k == 0) {
                    out.clamped += clamped;
                    out.clamped_sum += clamped_sum;
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
