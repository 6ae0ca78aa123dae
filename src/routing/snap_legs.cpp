#include "kepu15/routing/detail/snap_legs.hpp"

#include "kepu15/error.hpp"

#include <cmath>
#include <string>

namespace kepu15::routing::detail {

using network::RoadEdge;
using network::RoadNetwork;
using network::Snap;
using network::travel_ms;

std::uint32_t cutoff_ms_of(double minutes) {
    if (!(minutes >= 0.0))
        throw config_error("network coverage: cutoff of " + std::to_string(minutes) +
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

void check_reverse_graph(const RoadNetwork& network, const network::Graph& graph) {
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

void append_facility_sources(const RoadEdge& e, double o, std::uint32_t off_ms, std::size_t p,
                             std::uint32_t label, std::vector<Source>& out) {
    const bool from_end = at_from(o);
    const bool to_end = at_to(e, o);
    if (from_end) out.push_back({e.from, off_ms, label});
    if (to_end) out.push_back({e.to, off_ms, label});
    if (!from_end && !to_end) {
        if (e.forward_kmh[p] > 0.0F) out.push_back({e.from, off_ms + travel_ms(o, e.forward_kmh[p]), label});
        if (e.backward_kmh[p] > 0.0F)
            out.push_back({e.to, off_ms + travel_ms(e.length_m - o, e.backward_kmh[p]), label});
    }
}

FacilitySources facility_sources(const RoadNetwork& network, std::size_t p,
                                 const std::vector<std::optional<Snap>>& facility_snaps,
                                 double off_road_kmh) {
    FacilitySources out;
    for (std::size_t i = 0; i < facility_snaps.size(); ++i) {
        if (!facility_snaps[i]) continue;
        const Snap& s = *facility_snaps[i];
        const RoadEdge& e = edge_of(network, s, "facility", i);
        const double o = clamped_offset(e, s);
        const std::uint32_t off_ms = travel_ms(s.off_road_m, off_road_kmh);
        const auto label = static_cast<std::uint32_t>(i);
        append_facility_sources(e, o, off_ms, p, label, out.sources);
        out.on_edge[s.edge].push_back({label, o, off_ms});
    }
    return out;
}

int point_exits(const RoadEdge& e, double q, std::size_t p, NodeLeg out[2]) {
    int n = 0;
    const bool from_end = at_from(q);
    const bool to_end = at_to(e, q);
    if (from_end) out[n++] = {e.from, 0};
    if (to_end) out[n++] = {e.to, 0};
    if (!from_end && !to_end) {
        // Leaving the edge at either end.
        if (e.forward_kmh[p] > 0.0F) out[n++] = {e.to, travel_ms(e.length_m - q, e.forward_kmh[p])};
        if (e.backward_kmh[p] > 0.0F) out[n++] = {e.from, travel_ms(q, e.backward_kmh[p])};
    }
    return n;
}

}  // namespace kepu15::routing::detail
