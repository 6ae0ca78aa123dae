// Reading and writing large road networks: the streamed line-layer reading gives the network
// read_vector's reading gives, exact shared vertices found by sorting equal those of the grid
// index, and the rule that keeps a province's roads.geojson to its major roads.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

#include "../support/cli.hpp"
#include "../support/paths.hpp"
#include "kepu15/geo/crs.hpp"
#include "kepu15/network/line_reader.hpp"
#include "kepu15/report/roads_layer.hpp"

using namespace kepu15;
using network::RoadNetwork;

namespace {

// A seeded jittered grid of streets near Kunshan as RFC 7946 GeoJSON: each grid row and column is
// one line (rows as two-part MultiLineStrings), so lines meet at shared vertices; fields highway
// (text), maxspeed (real, some null), oneway (text, some "yes"/"-1").
std::string write_grid_layer(const test::TempDir& dir, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> jitter(-0.0002, 0.0002);
    constexpr int n = 12;
    std::vector<std::vector<std::pair<double, double>>> at(n, std::vector<std::pair<double, double>>(n));
    for (int r = 0; r < n; ++r) {
        for (int c = 0; c < n; ++c) at[r][c] = {120.95 + 0.001 * c + jitter(rng), 31.38 + 0.001 * r + jitter(rng)};
    }
    std::ostringstream out;
    out.precision(12);
    out << "{\"type\": \"FeatureCollection\", \"features\": [\n";
    const char* classes[] = {"residential", "primary", "footway", "tertiary"};
    for (int line = 0; line < 2 * n; ++line) {
        const bool row = line < n;
        const int i = line % n;
        std::ostringstream props;
        props << "\"highway\": \"" << classes[rng() % 4] << "\", \"maxspeed\": ";
        if (rng() % 3 == 0) {
            props << "null";
        } else {
            props << 20 + static_cast<int>(rng() % 60) << ".5";
        }
        const char* oneway[] = {"no", "yes", "-1", ""};
        props << ", \"oneway\": \"" << oneway[rng() % 4] << "\", \"unused\": \"x" << line << "\"";
        auto coords = [&](int from, int to) {
            std::ostringstream c;
            for (int k = from; k <= to; ++k) {
                const auto& p = row ? at[i][k] : at[k][i];
                c << (k > from ? ", " : "") << "[" << p.first << ", " << p.second << "]";
            }
            return c.str();
        };
        out << (line ? ",\n" : "") << "{\"type\": \"Feature\", \"properties\": {" << props.str() << "}, \"geometry\": ";
        if (row) {
            out << "{\"type\": \"MultiLineString\", \"coordinates\": [[" << coords(0, n / 2) << "], [" << coords(n / 2, n - 1)
                << "]]}}";
        } else {
            out << "{\"type\": \"LineString\", \"coordinates\": [" << coords(0, n - 1) << "]}}";
        }
    }
    out << "\n]}\n";
    const std::string path = dir.file("grid.geojson");
    std::ofstream{path} << out.str();
    return path;
}

network::LineNetworkOptions grid_options() {
    network::LineNetworkOptions o;
    o.speed_field = "maxspeed";
    o.class_field = "highway";
    o.oneway_field = "oneway";
    return o;
}

// Same topology, speeds and ids; coordinates within `tolerance_m`.
void require_same_network(const RoadNetwork& a, const RoadNetwork& b, double tolerance_m) {
    REQUIRE(a.nodes_m.size() == b.nodes_m.size());
    REQUIRE(a.edges.size() == b.edges.size());
    for (std::size_t i = 0; i < a.nodes_m.size(); ++i) {
        CAPTURE(i);
        REQUIRE(std::abs(a.nodes_m[i].x - b.nodes_m[i].x) <= tolerance_m);
        REQUIRE(std::abs(a.nodes_m[i].y - b.nodes_m[i].y) <= tolerance_m);
    }
    for (std::size_t e = 0; e < a.edges.size(); ++e) {
        CAPTURE(e);
        const auto& x = a.edges[e];
        const auto& y = b.edges[e];
        REQUIRE(x.from == y.from);
        REQUIRE(x.to == y.to);
        REQUIRE(x.source_id == y.source_id);
        REQUIRE(x.forward_kmh == y.forward_kmh);
        REQUIRE(x.backward_kmh == y.backward_kmh);
        REQUIRE(x.geometry_m.size() == y.geometry_m.size());
        REQUIRE(std::abs(x.length_m - y.length_m) <= 2 * tolerance_m * static_cast<double>(x.geometry_m.size()));
    }
}

}  // namespace

TEST_CASE("a streamed line layer gives the network read_vector's reading gives (GeoJSON, GeoPackage, FlatGeobuf)",
          "[scale]") {
    const test::TempDir dir("lines");
    const std::string geojson = write_grid_layer(dir, 20261201);
    const geo::Transformer to_working(geo::wgs84, "EPSG:4549");
    auto streamed = grid_options();
    auto reference = grid_options();
    reference.read.encoding = "UTF-8";  // a declared encoding takes the read_vector path
    const RoadNetwork a = network::read_road_lines(geojson, streamed, to_working);
    const RoadNetwork b = network::read_road_lines(geojson, reference, to_working);
    REQUIRE(a.nodes_m.size() == 144);  // 12 x 12 crossings (row parts meet at a shared vertex too)
    require_same_network(a, b, 0.0);   // both transform WGS84 -> working once: the same bits

    if (std::system("command -v ogr2ogr >/dev/null 2>&1") != 0) {
        WARN("ogr2ogr (Debian gdal-bin) not found: GeoPackage and FlatGeobuf not compared");
        return;
    }
    for (const char* format : {"GPKG", "FlatGeobuf"}) {
        CAPTURE(format);
        const std::string out = dir.file(std::string("grid.") + (std::string(format) == "GPKG" ? "gpkg" : "fgb"));
        const std::string cmd = "ogr2ogr -f " + std::string(format) + " -t_srs EPSG:4549 -nln roads " +
                                test::shell_quote(out) + " " + test::shell_quote(geojson);
        REQUIRE(std::system(cmd.c_str()) == 0);
        // In the working CRS already: the streamed reading keeps the coordinates, read_vector's goes
        // through WGS84 and back (a nanometre apart).
        require_same_network(network::read_road_lines(out, streamed, to_working),
                             network::read_road_lines(out, reference, to_working), 1e-6);
    }
}

TEST_CASE("exact shared vertices found by sorting equal those of the snapping grid index", "[scale]") {
    const test::TempDir dir("lines-exact");
    const std::string geojson = write_grid_layer(dir, 7);
    const geo::Transformer to_working(geo::wgs84, "EPSG:4549");
    auto exact = grid_options();
    auto near = grid_options();
    near.snap_tolerance_m = 1e-6;  // far below the ~100 m between distinct vertices
    require_same_network(network::read_road_lines(geojson, exact, to_working),
                         network::read_road_lines(geojson, near, to_working), 0.0);
}

TEST_CASE("roads.geojson keeps every road up to a million edges, the major roads only above", "[scale]") {
    using report::RoadClass;
    CHECK(report::road_class(50.0) == RoadClass::major);
    CHECK(report::road_class(49.9) == RoadClass::minor);
    CHECK(report::road_class(0.1) == RoadClass::minor);
    CHECK(report::road_class(0.0) == RoadClass::path);
    CHECK(report::road_class_name(RoadClass::minor) == "minor");
    CHECK(report::road_in_output(RoadClass::path, 1'000'000));
    CHECK(report::road_in_output(RoadClass::minor, 1'000'000));
    CHECK_FALSE(report::road_in_output(RoadClass::minor, 1'000'001));
    CHECK_FALSE(report::road_in_output(RoadClass::path, 8'004'000));
    CHECK(report::road_in_output(RoadClass::major, 8'004'000));
}
