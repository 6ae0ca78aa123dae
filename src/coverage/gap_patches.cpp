#include "kepu15/coverage/gap_patches.hpp"

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
//
// Every side of a cell whose neighbour is not in the set is a directed edge with the cell on its
// left in map orientation (x = column, up = -row): bottom sides run east, right sides north, top
// sides west, left sides south. Rings follow the edges; at a corner where two cells of the same
// 4-connected group touch diagonally (two edges leave the vertex) the ring turns right, hugging the
// empty cell, so that each ring bounds one region outside the group and never touches itself.
// Edges of other groups are not followed, so cells touching only at a corner stay apart.

namespace {

enum Dir : int { east = 0, north = 1, west = 2, south = 3 };
constexpr int dx[4] = {1, 0, -1, 0};
constexpr int dy[4] = {0, -1, 0, 1};  // rows grow downwards
// The cell (relative to the vertex) whose side the edge leaving a vertex in direction d is.
constexpr int cell_dx[4] = {0, -1, -1, 0};
constexpr int cell_dy[4] = {-1, -1, 0, 0};

}  // namespace

MultiPolygon cell_outline(std::span<const std::int32_t> col, std::span<const std::int32_t> row,
                          std::span<const std::uint32_t> indices) {
    MultiPolygon out;
    if (indices.empty()) return out;
    std::int64_t min_c = std::numeric_limits<std::int64_t>::max(), min_r = min_c;
    std::int64_t max_c = std::numeric_limits<std::int64_t>::min(), max_r = max_c;
    for (auto i : indices) {
        min_c = std::min<std::int64_t>(min_c, col[i]);
        max_c = std::max<std::int64_t>(max_c, col[i]);
        min_r = std::min<std::int64_t>(min_r, row[i]);
        max_r = std::max<std::int64_t>(max_r, row[i]);
    }
    const std::int64_t w = max_c - min_c + 1, h = max_r - min_r + 1;
    // Component label per local cell, -1 outside the set.
    std::vector<std::int32_t> label(static_cast<std::size_t>(w * h), -2);
    for (auto i : indices) label[static_cast<std::size_t>((row[i] - min_r) * w + (col[i] - min_c))] = -1;
    const auto cell_label = [&](std::int64_t c, std::int64_t r) -> std::int32_t {
        if (c < 0 || r < 0 || c >= w || r >= h) return -2;
        return label[static_cast<std::size_t>(r * w + c)];
    };
    std::int32_t groups = 0;
    std::vector<std::int64_t> stack;
    for (std::int64_t s = 0; s < w * h; ++s) {
        if (label[static_cast<std::size_t>(s)] != -1) continue;
        label[static_cast<std::size_t>(s)] = groups;
        stack.assign(1, s);
        while (!stack.empty()) {
            const std::int64_t p = stack.back();
            stack.pop_back();
            const std::int64_t c = p % w, r = p / w;
            for (int d = 0; d < 4; ++d) {
                const std::int64_t nc = c + dx[d], nr = r + dy[d];
                if (cell_label(nc, nr) == -1) {
                    label[static_cast<std::size_t>(nr * w + nc)] = groups;
                    stack.push_back(nr * w + nc);
                }
            }
        }
        ++groups;
    }
    // Outgoing edges per vertex (bit d: an edge leaves in direction d); vertices (w + 1) x (h + 1).
    const std::int64_t vw = w + 1;
    std::vector<std::uint8_t> edges(static_cast<std::size_t>(vw * (h + 1)), 0);
    const auto vertex = [&](std::int64_t c, std::int64_t r) { return static_cast<std::size_t>(r * vw + c); };
    for (std::int64_t r = 0; r < h; ++r) {
        for (std::int64_t c = 0; c < w; ++c) {
            const std::int32_t g = cell_label(c, r);
            if (g < 0) continue;
            if (cell_label(c, r + 1) != g) edges[vertex(c, r + 1)] |= 1U << east;
            if (cell_label(c + 1, r) != g) edges[vertex(c + 1, r + 1)] |= 1U << north;
            if (cell_label(c, r - 1) != g) edges[vertex(c + 1, r)] |= 1U << west;
            if (cell_label(c - 1, r) != g) edges[vertex(c, r)] |= 1U << south;
        }
    }
    // The group owning the edge leaving (vc, vr) in direction d.
    const auto edge_group = [&](std::int64_t vc, std::int64_t vr, int d) {
        return cell_label(vc + cell_dx[d], vr + cell_dy[d]);
    };
    std::vector<std::uint8_t> used(edges.size(), 0);
    std::vector<std::vector<Ring>> rings(static_cast<std::size_t>(groups));
    for (std::int64_t vr = 0; vr <= h; ++vr) {
        for (std::int64_t vc = 0; vc <= w; ++vc) {
            for (int d0 = 0; d0 < 4; ++d0) {
                if (!(edges[vertex(vc, vr)] & (1U << d0)) || (used[vertex(vc, vr)] & (1U << d0))) continue;
                const std::int32_t g = edge_group(vc, vr, d0);
                Ring ring;
                std::int64_t c = vc, r = vr;
                int d = d0, prev = -1;
                while (true) {
                    used[vertex(c, r)] |= static_cast<std::uint8_t>(1U << d);
                    if (d != prev) {
                        ring.push_back({static_cast<double>(c + min_c), static_cast<double>(r + min_r)});
                    }
                    prev = d;
                    c += dx[d];
                    r += dy[d];
                    int next = -1;
                    for (int turn : {3, 0, 1}) {  // right, straight, left
                        const int cand = (d + turn) % 4;
                        if ((edges[vertex(c, r)] & (1U << cand)) && edge_group(c, r, cand) == g) {
                            next = cand;
                            break;
                        }
                    }
                    if (next < 0 || (c == vc && r == vr && next == d0)) break;  // next < 0: cannot happen
                    d = next;
                }
                if (prev == d0 && ring.size() > 1) ring.erase(ring.begin());  // the start was mid-edge
                ring.push_back(ring.front());
                rings[static_cast<std::size_t>(g)].push_back(std::move(ring));
            }
        }
    }
    // Per group one exterior (negative shoelace area in (column, row): rows grow downwards); the
    // rest are its holes.
    for (auto& group : rings) {
        Polygon poly;
        for (auto& ring : group) {
            if (signed_area(ring) < 0 && poly.outer.empty()) {
                poly.outer = std::move(ring);
            } else {
                poly.holes.push_back(std::move(ring));
            }
        }
        out.push_back(std::move(poly));
    }
    return out;
}

}  // namespace kepu15::coverage
