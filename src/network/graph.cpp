#include "kepu15/network/graph.hpp"

#include "kepu15/error.hpp"

#include <algorithm>
#include <numeric>
#include <string>
#include <utility>

namespace kepu15::network {

Graph graph_from_arcs(std::size_t node_count, std::vector<Arc> arcs) {
    Graph g;
    g.first_out.assign(node_count + 1, 0);
    for (std::size_t i = 0; i < arcs.size(); ++i) {
        const Arc& a = arcs[i];
        if (a.tail >= node_count || a.head >= node_count) {
            throw input_error("graph: arc " + std::to_string(i) + " (" + std::to_string(a.tail) + " -> " +
                              std::to_string(a.head) + ") refers to a node >= node count " +
                              std::to_string(node_count));
        }
        ++g.first_out[a.tail + 1];
    }
    std::partial_sum(g.first_out.begin(), g.first_out.end(), g.first_out.begin());

    // Stable counting sort by tail: arcs of one tail keep their input order.
    g.head.resize(arcs.size());
    g.weight_ms.resize(arcs.size());
    g.arc_edge.resize(arcs.size());
    std::vector<std::uint32_t> next(g.first_out.begin(), g.first_out.end() - 1);
    for (std::size_t i = 0; i < arcs.size(); ++i) {
        const std::uint32_t slot = next[arcs[i].tail]++;
        g.head[slot] = arcs[i].head;
        g.weight_ms[slot] = arcs[i].weight_ms;
        g.arc_edge[slot] = static_cast<EdgeId>(i);  // input arc index; build_graph maps it to the edge
    }
    return g;
}

Graph build_graph(const RoadNetwork& network, Profile profile, Direction direction) {
    const auto p = static_cast<std::size_t>(profile);
    const std::size_t n = network.nodes_m.size();
    std::vector<Arc> arcs;
    std::vector<EdgeId> edge_of_arc;
    arcs.reserve(network.edges.size() * 2);
    edge_of_arc.reserve(network.edges.size() * 2);
    for (std::size_t e = 0; e < network.edges.size(); ++e) {
        const RoadEdge& edge = network.edges[e];
        if (edge.from >= n || edge.to >= n) {
            throw input_error(network.source + ": road edge " + std::to_string(e) + " (source id " +
                              std::to_string(edge.source_id) + ") refers to node " +
                              std::to_string(std::max(edge.from, edge.to)) + " but the network has " +
                              std::to_string(n) + " nodes");
        }
        const auto weight = [&](float kmh) {
            return std::max<std::uint32_t>(1, travel_ms(edge.length_m, static_cast<double>(kmh)));
        };
        const auto add = [&](NodeId tail, NodeId head, float kmh) {
            if (direction == Direction::reverse) std::swap(tail, head);
            arcs.push_back({tail, head, weight(kmh)});
            edge_of_arc.push_back(static_cast<EdgeId>(e));
        };
        if (edge.forward_kmh[p] > 0.0F) add(edge.from, edge.to, edge.forward_kmh[p]);
        if (edge.backward_kmh[p] > 0.0F) add(edge.to, edge.from, edge.backward_kmh[p]);
    }
    Graph g = graph_from_arcs(n, std::move(arcs));
    for (auto& a : g.arc_edge) a = edge_of_arc[a];
    g.direction = direction;
    return g;
}

Components connected_components(const Graph& graph) {
    // Union-find over arcs (weak connectivity), then dense component ids in order of first node.
    const std::size_t n = graph.node_count();
    std::vector<std::uint32_t> parent(n);
    std::iota(parent.begin(), parent.end(), 0U);
    const auto find = [&](std::uint32_t x) {
        while (parent[x] != x) {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        return x;
    };
    for (std::uint32_t u = 0; u < n; ++u) {
        for (std::uint32_t a = graph.first_out[u]; a < graph.first_out[u + 1]; ++a) {
            const std::uint32_t ru = find(u);
            const std::uint32_t rv = find(graph.head[a]);
            if (ru != rv) parent[std::max(ru, rv)] = std::min(ru, rv);
        }
    }
    Components c;
    c.component_of.assign(n, 0);
    std::vector<std::uint32_t> id_of_root(n, UINT32_MAX);
    for (std::uint32_t u = 0; u < n; ++u) {
        const std::uint32_t r = find(u);
        if (id_of_root[r] == UINT32_MAX) {
            id_of_root[r] = static_cast<std::uint32_t>(c.size.size());
            c.size.push_back(0);
        }
        c.component_of[u] = id_of_root[r];
        ++c.size[id_of_root[r]];
    }
    return c;
}

}  // namespace kepu15::network
