#include "kepu15/network/snap.hpp"

#include "kepu15/parallel.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace kepu15::network {

namespace {

// A segment as the grid stores it: both ends inline so a query reads one contiguous run per cell.
struct GridSegment {
    Point a;
    Point b;
    std::uint32_t index;  // into impl::segments (insertion order: the tie-break)
    bool large_component;
};

struct SegmentInfo {
    EdgeId edge = 0;
    double start_offset_m = 0.0;  // distance along the edge to the segment's first point
    bool large_component = false;
};

// Square cells of about this many segments each: few enough that a query reads a handful of
// cells, many enough that the grid stays small.
constexpr double segments_per_cell = 2.0;
constexpr double max_cells_per_side = 4096.0;

}  // namespace

// A uniform grid of segments (each listed in every cell its bounding box touches), searched in
// square rings around the query until no unseen cell can hold anything nearer. It replaced a
// Boost.Geometry R-tree with k-nearest queries: the same answers (same distance formula, same
// tie-break) about ten times faster, which the snapping of every populated cell needs.
struct Snapper::impl {
    std::vector<SegmentInfo> segments;
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
};

Snapper::Snapper(const RoadNetwork& network, Profile profile, double max_snap_m,
                 std::size_t min_component_nodes)
    : m_impl(std::make_unique<impl>()) {
    impl& m = *m_impl;
    m.max_snap_m = max_snap_m;
    const auto pi = static_cast<std::size_t>(profile);
    const Components components = connected_components(build_graph(network, profile));

    std::vector<GridSegment> all;
    Box box;
    for (EdgeId e = 0; e < network.edges.size(); ++e) {
        const RoadEdge& edge = network.edges[e];
        if (!(edge.forward_kmh[pi] > 0.0F) && !(edge.backward_kmh[pi] > 0.0F)) continue;
        bool large = true;
        if (edge.from < components.component_of.size()) {
            large = components.size[components.component_of[edge.from]] >= min_component_nodes;
        }
        double offset = 0.0;
        for (std::size_t i = 0; i + 1 < edge.geometry_m.size(); ++i) {
            const Point a = edge.geometry_m[i];
            const Point b = edge.geometry_m[i + 1];
            m.segments.push_back(SegmentInfo{e, offset, large});
            all.push_back({a, b, static_cast<std::uint32_t>(m.segments.size() - 1), large});
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

std::optional<Snap> Snapper::snap(Point p_m) const {
    const impl& m = *m_impl;
    if (m.segments.empty() || !is_finite(p_m)) return std::nullopt;
    // The nearest segment of a large component within max_snap_m wins; a segment of a small island
    // only when no large one is within reach. Ties: the segment inserted first (lowest index).
    struct Best {
        double d = std::numeric_limits<double>::infinity();
        std::uint32_t index = std::numeric_limits<std::uint32_t>::max();
        double t = 0.0;
        double len2 = 0.0;
        Point q;
    };
    Best large;
    Best any;
    const double limit = m.max_snap_m;
    // hypot (the distance every snap reports) is only evaluated for candidates whose squared
    // distance could still win; the slack covers the rounding between the two.
    const auto worth = [&](double d2, double bound) {
        const double b = std::min(bound, limit);
        return d2 <= b * b * (1.0 + 1e-9) + 1e-300;
    };
    const auto visit = [&](const GridSegment& s) {
        const double vx = s.b.x - s.a.x;
        const double vy = s.b.y - s.a.y;
        const double len2 = vx * vx + vy * vy;
        double t = 0.0;
        if (len2 > 0.0) t = std::clamp(((p_m.x - s.a.x) * vx + (p_m.y - s.a.y) * vy) / len2, 0.0, 1.0);
        const Point q{s.a.x + t * vx, s.a.y + t * vy};
        const double dx = p_m.x - q.x;
        const double dy = p_m.y - q.y;
        const bool is_large = s.large_component;
        // A large segment competes with the best large one; any segment with the best of all.
        if (!worth(dx * dx + dy * dy, is_large ? large.d : any.d)) return;
        const double d = distance(p_m, q);
        if (d > limit) return;
        const auto better = [&](const Best& cur) { return d < cur.d || (d == cur.d && s.index < cur.index); };
        const Best candidate{d, s.index, t, len2, q};
        if (is_large && better(large)) large = candidate;
        if (better(any)) any = candidate;
    };
    const std::int64_t pc = m.col_of(p_m.x);
    const std::int64_t pr = m.row_of(p_m.y);
    for (std::int64_t ring = 0;; ++ring) {
        // Everything outside the square of rings 0 .. ring-1 is at least `outside` away.
        if (ring > 0) {
            const double left = m.min_x + static_cast<double>(pc - ring + 1) * m.cell_m;
            const double right = m.min_x + static_cast<double>(pc + ring) * m.cell_m;
            const double bottom = m.min_y + static_cast<double>(pr - ring + 1) * m.cell_m;
            const double top = m.min_y + static_cast<double>(pr + ring) * m.cell_m;
            const double outside = std::min({p_m.x - left, right - p_m.x, p_m.y - bottom, top - p_m.y});
            if (outside > limit || outside > large.d) break;
            // The square already holds the whole grid.
            if (pc - ring + 1 <= 0 && pc + ring >= m.cols && pr - ring + 1 <= 0 && pr + ring >= m.rows) break;
        }
        const std::int64_t r0 = std::max<std::int64_t>(pr - ring, 0);
        const std::int64_t r1 = std::min<std::int64_t>(pr + ring, m.rows - 1);
        const std::int64_t c0 = std::max<std::int64_t>(pc - ring, 0);
        const std::int64_t c1 = std::min<std::int64_t>(pc + ring, m.cols - 1);
        for (std::int64_t r = r0; r <= r1; ++r) {
            const bool edge_row = r == pr - ring || r == pr + ring;
            // Inner rows: only the two cells of the ring's sides.
            const std::int64_t step = edge_row ? 1 : std::max<std::int64_t>(2 * ring, 1);
            for (std::int64_t c = pc - ring; c <= pc + ring; c += step) {
                if (c < c0 || c > c1) continue;
                const auto cell = static_cast<std::size_t>(r * m.cols + c);
                for (std::uint32_t k = m.first[cell]; k < m.first[cell + 1]; ++k) visit(m.cells[k]);
            }
        }
    }
    const Best& best = large.index != std::numeric_limits<std::uint32_t>::max() ? large : any;
    if (best.index == std::numeric_limits<std::uint32_t>::max()) return std::nullopt;
    const SegmentInfo& info = m.segments[best.index];
    Snap s;
    s.edge = info.edge;
    s.offset_m = info.start_offset_m + best.t * std::sqrt(best.len2);
    s.off_road_m = best.d;
    s.snapped_m = best.q;
    return s;
}

std::vector<std::optional<Snap>> Snapper::snap_all(std::span<const Point> points_m, unsigned threads) const {
    const impl& m = *m_impl;
    std::vector<std::optional<Snap>> out(points_m.size());
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
        for (std::size_t k = c * chunk; k < end; ++k) out[order[k]] = snap(points_m[order[k]]);
    });
    return out;
}

}  // namespace kepu15::network
