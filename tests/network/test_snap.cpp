// Snapping to the nearest point on usable edges, with small-island rejection.
#include "kepu15/network/snap.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <thread>

using namespace kepu15;
using namespace kepu15::network;

namespace {

constexpr std::array<float, profile_count> all_ways{4.5F, 2.7F, 15.0F, 30.0F};
constexpr std::array<float, profile_count> drive_only{0.0F, 0.0F, 0.0F, 30.0F};
constexpr std::array<float, profile_count> nobody{};

RoadEdge make_edge(NodeId from, NodeId to, LineString g, std::array<float, profile_count> fwd,
                   std::array<float, profile_count> bwd) {
    RoadEdge e;
    e.from = from;
    e.to = to;
    for (std::size_t i = 0; i + 1 < g.size(); ++i) e.length_m += distance(g[i], g[i + 1]);
    e.geometry_m = std::move(g);
    e.forward_kmh = fwd;
    e.backward_kmh = bwd;
    return e;
}

// Main road along y = 0 with junctions every 100 m (6 nodes, 5 edges); edge 0 has an extra vertex at
// x = 40. An island of 2 nodes at y = 20 between x = 150 and 170. A drive-only edge at y = -5.
//
//   y 20                 7 ===== 8                (island, edge 5)
//   y  0   0 --o-- 1 ------- 2 ------- 3 ---- 4 ---- 5     (o = vertex at x 40)
//   y -5   9 ............................ 10      (drive only, edge 6, x 0..300)
//   x      0  40  100       200       300    400    500
RoadNetwork test_network() {
    RoadNetwork net;
    for (int i = 0; i <= 5; ++i) net.nodes_m.push_back({100.0 * i, 0.0});
    net.nodes_m.push_back({999.0, 999.0});  // node 6: unused
    net.nodes_m.push_back({150.0, 20.0});   // 7
    net.nodes_m.push_back({170.0, 20.0});   // 8
    net.nodes_m.push_back({0.0, -5.0});     // 9
    net.nodes_m.push_back({300.0, -5.0});   // 10
    net.edges.push_back(make_edge(0, 1, {{0, 0}, {40, 0}, {100, 0}}, all_ways, all_ways));
    for (NodeId i = 1; i < 5; ++i) {
        // edge 3 is oneway forward for everyone: still snappable.
        net.edges.push_back(make_edge(i, i + 1, {net.nodes_m[i], net.nodes_m[i + 1]}, all_ways,
                                      i == 3 ? nobody : all_ways));
    }
    net.edges.push_back(make_edge(7, 8, {net.nodes_m[7], net.nodes_m[8]}, all_ways, all_ways));
    net.edges.push_back(make_edge(9, 10, {net.nodes_m[9], net.nodes_m[10]}, drive_only, drive_only));
    return net;
}

}  // namespace

TEST_CASE("Snap goes to the perpendicular foot on a segment interior", "[network]") {
    const RoadNetwork net = test_network();
    const Snapper walk{net, Profile::walk, 500.0, 5};
    const auto s = walk.snap({70.0, 30.0});
    REQUIRE(s);
    CHECK(s->edge == 0);
    CHECK(s->snapped_m.x == Approx(70.0));
    CHECK(s->snapped_m.y == Approx(0.0).margin(1e-12));
    CHECK(s->offset_m == Approx(70.0));  // 40 m first segment + 30 m along the second
    CHECK(s->off_road_m == Approx(30.0));

    // Beyond the end: clamped to the vertex at node 0.
    const auto end = walk.snap({-30.0, -40.0});
    REQUIRE(end);
    CHECK(end->edge == 0);
    CHECK(end->offset_m == Approx(0.0).margin(1e-12));
    CHECK(end->off_road_m == Approx(50.0));

    // A oneway edge is still snappable; offset measured from its `from` node (x = 300).
    const auto oneway = walk.snap({370.0, 8.0});
    REQUIRE(oneway);
    CHECK(oneway->edge == 3);
    CHECK(oneway->offset_m == Approx(70.0));
    CHECK(oneway->off_road_m == Approx(8.0));
}

TEST_CASE("Snap ignores edges the profile may not use", "[network]") {
    const RoadNetwork net = test_network();
    // (250, -9) is 4 m from the drive-only edge at y = -5 and 9 m from the main road.
    const Snapper walk{net, Profile::walk, 500.0, 1};
    const auto w = walk.snap({250.0, -9.0});
    REQUIRE(w);
    CHECK(w->edge == 2);
    CHECK(w->off_road_m == Approx(9.0));
    const Snapper drive{net, Profile::drive, 500.0, 1};
    const auto d = drive.snap({250.0, -9.0});
    REQUIRE(d);
    CHECK(d->edge == 6);
    CHECK(d->off_road_m == Approx(4.0));
    CHECK(d->offset_m == Approx(250.0));
}

TEST_CASE("Snap beyond max_snap_m gives no access", "[network]") {
    const RoadNetwork net = test_network();
    const Snapper walk{net, Profile::walk, 500.0, 5};
    CHECK_FALSE(walk.snap({250.0, 600.0}));     // 580 m from the island, 600 m from the road
    CHECK(walk.snap({250.0, 499.0}));           // 479 m from the island, 499 m from the main road
    const Snapper near{net, Profile::walk, 10.0, 5};
    CHECK_FALSE(near.snap({50.0, 10.5}));
    const auto s = near.snap({50.0, 9.5});
    REQUIRE(s);
    CHECK(s->off_road_m == Approx(9.5));
}

TEST_CASE("A small island does not capture a snap when the main network is within reach", "[network]") {
    const RoadNetwork net = test_network();
    // (160, 12): 8 m from the 2-node island, 12 m from the 6-node main road.
    const Snapper filtered{net, Profile::walk, 500.0, 5};
    const auto main = filtered.snap({160.0, 12.0});
    REQUIRE(main);
    CHECK(main->edge == 1);
    CHECK(main->offset_m == Approx(60.0));
    CHECK(main->off_road_m == Approx(12.0));

    // Without the size rule the island is nearest.
    const Snapper unfiltered{net, Profile::walk, 500.0, 1};
    const auto island = unfiltered.snap({160.0, 12.0});
    REQUIRE(island);
    CHECK(island->edge == 5);
    CHECK(island->offset_m == Approx(10.0));
    CHECK(island->off_road_m == Approx(8.0));

    // The main road out of reach (10 m): the island is better than nothing.
    const Snapper short_reach{net, Profile::walk, 10.0, 5};
    const auto only = short_reach.snap({160.0, 12.0});
    REQUIRE(only);
    CHECK(only->edge == 5);
}

TEST_CASE("Snap matches a brute-force nearest segment on random networks", "[network]") {
    const unsigned seed = 4242;
    INFO("seed " << seed);
    std::mt19937 rng{seed};
    std::uniform_real_distribution<double> coord{0.0, 1000.0};
    std::uniform_real_distribution<double> jitter{-60.0, 60.0};
    RoadNetwork net;
    for (int i = 0; i < 200; ++i) net.nodes_m.push_back({coord(rng), coord(rng)});
    for (int i = 0; i < 300; ++i) {
        const auto a = static_cast<NodeId>(rng() % 200);
        const auto b = static_cast<NodeId>(rng() % 200);
        LineString g{net.nodes_m[a]};
        const int extra = static_cast<int>(rng() % 3);
        for (int k = 1; k <= extra; ++k) {
            const double t = static_cast<double>(k) / (extra + 1);
            g.push_back({net.nodes_m[a].x + t * (net.nodes_m[b].x - net.nodes_m[a].x) + jitter(rng),
                         net.nodes_m[a].y + t * (net.nodes_m[b].y - net.nodes_m[a].y) + jitter(rng)});
        }
        g.push_back(net.nodes_m[b]);
        const bool drive = rng() % 5 == 0;  // one edge in five is not walkable
        net.edges.push_back(make_edge(a, b, g, drive ? drive_only : all_ways, drive ? drive_only : all_ways));
    }
    const Snapper walk{net, Profile::walk, 200.0, 0};
    for (int q = 0; q < 500; ++q) {
        const Point p{coord(rng) * 1.2 - 100.0, coord(rng) * 1.2 - 100.0};
        double best = std::numeric_limits<double>::infinity();
        for (const auto& e : net.edges) {
            if (e.backward_kmh[0] == 0.0F && e.forward_kmh[0] == 0.0F) continue;
            for (std::size_t i = 0; i + 1 < e.geometry_m.size(); ++i) {
                const Point a = e.geometry_m[i];
                const Point b = e.geometry_m[i + 1];
                const double len2 = (b.x - a.x) * (b.x - a.x) + (b.y - a.y) * (b.y - a.y);
                const double t =
                    len2 > 0 ? std::clamp(((p.x - a.x) * (b.x - a.x) + (p.y - a.y) * (b.y - a.y)) / len2, 0.0, 1.0) : 0.0;
                best = std::min(best, distance(p, {a.x + t * (b.x - a.x), a.y + t * (b.y - a.y)}));
            }
        }
        const auto s = walk.snap(p);
        INFO("query " << q << " at " << p.x << ", " << p.y);
        if (best > 200.0) {
            CHECK_FALSE(s);
            continue;
        }
        REQUIRE(s);
        CHECK(s->off_road_m == Approx(best).margin(1e-9));
        CHECK(distance(p, s->snapped_m) == Approx(s->off_road_m).margin(1e-9));
        // The snapped point lies on its edge at offset_m from `from`.
        const RoadEdge& e = net.edges[s->edge];
        CHECK(e.forward_kmh[0] > 0.0F);
        double walked = 0.0;
        Point at = e.geometry_m.back();
        for (std::size_t i = 0; i + 1 < e.geometry_m.size(); ++i) {
            const double len = distance(e.geometry_m[i], e.geometry_m[i + 1]);
            if (walked + len >= s->offset_m || i + 2 == e.geometry_m.size()) {
                const double t = len > 0 ? (s->offset_m - walked) / len : 0.0;
                at = {e.geometry_m[i].x + t * (e.geometry_m[i + 1].x - e.geometry_m[i].x),
                      e.geometry_m[i].y + t * (e.geometry_m[i + 1].y - e.geometry_m[i].y)};
                break;
            }
            walked += len;
        }
        CHECK(distance(at, s->snapped_m) < 1e-6);
    }

    // Concurrent const snaps agree with sequential ones.
    std::vector<Point> pts;
    for (int i = 0; i < 400; ++i) pts.push_back({coord(rng), coord(rng)});
    std::vector<double> seq(pts.size());
    std::vector<double> par(pts.size());
    for (std::size_t i = 0; i < pts.size(); ++i) seq[i] = walk.snap(pts[i]) ? walk.snap(pts[i])->offset_m : -1.0;
    auto worker = [&](std::size_t begin) {
        for (std::size_t i = begin; i < pts.size(); i += 2) par[i] = walk.snap(pts[i]) ? walk.snap(pts[i])->offset_m : -1.0;
    };
    std::thread t0{worker, 0};
    std::thread t1{worker, 1};
    t0.join();
    t1.join();
    CHECK(par == seq);
}

TEST_CASE("Snap picks the same segment as an exhaustive scan: islands, ties at shared nodes, far points",
          "[network]") {
    // The oracle: every usable segment, the same distance formula; the nearest segment of a large
    // component within max_snap_m (lowest segment index on ties), else the nearest of any.
    for (const unsigned seed : {7U, 8U, 9U}) {
        INFO("seed " << seed);
        std::mt19937 rng{seed};
        std::uniform_real_distribution<double> coord{0.0, 2000.0};
        RoadNetwork net;
        // A connected backbone of 120 nodes (a random spanning chain plus extra links) and islands of
        // 2-3 nodes; segments meet at nodes, so queries at nodes tie between segments.
        for (int i = 0; i < 120; ++i) net.nodes_m.push_back({coord(rng), coord(rng)});
        for (NodeId i = 1; i < 120; ++i) {
            const auto j = static_cast<NodeId>(rng() % i);
            net.edges.push_back(make_edge(j, i, {net.nodes_m[j], net.nodes_m[i]}, all_ways, all_ways));
        }
        for (int k = 0; k < 60; ++k) {
            const auto a = static_cast<NodeId>(rng() % 120);
            const auto b = static_cast<NodeId>(rng() % 120);
            const Point mid{(net.nodes_m[a].x + net.nodes_m[b].x) / 2 + 30, (net.nodes_m[a].y + net.nodes_m[b].y) / 2};
            net.edges.push_back(make_edge(a, b, {net.nodes_m[a], mid, net.nodes_m[b]}, all_ways, all_ways));
        }
        for (int island = 0; island < 15; ++island) {
            const auto first = static_cast<NodeId>(net.nodes_m.size());
            const Point c{coord(rng), coord(rng)};
            for (int n = 0; n < 3; ++n) net.nodes_m.push_back({c.x + 25.0 * n, c.y + 10.0 * (n % 2)});
            net.edges.push_back(make_edge(first, first + 1, {net.nodes_m[first], net.nodes_m[first + 1]}, all_ways,
                                          all_ways));
            net.edges.push_back(make_edge(first + 1, first + 2, {net.nodes_m[first + 1], net.nodes_m[first + 2]},
                                          drive_only, drive_only));
        }
        const double max_snap_m = 150.0;
        const Snapper walk{net, Profile::walk, max_snap_m, 10};
        struct Segment {
            EdgeId edge;
            Point a;
            Point b;
            double start_m;
            bool large;
        };
        std::vector<Segment> segments;
        for (EdgeId e = 0; e < net.edges.size(); ++e) {
            const RoadEdge& edge = net.edges[e];
            if (edge.forward_kmh[0] == 0.0F && edge.backward_kmh[0] == 0.0F) continue;
            double start = 0.0;
            for (std::size_t i = 0; i + 1 < edge.geometry_m.size(); ++i) {
                segments.push_back({e, edge.geometry_m[i], edge.geometry_m[i + 1], start, edge.from < 120});
                start += distance(edge.geometry_m[i], edge.geometry_m[i + 1]);
            }
        }
        std::vector<Point> queries;
        for (int q = 0; q < 400; ++q) queries.push_back({coord(rng) * 1.3 - 300.0, coord(rng) * 1.3 - 300.0});
        for (NodeId n = 0; n < net.nodes_m.size(); n += 3) queries.push_back(net.nodes_m[n]);  // ties
        queries.push_back({-1e7, 5e6});                                                          // far away
        // snap_all (spatial order, threads) gives every point the answer of snap().
        const auto all = walk.snap_all(queries, 2);
        REQUIRE(all.size() == queries.size());
        for (std::size_t i = 0; i < queries.size(); ++i) {
            const auto one = walk.snap(queries[i]);
            REQUIRE(all[i].has_value() == one.has_value());
            if (one) CHECK((all[i]->edge == one->edge && all[i]->offset_m == one->offset_m));
        }
        for (const Point p : queries) {
            CAPTURE(p.x, p.y);
            std::optional<Snap> best_large;
            std::optional<Snap> best_any;
            for (const Segment& s : segments) {
                const double vx = s.b.x - s.a.x;
                const double vy = s.b.y - s.a.y;
                const double len2 = vx * vx + vy * vy;
                const double t = len2 > 0 ? std::clamp(((p.x - s.a.x) * vx + (p.y - s.a.y) * vy) / len2, 0.0, 1.0) : 0.0;
                const Point q{s.a.x + t * vx, s.a.y + t * vy};
                const double d = distance(p, q);
                if (d > max_snap_m) continue;
                const Snap snap{s.edge, s.start_m + t * std::sqrt(len2), d, q};
                // Segments are scanned in index order: strict < keeps the lowest index on ties.
                if (s.large && (!best_large || d < best_large->off_road_m)) best_large = snap;
                if (!best_any || d < best_any->off_road_m) best_any = snap;
            }
            const std::optional<Snap> expected = best_large ? best_large : best_any;
            const auto got = walk.snap(p);
            REQUIRE(got.has_value() == expected.has_value());
            if (!got) continue;
            CHECK(got->edge == expected->edge);
            CHECK(got->offset_m == expected->offset_m);
            CHECK(got->off_road_m == expected->off_road_m);
            CHECK(got->snapped_m.x == expected->snapped_m.x);
            CHECK(got->snapped_m.y == expected->snapped_m.y);
        }
    }
}

TEST_CASE("One index for several profiles snaps each profile as an exhaustive scan of its own edges",
          "[network]") {
    // Edges usable by different sets of profiles (walk-only paths, drive-only roads, one-way bike
    // lanes, shared streets) and islands that are small for some profiles only. For every profile,
    // the multi-profile index (snap and snap_all_profiles), a single-profile index and the oracle of
    // the previous test agree to the bit.
    constexpr std::array<float, profile_count> walk_only{4.5F, 2.7F, 0.0F, 0.0F};
    constexpr std::array<float, profile_count> bike_only{0.0F, 0.0F, 15.0F, 0.0F};
    constexpr std::array<float, profile_count> no_walk{0.0F, 0.0F, 15.0F, 30.0F};
    const std::array<std::array<float, profile_count>, 5> kinds{all_ways, walk_only, bike_only, no_walk, drive_only};
    const std::vector<Profile> profiles{Profile::drive, Profile::walk, Profile::bike};
    for (const unsigned seed : {11U, 12U, 13U}) {
        INFO("seed " << seed);
        std::mt19937 rng{seed};
        std::uniform_real_distribution<double> coord{0.0, 2000.0};
        RoadNetwork net;
        for (int i = 0; i < 150; ++i) net.nodes_m.push_back({coord(rng), coord(rng)});
        for (NodeId i = 1; i < 150; ++i) {
            const auto j = static_cast<NodeId>(rng() % i);
            const auto& k = kinds[rng() % kinds.size()];
            // One-way bike lanes: usable in one direction only, still snappable.
            net.edges.push_back(make_edge(j, i, {net.nodes_m[j], net.nodes_m[i]}, k, k == bike_only ? nobody : k));
        }
        for (int k = 0; k < 80; ++k) {
            const auto a = static_cast<NodeId>(rng() % 150);
            const auto b = static_cast<NodeId>(rng() % 150);
            const Point mid{(net.nodes_m[a].x + net.nodes_m[b].x) / 2 + 30, (net.nodes_m[a].y + net.nodes_m[b].y) / 2};
            const auto& kind = kinds[rng() % kinds.size()];
            net.edges.push_back(make_edge(a, b, {net.nodes_m[a], mid, net.nodes_m[b]}, kind, kind));
        }
        const double max_snap_m = 120.0;
        const std::size_t min_nodes = 8;
        const Snapper multi{net, profiles, max_snap_m, min_nodes};
        const std::vector<Graph> reverse{build_graph(net, profiles[0], Direction::reverse),
                                         build_graph(net, profiles[1], Direction::reverse),
                                         build_graph(net, profiles[2], Direction::reverse)};
        const std::vector<const Graph*> graphs{&reverse[0], &reverse[1], &reverse[2]};
        const Snapper with_graphs{net, profiles, max_snap_m, min_nodes, graphs};
        std::vector<Point> queries;
        for (int q = 0; q < 500; ++q) queries.push_back({coord(rng) * 1.2 - 200.0, coord(rng) * 1.2 - 200.0});
        for (NodeId n = 0; n < net.nodes_m.size(); n += 2) queries.push_back(net.nodes_m[n]);  // ties
        queries.push_back({-1e7, 5e6});
        queries.push_back({std::nan(""), 0.0});
        const auto all = multi.snap_all_profiles(queries, 2);
        REQUIRE(all.size() == profiles.size());
        std::size_t snapped = 0;
        std::size_t differ = 0;  // points whose snap differs between profiles: the index is shared
        for (std::size_t i = 0; i < profiles.size(); ++i) {
            INFO("profile " << profile_name(profiles[i]));
            const auto pi = static_cast<std::size_t>(profiles[i]);
            const Snapper single{net, profiles[i], max_snap_m, min_nodes};
            const Components comp = connected_components(build_graph(net, profiles[i]));
            struct Segment {
                EdgeId edge;
                Point a;
                Point b;
                double start_m;
                bool large;
            };
            std::vector<Segment> segments;
            for (EdgeId e = 0; e < net.edges.size(); ++e) {
                const RoadEdge& edge = net.edges[e];
                if (edge.forward_kmh[pi] == 0.0F && edge.backward_kmh[pi] == 0.0F) continue;
                const bool large = comp.size[comp.component_of[edge.from]] >= min_nodes;
                double start = 0.0;
                for (std::size_t s = 0; s + 1 < edge.geometry_m.size(); ++s) {
                    segments.push_back({e, edge.geometry_m[s], edge.geometry_m[s + 1], start, large});
                    start += distance(edge.geometry_m[s], edge.geometry_m[s + 1]);
                }
            }
            REQUIRE(all[i].size() == queries.size());
            for (std::size_t k = 0; k < queries.size(); ++k) {
                const Point p = queries[k];
                CAPTURE(p.x, p.y);
                std::optional<Snap> best_large;
                std::optional<Snap> best_any;
                if (is_finite(p)) {
                    for (const Segment& s : segments) {
                        const double vx = s.b.x - s.a.x;
                        const double vy = s.b.y - s.a.y;
                        const double len2 = vx * vx + vy * vy;
                        const double t =
                            len2 > 0 ? std::clamp(((p.x - s.a.x) * vx + (p.y - s.a.y) * vy) / len2, 0.0, 1.0) : 0.0;
                        const Point q{s.a.x + t * vx, s.a.y + t * vy};
                        const double d = distance(p, q);
                        if (d > max_snap_m) continue;
                        const Snap snap{s.edge, s.start_m + t * std::sqrt(len2), d, q};
                        if (s.large && (!best_large || d < best_large->off_road_m)) best_large = snap;
                        if (!best_any || d < best_any->off_road_m) best_any = snap;
                    }
                }
                const std::optional<Snap> expected = best_large ? best_large : best_any;
                for (const auto& got : {multi.snap(p, i), with_graphs.snap(p, i), single.snap(p), all[i][k]}) {
                    REQUIRE(got.has_value() == expected.has_value());
                    if (!got) continue;
                    CHECK(got->edge == expected->edge);
                    CHECK(got->offset_m == expected->offset_m);
                    CHECK(got->off_road_m == expected->off_road_m);
                    CHECK(got->snapped_m.x == expected->snapped_m.x);
                    CHECK(got->snapped_m.y == expected->snapped_m.y);
                }
                if (expected) ++snapped;
                if (i > 0 && all[i][k].has_value() != all[0][k].has_value()) ++differ;
                if (i > 0 && all[i][k] && all[0][k] && all[i][k]->edge != all[0][k]->edge) ++differ;
            }
        }
        // The fixture exercises what it claims: most points snap, and profiles disagree often.
        CHECK(snapped > queries.size());
        CHECK(differ > 50);
    }
    CHECK_THROWS(Snapper{test_network(), std::vector<Profile>{}});
}
