#include "kepu15/network/snap.hpp"

#include <boost/geometry.hpp>
#include <boost/geometry/geometries/point_xy.hpp>
#include <boost/geometry/geometries/segment.hpp>
#include <boost/geometry/index/rtree.hpp>

#include <algorithm>
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
    std::optional<Snap> best;
    // Segments come in increasing distance; stop at the first one of a large component, or when out of reach.
    for (auto it = m.tree.qbegin(bgi::nearest(BPoint{p_m.x, p_m.y}, static_cast<unsigned>(m.tree.size())));
         it != m.tree.qend(); ++it) {
        const Point a{it->first.first.x(), it->first.first.y()};
        const Point b{it->first.second.x(), it->first.second.y()};
        const double vx = b.x - a.x;
        const double vy = b.y - a.y;
        const double len2 = vx * vx + vy * vy;
        double t = 0.0;
        if (len2 > 0.0) t = std::clamp(((p_m.x - a.x) * vx + (p_m.y - a.y) * vy) / len2, 0.0, 1.0);
        const Point q{a.x + t * vx, a.y + t * vy};
        const double d = distance(p_m, q);
        if (d > m.max_snap_m) break;
        const SegmentInfo& info = m.segments[it->second];
        if (!best || info.large_component) {
            Snap s;
            s.edge = info.edge;
            s.offset_m = info.start_offset_m + t * std::sqrt(len2);
            s.off_road_m = d;
            s.snapped_m = q;
            if (info.large_component) return s;
            best = s;
        }
    }
    return best;
}

}  // namespace kepu15::network
