// Clipping a road network to a partition's box (network/clip.hpp): hand-drawn fixtures.
#include <catch2/catch.hpp>

#include "kepu15/network/clip.hpp"

using namespace kepu15;
using namespace kepu15::network;

namespace {

Box box(double min_x, double min_y, double max_x, double max_y) {
    Box b;
    b.expand({min_x, min_y});
    b.expand({max_x, max_y});
    return b;
}

}  // namespace

TEST_CASE("runs_in_box keeps the runs of segments whose envelopes meet the box", "[scale]") {
    // The box [1, 2] x [0, 2]; a line along y = 1 with vertices at x = -1, 0, 1, 1.5, 2, 3, 4.
    // Segments 1 (x 0..1, touching), 2 and 3 (inside) and 4 (x 2..3, touching) meet the box;
    // segments 0 and 5 do not: one run, vertices 1 to 5.
    const Box b = box(1, 0, 2, 2);
    const std::vector<Point> line{{-1, 1}, {0, 1}, {1, 1}, {1.5, 1}, {2, 1}, {3, 1}, {4, 1}};
    const auto runs = runs_in_box(line, b);
    REQUIRE(runs.size() == 1);
    CHECK(runs[0].first == 1);
    CHECK(runs[0].count == 5);

    // A line that leaves the box and comes back gives two runs that share no vertex.
    const std::vector<Point> back{{1.5, 1}, {1.5, 5}, {1.6, 9}, {1.6, 5}, {1.6, 1}};
    const auto two = runs_in_box(back, b);
    REQUIRE(two.size() == 2);
    CHECK(two[0].first == 0);
    CHECK(two[0].count == 2);
    CHECK(two[1].first == 3);
    CHECK(two[1].count == 2);

    // All outside: none; all inside: one run of every vertex.
    CHECK(runs_in_box(std::vector<Point>{{5, 5}, {6, 6}}, b).empty());
    const std::vector<Point> inside{{1.1, 0.1}, {1.2, 0.5}, {1.9, 1.9}};
    const auto all = runs_in_box(inside, b);
    REQUIRE(all.size() == 1);
    CHECK(all[0].first == 0);
    CHECK(all[0].count == 3);
    // A diagonal segment whose envelope meets the box though the segment misses it is kept (the
    // rule is conservative: it may keep a road outside, never drop one inside).
    CHECK(runs_in_box(std::vector<Point>{{0, 2.5}, {3, -0.5}}, box(0, 0, 0.5, 0.5)).size() == 1);
}

TEST_CASE("clip_network keeps the edges that meet the box whole and renumbers their nodes in order", "[scale]") {
    //  n0 ---e0--- n1 ---e1--- n2 ---e2--- n3        x = 0, 10, 20, 30 on y = 0
    //                          |
    //                          e3
    //                          |
    //                          n4                    (20, -10)
    RoadNetwork net;
    net.nodes_m = {{0, 0}, {10, 0}, {20, 0}, {30, 0}, {20, -10}};
    const auto edge = [&](NodeId a, NodeId b, std::int64_t id) {
        RoadEdge e;
        e.from = a;
        e.to = b;
        e.geometry_m = {net.nodes_m[a], net.nodes_m[b]};
        e.length_m = distance(net.nodes_m[a], net.nodes_m[b]);
        e.source_id = id;
        return e;
    };
    net.edges = {edge(0, 1, 100), edge(1, 2, 101), edge(2, 3, 102), edge(2, 4, 103)};
    // A box around x in [12, 18], y in [-1, 1]: only e1 meets it.
    RoadNetwork one = clip_network(net, box(12, -1, 18, 1));
    REQUIRE(one.edges.size() == 1);
    CHECK(one.edges[0].source_id == 101);
    REQUIRE(one.nodes_m.size() == 2);
    CHECK(one.nodes_m[0].x == 10);
    CHECK(one.nodes_m[1].x == 20);
    CHECK(one.edges[0].from == 0);
    CHECK(one.edges[0].to == 1);

    // A box around n2 meets e1, e2, e3 (touching counts): nodes n1..n4 renumbered 0..3 in order.
    RoadNetwork three = clip_network(net, box(19, -1, 21, 1));
    REQUIRE(three.edges.size() == 3);
    CHECK(three.edges[0].source_id == 101);
    CHECK(three.edges[1].source_id == 102);
    CHECK(three.edges[2].source_id == 103);
    REQUIRE(three.nodes_m.size() == 4);
    CHECK(three.edges[2].from == 1);
    CHECK(three.edges[2].to == 3);
    CHECK(three.nodes_m[3].y == -10);

    // partition_clip_box widens the points' box by the margin; no points, no box.
    const std::vector<Point> cells{{5, 5}, {7, 1}};
    const auto b = partition_clip_box(cells, 2.0);
    REQUIRE(b);
    CHECK(b->min_x == 3);
    CHECK(b->min_y == -1);
    CHECK(b->max_x == 9);
    CHECK(b->max_y == 7);
    CHECK_FALSE(partition_clip_box(std::vector<Point>{}, 2.0));
}
