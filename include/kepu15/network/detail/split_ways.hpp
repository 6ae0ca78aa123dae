// Shared by the OSM and line-layer readers: turns ways (chains of vertex ids) into a RoadNetwork
// whose nodes are the vertices where ways end or meet, and whose edges are the pieces between them.
#pragma once

#include "kepu15/network/road_network.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace kepu15::network::detail {

struct WayChain {
    std::size_t first = 0;  // index of the first vertex id in the `vertices` list
    std::size_t count = 0;  // REQUIRES: >= 2, no two consecutive ids equal
    std::array<float, profile_count> forward_kmh{};
    std::array<float, profile_count> backward_kmh{};
    std::int64_t source_id = 0;  // OSM way id or OGR feature id
};

// A vertex becomes a node when it ends a way or is used more than once (by two ways, or twice by
// one, as in a loop). Vertex ids index `points_m`; node ids are dense in order of first use.
RoadNetwork split_ways(const std::vector<Point>& points_m, const std::vector<std::uint32_t>& vertices,
                       const std::vector<WayChain>& ways, std::string source);

}  // namespace kepu15::network::detail
