// Gaps a planner can act on: uncovered populated cells grouped into contiguous patches, each with
// its people, area, minutes to the nearest facility and the 区镇/villages it touches, so a patch of
// 3,000 uncovered people no longer looks like one of 12.
//
// Connectivity: 4-connected (cells sharing an edge) by DEFAULT. Two cells that touch only at a
// corner share a single point: their dissolved outline would be a bow-tie (not a valid simple
// polygon), and on a 100 m grid a diagonal chain often runs across a road or canal that separates
// two neighbourhoods. 8-connectivity is available for coarser grids where corners matter more.
// Only populated cells take part: an empty cell (water, fields) between two uncovered ones
// separates them, since nobody lives there to be served.
#pragma once

#include "kepu15/geo/geometry.hpp"

#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

namespace kepu15::coverage {

enum class Connectivity : std::uint8_t { four, eight };

// Populated cells of the population grid, one entry per cell (the layout of study::PopulationCells).
struct GapCells {
    std::span<const std::int32_t> col;   // raster column
    std::span<const std::int32_t> row;   // raster row
    std::span<const double> population;
    std::vector<std::span<const double>> groups;  // [group][cell], e.g. youth, elderly
    std::span<const std::uint8_t> covered;        // 1 = covered (by the kind/method, or by any kind)
    std::span<const double> minutes;  // to the nearest facility (or metres for crow-fly); NaN = none reached
    std::span<const std::int32_t> unit;     // 区镇 index, -1 outside
    std::span<const std::int32_t> village;  // village index, -1 outside
    double cell_area_km2 = 0.01;            // DEFAULT: 100 m x 100 m
};

// Where each populated cell lies on the grid, built once per study and shared by every measure's
// patches (a flood fill looks up neighbours here). Dense over the populated cells' bounding box
// when that box is small enough (at most 16 times the cells, or 4 million), else hashed.
class CellGrid {
public:
    CellGrid() = default;
    // REQUIRES: col, row same length; (col, row) distinct.
    CellGrid(std::span<const std::int32_t> col, std::span<const std::int32_t> row);
    // Index of the cell at (col, row), -1 when none.
    [[nodiscard]] std::int64_t at(std::int64_t col, std::int64_t row) const {
        if (!m_dense.empty()) {
            const std::int64_t c = col - m_min_col, r = row - m_min_row;
            if (c < 0 || r < 0 || c >= m_width || r >= m_height) return -1;
            return m_dense[static_cast<std::size_t>(r * m_width + c)];
        }
        return hashed_at(col, row);
    }

private:
    [[nodiscard]] std::int64_t hashed_at(std::int64_t col, std::int64_t row) const;
    std::int64_t m_min_col = 0, m_min_row = 0, m_width = 0, m_height = 0;
    std::vector<std::int32_t> m_dense;  // row-major over the bounding box; empty when hashed
    std::unordered_map<std::uint64_t, std::int32_t> m_hashed;
};

struct GapPatchOptions {
    Connectivity connectivity = Connectivity::four;  // DEFAULT: 4 (see above)
    double min_population = 0.0;  // DEFAULT: 0 (keep every patch); slivers below are dropped
};

struct GapPatch {
    std::vector<std::uint32_t> cells;  // indices into GapCells, increasing
    double population = 0.0;
    std::vector<double> groups;        // per group
    double area_km2 = 0.0;
    // Population-weighted mean of `minutes` over the patch's cells that reach a facility; NaN when
    // none does. The people that reach none are counted in unreached_population.
    double mean_minutes = 0.0;
    double unreached_population = 0.0;
    std::vector<std::int32_t> units;     // 区镇 touched, increasing, without -1
    std::int32_t main_unit = -1;         // the 区镇 holding most of the patch's people (ties: lowest)
    std::vector<std::int32_t> villages;  // villages touched, increasing, without -1
};

struct GapPatches {
    std::vector<GapPatch> patches;  // most people first (ties: lowest first cell)
    std::size_t dropped_patches = 0;     // below min_population
    double dropped_population = 0.0;
};

// REQUIRES: every span of GapCells has the same length (groups too); (col, row) distinct; `grid`,
// when given, was built from the same col/row (else one is built here).
GapPatches gap_patches(const GapCells& cells, const GapPatchOptions& options = {}, const CellGrid* grid = nullptr);

// The outline of a set of grid cells as polygons on the cell lattice: a vertex (x, y) is the
// corner at column x, row y (the top-left corner of cell (x, y); rows grow downwards), so a caller
// maps vertices through the raster's geotransform. One polygon per 4-connected group of the cells,
// with holes for enclosed cells outside the set; collinear vertices are merged, so a straight run
// of cells is one edge. Rings are closed; exterior rings are clockwise in (x, y) — counter-clockwise
// once rows run south (y = -row) — and holes the opposite. Cells touching only at a corner stay
// separate polygons, and a hole touching the exterior at a corner is its own ring (valid OGC
// geometry, no self-touching ring). Replaces a GEOS union of squares: O(cells + outline).
// REQUIRES: (col[i], row[i]) distinct over `indices`.
MultiPolygon cell_outline(std::span<const std::int32_t> col, std::span<const std::int32_t> row,
                          std::span<const std::uint32_t> indices);

}  // namespace kepu15::coverage
