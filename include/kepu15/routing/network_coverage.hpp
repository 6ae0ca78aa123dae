// Travel time from each point (population cell centre) to the nearest facility over one profile's
// graph: facilities and points snap to the nearest edge; the legs off the network are walked at
// `off_road_kmh`; one bounded multi-source Dijkstra per call.
#pragma once

#include "kepu15/network/graph.hpp"
#include "kepu15/network/road_network.hpp"
#include "kepu15/network/snap.hpp"

#include <cstdint>
#include <optional>
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
std::vector<PointTime> travel_times(const network::RoadNetwork& network, network::Profile profile,
                                    const network::Graph& graph,
                                    const std::vector<std::optional<network::Snap>>& facility_snaps,
                                    const std::vector<std::optional<network::Snap>>& point_snaps,
                                    const NetworkCoverageOptions& options);

// The reached parts of edges within `minutes` of the facilities: per edge, the sub-polylines
// (working CRS) whose points are reachable. Used for edge-accurate service areas.
std::vector<LineString> reached_edge_parts(const network::RoadNetwork& network, network::Profile profile,
                                           const network::Graph& graph,
                                           const std::vector<std::optional<network::Snap>>& facility_snaps,
                                           double minutes, double off_road_kmh = 4.5);

}  // namespace kepu15::routing
