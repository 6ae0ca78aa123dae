// Compressed sparse row graph of one profile: arcs out of node u are head[first_out[u] ..
// first_out[u+1]), with weights in milliseconds. Node ids are dense and equal RoadNetwork node ids.
// The reverse graph (every arc turned around) lets one search from the facilities give every
// node its travel time TO the nearest facility.
#pragma once

#include "kepu15/network/road_network.hpp"

#include <cstdint>
#include <vector>

namespace kepu15::network {

// forward: an arc u -> v for every direction u -> v the profile may drive, walk or cycle.
// reverse: an arc v -> u for every such u -> v, with the same weight and arc_edge.
enum class Direction : std::uint8_t { forward, reverse };

struct Graph {
    std::vector<std::uint32_t> first_out;  // size node_count() + 1
    std::vector<NodeId> head;
    std::vector<std::uint32_t> weight_ms;
    std::vector<EdgeId> arc_edge;          // RoadEdge each arc comes from
    Direction direction = Direction::forward;

    [[nodiscard]] std::size_t node_count() const { return first_out.empty() ? 0 : first_out.size() - 1; }
    [[nodiscard]] std::size_t arc_count() const { return head.size(); }
};

// Arcs for every direction of every edge the profile may use, weight = travel_ms(length, speed),
// turned around when `direction` is reverse. DEFAULT: forward.
Graph build_graph(const RoadNetwork& network, Profile profile, Direction direction = Direction::forward);

// Builds a forward CSR graph from an arc list (tail, head, weight); used by tests and benchmarks.
struct Arc {
    NodeId tail;
    NodeId head;
    std::uint32_t weight_ms;
};
Graph graph_from_arcs(std::size_t node_count, std::vector<Arc> arcs);

// Weakly connected component id per node over edges usable by the profile, and component sizes.
struct Components {
    std::vector<std::uint32_t> component_of;  // per node
    std::vector<std::uint32_t> size;          // per component, in nodes
};
Components connected_components(const Graph& graph);

}  // namespace kepu15::network
