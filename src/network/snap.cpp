#include "kepu15/network/snap.hpp"

#include <boost/geometry.hpp>
#include <boost/geometry/geometries/point_xy.hpp>
#include <boost/geometry/geometries/segment.hpp>
#include <boost/geometry/index/rtree.hpp>

#include <algorithm>
#include <iterator>
#include <cmath>

namespace kepu15::network {

namespace {

namespace bg = boost::geometry;
namespace bgi = boost::geometry::index;

using BPoint = bg::model::d2::point_xy<double>;
using BSegment = bg::model::segment<BPoint>;
using Value = std::pair<BSegment, std::uint32_t>;  // segment, index into impl::segments

struct SegmentInfo {
    EdgeId edge = 0;
    double start_offset_m = 0.0;  // distance along the edge to the segment's first point
    bool large_component = false;
};

}  // namespace

struct Snapper::impl {
    std::vector<SegmentInfo> segments;
    bgi::rtree<Value, bgi::rstar<16>> tree;
    double max_snap_m = 0.0;
};

Snapper::Snapper(const RoadNetwork& network, Profile profile, double max_snap_m,
                 std::size_t min_component_nodes)
    : m_impl(std::make_unique<impl>()) {
    m_impl->max_snap_m = max_snap_m;
    const auto pi = static_cast<std::size_t>(profile);
    const Components components = connected_components(build_graph(network, profile));

    std::vector<Value> values;
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
            m_impl->segments.push_back(SegmentInfo{e, offset, large});
            values.emplace_back(BSegment{BPoint{a.x, a.y}, BPoint{b.x, b.y}},
                                static_cast<std::uint32_t>(m_impl->segments.size() - 1));
            offset += distance(a, b);
        }
    }
    // Packing constructor: bulk loading builds a better tree faster than inserting one by one.
    m_impl->tree = bgi::rtree<Value, bgi::rstar<16>>(values.begin(), values.end());
}

Snapper::~Snapper() = default;

std::optional<Snap> Snapper::snap(Point p_m) const {
    const impl& m = *m_impl;
    if (m.tree.empty() || !is_finite(p_m)) return std::nullopt;
    // Ask for the k nearest segments, k growing geometrically: the nearest segment of a large
    // component wins; a segment of a small island is only kept when no large one is within reach.
    // (An incremental query over the whole tree is far slower: Boost keeps a buffer of k entries.)
    const BPoint query{p_m.x, p_m.y};
    std::vector<Value> found;
    for (std::size_t k = 8;; k *= 4) {
        found.clear();
        m.tree.query(bgi::nearest(query, static_cast<unsigned>(std::min(k, m.tree.size()))),
                     std::back_inserter(found));
        std::optional<Snap> best_large;
        std::optional<Snap> best_any;
        std::uint32_t large_index = 0;
        std::uint32_t any_index = 0;
        double farthest = 0.0;
        for (const Value& v : found) {
            const Point a{v.first.first.x(), v.first.first.y()};
            const Point b{v.first.second.x(), v.first.second.y()};
            const double vx = b.x - a.x;
            const double vy = b.y - a.y;
            const double len2 = vx * vx + vy * vy;
            double t = 0.0;
            if (len2 > 0.0) t = std::clamp(((p_m.x - a.x) * vx + (p_m.y - a.y) * vy) / len2, 0.0, 1.0);
            const Point q{a.x + t * vx, a.y + t * vy};
            const double d = distance(p_m, q);
            farthest = std::max(farthest, d);
            if (d > m.max_snap_m) continue;
            const SegmentInfo& info = m.segments[v.second];
            Snap s;
            s.edge = info.edge;
            s.offset_m = info.start_offset_m + t * std::sqrt(len2);
            s.off_road_m = d;
            s.snapped_m = q;
            // Ties: the segment inserted first (lowest index) wins, so results do not depend on k.
            const auto better = [&](const std::optional<Snap>& cur, std::uint32_t cur_index) {
                return !cur || d < cur->off_road_m || (d == cur->off_road_m && v.second < cur_index);
            };
            if (info.large_component && better(best_large, large_index)) {
                best_large = s;
                large_index = v.second;
            }
            if (better(best_any, any_index)) {
                best_any = s;
                any_index = v.second;
            }
        }
        if (best_large) return best_large;
        // Every segment was seen, or the rest lie beyond max_snap_m: the best island snap stands.
        if (found.size() < k || found.size() == m.tree.size() || farthest > m.max_snap_m) return best_any;
    }
}

}  // namespace kepu15::network
