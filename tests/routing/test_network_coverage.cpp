// Travel times from points to facilities over small hand-drawn road networks, with the minutes
// computed by hand, and the reached parts of edges (service-area lines).
// Walking at 4.5 km/h covers 75 m per minute, i.e. 1 m takes 800 ms.
#include "kepu15/error.hpp"
#include "kepu15/network/graph.hpp"
#include "kepu15/routing/network_coverage.hpp"

#include <catch2/catch.hpp>

#include <optional>
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
    const network::Graph walk = network::build_graph(net, Profile::walk);
    // Facility 0 has no snap (ignored); facility 1 is F: 30 m off-road = 24 s.
    // F reaches n0 at 24 s + 100 m (80 s) = 104 s and n1 at 24 s + 500 m (400 s) = 424 s.
    const std::vector<std::optional<Snap>> facilities{std::nullopt, snap_at(0, 100.0, 30.0)};
    const std::vector<std::optional<Snap>> points{
        std::nullopt,                // no road access
        snap_at(1, 150.0, 45.0),     // n1 424 s + 150 m (120 s) + 45 m off-road (36 s) = 580 s
        snap_at(0, 400.0, 0.0),      // along e0 from F: 24 s + 300 m (240 s) = 264 s
        snap_at(0, 40.0, 0.0),       // along e0 back from F: 24 s + 60 m (48 s) = 72 s
        snap_at(1, 300.0, 0.0),      // at n2: 424 s + 300 m (240 s) = 664 s
        snap_at(2, 150.0, 600.0),    // n3 at 544 s + 600 m off-road (480 s) = 1024 s > 900 s
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
    const network::Graph walk = network::build_graph(net, Profile::walk);
    // Facility 2 sits at n2 (end of e1): it reaches n1 at 300 m = 240 s.
    const std::vector<std::optional<Snap>> facilities{std::nullopt, snap_at(0, 100.0, 30.0), snap_at(1, 300.0, 0.0)};
    const std::vector<std::optional<Snap>> points{
        snap_at(1, 150.0, 45.0),  // from n2: 150 m (120 s) + 36 s = 156 s, facility 2
        snap_at(0, 40.0, 0.0),    // 72 s from facility 1 (via n1 it would be 240 + 448 s)
        snap_at(2, 150.0, 0.0),   // n3: 240 s + 150 m (120 s) = 360 s from facility 2
    };
    const auto t = routing::travel_times(net, Profile::walk, walk, facilities, points, {});
    CHECK(t[0].facility == 2);
    CHECK(t[0].minutes == Approx(156.0 / 60.0).epsilon(1e-12));
    CHECK(t[1].facility == 1);
    CHECK(t[1].minutes == Approx(72.0 / 60.0).epsilon(1e-12));
    CHECK(t[2].facility == 2);
    CHECK(t[2].minutes == Approx(360.0 / 60.0).epsilon(1e-12));
}

TEST_CASE("travel_times: a one-way edge prevents driving straight back to a point on the same edge", "[routing]") {
    const network::RoadNetwork net = map_b();
    // Facility at 600 m along e0. Driving: it can only leave towards n1 (400 m at 30 km/h = 48 s),
    // then n1 -> n2 -> n0 (2 x 500 m at 50 km/h = 2 x 36 s): n0 at 120 s.
    const std::vector<std::optional<Snap>> facilities{snap_at(0, 600.0, 0.0)};
    const std::vector<std::optional<Snap>> points{
        snap_at(0, 200.0, 0.0),   // upstream: n0 120 s + 200 m (24 s) = 144 s; not straight back
        snap_at(0, 900.0, 15.0),  // downstream: 300 m (36 s) + 15 m walked (12 s) = 48 s
    };
    const network::Graph drive = network::build_graph(net, Profile::drive);
    const auto t = routing::travel_times(net, Profile::drive, drive, facilities, points, {});
    CHECK(t[0].access == Access::reached);
    CHECK(t[0].minutes == Approx(144.0 / 60.0).epsilon(1e-12));
    CHECK(t[1].minutes == Approx(48.0 / 60.0).epsilon(1e-12));

    routing::NetworkCoverageOptions two_minutes;
    two_minutes.cutoff_minutes = 2.0;
    const auto t2 = routing::travel_times(net, Profile::drive, drive, facilities, points, two_minutes);
    CHECK(t2[0].access == Access::beyond_cutoff);  // 144 s > 120 s although n0 itself is at 120 s
    CHECK(t2[1].access == Access::reached);

    // A walker goes straight back: 400 m = 320 s.
    const network::Graph walk = network::build_graph(net, Profile::walk);
    const auto tw = routing::travel_times(net, Profile::walk, walk, facilities, points, {});
    CHECK(tw[0].minutes == Approx(320.0 / 60.0).epsilon(1e-12));
}

TEST_CASE("travel_times: a point on an edge its profile cannot use is beyond reach", "[routing]") {
    network::RoadNetwork net = map_a();
    add_edge(net, 2, 3, {{900, 0}, {600, -150}}, {0.0F, 0.0F, 0.0F, 80.0F}, {0.0F, 0.0F, 0.0F, 80.0F});
    const network::Graph walk = network::build_graph(net, Profile::walk);
    const auto t = routing::travel_times(net, Profile::walk, walk, {snap_at(0, 0.0, 0.0)}, {snap_at(3, 10.0, 0.0)}, {});
    CHECK(t[0].access == Access::beyond_cutoff);
}

TEST_CASE("travel_times rejects snaps to unknown edges and a graph of another network", "[routing]") {
    const network::RoadNetwork net = map_a();
    const network::Graph walk = network::build_graph(net, Profile::walk);
    CHECK_THROWS_WITH(routing::travel_times(net, Profile::walk, walk, {snap_at(7, 0.0, 0.0)}, {}, {}),
                      Catch::Contains("facility 0") && Catch::Contains("edge 7"));
    CHECK_THROWS_AS(routing::travel_times(net, Profile::walk, walk, {}, {std::nullopt, snap_at(3, 0.0, 0.0)}, {}),
                    input_error);
    const network::Graph other = network::graph_from_arcs(2, {});
    CHECK_THROWS_AS(routing::travel_times(net, Profile::walk, other, {}, {}, {}), input_error);
    routing::NetworkCoverageOptions bad;
    bad.off_road_kmh = 0.0;
    CHECK_THROWS_AS(routing::travel_times(net, Profile::walk, walk, {}, {}, bad), config_error);
}

TEST_CASE("reached_edge_parts: a walker from one end reaches 4.5 km/h times the minutes", "[routing]") {
    //   n0 (0,0) ----------------- 1 km ----------------- n1 (1000,0); facility at n0
    network::RoadNetwork net;
    net.nodes_m = {{0, 0}, {1000, 0}};
    add_edge(net, 0, 1, {{0, 0}, {1000, 0}}, everyone, everyone);
    const network::Graph walk = network::build_graph(net, Profile::walk);
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
    const network::Graph walk = network::build_graph(net, Profile::walk);
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
    const network::Graph walk = network::build_graph(net, Profile::walk);
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
    const network::Graph walk = network::build_graph(net, Profile::walk);
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

    // Driving at 30 km/h = 500 m/min, only forward: 1.5 min - 1 min off-road = 0.5 min = 250 m.
    const network::Graph drive = network::build_graph(net, Profile::drive);
    parts = routing::reached_edge_parts(net, Profile::drive, drive, mid, 1.5);
    REQUIRE(parts.size() == 1);
    check_line(parts[0], {{500, 0}, {750, 0}});
}

TEST_CASE("travel_times and reached_edge_parts use the speed of each direction", "[routing]") {
    //   n3 (-300,0) --e2 300 m--> n0 (0,0) ======= e0 1500 m =======> n1 (1500,0) --e1 300 m--> n2 (1800,0)
    //                                       F at 600 m
    // Bike speeds: e0 18 km/h forward (5 m/s), 12 km/h backward; e1 12 forward, 18 backward; e2 12 both.
    // F reaches n1 at 900 m / 5 m/s = 180 s and n0 at 600 m / (10/3 m/s) = 180 s.
    network::RoadNetwork net;
    net.nodes_m = {{0, 0}, {1500, 0}, {1800, 0}, {-300, 0}};
    add_edge(net, 0, 1, {{0, 0}, {1500, 0}}, {4.5F, 2.7F, 18.0F, 30.0F}, {4.5F, 2.7F, 12.0F, 30.0F});
    add_edge(net, 1, 2, {{1500, 0}, {1800, 0}}, {4.5F, 2.7F, 12.0F, 30.0F}, {4.5F, 2.7F, 18.0F, 30.0F});
    add_edge(net, 3, 0, {{-300, 0}, {0, 0}}, {4.5F, 2.7F, 12.0F, 30.0F}, {4.5F, 2.7F, 12.0F, 30.0F});
    const network::Graph bike = network::build_graph(net, Profile::bike);
    const std::vector<std::optional<Snap>> facilities{snap_at(0, 600.0, 0.0)};
    const std::vector<std::optional<Snap>> points{
        snap_at(0, 300.0, 0.0),   // straight back: 300 m at 12 km/h = 90 s
        snap_at(0, 1200.0, 0.0),  // straight on: 600 m at 18 km/h = 120 s
        snap_at(1, 150.0, 0.0),   // n1 180 s + 150 m at 12 km/h (45 s) = 225 s (via n2: 270 + 30 s)
        snap_at(2, 0.0, 0.0),     // n3: n0 180 s + 300 m at 12 km/h (90 s) = 270 s
    };
    const auto t = routing::travel_times(net, Profile::bike, bike, facilities, points, {});
    const std::vector<double> expected_s{90, 120, 225, 270};
    for (std::size_t i = 0; i < points.size(); ++i) {
        CAPTURE(i);
        CHECK(t[i].access == Access::reached);
        CHECK(t[i].minutes == Approx(expected_s[i] / 60.0).epsilon(1e-12));
    }

    // 2 min: F covers 600 m on (to 1200) and 400 m back (to 200); no node is reached.
    auto parts = routing::reached_edge_parts(net, Profile::bike, bike, facilities, 2.0);
    REQUIRE(parts.size() == 1);
    check_line(parts[0], {{200, 0}, {1200, 0}});
    // 3.5 min = 210 s: e0 whole; 30 s left at n1 and n0 give 100 m of e1 and 100 m of e2.
    parts = routing::reached_edge_parts(net, Profile::bike, bike, facilities, 3.5);
    REQUIRE(parts.size() == 3);
    CHECK(parts[0] == net.edges[0].geometry_m);
    check_line(parts[1], {{1500, 0}, {1600, 0}});
    check_line(parts[2], {{-100, 0}, {0, 0}});

    // A facility at n1 (start of e1) reaches e0 only backwards from n1 at 12 km/h (200 m per minute).
    const std::vector<std::optional<Snap>> at_n1{snap_at(1, 0.0, 0.0)};
    const auto from_n1 = routing::travel_times(net, Profile::bike, bike, at_n1, {snap_at(0, 1200.0, 0.0)}, {});
    CHECK(from_n1[0].minutes == Approx(90.0 / 60.0).epsilon(1e-12));  // 300 m at 12 km/h
    parts = routing::reached_edge_parts(net, Profile::bike, bike, at_n1, 1.0);
    REQUIRE(parts.size() == 2);
    check_line(parts[0], {{1300, 0}, {1500, 0}});  // e0 back from n1
    check_line(parts[1], {{1500, 0}, {1700, 0}});  // e1 forward at 12 km/h
}
