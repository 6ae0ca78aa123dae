// A boolean grid over a planar CRS, used to turn reached street segments into service-area
// polygons: lines are drawn into the grid, widened by a few cells, and polygonized.
#pragma once

#include "kepu15/geo/geometry.hpp"

#include <cstdint>
#include <vector>

namespace kepu15::geo {

struct GridMask {
    double min_x = 0.0;   // left edge
    double max_y = 0.0;   // top edge
    double cell_m = 0.0;  // square cells
    int width = 0;
    int height = 0;
    std::vector<std::uint8_t> cells;  // row-major from the top row; 1 = inside

    [[nodiscard]] std::uint8_t at(int col, int row) const {
        return cells[static_cast<std::size_t>(row) * static_cast<std::size_t>(width) + static_cast<std::size_t>(col)];
    }
    [[nodiscard]] std::size_t count() const;
};

// Marks every cell that a line passes through, then every cell within `radius_cells` of such a
// cell (square neighbourhood), so the mask is the lines' corridor of half-width about
// (radius_cells + 0.5) * cell_m. The grid covers the lines' bounding box plus the corridor.
// An empty input gives an empty (0 x 0) mask. REQUIRES: cell_m > 0, radius_cells >= 0.
GridMask rasterize_lines(const std::vector<LineString>& lines, double cell_m, int radius_cells);

// Polygons of the filled cells in the mask's CRS: one per 4-connected region, with holes, exterior
// rings counter-clockwise, collinear vertices merged, valid OGC geometry (geo::lattice_outline).
// Covers exactly the filled cells: area = count() x cell_m². An empty mask gives none.
MultiPolygon polygonize(const GridMask& mask);

}  // namespace kepu15::geo
