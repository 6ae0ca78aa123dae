// Line-layer road networks: topology at shared vertices, snapping tolerance, speed/class/oneway fields
// and errors. Layers are GeoJSON written by the tests; coordinates are in units of 0.001 degree near
// (0, 0) and projected to EPSG:4087 where 0.001 degree is exactly step_m on both axes.
#include "kepu15/error.hpp"
#include "kepu15/geo/crs.hpp"
#include "kepu15/network/graph.hpp"
#include "kepu15/network/line_reader.hpp"

#include "../support/paths.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <fstream>
#include <sstream>

using namespace kepu15;
using namespace kepu15::network;

namespace {

const double step_m = 6378137.0 * std::numbers::pi / 180.0 * 0.001;

struct Line {
    std::vector<std::pair<double, double>> xy;  // grid steps (0.001 degree)
    std::string properties;                     // JSON object body, e.g. "\"speed\": 40"
};

std::string write_lines(const test::TempDir& dir, const std::string& name, const std::vector<Line>& lines) {
    std::ostringstream out;
    out.precision(12);
    out << "{\"type\": \"FeatureCollection\", \"features\": [\n";
    for (std::size_t i = 0; i < lines.size(); ++i) {
        out << "{\"type\": \"Feature\", \"properties\": {" << lines[i].properties
            << "}, \"geometry\": {\"type\": \"LineString\", \"coordinates\": [";
        for (std::size_t k = 0; k < lines[i].xy.size(); ++k) {
            out << (k ? ", " : "") << "[" << lines[i].xy[k].first * 0.001 << ", " << lines[i].xy[k].second * 0.001 << "]";
        }
        out << "]}}" << (i + 1 < lines.size() ? ",\n" : "\n");
    }
    out << "]}\n";
    const std::string path = dir.file(name);
    std::ofstream{path} << out.str();
    return path;
}

const geo::Transformer& to_eqc() {
    static const geo::Transformer tr{"EPSG:4326", "EPSG:4087"};
    return tr;
}

std::vector<std::pair<long, long>> node_steps(const RoadNetwork& net) {
    std::vector<std::pair<long, long>> v;
    for (const Point& p : net.nodes_m) v.emplace_back(std::lround(p.x / step_m * 10), std::lround(p.y / step_m * 10));
    std::sort(v.begin(), v.end());
    return v;  // tenths of a step
}

std::size_t component_count(const RoadNetwork& net, Profile p) {
    return connected_components(build_graph(net, p)).size.size();
}

std::string error_of(const std::string& path, const LineNetworkOptions& o) {
    try {
        (void)read_road_lines(path, o, to_eqc());
    } catch (const input_error& e) {
        return e.what();
    }
    return "no input_error";
}

// The single edge whose first point lies on grid row y (lines of the speed fixture are horizontal).
const RoadEdge& edge_on_row(const RoadNetwork& net, int y) {
    for (const auto& e : net.edges) {
        if (std::lround(e.geometry_m.front().y / step_m) == y) return e;
    }
    FAIL("no edge on row " << y);
    throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("Line layers are joined and split at shared vertices only", "[network]") {
    const test::TempDir dir{"lines-topo"};
    //   y  1        B           C
    //   y  0   A ===+=====o=====|===   A: (0,0)-(1,0)-(2,0)-(3,0); o = A's own vertex (2,0)
    //   y -1        B           C      B: (1,1)-(1,0)-(1,-1) shares (1,0) with A
    //                                  C: (2.5,1)-(2.5,-1) crosses A without a shared vertex
    const std::string path = write_lines(dir, "topology.geojson",
                                         {{{{0, 0}, {1, 0}, {2, 0}, {3, 0}}, "\"name\": \"A\""},
                                          {{{1, 1}, {1, 0}, {1, -1}}, "\"name\": \"B\""},
                                          {{{2.5, 1}, {2.5, -1}}, "\"name\": \"C\""}});
    const RoadNetwork net = read_road_lines(path, {}, to_eqc());
    CHECK(net.source == path);
    const std::vector<std::pair<long, long>> expected{{0, 0}, {10, -10}, {10, 0}, {10, 10}, {25, -10}, {25, 10}, {30, 0}};
    CHECK(node_steps(net) == expected);
    REQUIRE(net.edges.size() == 5);
    std::vector<std::pair<long, std::size_t>> lengths;  // (length in thousandths of a step, points)
    for (const auto& e : net.edges) {
        lengths.emplace_back(std::lround(e.length_m / step_m * 1000), e.geometry_m.size());
        CHECK(e.geometry_m.front() == net.nodes_m[e.from]);
        CHECK(e.geometry_m.back() == net.nodes_m[e.to]);
        // No field options: every profile both ways at its constant / default speed.
        CHECK(e.forward_kmh == std::array<float, profile_count>{4.5F, 2.7F, 15.0F, 30.0F});
        CHECK(e.backward_kmh == e.forward_kmh);
    }
    std::sort(lengths.begin(), lengths.end());
    const std::vector<std::pair<long, std::size_t>> expected_lengths{{1000, 2}, {1000, 2}, {1000, 2}, {2000, 2}, {2000, 3}};
    CHECK(lengths == expected_lengths);
    CHECK(component_count(net, Profile::walk) == 2);  // A+B, and C alone
}

TEST_CASE("Line snapping tolerance joins near-miss ends", "[network]") {
    const test::TempDir dir{"lines-snap"};
    // A: (0,0)-(1,0); B starts 0.00001 degree (1.113 m) east of A's end: (1.01,0)-(2,0) in steps.
    const std::string path =
        write_lines(dir, "near_miss.geojson", {{{{0, 0}, {1, 0}}, "\"n\": 1"}, {{{1.01, 0}, {2, 0}}, "\"n\": 2"}});
    LineNetworkOptions o;
    const RoadNetwork apart = read_road_lines(path, o, to_eqc());
    CHECK(apart.nodes_m.size() == 4);
    CHECK(component_count(apart, Profile::walk) == 2);

    o.snap_tolerance_m = 0.5;  // smaller than the 1.113 m gap: still apart
    CHECK(read_road_lines(path, o, to_eqc()).nodes_m.size() == 4);

    o.snap_tolerance_m = 2.0;
    const RoadNetwork joined = read_road_lines(path, o, to_eqc());
    CHECK(joined.nodes_m.size() == 3);
    REQUIRE(joined.edges.size() == 2);
    CHECK(component_count(joined, Profile::walk) == 1);
    // B now starts at A's end (the first point seen becomes the representative).
    CHECK(joined.edges[0].to == joined.edges[1].from);
    CHECK(joined.edges[1].length_m == Approx(step_m).epsilon(1e-9));
}

TEST_CASE("Line speed, class and oneway fields set drive and bike speeds", "[network]") {
    const test::TempDir dir{"lines-speed"};
    auto row = [](int y, const std::string& props) { return Line{{{0, y}, {1, y}}, props}; };
    const std::string path = write_lines(
        dir, "speeds.geojson",
        {row(1, R"("speed": 40, "cls": "residential", "ow": "yes", "walk": "yes", "bike": null)"),
         row(2, R"("speed": 60, "cls": "primary", "ow": "-1", "walk": null, "bike": null)"),
         row(3, R"("speed": null, "cls": "primary", "ow": "no", "walk": null, "bike": null)"),
         row(4, R"("speed": null, "cls": "unknown_class", "ow": null, "walk": null, "bike": null)"),
         row(5, R"("speed": 30, "cls": null, "ow": "T", "walk": null, "bike": null)"),
         row(6, R"("speed": 50, "cls": null, "ow": "reverse", "walk": null, "bike": null)"),
         row(7, R"("speed": 20, "cls": null, "ow": "0", "walk": "no", "bike": null)"),
         row(8, R"("speed": null, "cls": "footway", "ow": "", "walk": null, "bike": "false")"),
         row(9, R"("speed": 35.5, "cls": null, "ow": "1", "walk": "0", "bike": "no")")});
    LineNetworkOptions o;
    o.speed_field = "speed";
    o.class_field = "cls";
    o.oneway_field = "ow";
    o.walk_field = "walk";
    o.bike_field = "bike";
    const RoadNetwork net = read_road_lines(path, o, to_eqc());
    REQUIRE(net.edges.size() == 9);
    using A = std::array<float, profile_count>;  // walk, elderly, bike, drive
    struct Expect {
        int y;
        A forward;
        A backward;
    };
    const std::vector<Expect> expected{
        {1, {4.5F, 2.7F, 15.0F, 40.0F}, {4.5F, 2.7F, 0.0F, 0.0F}},    // speed 40, oneway yes
        {2, {4.5F, 2.7F, 0.0F, 0.0F}, {4.5F, 2.7F, 15.0F, 60.0F}},    // speed 60 beats class, oneway -1
        {3, {4.5F, 2.7F, 15.0F, 60.0F}, {4.5F, 2.7F, 15.0F, 60.0F}},  // null speed: class primary 60
        {4, {4.5F, 2.7F, 15.0F, 30.0F}, {4.5F, 2.7F, 15.0F, 30.0F}},  // unknown class: default 30
        {5, {4.5F, 2.7F, 15.0F, 30.0F}, {4.5F, 2.7F, 0.0F, 0.0F}},    // oneway T
        {6, {4.5F, 2.7F, 0.0F, 0.0F}, {4.5F, 2.7F, 15.0F, 50.0F}},    // oneway reverse
        {7, {0.0F, 0.0F, 15.0F, 20.0F}, {0.0F, 0.0F, 15.0F, 20.0F}},  // walk no, oneway 0
        {8, {4.5F, 2.7F, 0.0F, 0.0F}, {4.5F, 2.7F, 0.0F, 0.0F}},      // footway, bike false
        {9, {0.0F, 0.0F, 0.0F, 35.5F}, {0.0F, 0.0F, 0.0F, 0.0F}},     // walk 0, bike no, oneway 1
    };
    for (const auto& x : expected) {
        INFO("row y = " << x.y);
        const RoadEdge& e = edge_on_row(net, x.y);
        CHECK(e.forward_kmh == x.forward);
        CHECK(e.backward_kmh == x.backward);
        CHECK(e.length_m == Approx(step_m).epsilon(1e-9));
    }
}

TEST_CASE("Line layer errors name the file, layer, field and row", "[network]") {
    const test::TempDir dir{"lines-bad"};
    const std::string good = write_lines(dir, "roads.geojson",
                                         {{{{0, 0}, {1, 0}}, R"("speed": 40, "ow": "yes")"},
                                          {{{1, 0}, {2, 0}}, R"("speed": 30, "ow": "no")"}});
    LineNetworkOptions o;
    o.speed_field = "maxspeed_kmh";
    CHECK_THAT(error_of(good, o), Catch::Contains("roads.geojson") && Catch::Contains("'maxspeed_kmh'") &&
                                      Catch::Contains("not found"));
    o = {};
    o.oneway_field = "one_way";
    CHECK_THAT(error_of(good, o), Catch::Contains("roads.geojson") && Catch::Contains("'one_way'"));

    const std::string bad_speed = write_lines(dir, "bad_speed.geojson",
                                              {{{{0, 0}, {1, 0}}, R"("speed": "40")"},
                                               {{{1, 0}, {2, 0}}, R"("speed": "fast")"}});
    o = {};
    o.speed_field = "speed";
    const std::string msg = error_of(bad_speed, o);
    CHECK_THAT(msg, Catch::Contains("bad_speed.geojson") && Catch::Contains("layer") && Catch::Contains("row 2") &&
                        Catch::Contains("'speed'") && Catch::Contains("'fast'"));

    const std::string zero_speed = write_lines(dir, "zero_speed.geojson",
                                               {{{{0, 0}, {1, 0}}, R"("speed": 0)"}});
    CHECK_THAT(error_of(zero_speed, o), Catch::Contains("zero_speed.geojson") && Catch::Contains("row 1") &&
                                            Catch::Contains("1..200 km/h"));

    const std::string bad_oneway = write_lines(dir, "bad_oneway.geojson",
                                               {{{{0, 0}, {1, 0}}, R"("ow": "sometimes")"}});
    o = {};
    o.oneway_field = "ow";
    CHECK_THAT(error_of(bad_oneway, o), Catch::Contains("bad_oneway.geojson") && Catch::Contains("row 1") &&
                                            Catch::Contains("'sometimes'"));

    const std::string points = dir.file("points.geojson");
    std::ofstream{points} << R"({"type": "FeatureCollection", "features": [
{"type": "Feature", "properties": {"n": 1}, "geometry": {"type": "LineString", "coordinates": [[0, 0], [0.001, 0]]}},
{"type": "Feature", "properties": {"n": 2}, "geometry": {"type": "Point", "coordinates": [0.002, 0]}}]})";
    CHECK_THAT(error_of(points, {}), Catch::Contains("points.geojson") && Catch::Contains("row 2") &&
                                          Catch::Contains("point geometry"));
}
