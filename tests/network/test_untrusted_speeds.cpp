// Speeds from hostile or unusual data (issue 7) and Chinese road classes (issue 9): implausible
// speeds are refused or ignored with a message, travel times saturate instead of wrapping around,
// GB/T road classes get speeds, and unknown classes are counted in a warning.
#include <catch2/catch.hpp>
#include <fstream>
#include <limits>

#include "../io/test_support_io.hpp"
#include "kepu15/error.hpp"
#include "kepu15/geo/crs.hpp"
#include "kepu15/network/graph.hpp"
#include "kepu15/network/line_reader.hpp"
#include "kepu15/network/osm_reader.hpp"
#include "kepu15/routing/dijkstra.hpp"

using namespace kepu15;
using namespace kepu15::network;
using Catch::Matchers::Contains;

namespace {

std::vector<std::string> g_warnings;
void capture(const std::string& m) { g_warnings.push_back(m); }
struct Capture {
    Capture() {
        g_warnings.clear();
        set_warning_sink(&capture);
    }
    ~Capture() { set_warning_sink(nullptr); }
};

const geo::Transformer& to_utm() {
    static const geo::Transformer tr{"EPSG:4326", "EPSG:32651"};
    return tr;
}

// Two east-west roads near Kunshan, each with the given properties.
std::string write_roads(const test::TempDir& dir, const std::string& props_a, const std::string& props_b) {
    const std::string path = dir.file("roads.geojson");
    std::ofstream(path)
        << R"({"type":"FeatureCollection","features":[
{"type":"Feature","properties":{)"
        << props_a << R"(},"geometry":{"type":"LineString","coordinates":[[120.95,31.38],[120.96,31.38]]}},
{"type":"Feature","properties":{)"
        << props_b
        << R"(},"geometry":{"type":"LineString","coordinates":[[120.95,31.39],[120.96,31.39]]}}]})";
    return path;
}

float drive_kmh_of_row(const RoadNetwork& net, std::int64_t fid) {
    for (const auto& e : net.edges) {
        if (e.source_id == fid) return e.forward_kmh[static_cast<std::size_t>(Profile::drive)];
    }
    return -1.0F;
}

}  // namespace

TEST_CASE("travel_ms saturates instead of wrapping around", "[network]") {
    // Regression (issue 7): 5 km at 0.004 km/h (52 days) wrapped to a few minutes.
    CHECK(travel_ms(5000.0, 0.004) == max_travel_ms);
    CHECK(travel_ms(1.0, 0.0) == max_travel_ms);
    CHECK(travel_ms(1.0, std::numeric_limits<double>::quiet_NaN()) == max_travel_ms);
    CHECK(travel_ms(75.0, 4.5) == 60000U);
    CHECK(add_travel_ms(max_travel_ms, 5) == max_travel_ms);
    CHECK(add_travel_ms(1000, 2000) == 3000U);
}

TEST_CASE("A saturated edge is never crossed by a bounded search", "[network]") {
    // Node 0 --(5 km at 0.004 km/h)--> node 1; node 0 --(75 m at 4.5 km/h)--> node 2.
    RoadNetwork net;
    net.nodes_m = {{0, 0}, {5000, 0}, {0, 75}};
    RoadEdge slow;
    slow.from = 0;
    slow.to = 1;
    slow.length_m = 5000.0;
    slow.geometry_m = {{0, 0}, {5000, 0}};
    slow.forward_kmh.fill(0.004F);
    slow.backward_kmh.fill(0.004F);
    RoadEdge fast = slow;
    fast.to = 2;
    fast.length_m = 75.0;
    fast.geometry_m = {{0, 0}, {0, 75}};
    fast.forward_kmh.fill(4.5F);
    fast.backward_kmh.fill(4.5F);
    net.edges = {slow, fast};
    const Graph g = build_graph(net, Profile::drive);
    const auto r = routing::multi_source_dijkstra(g, {{0, 0, 7}}, 15 * 60000);
    CHECK(r.cost_ms[2] == 60000U);
    CHECK(r.cost_ms[1] == routing::unreached);  // was "reached in 4.2 minutes"
}

TEST_CASE("A speed field outside 1..200 km/h is an input_error naming the row", "[network]") {
    test::TempDir dir("speeds");
    LineNetworkOptions options;
    options.speed_field = "speed";
    for (const char* bad : {"0.004", "1e15", "1e-300"}) {
        CAPTURE(bad);
        const std::string path = write_roads(dir, R"("speed": 40)", std::string(R"("speed": )") + bad);
        CHECK_THROWS_MATCHES(read_road_lines(path, options, to_utm()), input_error,
                             test::What(Contains("roads.geojson, layer roads, row 2") &&
                                        Contains("is not a plausible speed") && Contains("1..200 km/h")));
    }
}

TEST_CASE("Chinese road classes get GB/T speeds; a user table overrides and extends them", "[network]") {
    // Regression (issue 9): 主干路, 次干路 silently fell back to the default speed.
    test::TempDir dir("classes");
    LineNetworkOptions options;
    options.class_field = "class";
    const std::string path = write_roads(dir, R"("class": "主干路")", R"("class": "次干路")");
    {
        Capture warnings;
        const RoadNetwork net = read_road_lines(path, options, to_utm());
        CHECK(drive_kmh_of_row(net, 0) == 50.0F);
        CHECK(drive_kmh_of_row(net, 1) == 40.0F);
        CHECK(g_warnings.empty());
    }
    ProfileSpeeds speeds;
    speeds.drive_kmh_by_highway["主干路"] = 60;
    const RoadNetwork net = read_road_lines(path, options, to_utm(), speeds);
    CHECK(drive_kmh_of_row(net, 0) == 60.0F);
}

TEST_CASE("Unknown road classes are counted in a warning, with the speed they get", "[network]") {
    test::TempDir dir("unknown-classes");
    LineNetworkOptions options;
    options.class_field = "class";
    const std::string path = write_roads(dir, R"("class": "村道")", R"("class": "村道")");
    Capture warnings;
    const RoadNetwork net = read_road_lines(path, options, to_utm());
    CHECK(drive_kmh_of_row(net, 0) == 30.0F);
    REQUIRE(g_warnings.size() == 1);
    CHECK_THAT(g_warnings[0], Contains("roads.geojson") && Contains("'村道' (2)") && Contains("30 km/h") &&
                                  Contains("drive_by_highway"));
}

TEST_CASE("Implausible speed options are config_errors naming the key", "[network]") {
    ProfileSpeeds s;
    CHECK_NOTHROW(s.validate("x"));
    s.walk_kmh = 1e9;
    CHECK_THROWS_MATCHES(s.validate("study.toml: [network.speeds]"), config_error,
                         test::What(Contains("'walk_kmh' must be within 1..10 km/h (got 1e+09)")));
    s.walk_kmh = 4.5;
    s.drive_kmh_by_highway["primary"] = 0.0001;
    CHECK_THROWS_MATCHES(s.validate("x"), config_error, test::What(Contains("'primary'")));
    s.drive_kmh_by_highway["primary"] = 60;
    s.drive_default_kmh = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_MATCHES(s.validate("x"), config_error, test::What(Contains("(got nan)")));
}

TEST_CASE("OSM: implausible maxspeed is ignored with a warning; clashing node ids are reported",
          "[network]") {
    test::TempDir dir("osm");
    const std::string path = dir.file("roads.osm");
    std::ofstream(path) << R"(<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6">
  <node id="1" lat="31.38" lon="120.95"/>
  <node id="2" lat="31.38" lon="120.96"/>
  <node id="2" lat="31.40" lon="120.99"/>
  <node id="3" lat="31.39" lon="120.96"/>
  <way id="10"><nd ref="1"/><nd ref="2"/><tag k="highway" v="primary"/><tag k="maxspeed" v="1e15"/></way>
  <way id="11"><nd ref="2"/><nd ref="3"/><tag k="highway" v="primary"/><tag k="maxspeed" v="0.0001"/></way>
</osm>
)";
    Capture warnings;
    const RoadNetwork net = read_osm(path, to_utm());
    for (const auto& e : net.edges) CHECK(e.forward_kmh[static_cast<std::size_t>(Profile::drive)] == 60.0F);
    bool maxspeed = false;
    bool duplicate = false;
    for (const auto& w : g_warnings) {
        maxspeed = maxspeed ||
                   (w.find("2 maxspeed tags") != std::string::npos && w.find("way 10") != std::string::npos);
        duplicate = duplicate || (w.find("node 2") != std::string::npos &&
                                  w.find("different coordinates") != std::string::npos);
    }
    CHECK(maxspeed);
    CHECK(duplicate);
}
