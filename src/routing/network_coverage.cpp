#include "kepu15/routing/network_coverage.hpp"

#include "kepu15/error.hpp"
#include "kepu15/routing/detail/snap_legs.hpp"
#include "kepu15/routing/dijkstra.hpp"

#include <algorithm>
#include <cmath>

namespace kepu15::routing {

using network::EdgeId;
using network::RoadEdge;
using network::RoadNetwork;
using network::Snap;
using network::travel_ms;
using namespace detail;

namespace {

struct Interval {
    double lo;
    double hi;
};

// Sub-polyline of `line` between distances a <= b measured along it.
LineString cut(const LineString& line, double a, double b) {
    LineString out;
    double walked = 0.0;
    for (std::size_t i = 0; i + 1 < line.size(); ++i) {
        const Point p = line[i];
        const Point q = line[i + 1];
        const double len = distance(p, q);
        const double s0 = walked;
        const double s1 = walked + len;
        walked = s1;
        if (s1 < a || s0 > b) continue;
        const auto at = [&](double s) {
            const double t = len > 0.0 ? std::clamp((s - s0) / len, 0.0, 1.0) : 0.0;
            return Point{p.x + t * (q.x - p.x), p.y + t * (q.y - p.y)};
        };
        const Point start = s0 >= a ? p : at(a);
        if (out.empty() || !(out.back() == start)) out.push_back(start);
        const Point end = s1 <= b ? q : at(b);
        if (!(out.back() == end)) out.push_back(end);
        if (s1 >= b) break;
    }
    if (out.size() == 1) out.push_back(out.front());
    return out;
}

double polyline_length(const LineString& line) {
    double l = 0.0;
    for (std::size_t i = 0; i + 1 < line.size(); ++i) l += distance(line[i], line[i + 1]);
    return l;
}

}  // namespace

std::vector<PointTime> travel_times(const RoadNetwork& network, network::Profile profile,
                                    const network::Graph& reverse_graph,
                                    const std::vector<std::optional<Snap>>& facility_snaps,
                                    const std::vector<std::optional<Snap>>& point_snaps,
                                    const NetworkCoverageOptions& options) {
    check_reverse_graph(network, reverse_graph);
    check_off_road_speed(options.off_road_kmh);
    const auto p = static_cast<std::size_t>(profile);
    const std::uint32_t cutoff = cutoff_ms_of(options.cutoff_minutes);
    const FacilitySources fac = facility_sources(network, p, facility_snaps, options.off_road_kmh);
    // cost_ms[v]: time from node v to its nearest facility.
    const SearchResult search = multi_source_dijkstra(reverse_graph, fac.sources, cutoff);

    std::vector<PointTime> out(point_snaps.size());
    for (std::size_t i = 0; i < point_snaps.size(); ++i) {
        PointTime& pt = out[i];
        if (!point_snaps[i]) {
            pt.access = Access::no_road_access;
            continue;
        }
        const Snap& s = *point_snaps[i];
        const RoadEdge& e = edge_of(network, s, "point", i);
        const double q = clamped_offset(e, s);
        std::uint64_t best = unreached;
        std::uint32_t best_facility = no_source;
        const auto consider = [&](std::uint64_t ms, std::uint32_t facility) {
            if (ms < best) {
                best = ms;
                best_facility = facility;
            }
        };
        NodeLeg exits[2];
        const int exit_count = point_exits(e, q, p, exits);
        for (int k = 0; k < exit_count; ++k) {
            const network::NodeId v = exits[k].node;
            if (search.cost_ms[v] != unreached) consider(std::uint64_t{search.cost_ms[v]} + exits[k].leg_ms, search.label[v]);
        }
        // Staying on the edge to a facility ahead or behind.
        if (inside_edge(e, q)) {
            if (const auto it = fac.on_edge.find(s.edge); it != fac.on_edge.end()) {
                for (const FacilityOnEdge& f : it->second) {
                    if (const auto ms = same_edge_ms(f, q, e.forward_kmh[p], e.backward_kmh[p])) consider(*ms, f.facility);
                }
            }
        }
        if (best == unreached) continue;  // beyond_cutoff
        const std::uint64_t total = best + travel_ms(s.off_road_m, options.off_road_kmh);
        if (total > cutoff) continue;
        pt.access = Access::reached;
        pt.minutes = static_cast<double>(total) / ms_per_minute;
        pt.facility = best_facility;
    }
    return out;
}

namespace {

// The edge parts within `minutes` of the facilities, from a search whose cutoff is at least
// cutoff_ms_of(minutes): nodes beyond this band's cutoff count as unreached, so the parts are those
// of a search bounded by the band itself (costs up to a cutoff do not depend on it).
std::vector<LineString> edge_parts_within(const RoadNetwork& network, std::size_t p, const SearchResult& search,
                                          const FacilitySources& fac, double minutes) {
    const std::uint32_t cutoff = cutoff_ms_of(minutes);
    const double budget_ms = minutes * ms_per_minute;  // exact, for fractional positions
    const auto cost_ms = [&](network::NodeId v) { return search.cost_ms[v] <= cutoff ? search.cost_ms[v] : unreached; };
    // Metres covered at `kmh` in `ms` milliseconds.
    const auto reach_m = [](double ms, float kmh) { return ms * static_cast<double>(kmh) / 3600.0; };

    std::vector<LineString> out;
    std::vector<Interval> parts;
    std::vector<Interval> merged;
    LineString ends;  // an edge without geometry: its two nodes
    for (std::size_t ei = 0; ei < network.edges.size(); ++ei) {
        const RoadEdge& e = network.edges[ei];
        const double len = e.length_m;
        const float fwd = e.forward_kmh[p];
        const float bwd = e.backward_kmh[p];
        parts.clear();
        // Position x on the edge: forwards to e.to in t_fwd(len - x), backwards to e.from in t_bwd(x).
        if (fwd > 0.0F && cost_ms(e.to) != unreached) {
            parts.push_back({std::max(0.0, len - reach_m(budget_ms - cost_ms(e.to), fwd)), len});
        }
        if (bwd > 0.0F && cost_ms(e.from) != unreached) {
            parts.push_back({0.0, std::min(len, reach_m(budget_ms - cost_ms(e.from), bwd))});
        }
        // Facilities on the edge: ahead of x (forwards) or behind it (backwards).
        if (const auto it = fac.on_edge.find(static_cast<EdgeId>(ei)); it != fac.on_edge.end()) {
            for (const FacilityOnEdge& f : it->second) {
                const double left_ms = budget_ms - f.off_road_ms;
                if (left_ms < 0.0) continue;
                if (fwd > 0.0F) parts.push_back({std::max(0.0, f.offset_m - reach_m(left_ms, fwd)), f.offset_m});
                if (bwd > 0.0F) parts.push_back({f.offset_m, std::min(len, f.offset_m + reach_m(left_ms, bwd))});
            }
        }
        if (parts.empty()) continue;
        std::sort(parts.begin(), parts.end(), [](const Interval& a, const Interval& b) { return a.lo < b.lo; });
        // Union of the intervals; zero-length pieces (a node reached with no time left) are dropped.
        merged.clear();
        for (const Interval& iv : parts) {
            if (!merged.empty() && iv.lo <= merged.back().hi) {
                merged.back().hi = std::max(merged.back().hi, iv.hi);
            } else {
                merged.push_back(iv);
            }
        }
        // The edge's own geometry, not a copy: most reached edges are reached whole.
        const LineString* line = &e.geometry_m;
        if (line->size() < 2) {
            ends = {network.nodes_m[e.from], network.nodes_m[e.to]};
            line = &ends;
        }
        double scale = -1.0;  // measured on the first cut only
        for (const Interval& iv : merged) {
            if (iv.hi <= iv.lo) continue;
            if (iv.lo <= 0.0 && iv.hi >= len) {
                out.push_back(*line);
            } else {
                // length_m may differ slightly from the geometry
                if (scale < 0.0) scale = len > 0.0 ? polyline_length(*line) / len : 0.0;
                out.push_back(cut(*line, iv.lo * scale, iv.hi * scale));
            }
        }
    }
    return out;
}

}  // namespace

std::vector<LineString> reached_edge_parts(const RoadNetwork& network, network::Profile profile,
                                           const network::Graph& reverse_graph,
                                           const std::vector<std::optional<Snap>>& facility_snaps,
                                           double minutes, double off_road_kmh) {
    check_reverse_graph(network, reverse_graph);
    check_off_road_speed(off_road_kmh);
    const auto p = static_cast<std::size_t>(profile);
    const FacilitySources fac = facility_sources(network, p, facility_snaps, off_road_kmh);
    const SearchResult search = multi_source_dijkstra(reverse_graph, fac.sources, cutoff_ms_of(minutes));
    return edge_parts_within(network, p, search, fac, minutes);
}

std::vector<std::vector<LineString>> reached_edge_parts_by_band(const RoadNetwork& network, network::Profile profile,
                                                                const network::Graph& reverse_graph,
                                                                const std::vector<std::optional<Snap>>& facility_snaps,
                                                                std::span<const double> minutes, double off_road_kmh) {
    check_reverse_graph(network, reverse_graph);
    check_off_road_speed(off_road_kmh);
    std::vector<std::vector<LineString>> out;
    if (minutes.empty()) return out;
    std::uint32_t cutoff = 0;
    for (double m : minutes) cutoff = std::max(cutoff, cutoff_ms_of(m));
    const auto p = static_cast<std::size_t>(profile);
    const FacilitySources fac = facility_sources(network, p, facility_snaps, off_road_kmh);
    const SearchResult search = multi_source_dijkstra(reverse_graph, fac.sources, cutoff);
    out.reserve(minutes.size());
    for (double m : minutes) out.push_back(edge_parts_within(network, p, search, fac, m));
    return out;
}

}  // namespace kepu15::routing
