#include "kepu15/network/detail/split_ways.hpp"

#include <algorithm>
#include <limits>

namespace kepu15::network::detail {

RoadNetwork split_ways(const std::vector<Point>& points_m, const std::vector<std::uint32_t>& vertices,
                       const std::vector<WayChain>& ways, std::string source) {
    // Uses per vertex, saturating at 2 (= a node); way ends count as 2.
    std::vector<std::uint8_t> uses(points_m.size(), 0);
    for (const WayChain& w : ways) {
        for (std::size_t i = 0; i < w.count; ++i) {
            std::uint8_t& u = uses[vertices[w.first + i]];
            const bool end = i == 0 || i + 1 == w.count;
            u = end ? 2 : static_cast<std::uint8_t>(std::min(2, u + 1));
        }
    }
    constexpr std::uint32_t none = std::numeric_limits<std::uint32_t>::max();
    RoadNetwork net;
    net.source = std::move(source);
    std::vector<std::uint32_t> node_of(points_m.size(), none);
    const auto node_id = [&](std::uint32_t v) -> NodeId {
        if (node_of[v] == none) {
            node_of[v] = static_cast<std::uint32_t>(net.nodes_m.size());
            net.nodes_m.push_back(points_m[v]);
        }
        return node_of[v];
    };
    // Exact sizes first: at a million edges, growing the vectors costs more than this pass.
    std::size_t edge_count = 0;
    std::size_t node_count = 0;
    for (const WayChain& w : ways) {
        for (std::size_t i = 1; i < w.count; ++i) edge_count += uses[vertices[w.first + i]] >= 2 ? 1 : 0;
    }
    for (const std::uint8_t u : uses) node_count += u >= 2 ? 1 : 0;
    net.edges.reserve(edge_count);
    net.nodes_m.reserve(node_count);
    for (const WayChain& w : ways) {
        const std::uint32_t* chain = vertices.data() + w.first;
        std::size_t start = 0;
        for (std::size_t i = 1; i < w.count; ++i) {
            if (uses[chain[i]] < 2) continue;
            // One piece: chain[start .. i], node to node, its geometry allocated once.
            RoadEdge edge;
            edge.geometry_m.reserve(i - start + 1);
            edge.geometry_m.push_back(points_m[chain[start]]);
            for (std::size_t k = start + 1; k <= i; ++k) {
                edge.length_m += distance(edge.geometry_m.back(), points_m[chain[k]]);
                edge.geometry_m.push_back(points_m[chain[k]]);
            }
            edge.from = node_id(chain[start]);
            edge.to = node_id(chain[i]);
            edge.forward_kmh = w.forward_kmh;
            edge.backward_kmh = w.backward_kmh;
            edge.source_id = w.source_id;
            net.edges.push_back(std::move(edge));
            start = i;
        }
    }
    return net;
}

}  // namespace kepu15::network::detail
