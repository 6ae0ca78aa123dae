#include "kepu15/coverage/gap_patches.hpp"

#include "kepu15/geo/lattice_outline.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace kepu15::coverage {

namespace {

std::uint64_t key(std::int64_t col, std::int64_t row) {
    return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(row)) << 32) | static_cast<std::uint32_t>(col);
}

void sorted_unique(std::vector<std::int32_t>& v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
}

}  // namespace

CellGrid::CellGrid(std::span<const std::int32_t> col, std::span<const std::int32_t> row) {
    if (col.empty()) return;
    const auto [cmin, cmax] = std::minmax_element(col.begin(), col.end());
    const auto [rmin, rmax] = std::minmax_element(row.begin(), row.end());
    m_min_col = *cmin;
    m_min_row = *rmin;
    m_width = static_cast<std::int64_t>(*cmax) - *cmin + 1;
    m_height = static_cast<std::int64_t>(*rmax) - *rmin + 1;
    const auto n = static_cast<std::int64_t>(col.size());
    if (m_width * m_height <= std::max<std::int64_t>(4'000'000, 16 * n)) {
        m_dense.assign(static_cast<std::size_t>(m_width * m_height), -1);
        for (std::size_t i = 0; i < col.size(); ++i) {
            m_dense[static_cast<std::size_t>((row[i] - m_min_row) * m_width + (col[i] - m_min_col))] =
                static_cast<std::int32_t>(i);
        }
    } else {
        m_hashed.reserve(col.size());
        for (std::size_t i = 0; i < col.size(); ++i) m_hashed.emplace(key(col[i], row[i]), static_cast<std::int32_t>(i));
    }
}

std::int64_t CellGrid::hashed_at(std::int64_t col, std::int64_t row) const {
    const auto it = m_hashed.find(key(col, row));
    return it == m_hashed.end() ? -1 : it->second;
}

GapPatches gap_patches(const GapCells& cells, const GapPatchOptions& options, const CellGrid* grid) {
    const std::size_t n = cells.population.size();
    CellGrid own;
    if (grid == nullptr) {
        own = CellGrid(cells.col, cells.row);
        grid = &own;
    }
    static constexpr int four[4][2] = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}};
    static constexpr int eight[8][2] = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}, {1, 1}, {1, -1}, {-1, 1}, {-1, -1}};
    const bool use_eight = options.connectivity == Connectivity::eight;
    const int neighbours = use_eight ? 8 : 4;

    // Pass 1: label every uncovered cell with its patch (flood fill over the grid). Pass 2 collects
    // each patch's cells in increasing order without sorting.
    constexpr std::uint32_t none = 0xffffffffU;
    std::vector<std::uint32_t> label(n, none);
    std::vector<std::uint32_t> stack;
    std::vector<std::uint32_t> size;
    for (std::size_t start = 0; start < n; ++start) {
        if (cells.covered[start] || label[start] != none) continue;
        const auto id = static_cast<std::uint32_t>(size.size());
        std::uint32_t count = 0;
        stack.assign(1, static_cast<std::uint32_t>(start));
        label[start] = id;
        while (!stack.empty()) {
            const std::uint32_t i = stack.back();
            stack.pop_back();
            ++count;
            for (int d = 0; d < neighbours; ++d) {
                const int* off = use_eight ? eight[d] : four[d];
                const std::int64_t j = grid->at(static_cast<std::int64_t>(cells.col[i]) + off[0],
                                                static_cast<std::int64_t>(cells.row[i]) + off[1]);
                if (j < 0) continue;
                const auto k = static_cast<std::size_t>(j);
                if (!cells.covered[k] && label[k] == none) {
                    label[k] = id;
                    stack.push_back(static_cast<std::uint32_t>(k));
                }
            }
        }
        size.push_back(count);
    }
    std::vector<GapPatch> all(size.size());
    for (std::size_t p = 0; p < all.size(); ++p) all[p].cells.reserve(size[p]);
    for (std::size_t i = 0; i < n; ++i) {
        if (label[i] != none) all[label[i]].cells.push_back(static_cast<std::uint32_t>(i));
    }
    std::vector<std::pair<std::int32_t, double>> unit_population;
    GapPatches out;
    for (auto& patch : all) {
        patch.groups.assign(cells.groups.size(), 0.0);
        double weighted_minutes = 0.0, reached = 0.0;
        unit_population.clear();
        for (auto i : patch.cells) {
            const double pop = cells.population[i];
            patch.population += pop;
            for (std::size_t g = 0; g < cells.groups.size(); ++g) patch.groups[g] += cells.groups[g][i];
            if (std::isfinite(cells.minutes[i])) {
                weighted_minutes += pop * cells.minutes[i];
                reached += pop;
            } else {
                patch.unreached_population += pop;
            }
            // Neighbouring cells mostly share their unit and village: only changes are recorded
            // before the sort.
            if (cells.unit[i] >= 0) {
                if (unit_population.empty() || unit_population.back().first != cells.unit[i]) {
                    unit_population.emplace_back(cells.unit[i], 0.0);
                }
                unit_population.back().second += pop;
            }
            if (cells.village[i] >= 0 && (patch.villages.empty() || patch.villages.back() != cells.village[i])) {
                patch.villages.push_back(cells.village[i]);
            }
        }
        for (const auto& up : unit_population) {
            if (patch.units.empty() || patch.units.back() != up.first) patch.units.push_back(up.first);
        }
        patch.area_km2 = static_cast<double>(patch.cells.size()) * cells.cell_area_km2;
        patch.mean_minutes = reached > 0 ? weighted_minutes / reached : std::nan("");
        sorted_unique(patch.units);
        sorted_unique(patch.villages);
        // The 区镇 with most people (ties: lowest index); unpopulated patches take the lowest.
        std::vector<double> per_unit(patch.units.size(), 0.0);
        for (const auto& [u, pop] : unit_population) {
            per_unit[static_cast<std::size_t>(std::lower_bound(patch.units.begin(), patch.units.end(), u) -
                                              patch.units.begin())] += pop;
        }
        std::size_t best = 0;
        for (std::size_t k = 1; k < per_unit.size(); ++k) {
            if (per_unit[k] > per_unit[best]) best = k;
        }
        if (!per_unit.empty()) patch.main_unit = patch.units[best];
        if (patch.population < options.min_population) {
            ++out.dropped_patches;
            out.dropped_population += patch.population;
            continue;
        }
        out.patches.push_back(std::move(patch));
    }
    std::stable_sort(out.patches.begin(), out.patches.end(),
                     [](const GapPatch& a, const GapPatch& b) { return a.population > b.population; });
    return out;
}

// ---- cell_outline ---------------------------------------------------------------------------

MultiPolygon cell_outline(std::span<const std::int32_t> col, std::span<const std::int32_t> row,
                          std::span<const std::uint32_t> indices) {
    if (indices.empty()) return {};
    std::int64_t min_c = std::numeric_limits<std::int64_t>::max(), min_r = min_c;
    std::int64_t max_c = std::numeric_limits<std::int64_t>::min(), max_r = max_c;
    for (auto i : indices) {
        min_c = std::min<std::int64_t>(min_c, col[i]);
        max_c = std::max<std::int64_t>(max_c, col[i]);
        min_r = std::min<std::int64_t>(min_r, row[i]);
        max_r = std::max<std::int64_t>(max_r, row[i]);
    }
    const std::int64_t w = max_c - min_c + 1, h = max_r - min_r + 1;
    std::vector<std::uint8_t> inside(static_cast<std::size_t>(w * h), 0);
    for (auto i : indices) inside[static_cast<std::size_t>((row[i] - min_r) * w + (col[i] - min_c))] = 1;
    return geo::lattice_outline(inside, w, h,
                                {static_cast<double>(min_c), 1.0, static_cast<double>(min_r), 1.0});
}

}  // namespace kepu15::coverage
