// A road network as read from OSM or a GDAL line layer: junction nodes and polyline edges
// between them, with per-profile speeds in each direction. Plain data; the CSR graph of one
// profile is built from it (graph.hpp).
#pragma once

#include "kepu15/geo/geometry.hpp"
#include "kepu15/network/profile.hpp"

#include <array>
#include <cstdint>
#include <vector>

namespace kepu15::network {

using NodeId = std::uint32_t;
using EdgeId = std::uint32_t;

struct RoadEdge {
    NodeId from = 0;
    NodeId to = 0;
    LineString geometry_m;  // working CRS; front() is node `from`, back() is node `to`
    double length_m = 0.0;  // length of geometry_m
    // Speed per profile (index = Profile) along geometry (from -> to) and against it;
    // 0 = the profile may not use the edge in that direction.
    std::array<float, profile_count> forward_kmh{};
    std::array<float, profile_count> backward_kmh{};
    std::int64_t source_id = 0;  // OSM way id or OGR feature id, for messages and outputs
};

struct RoadNetwork {
    std::vector<Point> nodes_m;  // working CRS
    std::vector<RoadEdge> edges;
    std::string source;          // file it came from, for messages
};

// Longest representable travel time (about 49.7 days): times saturate here instead of wrapping
// around, so a very slow road can never look fast. Searches cut off long before it.
inline constexpr std::uint32_t max_travel_ms = 0xFFFFFFFEU;

// Travel time in milliseconds along `length_m` at `speed_kmh`, rounded to the nearest ms and
// saturated at max_travel_ms (also for NaN or a zero speed).
inline std::uint32_t travel_ms(double length_m, double speed_kmh) {
    const double ms = length_m * 3600.0 / speed_kmh + 0.5;
    if (!(ms < static_cast<double>(max_travel_ms))) return max_travel_ms;
    return ms > 0.0 ? static_cast<std::uint32_t>(ms) : 0U;
}

// a + b saturated at max_travel_ms.
inline std::uint32_t add_travel_ms(std::uint64_t a, std::uint64_t b) {
    const std::uint64_t sum = a + b;
    return sum >= max_travel_ms ? max_travel_ms : static_cast<std::uint32_t>(sum);
}

}  // namespace kepu15::network
