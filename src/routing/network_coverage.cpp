#include "kepu15/routing/network_coverage.hpp"

#include "kepu15/error.hpp"
#include "kepu15/routing/dijkstra.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>

namespace kepu15::routing {

using network::EdgeId;
using network::RoadEdge;
using network::RoadNetwork;
using network::Snap;
using network::travel_ms;

namespace {

constexpr double ms_per_minute = 60000.0;

// Integer cutoff for the search: a node with integer cost c is within `minutes` iff c <= floor.
std::uint32_t cutoff_ms_of(double minutes) {
    if (!(minutes >= 0.0)) throw config_error("network coverage: cutoff of " + std::to_string(minutes) +
                                              " minutes is not a non-negative number");
    const double ms = std::floor(minutes * ms_per_minute + 1e-6);
    return ms >= static_cast<double>(unreached - 1) ? unreached - 1 : static_cast<std::uint32_t>(ms);
}

void check_off_road_speed(double off_road_kmh) {
    if (!(off_road_kmh > 0.0)) {
        throw config_error("network coverage: off-road speed of " + std::to_string(off_road_kmh) +
                           " km/h must be positive");
    }
}

void check_inputs(const RoadNetwork& network, const network::Graph& graph) {
    if (graph.direction != network::Direction::reverse) {
        throw input_error("network coverage: the graph of " + network.source +
                          " must be the reverse graph (build_graph(..., Direction::reverse))");
    }
    if (graph.node_count() != network.nodes_m.size()) {
        throw input_error("network coverage: graph has " + std::to_string(graph.node_count()) +
                          " nodes but the road network " + network.source + " has " +
                          std::to_string(network.nodes_m.size()));
    }
}

const RoadEdge& edge_of(const RoadNetwork& network, const Snap& snap, const char* what, std::size_t index) {
    if (snap.edge >= network.edges.size()) {
        throw input_error(std::string("network coverage: ") + what + " " + std::to_string(index) +
                          " is snapped to edge " + std::to_string(snap.edge) + " but " + network.source +
                          " has " + std::to_string(network.edges.size()) + " edges");
    }
    return network.edges[snap.edge];
}

double clamped_offset(const RoadEdge& e, const Snap& s) { return std::clamp(s.offset_m, 0.0, e.length_m); }

// A snap this close to an end node is at that junction: it uses the node directly, so every
// street meeting there is open to it, whatever the direction of the snapped edge.
constexpr double junction_m = 1e-6;
bool at_from(double offset_m) { return offset_m <= junction_m; }
bool at_to(const RoadEdge& e, double offset_m) { return offset_m >= e.length_m - junction_m; }

struct FacilityOnEdge {
    std::uint32_t facility;
    double offset_m;
    std::uint32_t off_road_ms;
};

// Facilities as sources of the search on the reverse graph, at the nodes from which one travels
// to them: from e.from forwards along e to a facility at offset o (start cost t_fwd(o)), from e.to
// backwards (t_bwd(len - o)), or from the junction itself when it snapped onto one. Per edge, the
// facilities lying on it (which points of that edge reach directly).
struct FacilitySources {
    std::vector<Source> sources;
    std::unordered_map<EdgeId, std::vector<FacilityOnEdge>> on_edge;
};

FacilitySources facility_sources(const RoadNetwork& network, std::size_t p,
                                 const std::vector<std::optional<Snap>>& facility_snaps, double off_road_kmh) {
    FacilitySources out;
    std::set<std::tuple<EdgeId, double, std::uint32_t>> placed;
    for (std::size_t i = 0; i < facility_snaps.size(); ++i) {
        if (!facility_snaps[i]) continue;
        const Snap& s = *facility_snaps[i];
        const RoadEdge& e = edge_of(network, s, "facility", i);
        const double o = clamped_offset(e, s);
        const std::uint32_t off_ms = travel_ms(s.off_road_m, off_road_kmh);
        const auto label = static_cast<std::uint32_t>(i);
        const bool from_end = at_from(o);
        const bool to_end = at_to(e, o);
        if (from_end) out.sources.push_back({e.from, off_ms, label});
        if (to_end) out.sources.push_back({e.to, off_ms, label});
        if (!from_end && !to_end) {
            if (e.forward_kmh[p] > 0.0F) {
                out.sources.push_back({e.from, network::add_travel_ms(off_ms, travel_ms(o, e.forward_kmh[p])), label});
            }
            if (e.backward_kmh[p] > 0.0F) {
                out.sources.push_back(
                    {e.to, network::add_travel_ms(off_ms, travel_ms(e.length_m - o, e.backward_kmh[p])), label});
            }
        }
        // Facilities at the same place on the same edge are one target for the points of that
        // edge (the first one wins ties anyway), so co-located duplicates cost nothing per point.
        if (placed.emplace(s.edge, o, off_ms).second) out.on_edge[s.edge].push_back({label, o, off_ms});
    }
    return out;
}

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
    check_inputs(network, reverse_graph);
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
        const float fwd = e.forward_kmh[p];
        const float bwd = e.backward_kmh[p];
        std::uint64_t best = unreached;
        std::uint32_t best_facility = no_source;
        const auto consider = [&](std::uint64_t ms, std::uint32_t facility) {
            if (ms < best) {
                best = ms;
                best_facility = facility;
            }
        };
        const auto via_node = [&](network::NodeId v, std::uint32_t leg_ms) {
            if (search.cost_ms[v] != unreached) consider(std::uint64_t{search.cost_ms[v]} + leg_ms, search.label[v]);
        };
        const bool from_end = at_from(q);
        const bool to_end = at_to(e, q);
        if (from_end) via_node(e.from, 0);
        if (to_end) via_node(e.to, 0);
        if (!from_end && !to_end) {
            // Leaving the edge at either end, or staying on it to a facility ahead or behind.
            if (fwd > 0.0F) via_node(e.to, travel_ms(e.length_m - q, fwd));
            if (bwd > 0.0F) via_node(e.from, travel_ms(q, bwd));
            if (const auto it = fac.on_edge.find(s.edge); it != fac.on_edge.end()) {
                for (const FacilityOnEdge& f : it->second) {
                    const auto leg = [&](double m, float kmh) { return std::uint64_t{f.off_road_ms} + travel_ms(m, kmh); };
                    if (f.offset_m >= q && fwd > 0.0F) consider(leg(f.offset_m - q, fwd), f.facility);
                    if (f.offset_m <= q && bwd > 0.0F) consider(leg(q - f.offset_m, bwd), f.facility);
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

std::vector<LineString> reached_edge_parts(const RoadNetwork& network, network::Profile profile,
                                           const network::Graph& reverse_graph,
                                           const std::vector<std::optional<Snap>>& facility_snaps,
                                           double minutes, double off_road_kmh) {
    check_inputs(network, reverse_graph);
    check_off_road_speed(off_road_kmh);
    const auto p = static_cast<std::size_t>(profile);
    const std::uint32_t cutoff = cutoff_ms_of(minutes);
    const double budget_ms = minutes * ms_per_minute;  // exact, for fractional positions
    const FacilitySources fac = facility_sources(network, p, facility_snaps, off_road_kmh);
    const SearchResult search = multi_source_dijkstra(reverse_graph, fac.sources, cutoff);
    // Metres covered at `kmh` in `ms` milliseconds.
    const auto reach_m = [](double ms, float kmh) { return ms * static_cast<double>(kmh) / 3600.0; };

    std::vector<LineString> out;
    std::vector<Interval> parts;
    for (std::size_t ei = 0; ei < network.edges.size(); ++ei) {
        const RoadEdge& e = network.edges[ei];
        const double len = e.length_m;
        const float fwd = e.forward_kmh[p];
        const float bwd = e.backward_kmh[p];
        parts.clear();
        // Position x on the edge: forwards to e.to in t_fwd(len - x), backwards to e.from in t_bwd(x).
        if (fwd > 0.0F && search.cost_ms[e.to] != unreached) {
            parts.push_back({std::max(0.0, len - reach_m(budget_ms - search.cost_ms[e.to], fwd)), len});
        }
        if (bwd > 0.0F && search.cost_ms[e.from] != unreached) {
            parts.push_back({0.0, std::min(len, reach_m(budget_ms - search.cost_ms[e.from], bwd))});
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
        std::vector<Interval> merged;
        for (const Interval& iv : parts) {
            if (!merged.empty() && iv.lo <= merged.back().hi) {
                merged.back().hi = std::max(merged.back().hi, iv.hi);
            } else {
                merged.push_back(iv);
            }
        }
        LineString line = e.geometry_m;
        if (line.size() < 2) line = {network.nodes_m[e.from], network.nodes_m[e.to]};
        const double geom_len = polyline_length(line);
        const double scale = len > 0.0 ? geom_len / len : 0.0;  // length_m may differ slightly from the geometry
        for (const Interval& iv : merged) {
            if (iv.hi <= iv.lo) continue;
            if (iv.lo <= 0.0 && iv.hi >= len) {
                out.push_back(line);
            } else {
                out.push_back(cut(line, iv.lo * scale, iv.hi * scale));
            }
        }
    }
    return out;
}

}  // namespace kepu15::routing
