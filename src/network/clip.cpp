#include "kepu15/network/clip.hpp"

#include <limits>

namespace kepu15::network {

std::vector<VertexRun> runs_in_box(std::span<const Point> line, const Box& box) {
    std::vector<VertexRun> runs;
    for (std::size_t i = 0; i + 1 < line.size(); ++i) {
        if (!segment_meets_box(line[i], line[i + 1], box)) continue;
        if (!runs.empty() && runs.back().first + runs.back().count == i + 1) {
            ++runs.back().count;  // segment i continues the run that ends at vertex i
        } else {
            runs.push_back({i, 2});
        }
    }
    return runs;
}

std::optional<Box> partition_clip_box(std::span<const Point> points_m, double margin_m) {
    Box box;
    for (const Point& p : points_m) box.expand(p);
    if (box.empty()) return std::nullopt;
    box.min_x -= margin_m;
    box.min_y -= margin_m;
    box.max_x += margin_m;
    box.max_y += margin_m;
    return box;
}

RoadNetwork clip_network(RoadNetwork network, const Box& box) {
    constexpr NodeId unused = std::numeric_limits<NodeId>::max();
    std::vector<NodeId> new_id(network.nodes_m.size(), unused);
    std::size_t kept = 0;
    for (std::size_t e = 0; e < network.edges.size(); ++e) {
        const LineString& g = network.edges[e].geometry_m;
        bool meets = false;
        for (std::size_t i = 0; i + 1 < g.size() && !meets; ++i) meets = segment_meets_box(g[i], g[i + 1], box);
        if (g.size() == 1) meets = segment_meets_box(g[0], g[0], box);
        if (!meets) continue;
        new_id[network.edges[e].from] = 0;
        new_id[network.edges[e].to] = 0;
        if (kept != e) network.edges[kept] = std::move(network.edges[e]);
        ++kept;
    }
    network.edges.resize(kept);
    network.edges.shrink_to_fit();
    std::size_t nodes = 0;
    for (std::size_t n = 0; n < new_id.size(); ++n) {
        if (new_id[n] == unused) continue;
        new_id[n] = static_cast<NodeId>(nodes);
        network.nodes_m[nodes++] = network.nodes_m[n];
    }
    network.nodes_m.resize(nodes);
    network.nodes_m.shrink_to_fit();
    for (RoadEdge& e : network.edges) {
        e.from = new_id[e.from];
        e.to = new_id[e.to];
    }
    return network;
}

}  // namespace kepu15::network
