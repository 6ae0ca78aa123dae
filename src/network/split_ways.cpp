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
    net.edges.reserve(ways.size() * 2);
    for (const WayChain& w : ways) {
        const std::uint32_t* chain = vertices.data() + w.first;
        std::uint32_t start = chain[0];
        RoadEdge edge;
        edge.geometry_m.push_back(points_m[start]);
        for (std::size_t i = 1; i < w.count; ++i) {
            const std::uint32_t v = chain[i];
            edge.length_m += distance(edge.geometry_m.back(), points_m[v]);
            edge.geometry_m.push_back(points_m[v]);
            if (uses[v] < 2) continue;
            edge.from = node_id(start);
            edge.to = node_id(v);
            edge.forward_kmh = w.forward_kmh;
            edge.backward_kmh = w.backward_kmh;
            edge.source_id = w.source_id;
            net.edges.push_back(std::move(edge));
            edge = RoadEdge{};
            edge.geometry_m.push_back(points_m[v]);
            start = v;
        }
    }
    return net;
}

}  // namespace kepu15::network::detail
