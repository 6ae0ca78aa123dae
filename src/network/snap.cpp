#include "kepu15/network/snap.hpp"

#include "kepu15/parallel.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace kepu15::network {

namespace {

// A segment as the grid stores it: both ends inline so a query reads one contiguous run per cell.
struct GridSegment {
    Point a;
    Point b;
    std::uint32_t index;   // into impl::segments (insertion order: the tie-break)
    std::uint8_t usable;   // bit i: usable by the index's profile i
    std::uint8_t large;    // bit i: in a large component of profile i's graph
};

struct SegmentInfo {
    EdgeId edge = 0;
    double start_offset_m = 0.0;  // distance along the edge to the segment's first point
};

// Square cells of about this many segments each: few enough that a query reads a handful of
// cells, many enough that the grid stays small.
constexpr double segments_per_cell = 2.0;
constexpr double max_cells_per_side = 4096.0;
constexpr std::size_t max_profiles = 8;  // bits of GridSegment::usable

constexpr std::uint32_t no_segment = std::numeric_limits<std::uint32_t>::max();

struct Best {
    double d = std::numeric_limits<double>::infinity();
    std::uint32_t index = no_segment;
    double t = 0.0;
    double len2 = 0.0;
    Point q;
};

}  // namespace

// A uniform grid of segments (each listed in every cell its bounding box touches), searched in
// square rings around the query until no unseen cell can hold anything nearer. It replaced a
// Boost.Geometry R-tree with k-nearest queries: the same answers (same distance formula, same
// tie-break) about ten times faster, which the snapping of every populated cell needs. One grid
// holds the segments of every profile of the index, so the cells are snapped for all profiles
// in one pass over the grid.
struct Snapper::impl {
    std::vector<SegmentInfo> segments;
    std::size_t profiles = 0;
    double max_snap_m = 0.0;
    double min_x = 0.0;
    double min_y = 0.0;
    double cell_m = 1.0;
    std::int64_t cols = 0;
    std::int64_t rows = 0;
    std::vector<std::uint32_t> first;  // CSR by cell (row-major from min_y)
    std::vector<GridSegment> cells;

    // Cell column / row of a coordinate, clamped far outside the grid (no overflow, NaN -> 0).
    [[nodiscard]] static std::int64_t index_of(double offset, double cell) {
        const double i = std::floor(offset / cell);
        if (!(i > -1e12)) return i != i ? 0 : -1'000'000'000'000;
        return i < 1e12 ? static_cast<std::int64_t>(i) : 1'000'000'000'000;
    }
    [[nodiscard]] std::int64_t col_of(double x) const { return index_of(x - min_x, cell_m); }
    [[nodiscard]] std::int64_t row_of(double y) const { return index_of(y - min_y, cell_m); }

    // The nearest segments of p for every profile i whose bit is set in `wanted`: large[i] among
    // the segments of large components, any[i] among all (both within max_snap_m).
    void search(Point p_m, unsigned wanted, Best* large, Best* any) const;
    [[nodiscard]] std::optional<Snap> result(const Best& large, const Best& any) const;
    // Every point's snaps for the wanted profiles ([profile index][point]; the others left empty),
    // in spatial order on up to `threads` threads.
    [[nodiscard]] std::vector<std::vector<std::optional<Snap>>> snap_all(std::span<const Point> points_m,
                                                                         unsigned wanted, unsigned threads) const;
};

void Snapper::impl::search(Point p_m, unsigned wanted, Best* large, Best* any) const {
    const double limit = max_snap_m;
    // hypot (the distance every snap reports) is only evaluated for candidates whose squared
    // distance could still win; the slack covers the rounding between the two.
    const auto worth = [&](double d2, double bound) {
        const double b = std::min(bound, limit);
        return d2 <= b * b * (1.0 + 1e-9) + 1e-300;
    };
    const auto visit = [&](const GridSegment& s) {
        const unsigned use = s.usable & wanted;
        if (use == 0) return;
        const double vx = s.b.x - s.a.x;
        const double vy = s.b.y - s.a.y;
        const double len2 = vx * vx + vy * vy;
        double t = 0.0;
        if (len2 > 0.0) t = std::clamp(((p_m.x - s.a.x) * vx + (p_m.y - s.a.y) * vy) / len2, 0.0, 1.0);
        const Point q{s.a.x + t * vx, s.a.y + t * vy};
        const double dx = p_m.x - q.x;
        const double dy = p_m.y - q.y;
        const double d2 = dx * dx + dy * dy;
        double d = -1.0;  // computed once, for the first profile it may matter to
        for (unsigned bits = use; bits != 0; bits &= bits - 1) {
            const auto i = static_cast<std::size_t>(__builtin_ctz(bits));
            const bool is_large = ((s.large >> i) & 1U) != 0;
            // A large segment competes with the best large one; any segment with the best of all.
            if (!worth(d2, is_large ? large[i].d : any[i].d)) continue;
            if (d < 0.0) d = distance(p_m, q);
            if (d > limit) return;
            const auto better = [&](const Best& cur) { return d < cur.d || (d == cur.d && s.index < cur.index); };
            const Best candidate{d, s.index, t, len2, q};
            if (is_large && better(large[i])) large[i] = candidate;
            if (better(any[i])) any[i] = candidate;
        }
    };
    const std::int64_t pc = col_of(p_m.x);
    const std::int64_t pr = row_of(p_m.y);
    for (std::int64_t ring = 0;; ++ring) {
        // Everything outside the square of rings 0 .. ring-1 is at least `outside` away.
        if (ring > 0) {
            const double left = min_x + static_cast<double>(pc - ring + 1) * cell_m;
            const double right = min_x + static_cast<double>(pc + ring) * cell_m;
            const double bottom = min_y + static_cast<double>(pr - ring + 1) * cell_m;
            const double top = min_y + static_cast<double>(pr + ring) * cell_m;
            const double outside = std::min({p_m.x - left, right - p_m.x, p_m.y - bottom, top - p_m.y});
            if (outside > limit) break;
            // Done when every wanted profile has a large segment nearer than anything unseen.
            double farthest = 0.0;
            for (unsigned bits = wanted; bits != 0; bits &= bits - 1) {
                farthest = std::max(farthest, large[__builtin_ctz(bits)].d);
            }
            if (outside > farthest) break;
            // The square already holds the whole grid.
            if (pc - ring + 1 <= 0 && pc + ring >= cols && pr - ring + 1 <= 0 && pr + ring >= rows) break;
        }
        const std::int64_t r0 = std::max<std::int64_t>(pr - ring, 0);
        const std::int64_t r1 = std::min<std::int64_t>(pr + ring, rows - 1);
        const std::int64_t c0 = std::max<std::int64_t>(pc - ring, 0);
        const std::int64_t c1 = std::min<std::int64_t>(pc + ring, cols - 1);
        for (std::int64_t r = r0; r <= r1; ++r) {
            const bool edge_row = r == pr - ring || r == pr + ring;
            // Inner rows: only the two cells of the ring's sides.
            const std::int64_t step = edge_row ? 1 : std::max<std::int64_t>(2 * ring, 1);
            for (std::int64_t c = pc - ring; c <= pc + ring; c += step) {
                if (c < c0 || c > c1) continue;
                const auto cell = static_cast<std::size_t>(r * cols + c);
                for (std::uint32_t k = first[cell]; k < first[cell + 1]; ++k) visit(cells[k]);
            }
        }
    }
}

std::optional<Snap> Snapper::impl::result(const Best& large, const Best& any) const {
    const Best& best = large.index != no_segment ? large : any;
    if (best.index == no_segment) return std::nullopt;
    const SegmentInfo& info = segments[best.index];
    Snap s;
    s.edge = info.edge;
    s.offset_m = info.start_offset_m + best.t * std::sqrt(best.len2);
    s.off_road_m = best.d;
    s.snapped_m = best.q;
    return s;
}

Snapper::Snapper(const RoadNetwork& network, Profile profile, double max_snap_m, std::size_t min_component_nodes)
    : Snapper(network, std::span<const Profile>(&profile, 1), max_snap_m, min_component_nodes) {}

Snapper::Snapper(const RoadNetwork& network, std::span<const Profile> profiles, double max_snap_m,
                 std::size_t min_component_nodes, std::span<const Graph* const> graphs)
    : m_impl(std::make_unique<impl>()) {
    if (profiles.empty() || profiles.size() > max_profiles) {
        throw std::invalid_argument("Snapper: 1 to 8 profiles, not " + std::to_string(profiles.size()));
    }
    if (!graphs.empty() && graphs.size() != profiles.size()) {
        throw std::invalid_argument("Snapper: one graph per profile");
    }
    impl& m = *m_impl;
    m.max_snap_m = max_snap_m;
    m.profiles = profiles.size();
    std::vector<std::size_t> pi(profiles.size());
    std::vector<Components> components(profiles.size());
    for (std::size_t i = 0; i < profiles.size(); ++i) {
        pi[i] = static_cast<std::size_t>(profiles[i]);
        components[i] = connected_components(graphs.empty() ? build_graph(network, profiles[i]) : *graphs[i]);
    }

    std::vector<GridSegment> all;
    Box box;
    for (EdgeId e = 0; e < network.edges.size(); ++e) {
        const RoadEdge& edge = network.edges[e];
        std::uint8_t usable = 0;
        std::uint8_t large = 0;
        for (std::size_t i = 0; i < profiles.size(); ++i) {
            if (!(edge.forward_kmh[pi[i]] > 0.0F) && !(edge.backward_kmh[pi[i]] > 0.0F)) continue;
            usable |= static_cast<std::uint8_t>(1U << i);
            const Components& c = components[i];
            if (edge.from >= c.component_of.size() || c.size[c.component_of[edge.from]] >= min_component_nodes) {
                large |= static_cast<std::uint8_t>(1U << i);
            }
        }
        if (usable == 0) continue;
        double offset = 0.0;
        for (std::size_t i = 0; i + 1 < edge.geometry_m.size(); ++i) {
            const Point a = edge.geometry_m[i];
            const Point b = edge.geometry_m[i + 1];
            m.segments.push_back(SegmentInfo{e, offset});
            all.push_back({a, b, static_cast<std::uint32_t>(m.segments.size() - 1), usable, large});
            box.expand(a);
            box.expand(b);
            offset += distance(a, b);
        }
    }
    if (all.empty() || box.empty() || !std::isfinite(box.max_x - box.min_x) || !std::isfinite(box.max_y - box.min_y)) {
        m.segments.clear();
        return;
    }
    const double w = std::max(box.max_x - box.min_x, 1e-9);
    const double h = std::max(box.max_y - box.min_y, 1e-9);
    // At most 4096 cells a side, whatever the shape of the network (a single road is a thin box).
    m.cell_m = std::max({std::sqrt(w * h * segments_per_cell / static_cast<double>(all.size())),
                         std::max(w, h) / max_cells_per_side, 1e-6});
    m.min_x = box.min_x;
    m.min_y = box.min_y;
    m.cols = static_cast<std::int64_t>(std::floor(w / m.cell_m)) + 1;
    m.rows = static_cast<std::int64_t>(std::floor(h / m.cell_m)) + 1;
    const auto cell_count = static_cast<std::size_t>(m.cols * m.rows);
    // Two passes (count, then fill) so the cells are one contiguous array.
    std::vector<std::uint32_t> count(cell_count + 1, 0);
    const auto for_cells = [&](const GridSegment& s, auto&& visit) {
        const std::int64_t c0 = std::clamp<std::int64_t>(m.col_of(std::min(s.a.x, s.b.x)), 0, m.cols - 1);
        const std::int64_t c1 = std::clamp<std::int64_t>(m.col_of(std::max(s.a.x, s.b.x)), 0, m.cols - 1);
        const std::int64_t r0 = std::clamp<std::int64_t>(m.row_of(std::min(s.a.y, s.b.y)), 0, m.rows - 1);
        const std::int64_t r1 = std::clamp<std::int64_t>(m.row_of(std::max(s.a.y, s.b.y)), 0, m.rows - 1);
        for (std::int64_t r = r0; r <= r1; ++r) {
            for (std::int64_t c = c0; c <= c1; ++c) visit(static_cast<std::size_t>(r * m.cols + c));
        }
    };
    for (const GridSegment& s : all) for_cells(s, [&](std::size_t cell) { ++count[cell + 1]; });
    for (std::size_t i = 0; i < cell_count; ++i) count[i + 1] += count[i];
    m.first = count;
    m.cells.resize(count[cell_count]);
    for (const GridSegment& s : all) for_cells(s, [&](std::size_t cell) { m.cells[count[cell]++] = s; });
}

Snapper::~Snapper() = default;

std::optional<Snap> Snapper::snap(Point p_m, std::size_t profile_index) const {
    const impl& m = *m_impl;
    if (profile_index >= m.profiles) throw std::out_of_range("Snapper::snap: no such profile index");
    if (m.segments.empty() || !is_finite(p_m)) return std::nullopt;
    // The nearest segment of a large component within max_snap_m wins; a segment of a small island
    // only when no large one is within reach. Ties: the segment inserted first (lowest index).
    std::array<Best, max_profiles> large;
    std::array<Best, max_profiles> any;
    m.search(p_m, 1U << profile_index, large.data(), any.data());
    return m.result(large[profile_index], any[profile_index]);
}

std::vector<std::optional<Snap>> Snapper::snap_all(std::span<const Point> points_m, unsigned threads) const {
    return std::move(m_impl->snap_all(points_m, 1U, threads).front());
}

std::vector<std::vector<std::optional<Snap>>> Snapper::snap_all_profiles(std::span<const Point> points_m,
                                                                        unsigned threads) const {
    return m_impl->snap_all(points_m, (1U << m_impl->profiles) - 1U, threads);
}

std::vector<std::vector<std::optional<Snap>>> Snapper::impl::snap_all(std::span<const Point> points_m,
                                                                      unsigned wanted, unsigned threads) const {
    const impl& m = *this;
    std::vector<std::vector<std::optional<Snap>>> out(m.profiles);
    for (std::size_t j = 0; j < m.profiles; ++j) {
        if (((wanted >> j) & 1U) != 0) out[j].resize(points_m.size());
    }
    if (m.segments.empty()) return out;
    // Visit the points tile by tile (8 x 8 grid cells, tiles row by row; points outside the grid
    // in one last tile) so that consecutive queries read the same cells from cache: in random
    // order almost every cell read is a cache miss and costs more than the arithmetic.
    constexpr std::int64_t tile = 8;
    const std::int64_t tile_cols = (m.cols + tile - 1) / tile;
    const std::int64_t tile_rows = (m.rows + tile - 1) / tile;
    const auto tiles = static_cast<std::size_t>(tile_cols * tile_rows) + 1;
    std::vector<std::uint32_t> tile_of(points_m.size());
    std::vector<std::uint32_t> start(tiles + 1, 0);
    for (std::size_t i = 0; i < points_m.size(); ++i) {
        const Point p = points_m[i];
        std::size_t t = tiles - 1;
        if (is_finite(p)) {
            const std::int64_t c = m.col_of(p.x);
            const std::int64_t r = m.row_of(p.y);
            if (c >= 0 && c < m.cols && r >= 0 && r < m.rows)
                t = static_cast<std::size_t>((r / tile) * tile_cols + c / tile);
        }
        tile_of[i] = static_cast<std::uint32_t>(t);
        ++start[t + 1];
    }
    for (std::size_t t = 0; t < tiles; ++t) start[t + 1] += start[t];
    std::vector<std::uint32_t> order(points_m.size());
    for (std::size_t i = 0; i < points_m.size(); ++i) order[start[tile_of[i]]++] = static_cast<std::uint32_t>(i);
    constexpr std::size_t chunk = 4096;
    const std::size_t chunks = (order.size() + chunk - 1) / chunk;
    parallel_for(chunks, threads, [&](std::size_t c) {
        const std::size_t end = std::min(order.size(), (c + 1) * chunk);
        for (std::size_t k = c * chunk; k < end; ++k) {
            const std::uint32_t i = order[k];
            const Point p = points_m[i];
            if (!is_finite(p)) continue;
            std::array<Best, max_profiles> large;
            std::array<Best, max_profiles> any;
            m.search(p, wanted, large.data(), any.data());
            for (std::size_t j = 0; j < m.profiles; ++j) {
                if (((wanted >> j) & 1U) != 0) out[j][i] = m.result(large[j], any[j]);
            }
        }
    });
    return out;
}

}  // namespace kepu15::network
