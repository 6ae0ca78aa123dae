// The seeded road-like benchmark graph shared by bench_network and bench_reach: a jittered
// 400 x 400 grid (~160,000 nodes, ~540,000 arcs over 30 x 30 km) with road classes, gaps and
// diagonals, and drive one-ways among residential links.
#pragma once

#include "kepu15/network/road_network.hpp"

#include <cstdint>
#include <random>
#include <string>

namespace kepu15::bench {

using network::NodeId;

constexpr int grid_side = 400;            // 400 x 400 = 160,000 nodes
constexpr double spacing_m = 75.0;        // 30 km / 400
constexpr double removed_share = 0.22;    // grid links left out (blocks, rivers)
constexpr double diagonal_share = 0.05;   // extra diagonal links per node
constexpr double oneway_share = 0.08;     // drive one-ways among residential links

struct RoadClass {
    float drive_kmh;
    bool walkable;
};

// Road class of a grid line (row or column index): expressway every 100th, primary every 20th,
// secondary every 5th, residential otherwise.
inline RoadClass line_class(int i) {
    if (i % 100 == 50) return {100.0F, false};
    if (i % 20 == 10) return {60.0F, true};
    if (i % 5 == 0) return {50.0F, true};
    return {30.0F, true};
}

inline network::RoadNetwork make_road_grid(std::uint32_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    std::uniform_real_distribution<double> jitter(-0.3 * spacing_m, 0.3 * spacing_m);
    network::RoadNetwork net;
    net.source = "bench grid seed " + std::to_string(seed);
    net.nodes_m.reserve(static_cast<std::size_t>(grid_side) * grid_side);
    for (int r = 0; r < grid_side; ++r) {
        for (int c = 0; c < grid_side; ++c) {
            net.nodes_m.push_back({c * spacing_m + jitter(rng), r * spacing_m + jitter(rng)});
        }
    }
    const auto id = [](int r, int c) { return static_cast<NodeId>(r * grid_side + c); };
    const auto add = [&](NodeId a, NodeId b, RoadClass cls, bool keep_always) {
        if (!keep_always && unit(rng) < removed_share) return;
        network::RoadEdge e;
        e.from = a;
        e.to = b;
        e.geometry_m = {net.nodes_m[a], net.nodes_m[b]};
        e.length_m = distance(net.nodes_m[a], net.nodes_m[b]);
        const float walk = cls.walkable ? 4.5F : 0.0F;
        const float elderly = cls.walkable ? 2.7F : 0.0F;
        const float bike = cls.walkable ? 15.0F : 0.0F;
        e.forward_kmh = {walk, elderly, bike, cls.drive_kmh};
        e.backward_kmh = e.forward_kmh;
        if (cls.drive_kmh <= 30.0F && unit(rng) < oneway_share) {
            if (unit(rng) < 0.5) {
                e.backward_kmh[3] = 0.0F;
            } else {
                e.forward_kmh[3] = 0.0F;
            }
        }
        e.source_id = static_cast<std::int64_t>(net.edges.size());
        net.edges.push_back(std::move(e));
    };
    for (int r = 0; r < grid_side; ++r) {
        for (int c = 0; c < grid_side; ++c) {
            // Arterials (class above residential) are never interrupted.
            if (c + 1 < grid_side) add(id(r, c), id(r, c + 1), line_class(r), line_class(r).drive_kmh > 30.0F);
            if (r + 1 < grid_side) add(id(r, c), id(r + 1, c), line_class(c), line_class(c).drive_kmh > 30.0F);
            if (r + 1 < grid_side && c + 1 < grid_side && unit(rng) < diagonal_share) {
                add(id(r, c), id(r + 1, c + 1), {30.0F, true}, true);
            }
        }
    }
    return net;
}

}  // namespace kepu15::bench
