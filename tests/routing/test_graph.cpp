// CSR graph construction: arc lists, per-profile arcs of a road network (one-way, excluded
// profile, minimum weight, forward and reverse) and weakly connected components.
#include "kepu15/error.hpp"
#include "kepu15/network/graph.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <tuple>
#include <vector>

using namespace kepu15;
using network::Graph;
using network::Profile;

namespace {

// (tail, head, weight, edge) of every arc, in CSR order.
std::vector<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t, std::uint32_t>> arcs_of(const Graph& g) {
    std::vector<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t, std::uint32_t>> out;
    for (std::uint32_t u = 0; u < g.node_count(); ++u) {
        for (std::uint32_t a = g.first_out[u]; a < g.first_out[u + 1]; ++a) {
            out.emplace_back(u, g.head[a], g.weight_ms[a], g.arc_edge[a]);
        }
    }
    return out;
}

network::RoadEdge edge(network::NodeId from, network::NodeId to, double length_m,
                       std::array<float, network::profile_count> forward,
                       std::array<float, network::profile_count> backward) {
    network::RoadEdge e;
    e.from = from;
    e.to = to;
    e.length_m = length_m;
    e.forward_kmh = forward;
    e.backward_kmh = backward;
    return e;
}

}  // namespace

TEST_CASE("graph_from_arcs sorts arcs by tail and keeps their input order and index", "[routing]") {
    const Graph g = network::graph_from_arcs(4, {{2, 0, 7}, {0, 1, 3}, {2, 3, 1}, {0, 2, 9}});
    CHECK(g.node_count() == 4);
    CHECK(g.arc_count() == 4);
    CHECK(g.first_out == std::vector<std::uint32_t>{0, 2, 2, 4, 4});
    using T = std::tuple<std::uint32_t, std::uint32_t, std::uint32_t, std::uint32_t>;
    CHECK(arcs_of(g) == std::vector<T>{{0, 1, 3, 1}, {0, 2, 9, 3}, {2, 0, 7, 0}, {2, 3, 1, 2}});

    const Graph empty = network::graph_from_arcs(0, {});
    CHECK(empty.node_count() == 0);
    CHECK(empty.first_out == std::vector<std::uint32_t>{0});

    CHECK_THROWS_AS(network::graph_from_arcs(2, {{0, 2, 1}}), input_error);
}

TEST_CASE("build_graph makes arcs for the allowed directions of each profile", "[routing]") {
    //   0 ======= 1 -------> 2 <------- 3        (drive one-ways; walking both ways on e0..e2)
    //   |                              |
    //   +------------- e3 -------------+         (motor road: no walking, no cycling)
    //   4 --e4-- 4                                (zero-length loop: weight clamps to 1 ms)
    network::RoadNetwork net;
    net.source = "hand network";
    net.nodes_m = {{0, 0}, {90, 0}, {180, 0}, {270, 0}, {0, -50}};
    // Speeds are (walk, elderly, bike, drive).
    net.edges.push_back(edge(0, 1, 90.0, {4.5F, 2.7F, 15.0F, 30.0F}, {4.5F, 2.7F, 15.0F, 30.0F}));
    net.edges.push_back(edge(1, 2, 90.0, {4.5F, 2.7F, 15.0F, 30.0F}, {4.5F, 2.7F, 15.0F, 0.0F}));  // forward only for drive
    net.edges.push_back(edge(2, 3, 90.0, {4.5F, 2.7F, 0.0F, 0.0F}, {4.5F, 2.7F, 15.0F, 60.0F}));   // backward only for bike, drive
    net.edges.push_back(edge(0, 3, 270.0, {0.0F, 0.0F, 0.0F, 60.0F}, {0.0F, 0.0F, 0.0F, 60.0F}));  // excluded for walk/elderly/bike
    net.edges.push_back(edge(4, 4, 0.0, {4.5F, 2.7F, 15.0F, 30.0F}, {0.0F, 0.0F, 0.0F, 0.0F}));

    using T = std::tuple<std::uint32_t, std::uint32_t, std::uint32_t, std::uint32_t>;
    // 90 m at 4.5 km/h = 72 s; at 30 km/h = 10.8 s; at 60 km/h = 5.4 s; 270 m at 60 km/h = 16.2 s.
    const Graph walk = network::build_graph(net, Profile::walk);
    CHECK(arcs_of(walk) == std::vector<T>{{0, 1, 72000, 0}, {1, 0, 72000, 0}, {1, 2, 72000, 1}, {2, 1, 72000, 1},
                                          {2, 3, 72000, 2}, {3, 2, 72000, 2}, {4, 4, 1, 4}});
    const Graph elderly = network::build_graph(net, Profile::elderly);
    CHECK(elderly.arc_count() == 7);
    CHECK(elderly.weight_ms[0] == 120000);  // 90 m at 2.7 km/h
    const Graph bike = network::build_graph(net, Profile::bike);
    CHECK(arcs_of(bike) == std::vector<T>{{0, 1, 21600, 0}, {1, 0, 21600, 0}, {1, 2, 21600, 1}, {2, 1, 21600, 1},
                                          {3, 2, 21600, 2}, {4, 4, 1, 4}});
    const Graph drive = network::build_graph(net, Profile::drive);
    CHECK(arcs_of(drive) == std::vector<T>{{0, 1, 10800, 0}, {0, 3, 16200, 3}, {1, 0, 10800, 0}, {1, 2, 10800, 1},
                                           {3, 2, 5400, 2}, {3, 0, 16200, 3}, {4, 4, 1, 4}});

    CHECK(drive.direction == network::Direction::forward);

    // Reverse: every drive arc above turned around (1 -> 2 becomes 2 -> 1, 3 -> 2 becomes 2 -> 3),
    // same weights and edges; arcs of one tail in edge order.
    const Graph drive_rev = network::build_graph(net, Profile::drive, network::Direction::reverse);
    CHECK(drive_rev.direction == network::Direction::reverse);
    CHECK(arcs_of(drive_rev) == std::vector<T>{{0, 1, 10800, 0}, {0, 3, 16200, 3}, {1, 0, 10800, 0}, {2, 1, 10800, 1},
                                               {2, 3, 5400, 2}, {3, 0, 16200, 3}, {4, 4, 1, 4}});
    const Graph bike_rev = network::build_graph(net, Profile::bike, network::Direction::reverse);
    CHECK(arcs_of(bike_rev) == std::vector<T>{{0, 1, 21600, 0}, {1, 0, 21600, 0}, {1, 2, 21600, 1}, {2, 1, 21600, 1},
                                              {2, 3, 21600, 2}, {4, 4, 1, 4}});

    net.edges.push_back(edge(1, 9, 10.0, {4.5F, 2.7F, 15.0F, 30.0F}, {}));
    CHECK_THROWS_WITH(network::build_graph(net, Profile::walk),
                      Catch::Contains("hand network") && Catch::Contains("edge 5") && Catch::Contains("node 9"));
    CHECK_THROWS_AS(network::build_graph(net, Profile::walk, network::Direction::reverse), input_error);
}

TEST_CASE("connected_components finds weak components with dense ids in node order", "[routing]") {
    //   0 -> 1 -> 2     3 <- 4     5     6 -> 6
    const Graph g = network::graph_from_arcs(7, {{0, 1, 1}, {1, 2, 1}, {4, 3, 1}, {6, 6, 1}});
    const network::Components c = network::connected_components(g);
    CHECK(c.component_of == std::vector<std::uint32_t>{0, 0, 0, 1, 1, 2, 3});
    CHECK(c.size == std::vector<std::uint32_t>{3, 2, 1, 1});

    //   0 <- 3 <- 2 -> 1 joins everything although no node reaches all others.
    const Graph star = network::graph_from_arcs(4, {{3, 0, 1}, {2, 3, 1}, {2, 1, 1}});
    const network::Components one = network::connected_components(star);
    CHECK(one.component_of == std::vector<std::uint32_t>{0, 0, 0, 0});
    CHECK(one.size == std::vector<std::uint32_t>{4});

    CHECK(network::connected_components(network::graph_from_arcs(0, {})).size.empty());
}

TEST_CASE("connected_components follows the profile's usable edges", "[routing]") {
    //   0 --walk+drive-- 1 --drive only-- 2 --walk+drive-- 3
    network::RoadNetwork net;
    net.nodes_m = {{0, 0}, {100, 0}, {200, 0}, {300, 0}};
    net.edges.push_back(edge(0, 1, 100.0, {4.5F, 2.7F, 15.0F, 30.0F}, {4.5F, 2.7F, 15.0F, 30.0F}));
    net.edges.push_back(edge(1, 2, 100.0, {0.0F, 0.0F, 0.0F, 80.0F}, {0.0F, 0.0F, 0.0F, 0.0F}));
    net.edges.push_back(edge(2, 3, 100.0, {4.5F, 2.7F, 15.0F, 30.0F}, {4.5F, 2.7F, 15.0F, 30.0F}));
    const auto walk = network::connected_components(network::build_graph(net, Profile::walk));
    CHECK(walk.component_of == std::vector<std::uint32_t>{0, 0, 1, 1});
    const auto drive = network::connected_components(network::build_graph(net, Profile::drive));
    CHECK(drive.size == std::vector<std::uint32_t>{4});
    const auto drive_rev =
        network::connected_components(network::build_graph(net, Profile::drive, network::Direction::reverse));
    CHECK(drive_rev.size == std::vector<std::uint32_t>{4});
}
