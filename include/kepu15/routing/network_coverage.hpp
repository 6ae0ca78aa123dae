// Travel time FROM each point (a home, a population cell centre) TO the nearest facility over one
// profile's roads, honouring one-way streets in the direction residents travel: facilities and
// points snap to the nearest edge; the legs off the network are walked at `off_road_kmh`; one
// bounded multi-source Dijkstra per call, from the facilities over the reverse graph.
// A snap within 1e-6 m of an edge's end node is at that junction and may use every street there,
// whatever the direction of the snapped edge.
#pragma once

#include "kepu15/network/graph.hpp"
#include "kepu15/network/road_network.hpp"
#include "kepu15/network/snap.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace kepu15::routing {

enum class Access : std::uint8_t {
    reached,         // minutes and facility are set
    beyond_cutoff,   // snapped, but no facility within the cutoff
    no_road_access,  // no usable road within the maximum snap distance
};

struct PointTime {
    Access access = Access::beyond_cutoff;
    double minutes = 0.0;          // valid when reached
    std::uint32_t facility = 0;    // index into the facility list, valid when reached
};

struct NetworkCoverageOptions {
    double cutoff_minutes = 15.0;  // DEFAULT: 15 min (the 15-minute circle)
    double off_road_kmh = 4.5;     // DEFAULT: walking speed for the legs off the network
};

// Snaps of the facility and point lists are computed by the caller (Snapper::snap) so that they
// can be shared between kinds. A facility without a snap is ignored.
// REQUIRES: reverse_graph == network::build_graph(network, profile, network::Direction::reverse),
// built once per profile by the caller (input_error if it is a forward graph or has another node count).
std::vector<PointTime> travel_times(const network::RoadNetwork& network, network::Profile profile,
                                    const network::Graph& reverse_graph,
                                    const std::vector<std::optional<network::Snap>>& facility_snaps,
                                    const std::vector<std::optional<network::Snap>>& point_snaps,
                                    const NetworkCoverageOptions& options);

// The parts of edges from which a facility is reachable within `minutes` (travelling in the
// profile's allowed directions): per edge, the sub-polylines (working CRS) of those positions.
// Used for edge-accurate service areas.
// REQUIRES: reverse_graph as for travel_times.
std::vector<LineString> reached_edge_parts(const network::RoadNetwork& network, network::Profile profile,
                                           const network::Graph& reverse_graph,
                                           const std::vector<std::optional<network::Snap>>& facility_snaps,
                                           double minutes, double off_road_kmh = 4.5);

// reached_edge_parts for several budgets (isochrone bands) from one search up to the largest:
// element b equals reached_edge_parts(..., minutes[b], off_road_kmh), since a bounded search gives
// every node within a smaller cutoff the same cost. Empty `minutes`: nothing.
std::vector<std::vector<LineString>> reached_edge_parts_by_band(
    const network::RoadNetwork& network, network::Profile profile, const network::Graph& reverse_graph,
    const std::vector<std::optional<network::Snap>>& facility_snaps, std::span<const double> minutes,
    double off_road_kmh = 4.5);

}  // namespace kepu15::routing
