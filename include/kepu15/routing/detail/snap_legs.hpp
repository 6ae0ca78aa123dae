// Shared by the network searches that start or end at snapped positions (travel_times,
// reached_edge_parts, reach_table): how a snapped facility seeds a search on the reverse graph and
// how a snapped point leaves its edge, in integer milliseconds. Keeping one copy keeps the nearest
// facility minutes and the reach table equal to the millisecond.
#pragma once

#include "kepu15/network/graph.hpp"
#include "kepu15/network/road_network.hpp"
#include "kepu15/network/snap.hpp"
#include "kepu15/routing/dijkstra.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

namespace kepu15::routing::detail {

inline constexpr double ms_per_minute = 60000.0;

// Integer cutoff for the search: a node with integer cost c is within `minutes` iff c <= cutoff.
// Throws config_error for a negative or NaN number of minutes.
std::uint32_t cutoff_ms_of(double minutes);

// Throws config_error unless off_road_kmh > 0.
void check_off_road_speed(double off_road_kmh);

// Throws input_error unless `graph` is the reverse graph of `network` (same node count).
void check_reverse_graph(const network::RoadNetwork& network, const network::Graph& graph);

// The edge of a snap; input_error naming `what` ("facility", "point") and `index` when it is unknown.
const network::RoadEdge& edge_of(const network::RoadNetwork& network, const network::Snap& snap,
                                 const char* what, std::size_t index);

inline double clamped_offset(const network::RoadEdge& e, const network::Snap& s) {
    return std::clamp(s.offset_m, 0.0, e.length_m);
}

// A snap this close to an end node is at that junction: it uses the node directly, so every
// street meeting there is open to it, whatever the direction of the snapped edge.
inline constexpr double junction_m = 1e-6;
inline bool at_from(double offset_m) { return offset_m <= junction_m; }
inline bool at_to(const network::RoadEdge& e, double offset_m) { return offset_m >= e.length_m - junction_m; }

// Appends the sources of one facility (snapped at offset `o` of `e`, `off_ms` off the road) for a
// search on the reverse graph: the nodes from which one travels to it, from e.from forwards along
// e (start cost t_fwd(o)), from e.to backwards (t_bwd(len - o)), or the junction itself when it
// snapped onto one. `p` is the profile index.
void append_facility_sources(const network::RoadEdge& e, double o, std::uint32_t off_ms, std::size_t p,
                             std::uint32_t label, std::vector<Source>& out);

struct FacilityOnEdge {
    std::uint32_t facility;
    double offset_m;
    std::uint32_t off_road_ms;
};

// Facilities as sources of one search, and per edge the facilities lying on it (which points of
// that edge reach directly).
struct FacilitySources {
    std::vector<Source> sources;
    std::unordered_map<network::EdgeId, std::vector<FacilityOnEdge>> on_edge;
};

FacilitySources facility_sources(const network::RoadNetwork& network, std::size_t p,
                                 const std::vector<std::optional<network::Snap>>& facility_snaps,
                                 double off_road_kmh);

// A way for a point to leave its edge: through `node`, after `leg_ms` on the edge.
struct NodeLeg {
    network::NodeId node;
    std::uint32_t leg_ms;
};

// The nodes a point at offset `q` of `e` leaves through (0, 1 or 2): the junction itself (leg 0)
// when it is at one, else e.to forwards and e.from backwards where the profile may travel.
// Returns the count written to `out`.
int point_exits(const network::RoadEdge& e, double q, std::size_t p, NodeLeg out[2]);

// True when the point at `q` lies strictly inside `e` (not at a junction): only then may it reach
// a facility on the same edge without passing a node.
inline bool inside_edge(const network::RoadEdge& e, double q) { return !at_from(q) && !at_to(e, q); }

// Time from a point strictly inside an edge at `q` to facility `f` on the same edge, travelling
// along the edge (forwards when f lies ahead, backwards when behind), including f's off-road leg
// but not the point's. nullopt when the profile may not travel that way.
inline std::optional<std::uint64_t> same_edge_ms(const FacilityOnEdge& f, double q, float fwd_kmh,
                                                 float bwd_kmh) {
    std::optional<std::uint64_t> best;
    if (f.offset_m >= q && fwd_kmh > 0.0F)
        best = std::uint64_t{f.off_road_ms} + network::travel_ms(f.offset_m - q, fwd_kmh);
    if (f.offset_m <= q && bwd_kmh > 0.0F) {
        const std::uint64_t b = std::uint64_t{f.off_road_ms} + network::travel_ms(q - f.offset_m, bwd_kmh);
        if (!best || b < *best) best = b;
    }
    return best;
}

}  // namespace kepu15::routing::detail
