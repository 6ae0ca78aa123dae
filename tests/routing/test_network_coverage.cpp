// Travel times from points (homes) to facilities over small hand-drawn road networks, with the
// minutes computed by hand, the parts of edges from which a facility is reached (service-area
// lines), and both against a brute-force oracle on seeded random networks with one-way streets.
// Walking at 4.5 km/h covers 75 m per minute, i.e. 1 m takes 800 ms; driving at 30 km/h covers
// 500 m per minute, i.e. 1 m takes 120 ms.
#include "kepu15/error.hpp"
#include "kepu15/network/graph.hpp"
#include "kepu15/routing/network_coverage.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <vector>

using namespace kepu15;
using network::Profile;
using network::Snap;
using routing::Access;

namespace {

using Speeds = std::array<float, network::profile_count>;  // walk, elderly, bike, drive
constexpr Speeds everyone{4.5F, 2.7F, 15.0F, 30.0F};
constexpr Speeds nobody{0.0F, 0.0F, 0.0F, 0.0F};

double polyline_length(const LineString& line) {
    double l = 0.0;
    for (std::size_t i = 0; i + 1 < line.size(); ++i) l += distance(line[i], line[i + 1]);
    return l;
}

// Edge along `geometry` (first point = node `from`); length_m is the geometry's length unless given.
void add_edge(network::RoadNetwork& net, network::NodeId from, network::NodeId to, LineString geometry,
              Speeds forward, Speeds backward, double length_m = -1.0) {
    network::RoadEdge e;
    e.from = from;
    e.to = to;
    e.length_m = length_m >= 0.0 ? length_m : polyline_length(geometry);
    e.geometry_m = std::move(geometry);
    e.forward_kmh = forward;
    e.backward_kmh = backward;
    e.source_id = static_cast<std::int64_t>(net.edges.size());
    net.edges.push_back(std::move(e));
}

// The graph travel_times and reached_edge_parts require: every arc turned around.
network::Graph reverse_graph(const network::RoadNetwork& net, Profile profile) {
    return network::build_graph(net, profile, network::Direction::reverse);
}

Snap snap_at(network::EdgeId edge, double offset_m, double off_road_m) { return Snap{edge, offset_m, off_road_m, {}}; }

void check_line(const LineString& got, const LineString& expected) {
    INFO("got " << got.size() << " points, expected " << expected.size());
    REQUIRE(got.size() == expected.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        CAPTURE(i);
        CHECK(got[i].x == Approx(expected[i].x).margin(1e-9));
        CHECK(got[i].y == Approx(expected[i].y).margin(1e-9));
    }
}

//   n0 (0,0) ---------- e0 600 m ---------- n1 (600,0) ---- e1 300 m ---- n2 (900,0)
//                 F (100,30)                  |
//                 snaps at 100 m, 30 m off    e2 150 m
//                                             |
//                                             n3 (600,-150)
network::RoadNetwork map_a() {
    network::RoadNetwork net;
    net.source = "map A";
    net.nodes_m = {{0, 0}, {600, 0}, {900, 0}, {600, -150}};
    add_edge(net, 0, 1, {{0, 0}, {600, 0}}, everyone, everyone);
    add_edge(net, 1, 2, {{600, 0}, {900, 0}}, everyone, everyone);
    add_edge(net, 1, 3, {{600, 0}, {600, -150}}, everyone, everyone);
    return net;
}

//   n0 (0,0) ====== e0 1000 m, drive one-way 30 km/h =====> n1 (1000,0)
//         \                                                  /
//          e2 500 m, 50 km/h                  e1 500 m, 50 km/h
//            \                                            /
//             +----------------- n2 (500,-300) -----------+
// (lengths as labelled, not to scale). Everyone else walks/cycles e0 both ways.
network::RoadNetwork map_b() {
    network::RoadNetwork net;
    net.source = "map B";
    net.nodes_m = {{0, 0}, {1000, 0}, {500, -300}};
    add_edge(net, 0, 1, {{0, 0}, {1000, 0}}, everyone, {4.5F, 2.7F, 15.0F, 0.0F});
    add_edge(net, 1, 2, {{1000, 0}, {500, -300}}, {4.5F, 2.7F, 15.0F, 50.0F}, {4.5F, 2.7F, 15.0F, 50.0F}, 500.0);
    add_edge(net, 2, 0, {{500, -300}, {0, 0}}, {4.5F, 2.7F, 15.0F, 50.0F}, {4.5F, 2.7F, 15.0F, 50.0F}, 500.0);
    return net;
}

}  // namespace

TEST_CASE("travel_times on map A: off-road legs, partial edges, same edge, no road, cutoff", "[routing]") {
    const network::RoadNetwork net = map_a();
    const network::Graph walk = reverse_graph(net, Profile::walk);
    // Facility 0 has no snap (ignored); facility 1 is F: 30 m off-road = 24 s.
    // Walking has one speed both ways, so the times are symmetric. From n0 to F: 100 m (80 s) +
    // 24 s = 104 s; from n1: 500 m (400 s) + 24 s = 424 s.
    const std::vector<std::optional<Snap>> facilities{std::nullopt, snap_at(0, 100.0, 30.0)};
    const std::vector<std::optional<Snap>> points{
        std::nullopt,                // no road access
        snap_at(1, 150.0, 45.0),     // 45 m off-road (36 s) + 150 m to n1 (120 s) + 424 s = 580 s
        snap_at(0, 400.0, 0.0),      // back along e0 to F: 300 m (240 s) + 24 s = 264 s
        snap_at(0, 40.0, 0.0),       // on along e0 to F: 60 m (48 s) + 24 s = 72 s
        snap_at(1, 300.0, 0.0),      // at n2: 300 m (240 s) to n1 + 424 s = 664 s
        snap_at(2, 150.0, 600.0),    // at n3: 600 m off-road (480 s) + 150 m (120 s) + 424 s = 1024 s > 900 s
    };
    const auto t = routing::travel_times(net, Profile::walk, walk, facilities, points, {});
    REQUIRE(t.size() == points.size());
    CHECK(t[0].access == Access::no_road_access);
    const std::vector<double> expected_s{0, 580, 264, 72, 664};
    for (std::size_t i = 1; i <= 4; ++i) {
        CAPTURE(i);
        CHECK(t[i].access == Access::reached);
        CHECK(t[i].minutes == Approx(expected_s[i] / 60.0).epsilon(1e-12));
        CHECK(t[i].facility == 1);
    }
    CHECK(t[5].access == Access::beyond_cutoff);

    // With 18 minutes the far point is reached; with 9 minutes only the three closest.
    routing::NetworkCoverageOptions longer;
    longer.cutoff_minutes = 18.0;
    const auto t18 = routing::travel_times(net, Profile::walk, walk, facilities, points, longer);
    CHECK(t18[5].access == Access::reached);
    CHECK(t18[5].minutes == Approx(1024.0 / 60.0).epsilon(1e-12));
    routing::NetworkCoverageOptions shorter;
    shorter.cutoff_minutes = 9.0;
    const auto t9 = routing::travel_times(net, Profile::walk, walk, facilities, points, shorter);
    CHECK(t9[1].access == Access::beyond_cutoff);  // 580 s > 540 s
    CHECK(t9[2].access == Access::reached);
    CHECK(t9[3].access == Access::reached);
    CHECK(t9[4].access == Access::beyond_cutoff);

    // The cutoff is inclusive to the millisecond: 264 s is within 4.4 min, not within 4.39 min.
    routing::NetworkCoverageOptions exact;
    exact.cutoff_minutes = 4.4;
    CHECK(routing::travel_times(net, Profile::walk, walk, facilities, points, exact)[2].access == Access::reached);
    exact.cutoff_minutes = 4.39;
    CHECK(routing::travel_times(net, Profile::walk, walk, facilities, points, exact)[2].access ==
          Access::beyond_cutoff);

    // Off-road legs at 9 km/h take half as long: 580 s - 18 s (point) - 12 s (facility) = 550 s.
    routing::NetworkCoverageOptions cycling_off_road;
    cycling_off_road.off_road_kmh = 9.0;
    const auto t_fast = routing::travel_times(net, Profile::walk, walk, facilities, points, cycling_off_road);
    CHECK(t_fast[1].minutes == Approx(550.0 / 60.0).epsilon(1e-12));
}

TEST_CASE("travel_times picks the nearest of several facilities and reports its index", "[routing]") {
    const network::RoadNetwork net = map_a();
    const network::Graph walk = reverse_graph(net, Profile::walk);
    // Facility 2 sits at n2 (end of e1, a junction snap): n1 is 300 m = 240 s from it.
    const std::vector<std::optional<Snap>> facilities{std::nullopt, snap_at(0, 100.0, 30.0), snap_at(1, 300.0, 0.0)};
    const std::vector<std::optional<Snap>> points{
        snap_at(1, 150.0, 45.0),  // to n2: 36 s + 150 m (120 s) = 156 s, facility 2
        snap_at(0, 40.0, 0.0),    // 72 s to facility 1 (via n1 facility 2 is 448 + 240 s away)
        snap_at(2, 150.0, 0.0),   // n3: 150 m (120 s) to n1 + 240 s = 360 s to facility 2
    };
    const auto t = routing::travel_times(net, Profile::walk, walk, facilities, points, {});
    CHECK(t[0].facility == 2);
    CHECK(t[0].minutes == Approx(156.0 / 60.0).epsilon(1e-12));
    CHECK(t[1].facility == 1);
    CHECK(t[1].minutes == Approx(72.0 / 60.0).epsilon(1e-12));
    CHECK(t[2].facility == 2);
    CHECK(t[2].minutes == Approx(360.0 / 60.0).epsilon(1e-12));
}

TEST_CASE("travel_times: a home downstream of a facility on a one-way edge must drive round the loop", "[routing]") {
    const network::RoadNetwork net = map_b();
    // Residents drive TO the facility F at 600 m along e0 (one-way n0 -> n1 for cars):
    //
    //   n0 ---- H0 (200 m) ------ F (600 m) ------ H1 (900 m) ----> n1
    //    \______________ n2 <_____ 2 x 500 m at 50 km/h ____________/
    //
    // H0 is upstream: 400 m on to F at 30 km/h = 48 s.
    // H1 is downstream and may not drive back: 15 m walked (12 s) + 100 m on to n1 (12 s) +
    // n1 -> n2 -> n0 (2 x 36 s) + 600 m on to F (72 s) = 168 s.
    const std::vector<std::optional<Snap>> facilities{snap_at(0, 600.0, 0.0)};
    const std::vector<std::optional<Snap>> points{snap_at(0, 200.0, 0.0), snap_at(0, 900.0, 15.0)};
    const network::Graph drive = reverse_graph(net, Profile::drive);
    const auto t = routing::travel_times(net, Profile::drive, drive, facilities, points, {});
    CHECK(t[0].access == Access::reached);
    CHECK(t[0].minutes == Approx(48.0 / 60.0).epsilon(1e-12));
    CHECK(t[1].access == Access::reached);
    CHECK(t[1].minutes == Approx(168.0 / 60.0).epsilon(1e-12));

    routing::NetworkCoverageOptions two_minutes;
    two_minutes.cutoff_minutes = 2.0;
    const auto t2 = routing::travel_times(net, Profile::drive, drive, facilities, points, two_minutes);
    CHECK(t2[0].access == Access::reached);
    CHECK(t2[1].access == Access::beyond_cutoff);  // 168 s > 120 s although F is 300 m + 15 m away

    // A walker goes straight there both ways: 400 m = 320 s; 300 m + 15 m = 252 s.
    const network::Graph walk = reverse_graph(net, Profile::walk);
    const auto tw = routing::travel_times(net, Profile::walk, walk, facilities, points, {});
    CHECK(tw[0].minutes == Approx(320.0 / 60.0).epsilon(1e-12));
    CHECK(tw[1].minutes == Approx(252.0 / 60.0).epsilon(1e-12));
}

TEST_CASE("travel_times: on a lone one-way street a home upstream reaches the facility, downstream not", "[routing]") {
    //   n0 A (0,0) ===== e0 600 m, drive one-way A -> B =====> n1 B (600,0)
    //          U (100 m)                        D (500 m)
    network::RoadNetwork net;
    net.source = "one street";
    net.nodes_m = {{0, 0}, {600, 0}};
    add_edge(net, 0, 1, {{0, 0}, {600, 0}}, everyone, {4.5F, 2.7F, 15.0F, 0.0F});
    const network::Graph drive = reverse_graph(net, Profile::drive);
    const Snap u = snap_at(0, 100.0, 0.0);
    const Snap d = snap_at(0, 500.0, 0.0);
    // Home U, facility D: 400 m with the traffic at 30 km/h = 48 s.
    const auto with_traffic = routing::travel_times(net, Profile::drive, drive, {d}, {u}, {});
    CHECK(with_traffic[0].access == Access::reached);
    CHECK(with_traffic[0].minutes == Approx(48.0 / 60.0).epsilon(1e-12));
    // Home D, facility U: the only way is against the traffic.
    const auto against = routing::travel_times(net, Profile::drive, drive, {u}, {d}, {});
    CHECK(against[0].access == Access::beyond_cutoff);
    // The home at B (end of the street) cannot reach U either; the home at A reaches D in 60 s.
    const auto ends = routing::travel_times(net, Profile::drive, drive, {u, d}, {snap_at(0, 600.0, 0.0), snap_at(0, 0.0, 0.0)}, {});
    CHECK(ends[0].access == Access::beyond_cutoff);
    CHECK(ends[1].access == Access::reached);
    CHECK(ends[1].facility == 0);  // U, 100 m = 12 s, nearer than D
    CHECK(ends[1].minutes == Approx(12.0 / 60.0).epsilon(1e-12));
    // Service area of D within 0.5 min = 250 m: the stretch [250, 500] that drives into it.
    const auto parts = routing::reached_edge_parts(net, Profile::drive, drive, {d}, 0.5);
    REQUIRE(parts.size() == 1);
    check_line(parts[0], {{250, 0}, {500, 0}});
    // On foot both ways: 400 m = 320 s.
    const network::Graph walk = reverse_graph(net, Profile::walk);
    CHECK(routing::travel_times(net, Profile::walk, walk, {u}, {d}, {})[0].minutes == Approx(320.0 / 60.0).epsilon(1e-12));
}

TEST_CASE("travel_times: a point on an edge its profile cannot use is beyond reach", "[routing]") {
    network::RoadNetwork net = map_a();
    add_edge(net, 2, 3, {{900, 0}, {600, -150}}, {0.0F, 0.0F, 0.0F, 80.0F}, {0.0F, 0.0F, 0.0F, 80.0F});
    const network::Graph walk = reverse_graph(net, Profile::walk);
    const auto t = routing::travel_times(net, Profile::walk, walk, {snap_at(0, 0.0, 0.0)}, {snap_at(3, 10.0, 0.0)}, {});
    CHECK(t[0].access == Access::beyond_cutoff);
}

TEST_CASE("travel_times rejects snaps to unknown edges, a forward graph and a graph of another network", "[routing]") {
    const network::RoadNetwork net = map_a();
    const network::Graph walk = reverse_graph(net, Profile::walk);
    CHECK_THROWS_WITH(routing::travel_times(net, Profile::walk, walk, {snap_at(7, 0.0, 0.0)}, {}, {}),
                      Catch::Contains("facility 0") && Catch::Contains("edge 7"));
    CHECK_THROWS_AS(routing::travel_times(net, Profile::walk, walk, {}, {std::nullopt, snap_at(3, 0.0, 0.0)}, {}),
                    input_error);
    network::Graph other = network::graph_from_arcs(2, {});
    other.direction = network::Direction::reverse;
    CHECK_THROWS_AS(routing::travel_times(net, Profile::walk, other, {}, {}, {}), input_error);
    const network::Graph forward = network::build_graph(net, Profile::walk);
    CHECK_THROWS_WITH(routing::travel_times(net, Profile::walk, forward, {}, {}, {}),
                      Catch::Contains("map A") && Catch::Contains("reverse graph"));
    CHECK_THROWS_AS(routing::reached_edge_parts(net, Profile::walk, forward, {}, 10.0), input_error);
    routing::NetworkCoverageOptions bad;
    bad.off_road_kmh = 0.0;
    CHECK_THROWS_AS(routing::travel_times(net, Profile::walk, walk, {}, {}, bad), config_error);
}

TEST_CASE("reached_edge_parts: a walker from one end reaches 4.5 km/h times the minutes", "[routing]") {
    //   n0 (0,0) ----------------- 1 km ----------------- n1 (1000,0); facility at n0
    // (walking: same speed both ways, so "reaches the facility" and "reached from it" agree)
    network::RoadNetwork net;
    net.nodes_m = {{0, 0}, {1000, 0}};
    add_edge(net, 0, 1, {{0, 0}, {1000, 0}}, everyone, everyone);
    const network::Graph walk = reverse_graph(net, Profile::walk);
    const std::vector<std::optional<Snap>> at_n0{snap_at(0, 0.0, 0.0)};

    auto parts = routing::reached_edge_parts(net, Profile::walk, walk, at_n0, 10.0);
    REQUIRE(parts.size() == 1);
    check_line(parts[0], {{0, 0}, {750, 0}});
    parts = routing::reached_edge_parts(net, Profile::walk, walk, at_n0, 12.5);
    REQUIRE(parts.size() == 1);
    CHECK(polyline_length(parts[0]) == Approx(937.5).margin(1e-9));
    parts = routing::reached_edge_parts(net, Profile::walk, walk, at_n0, 20.0);
    REQUIRE(parts.size() == 1);
    CHECK(parts[0] == net.edges[0].geometry_m);  // whole edge
    CHECK(routing::reached_edge_parts(net, Profile::walk, walk, {std::nullopt}, 20.0).empty());
}

TEST_CASE("reached_edge_parts cuts a bent polyline at the exact fractional position", "[routing]") {
    //   n1 (600,400)
    //    |  400 m
    //   (600,0) corner
    //    |  600 m
    //   n0 (0,0)  -- drawn as (0,0) -> (600,0) -> (600,400), 1 km in all
    network::RoadNetwork net;
    net.nodes_m = {{0, 0}, {600, 400}};
    add_edge(net, 0, 1, {{0, 0}, {600, 0}, {600, 400}}, everyone, everyone);
    const network::Graph walk = reverse_graph(net, Profile::walk);
    const auto parts = routing::reached_edge_parts(net, Profile::walk, walk, {snap_at(0, 0.0, 0.0)}, 10.0);
    REQUIRE(parts.size() == 1);
    check_line(parts[0], {{0, 0}, {600, 0}, {600, 150}});
    // From the far end: 750 m back from n1 ends 350 m along the first segment.
    const auto back = routing::reached_edge_parts(net, Profile::walk, walk, {snap_at(0, 1000.0, 0.0)}, 10.0);
    REQUIRE(back.size() == 1);
    check_line(back[0], {{250, 0}, {600, 0}, {600, 400}});
}

TEST_CASE("reached_edge_parts joins reach from both ends and keeps separate pieces apart", "[routing]") {
    //   n0 (0,0) ------------ e0 1 km ------------ n1 (1000,0)
    //   facility A at n0                             |  e1 300 m
    //                                                n2 (1000,300)  facility B
    network::RoadNetwork net;
    net.nodes_m = {{0, 0}, {1000, 0}, {1000, 300}};
    add_edge(net, 0, 1, {{0, 0}, {1000, 0}}, everyone, everyone);
    add_edge(net, 1, 2, {{1000, 0}, {1000, 300}}, everyone, everyone);
    const network::Graph walk = reverse_graph(net, Profile::walk);
    const std::vector<std::optional<Snap>> facilities{snap_at(0, 0.0, 0.0), snap_at(1, 300.0, 0.0)};

    // 10 min = 750 m: e0 [0, 750] from n0 and [550, 1000] from n1 (reached after 300 m): whole.
    auto parts = routing::reached_edge_parts(net, Profile::walk, walk, facilities, 10.0);
    REQUIRE(parts.size() == 2);
    CHECK(parts[0] == net.edges[0].geometry_m);
    CHECK(parts[1] == net.edges[1].geometry_m);

    // 6 min = 450 m: e0 [0, 450] and [850, 1000]; e1 whole.
    parts = routing::reached_edge_parts(net, Profile::walk, walk, facilities, 6.0);
    REQUIRE(parts.size() == 3);
    check_line(parts[0], {{0, 0}, {450, 0}});
    check_line(parts[1], {{850, 0}, {1000, 0}});
    CHECK(parts[2] == net.edges[1].geometry_m);
}

TEST_CASE("reached_edge_parts from a facility inside an edge, with off-road leg and one-way", "[routing]") {
    //   n0 (0,0) ------ F at 500 m, 75 m off the road ------ n1 (1000,0)
    network::RoadNetwork net;
    net.nodes_m = {{0, 0}, {1000, 0}};
    add_edge(net, 0, 1, {{0, 0}, {1000, 0}}, everyone, {4.5F, 2.7F, 15.0F, 0.0F});  // drive: one-way
    const network::Graph walk = reverse_graph(net, Profile::walk);
    const std::vector<std::optional<Snap>> mid{snap_at(0, 500.0, 75.0)};

    // 75 m off-road = 1 min; 4 min left = 300 m each way.
    auto parts = routing::reached_edge_parts(net, Profile::walk, walk, mid, 5.0);
    REQUIRE(parts.size() == 1);
    check_line(parts[0], {{200, 0}, {800, 0}});
    // Off-road at 9 km/h: 30 s; 4.5 min left = 337.5 m each way.
    parts = routing::reached_edge_parts(net, Profile::walk, walk, mid, 5.0, 9.0);
    REQUIRE(parts.size() == 1);
    check_line(parts[0], {{162.5, 0}, {837.5, 0}});
    // Less time than the off-road leg: nothing.
    CHECK(routing::reached_edge_parts(net, Profile::walk, walk, mid, 0.5).empty());

    // Driving at 30 km/h = 500 m/min, only forward: 1.5 min - 1 min off-road = 0.5 min = 250 m,
    // driven INTO F from upstream: [250, 500] (downstream positions cannot drive back).
    const network::Graph drive = reverse_graph(net, Profile::drive);
    parts = routing::reached_edge_parts(net, Profile::drive, drive, mid, 1.5);
    REQUIRE(parts.size() == 1);
    check_line(parts[0], {{250, 0}, {500, 0}});
}

TEST_CASE("travel_times and reached_edge_parts use the speed of each direction", "[routing]") {
    //   n3 (-300,0) --e2 300 m--> n0 (0,0) ======= e0 1500 m =======> n1 (1500,0) --e1 300 m--> n2 (1800,0)
    //                                       F at 600 m
    // Bike speeds: e0 18 km/h forward (5 m/s), 12 km/h backward (10/3 m/s); e1 12 forward, 18
    // backward; e2 12 both. Times TO F: from n0 600 m on at 5 m/s = 120 s; from n1 900 m back at
    // 10/3 m/s = 270 s; from n3 300 m at 12 km/h (90 s) + 120 s = 210 s; from n2 300 m back on e1
    // at 5 m/s (60 s) + 270 s = 330 s.
    network::RoadNetwork net;
    net.nodes_m = {{0, 0}, {1500, 0}, {1800, 0}, {-300, 0}};
    add_edge(net, 0, 1, {{0, 0}, {1500, 0}}, {4.5F, 2.7F, 18.0F, 30.0F}, {4.5F, 2.7F, 12.0F, 30.0F});
    add_edge(net, 1, 2, {{1500, 0}, {1800, 0}}, {4.5F, 2.7F, 12.0F, 30.0F}, {4.5F, 2.7F, 18.0F, 30.0F});
    add_edge(net, 3, 0, {{-300, 0}, {0, 0}}, {4.5F, 2.7F, 12.0F, 30.0F}, {4.5F, 2.7F, 12.0F, 30.0F});
    const network::Graph bike = reverse_graph(net, Profile::bike);
    const std::vector<std::optional<Snap>> facilities{snap_at(0, 600.0, 0.0)};
    const std::vector<std::optional<Snap>> points{
        snap_at(0, 300.0, 0.0),   // on to F: 300 m at 18 km/h = 60 s
        snap_at(0, 1200.0, 0.0),  // back to F: 600 m at 12 km/h = 180 s
        snap_at(1, 150.0, 0.0),   // back to n1: 150 m at 18 km/h (30 s) + 270 s = 300 s
        snap_at(2, 0.0, 0.0),     // at n3 (a junction snap): 210 s
    };
    const auto t = routing::travel_times(net, Profile::bike, bike, facilities, points, {});
    const std::vector<double> expected_s{60, 180, 300, 210};
    for (std::size_t i = 0; i < points.size(); ++i) {
        CAPTURE(i);
        CHECK(t[i].access == Access::reached);
        CHECK(t[i].minutes == Approx(expected_s[i] / 60.0).epsilon(1e-12));
    }

    // 1.5 min = 90 s: on to F from 450 m before it (150) and back to F from 300 m after it (900);
    // no node is within 90 s.
    auto parts = routing::reached_edge_parts(net, Profile::bike, bike, facilities, 1.5);
    REQUIRE(parts.size() == 1);
    check_line(parts[0], {{150, 0}, {900, 0}});
    // 4.75 min = 285 s: e0 whole (950 m back from F reaches n1); e2 whole (n0 at 120 s); n1 at
    // 270 s leaves 15 s = 75 m of e1 driven back at 18 km/h; n2 (330 s) is too far.
    parts = routing::reached_edge_parts(net, Profile::bike, bike, facilities, 4.75);
    REQUIRE(parts.size() == 3);
    CHECK(parts[0] == net.edges[0].geometry_m);
    check_line(parts[1], {{1500, 0}, {1575, 0}});
    CHECK(parts[2] == net.edges[2].geometry_m);

    // A facility at n1 (start of e1): e0 reaches it forwards at 18 km/h (300 m per minute),
    // e1 backwards at 18 km/h.
    const std::vector<std::optional<Snap>> at_n1{snap_at(1, 0.0, 0.0)};
    const auto to_n1 = routing::travel_times(net, Profile::bike, bike, at_n1, {snap_at(0, 1200.0, 0.0)}, {});
    CHECK(to_n1[0].minutes == Approx(60.0 / 60.0).epsilon(1e-12));  // 300 m at 18 km/h
    parts = routing::reached_edge_parts(net, Profile::bike, bike, at_n1, 0.5);
    REQUIRE(parts.size() == 2);
    check_line(parts[0], {{1350, 0}, {1500, 0}});  // e0, 150 m before n1
    check_line(parts[1], {{1500, 0}, {1650, 0}});  // e1, 150 m after n1
}

// Junction map: e0 may be driven only from n1 towards n0 (drawn n0 -> n1, backward only).
//
//   n2 (0,500) ============= e3 1000 m ============= n3 (1000,500)
//    |                                                 |
//   e1 500 m (n0 -> n2)                               e2 500 m (n1 -> n3)
//    |                                                 |
//   n0 (0,0) <============ e0 1000 m ================= n1 (1000,0)
//
// Every other street is two-way; everything is driven at 30 km/h (1 m = 120 ms).
network::RoadNetwork junction_map() {
    network::RoadNetwork net;
    net.source = "junction map";
    net.nodes_m = {{0, 0}, {1000, 0}, {0, 500}, {1000, 500}};
    add_edge(net, 0, 1, {{0, 0}, {1000, 0}}, {4.5F, 2.7F, 15.0F, 0.0F}, everyone);
    add_edge(net, 0, 2, {{0, 0}, {0, 500}}, everyone, everyone);
    add_edge(net, 1, 3, {{1000, 0}, {1000, 500}}, everyone, everyone);
    add_edge(net, 2, 3, {{0, 500}, {1000, 500}}, everyone, everyone);
    return net;
}

TEST_CASE("travel_times: a facility snapped onto a junction is reached by every street there", "[routing]") {
    const network::RoadNetwork net = junction_map();
    const network::Graph drive = reverse_graph(net, Profile::drive);
    // F snaps to n0 as offset 0 of e0 (which cars drive only towards n0), 60 m off the road (48 s
    // walked). H on e1, 300 m from n0: 300 m (36 s) + 48 s = 84 s.
    // (Seeding only the end that e0 drives away from, n1, would give H -> n2 -> n3 -> n1 and 1000 m
    // along e0: 200 + 1000 + 500 + 1000 m = 2700 m = 324 s + 48 s = 372 s.)
    for (const double at_n0 : {0.0, 0.5e-6}) {
        CAPTURE(at_n0);
        const std::vector<std::optional<Snap>> facilities{snap_at(0, at_n0, 60.0)};
        const auto t = routing::travel_times(net, Profile::drive, drive, facilities, {snap_at(1, 300.0, 0.0)}, {});
        CHECK(t[0].access == Access::reached);
        CHECK(t[0].minutes == Approx(84.0 / 60.0).epsilon(1e-12));
    }
    // The same junction snapped as the start (offset 0) of the two-way e1 gives the same time.
    const auto t_e1 = routing::travel_times(net, Profile::drive, drive, {snap_at(1, 0.0, 60.0)}, {snap_at(1, 300.0, 0.0)}, {});
    CHECK(t_e1[0].minutes == Approx(84.0 / 60.0).epsilon(1e-12));

    // Service area of F within 1.5 min = 90 s: 42 s left at n0 = 350 m, both on e1 (driven back to
    // n0) and on e0 (driven with the traffic into n0).
    const auto parts = routing::reached_edge_parts(net, Profile::drive, drive, {snap_at(0, 0.0, 60.0)}, 1.5);
    REQUIRE(parts.size() == 2);
    check_line(parts[0], {{0, 0}, {350, 0}});
    check_line(parts[1], {{0, 0}, {0, 350}});
}

TEST_CASE("travel_times: a home snapped onto a junction may leave by every street there", "[routing]") {
    const network::RoadNetwork net = junction_map();
    const network::Graph drive = reverse_graph(net, Profile::drive);
    // H snaps to n1 as the far end (offset 1000) of e0, 30 m off the road (24 s walked). K is on e2,
    // 250 m from n1: 24 s + 250 m (30 s) = 54 s.
    // (Leaving only by e0 would give n1 -> n0 -> n2 -> n3 and 250 m back on e2: 2750 m = 330 s + 24 s.)
    const std::vector<std::optional<Snap>> facilities{snap_at(2, 250.0, 0.0)};
    for (const double at_n1 : {1000.0, 1000.0 - 0.5e-6, 1000.5}) {  // 1000.5 is clamped to the edge end
        CAPTURE(at_n1);
        const auto t = routing::travel_times(net, Profile::drive, drive, facilities, {snap_at(0, at_n1, 30.0)}, {});
        CHECK(t[0].access == Access::reached);
        CHECK(t[0].minutes == Approx(54.0 / 60.0).epsilon(1e-12));
    }
    // 1 mm before n1 the home is on e0 and must drive it towards n0: 999.999 m (120 s) + n0 -> n2 ->
    // n3 (1500 m, 180 s) + 250 m back on e2 (30 s) + 24 s = 354 s.
    const auto inside = routing::travel_times(net, Profile::drive, drive, facilities, {snap_at(0, 999.999, 30.0)}, {});
    CHECK(inside[0].minutes == Approx(354.0 / 60.0).epsilon(1e-12));
    // H at n0 (offset 0 of e0) drives e1, e3 and 250 m back on e2: 1750 m = 210 s.
    const auto at_n0 = routing::travel_times(net, Profile::drive, drive, facilities, {snap_at(0, 0.0, 0.0)}, {});
    CHECK(at_n0[0].minutes == Approx(210.0 / 60.0).epsilon(1e-12));
}

namespace {

// Brute-force oracle: every snapped position becomes a node of its own (edges split there), the
// arcs follow the allowed directions, and plain Bellman-Ford finds the travel times.
// Speeds are chosen so that every metre takes a whole number of milliseconds, so splitting an
// edge does not change its rounded time.
struct Expanded {
    std::size_t node_count = 0;
    std::vector<network::Arc> arcs;                          // forward: direction of travel
    std::map<std::pair<network::EdgeId, double>, network::NodeId> node_at;  // (edge, offset) -> node
};

Expanded expand(const network::RoadNetwork& net, Profile profile, const std::vector<Snap>& positions) {
    const auto p = static_cast<std::size_t>(profile);
    Expanded x;
    x.node_count = net.nodes_m.size();
    std::map<network::EdgeId, std::vector<double>> cuts;
    for (const Snap& s : positions) cuts[s.edge].push_back(s.offset_m);
    for (network::EdgeId ei = 0; ei < net.edges.size(); ++ei) {
        const network::RoadEdge& e = net.edges[ei];
        std::vector<double> at = cuts[ei];
        at.push_back(0.0);
        at.push_back(e.length_m);
        std::sort(at.begin(), at.end());
        at.erase(std::unique(at.begin(), at.end()), at.end());
        std::vector<network::NodeId> node(at.size());
        for (std::size_t i = 0; i < at.size(); ++i) {
            node[i] = at[i] == 0.0 ? e.from
                      : at[i] == e.length_m ? e.to
                                            : static_cast<network::NodeId>(x.node_count++);
            x.node_at[{ei, at[i]}] = node[i];
        }
        for (std::size_t i = 0; i + 1 < at.size(); ++i) {
            const double piece = at[i + 1] - at[i];
            if (e.forward_kmh[p] > 0.0F) x.arcs.push_back({node[i], node[i + 1], network::travel_ms(piece, e.forward_kmh[p])});
            if (e.backward_kmh[p] > 0.0F) x.arcs.push_back({node[i + 1], node[i], network::travel_ms(piece, e.backward_kmh[p])});
        }
    }
    return x;
}

constexpr std::uint64_t never = std::numeric_limits<std::uint64_t>::max();

std::vector<std::uint64_t> bellman_ford(std::size_t n, const std::vector<network::Arc>& arcs,
                                        const std::vector<std::pair<network::NodeId, std::uint64_t>>& starts) {
    std::vector<std::uint64_t> d(n, never);
    for (const auto& [v, c] : starts) d[v] = std::min(d[v], c);
    for (bool changed = true; changed;) {
        changed = false;
        for (const network::Arc& a : arcs) {
            if (d[a.tail] != never && d[a.tail] + a.weight_ms < d[a.head]) {
                d[a.head] = d[a.tail] + a.weight_ms;
                changed = true;
            }
        }
    }
    return d;
}

std::vector<network::Arc> turned_around(std::vector<network::Arc> arcs) {
    for (network::Arc& a : arcs) std::swap(a.tail, a.head);
    return arcs;
}

// Grid of w x h nodes 100 m apart; each neighbour pair joined with probability 4/5 by an edge of
// 20..300 m (length_m differs from the drawn 100 m on purpose). Drive speeds per direction from
// {0, 30, 36, 60} km/h (never both 0); walkers use every edge both ways at 4.5 km/h.
network::RoadNetwork random_network(std::mt19937& rng, std::size_t w, std::size_t h) {
    network::RoadNetwork net;
    net.source = "random grid";
    for (std::size_t j = 0; j < h; ++j) {
        for (std::size_t i = 0; i < w; ++i) net.nodes_m.push_back({100.0 * i, 100.0 * j});
    }
    const std::array<float, 4> drive_kmh{0.0F, 30.0F, 36.0F, 60.0F};
    const auto join = [&](network::NodeId a, network::NodeId b) {
        if (rng() % 5 == 0) return;
        float fwd = drive_kmh[rng() % 4];
        float bwd = drive_kmh[rng() % 4];
        if (fwd == 0.0F && bwd == 0.0F) fwd = 30.0F;
        const bool flip = rng() % 2 == 0;  // draw some edges against the grid order
        const network::NodeId from = flip ? b : a;
        const network::NodeId to = flip ? a : b;
        add_edge(net, from, to, {net.nodes_m[from], net.nodes_m[to]}, {4.5F, 2.7F, 15.0F, fwd},
                 {4.5F, 2.7F, 15.0F, bwd}, static_cast<double>(20 + rng() % 281));
    };
    for (std::size_t j = 0; j < h; ++j) {
        for (std::size_t i = 0; i < w; ++i) {
            const auto v = static_cast<network::NodeId>(j * w + i);
            if (i + 1 < w) join(v, v + 1);
            if (j + 1 < h) join(v, static_cast<network::NodeId>(v + w));
        }
    }
    return net;
}

// A snap at a whole metre; one in five at each end of the edge (a junction snap).
Snap random_snap(std::mt19937& rng, const network::RoadNetwork& net, std::uint32_t max_off_road_m) {
    const auto ei = static_cast<network::EdgeId>(rng() % net.edges.size());
    const double len = net.edges[ei].length_m;
    const std::uint32_t r = rng() % 5;
    const double offset = r == 0 ? 0.0 : r == 1 ? len : static_cast<double>(1 + rng() % static_cast<std::uint32_t>(len - 1));
    return snap_at(ei, offset, static_cast<double>(rng() % (max_off_road_m + 1)));
}

Point point_on(const network::RoadNetwork& net, network::EdgeId ei, double offset_m) {
    const network::RoadEdge& e = net.edges[ei];
    const Point a = e.geometry_m.front();
    const Point b = e.geometry_m.back();
    const double t = offset_m / e.length_m;
    return {a.x + t * (b.x - a.x), a.y + t * (b.y - a.y)};
}

double distance_to_polyline(Point p, const LineString& line) {
    double best = std::numeric_limits<double>::infinity();
    for (std::size_t i = 0; i + 1 < line.size(); ++i) {
        const Point a = line[i];
        const Point b = line[i + 1];
        const double dx = b.x - a.x;
        const double dy = b.y - a.y;
        const double l2 = dx * dx + dy * dy;
        const double t = l2 > 0.0 ? std::clamp(((p.x - a.x) * dx + (p.y - a.y) * dy) / l2, 0.0, 1.0) : 0.0;
        best = std::min(best, distance(p, Point{a.x + t * dx, a.y + t * dy}));
    }
    return best;
}

}  // namespace

TEST_CASE("travel_times equals Bellman-Ford from each home on random networks with one-way streets", "[routing]") {
    constexpr double off_road_kmh = 4.5;  // 800 ms per metre
    std::uint32_t seed = 20240711;
    for (int rep = 0; rep < 60; ++rep, ++seed) {
        std::mt19937 rng(seed);
        const network::RoadNetwork net = random_network(rng, 2 + rng() % 4, 2 + rng() % 3);
        if (net.edges.empty()) continue;
        const Profile profile = rep % 3 == 0 ? Profile::walk : Profile::drive;
        std::vector<Snap> facility_snaps;
        for (std::size_t i = 0, k = 1 + rng() % 3; i < k; ++i) facility_snaps.push_back(random_snap(rng, net, 40));
        std::vector<Snap> home_snaps;
        for (int i = 0; i < 25; ++i) home_snaps.push_back(random_snap(rng, net, 40));
        const std::uint32_t cutoff_ms = 20000 + rng() % 200000;
        INFO("seed " << seed << ", " << network::profile_name(profile) << ", " << net.edges.size() << " edges, "
                     << facility_snaps.size() << " facilities, cutoff " << cutoff_ms << " ms");

        std::vector<Snap> all = facility_snaps;
        all.insert(all.end(), home_snaps.begin(), home_snaps.end());
        const Expanded x = expand(net, profile, all);
        const auto node_of = [&](const Snap& s) { return x.node_at.at({s.edge, s.offset_m}); };
        // Oracle 1: multi-source Bellman-Ford from the facilities over the turned-around arcs.
        std::vector<std::pair<network::NodeId, std::uint64_t>> starts;
        for (const Snap& f : facility_snaps) starts.push_back({node_of(f), network::travel_ms(f.off_road_m, off_road_kmh)});
        const auto to_nearest = bellman_ford(x.node_count, turned_around(x.arcs), starts);

        std::vector<std::optional<Snap>> fs(facility_snaps.begin(), facility_snaps.end());
        std::vector<std::optional<Snap>> hs(home_snaps.begin(), home_snaps.end());
        hs.push_back(std::nullopt);
        routing::NetworkCoverageOptions opt;
        opt.cutoff_minutes = cutoff_ms / 60000.0;
        opt.off_road_kmh = off_road_kmh;
        const auto t = routing::travel_times(net, profile, reverse_graph(net, profile), fs, hs, opt);
        REQUIRE(t.size() == hs.size());
        CHECK(t.back().access == Access::no_road_access);
        for (std::size_t i = 0; i < home_snaps.size(); ++i) {
            const Snap& h = home_snaps[i];
            CAPTURE(i, h.edge, h.offset_m, h.off_road_m);
            // Oracle 2: Bellman-Ford forwards from the home, along the direction of travel.
            const auto from_home = bellman_ford(x.node_count, x.arcs, {{node_of(h), 0}});
            std::uint64_t best = never;
            for (const Snap& f : facility_snaps) {
                if (from_home[node_of(f)] != never) {
                    best = std::min(best, from_home[node_of(f)] + network::travel_ms(f.off_road_m, off_road_kmh));
                }
            }
            REQUIRE(best == to_nearest[node_of(h)]);
            const std::uint64_t total = best == never ? never : best + network::travel_ms(h.off_road_m, off_road_kmh);
            if (total > cutoff_ms) {
                CHECK(t[i].access == Access::beyond_cutoff);
                continue;
            }
            REQUIRE(t[i].access == Access::reached);
            CHECK(std::llround(t[i].minutes * 60000.0) == static_cast<long long>(total));
            // The reported facility really is that near.
            const Snap& f = facility_snaps.at(t[i].facility);
            CHECK(from_home[node_of(f)] + network::travel_ms(f.off_road_m, off_road_kmh) == best);
        }
    }
}

TEST_CASE("reached_edge_parts holds exactly the positions within the minutes on random networks", "[routing]") {
    constexpr double off_road_kmh = 4.5;
    std::uint32_t seed = 20240811;
    for (int rep = 0; rep < 40; ++rep, ++seed) {
        std::mt19937 rng(seed);
        const network::RoadNetwork net = random_network(rng, 2 + rng() % 3, 2 + rng() % 3);
        if (net.edges.empty()) continue;
        const Profile profile = rep % 4 == 0 ? Profile::walk : Profile::drive;
        std::vector<Snap> facility_snaps;
        for (std::size_t i = 0, k = 1 + rng() % 2; i < k; ++i) facility_snaps.push_back(random_snap(rng, net, 40));
        // Samples: every tenth of each edge, at whole metres strictly inside it.
        std::vector<Snap> samples;
        for (network::EdgeId ei = 0; ei < net.edges.size(); ++ei) {
            const double len = net.edges[ei].length_m;
            for (int k = 1; k < 10; ++k) samples.push_back(snap_at(ei, std::floor(len * k / 10.0) + 0.0, 0.0));
        }
        const std::uint32_t budget_ms = 10000 + 1000 * (rng() % 120);
        INFO("seed " << seed << ", " << network::profile_name(profile) << ", budget " << budget_ms << " ms");

        std::vector<Snap> all = facility_snaps;
        all.insert(all.end(), samples.begin(), samples.end());
        const Expanded x = expand(net, profile, all);
        std::vector<std::pair<network::NodeId, std::uint64_t>> starts;
        for (const Snap& f : facility_snaps) {
            starts.push_back({x.node_at.at({f.edge, f.offset_m}), network::travel_ms(f.off_road_m, off_road_kmh)});
        }
        const auto to_nearest = bellman_ford(x.node_count, turned_around(x.arcs), starts);

        std::vector<std::optional<Snap>> fs(facility_snaps.begin(), facility_snaps.end());
        const auto parts = routing::reached_edge_parts(net, profile, reverse_graph(net, profile), fs,
                                                       budget_ms / 60000.0, off_road_kmh);
        for (const Snap& s : samples) {
            const std::uint64_t ms = to_nearest[x.node_at.at({s.edge, s.offset_m})];
            if (ms == budget_ms) continue;  // on the boundary: a zero-length tolerance decides
            const Point p = point_on(net, s.edge, s.offset_m);
            bool covered = false;
            for (const LineString& part : parts) covered = covered || distance_to_polyline(p, part) < 1e-6;
            CAPTURE(s.edge, s.offset_m, ms);
            CHECK(covered == (ms < budget_ms));
        }
    }
}

// One search for every isochrone band (pipeline::evaluate's service areas) must give each band's
// parts exactly as its own search does: same parts, same order, same coordinates to the bit.
void check_bands_equal_separate_searches(const network::RoadNetwork& net, Profile profile,
                                         const std::vector<std::optional<Snap>>& facilities,
                                         const std::vector<double>& bands, double off_road_kmh) {
    const network::Graph g = reverse_graph(net, profile);
    const auto together = routing::reached_edge_parts_by_band(net, profile, g, facilities, bands, off_road_kmh);
    REQUIRE(together.size() == bands.size());
    for (std::size_t b = 0; b < bands.size(); ++b) {
        INFO("band " << bands[b] << " min, " << network::profile_name(profile));
        const auto alone = routing::reached_edge_parts(net, profile, g, facilities, bands[b], off_road_kmh);
        REQUIRE(together[b] == alone);
    }
}

TEST_CASE("reached_edge_parts_by_band equals one search per band on map A", "[routing]") {
    const network::RoadNetwork net = map_a();
    // F snaps 100 m along e0, 30 m off the road; bands from inside the off-road leg (0.3 min walks
    // 22.5 m) to beyond the whole map, unsorted and repeated.
    const std::vector<std::optional<Snap>> f{snap_at(0, 100.0, 30.0)};
    const std::vector<double> bands{15.0, 0.3, 5.0, 10.0, 1.0, 2.5, 5.0, 0.0};
    for (const Profile p : {Profile::walk, Profile::elderly, Profile::bike, Profile::drive}) {
        check_bands_equal_separate_searches(net, p, f, bands, 4.5);
    }
    const auto walk = routing::reached_edge_parts_by_band(net, Profile::walk, reverse_graph(net, Profile::walk), f,
                                                          std::vector<double>{5.0}, 4.5);
    // 5 min walk = 375 m; 30 m of it off the road leaves 345 m each way from 100 m along e0.
    REQUIRE(walk[0].size() == 1);
    check_line(walk[0][0], {{0, 0}, {445, 0}});
    CHECK(routing::reached_edge_parts_by_band(net, Profile::walk, reverse_graph(net, Profile::walk), f, {}, 4.5).empty());
}

TEST_CASE("reached_edge_parts_by_band equals one search per band on random grids with one-way streets", "[routing]") {
    std::uint32_t seed = 20261201;
    for (int rep = 0; rep < 60; ++rep, ++seed) {
        std::mt19937 rng(seed);
        INFO("seed " << seed);
        const network::RoadNetwork net = random_network(rng, 3 + rng() % 8, 3 + rng() % 8);
        if (net.edges.empty()) continue;
        std::vector<std::optional<Snap>> facilities;
        for (std::size_t i = 0, k = 1 + rng() % 4; i < k; ++i) facilities.push_back(random_snap(rng, net, 60));
        if (rng() % 3 == 0) facilities.push_back(std::nullopt);  // a facility without a road
        // Bands in whole milliseconds too, where node costs fall exactly on a band's budget.
        std::vector<double> bands;
        for (std::size_t i = 0, k = 1 + rng() % 4; i < k; ++i) {
            bands.push_back(rng() % 2 == 0 ? static_cast<double>(1 + rng() % 15)
                                           : static_cast<double>(1000 + rng() % 900000) / 60000.0);
        }
        for (const Profile p : {Profile::walk, Profile::bike, Profile::drive}) {
            check_bands_equal_separate_searches(net, p, facilities, bands, 4.5);
        }
    }
}
