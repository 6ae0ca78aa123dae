#include "kepu15/geo/grid_mask.hpp"

#include "kepu15/error.hpp"
#include "kepu15/geo/lattice_outline.hpp"
#include "kepu15/range.hpp"

#include <algorithm>
#include <cmath>

namespace kepu15::geo {

namespace {
constexpr double max_grid_cells = 4e8;
// Peak bytes per cell of a service area: two buffers while rasterizing; then the mask and the
// tracer's padded copy and edges.
constexpr double bytes_per_cell = 3.0;
}  // namespace

std::size_t GridMask::count() const {
    return static_cast<std::size_t>(std::count(cells.begin(), cells.end(), std::uint8_t{1}));
}

GridMask rasterize_lines(const std::vector<LineString>& lines, double cell_m, int radius_cells) {
    GridMask mask;
    Box box;
    for (const auto& l : lines) {
        for (const auto& p : l) box.expand(p);
    }
    if (box.empty()) return mask;
    const double margin = (radius_cells + 1) * cell_m;
    // Snap the grid to multiples of the cell size so that masks of different bands line up.
    mask.cell_m = cell_m;
    mask.min_x = std::floor((box.min_x - margin) / cell_m) * cell_m;
    mask.max_y = std::ceil((box.max_y + margin) / cell_m) * cell_m;
    const double width = std::ceil((box.max_x + margin - mask.min_x) / cell_m);
    const double height = std::ceil((mask.max_y - (box.min_y - margin)) / cell_m);
    if (!(width * height <= max_grid_cells)) {  // refused before allocating (also NaN)
        throw config_error("service-area grid of " + short_number(width) + " x " + short_number(height) + " cells of " +
                           short_number(cell_m) + " m would need " + short_number(width * height * bytes_per_cell / 1e9) +
                           " GB; the limit is " + short_number(max_grid_cells) + " cells: raise isochrone_cell_m");
    }
    mask.width = static_cast<int>(width);
    mask.height = static_cast<int>(height);
    const auto w = static_cast<std::size_t>(mask.width);
    std::vector<std::uint8_t> hit(w * static_cast<std::size_t>(mask.height), 0);
    const auto mark = [&](double x, double y) {
        const int c = static_cast<int>((x - mask.min_x) / cell_m);
        const int r = static_cast<int>((mask.max_y - y) / cell_m);
        if (c >= 0 && c < mask.width && r >= 0 && r < mask.height) hit[static_cast<std::size_t>(r) * w + c] = 1;
    };
    // Sample each segment at steps of at most a quarter cell: every cell the segment crosses by
    // more than a sliver is marked.
    const double step = cell_m / 4.0;
    for (const auto& l : lines) {
        for (std::size_t i = 0; i + 1 < l.size(); ++i) {
            const Point a = l[i];
            const Point b = l[i + 1];
            const int n = std::max(1, static_cast<int>(std::ceil(distance(a, b) / step)));
            for (int k = 0; k <= n; ++k) {
                const double t = static_cast<double>(k) / n;
                mark(a.x + t * (b.x - a.x), a.y + t * (b.y - a.y));
            }
        }
        if (l.size() == 1) mark(l[0].x, l[0].y);
    }
    // Square dilation, separable and done as radius_cells steps of one cell (a cell is set when it
    // or a neighbour was), so that every pass is a branch-free loop the compiler vectorizes: rows
    // first, then columns.
    std::vector<std::uint8_t> other(hit.size(), 0);
    const auto h = static_cast<std::size_t>(mask.height);
    for (int step_count = 0; step_count < radius_cells; ++step_count) {
        for (std::size_t r = 0; r < h; ++r) {
            const std::uint8_t* in = hit.data() + r * w;
            std::uint8_t* out = other.data() + r * w;
            if (w == 1) {
                out[0] = in[0];
                continue;
            }
            out[0] = static_cast<std::uint8_t>(in[0] | in[1]);
            for (std::size_t c = 1; c + 1 < w; ++c) out[c] = static_cast<std::uint8_t>(in[c - 1] | in[c] | in[c + 1]);
            out[w - 1] = static_cast<std::uint8_t>(in[w - 2] | in[w - 1]);
        }
        hit.swap(other);
    }
    for (int step_count = 0; step_count < radius_cells; ++step_count) {
        for (std::size_t r = 0; r < h; ++r) {
            const std::uint8_t* mid = hit.data() + r * w;
            const std::uint8_t* up = r > 0 ? mid - w : mid;
            const std::uint8_t* down = r + 1 < h ? mid + w : mid;
            std::uint8_t* out = other.data() + r * w;
            for (std::size_t c = 0; c < w; ++c) out[c] = static_cast<std::uint8_t>(up[c] | mid[c] | down[c]);
        }
        hit.swap(other);
    }
    mask.cells = std::move(hit);
    return mask;
}

// Traced on the lattice rather than through GDALPolygonize on a MEM raster and an OGR memory layer:
// GDAL took about 0.7 s of the 3.65 s single-threaded default run (36 masks of the bundled study),
// the tracer a few hundredths of that (docs/performance.md, "Service areas").
MultiPolygon polygonize(const GridMask& mask) {
    if (mask.width <= 0 || mask.height <= 0) return {};
    return lattice_outline(mask.cells, mask.width, mask.height, {mask.min_x, mask.cell_m, mask.max_y, -mask.cell_m});
}

}  // namespace kepu15::geo
