#include <catch2/catch.hpp>
#include <mutex>
#include <thread>

#include "kepu15/error.hpp"
#include "kepu15/geo/chinese_datum.hpp"
#include "kepu15/geo/crs.hpp"
#include "kepu15/io/vector_reader.hpp"
#include "test_support_io.hpp"

using namespace kepu15;
using namespace kepu15::io;
using Catch::Matchers::Contains;
using kepu15::test::io_fixture;

namespace {
std::string text(const FieldValue& v) { return std::get<std::string>(v); }
}  // namespace

TEST_CASE("GeoJSON WGS84 points are read with their attribute types and values", "[io]") {
    const VectorLayer layer = read_vector(io_fixture("points_wgs84.geojson"));
    CHECK(layer.layer_name == "points_wgs84");
    CHECK(layer.source_crs == "EPSG:4326");
    REQUIRE(layer.fields.size() == 3);
    CHECK(layer.fields[0].name == "name");
    CHECK(layer.fields[0].type == FieldType::string);
    CHECK(layer.fields[1].name == "visitors");
    CHECK(layer.fields[1].type == FieldType::integer);
    CHECK(layer.fields[2].name == "rating");
    CHECK(layer.fields[2].type == FieldType::real);
    REQUIRE(layer.features.size() == 3);

    const Feature& a = layer.features[0];
    CHECK(a.fid == 0);
    CHECK(text(a.values[0]) == "昆山市科技馆");
    CHECK(std::get<std::int64_t>(a.values[1]) == 1200);
    CHECK(std::get<double>(a.values[2]) == 4.5);
    CHECK(a.geometry.kind == GeometryKind::point);
    REQUIRE(a.geometry.points.size() == 1);
    CHECK(a.geometry.points[0] == Point{120.9581, 31.3846});

    CHECK(text(layer.features[1].values[0]) == "Kunshan Library");
    CHECK(std::holds_alternative<std::monostate>(layer.features[1].values[2]));
    CHECK(std::holds_alternative<std::monostate>(layer.features[2].values[1]));
    CHECK(std::get<double>(layer.features[2].values[2]) == 3.25);
    CHECK(layer.features[2].geometry.points[0] == Point{120.8493, 31.1171});
}

TEST_CASE("GeoPackage polygons in EPSG:4490 keep their hole and coordinates", "[io]") {
    CHECK(list_layers(io_fixture("parks_epsg4490.gpkg")) == std::vector<std::string>{"parks"});
    ReadOptions options;
    options.layer = "parks";
    const VectorLayer layer = read_vector(io_fixture("parks_epsg4490.gpkg"), options);
    CHECK(layer.source_crs == "EPSG:4490");
    REQUIRE(layer.features.size() == 2);
    CHECK(layer.features[0].fid == 1);
    CHECK(text(layer.features[0].values[layer.field_index("name")]) == "亭林园");
    CHECK(std::get<double>(layer.features[1].values[layer.field_index("area_ha")]) == 40.0);

    const FeatureGeometry& forest = layer.features[1].geometry;
    CHECK(forest.kind == GeometryKind::polygon);
    REQUIRE(forest.polygons.size() == 1);
    REQUIRE(forest.polygons[0].holes.size() == 1);
    // CGCS2000 and WGS84 agree to centimetres; PROJ maps one onto the other without a shift.
    const Ring expected_outer{{121.0, 31.3}, {121.02, 31.3}, {121.02, 31.32}, {121.0, 31.32}, {121.0, 31.3}};
    const Ring expected_hole{
        {121.005, 31.305}, {121.005, 31.31}, {121.01, 31.31}, {121.01, 31.305}, {121.005, 31.305}};
    CHECK(test::same_ring(forest.polygons[0].outer, expected_outer, 1e-9));
    CHECK(test::same_ring(forest.polygons[0].holes[0], expected_hole, 1e-9));
    CHECK(area(forest.polygons) == Approx(0.02 * 0.02 - 0.005 * 0.005).epsilon(1e-9));
}

TEST_CASE("Shapefile GBK attributes read back exactly, via .cpg or an explicit encoding", "[io]") {
    const VectorLayer with_cpg = read_vector(io_fixture("schools_gbk.shp"));
    REQUIRE(with_cpg.features.size() == 2);
    const std::size_t name = with_cpg.field_index("name");
    const std::size_t students = with_cpg.field_index("students");
    CHECK(text(with_cpg.features[0].values[name]) == "昆山市第一中学");
    CHECK(text(with_cpg.features[1].values[name]) == "玉山镇中心小学");
    CHECK(std::get<std::int64_t>(with_cpg.features[0].values[students]) == 1850);
    CHECK(with_cpg.features[1].geometry.points[0] == Point{120.9751, 31.3912});

    ReadOptions gbk;
    gbk.encoding = "GBK";
    const VectorLayer no_cpg = read_vector(io_fixture("schools_gbk_nocpg.shp"), gbk);
    REQUIRE(no_cpg.features.size() == 2);
    CHECK(text(no_cpg.features[0].values[name]) == "昆山市第一中学");
    CHECK(text(no_cpg.features[1].values[name]) == "玉山镇中心小学");

    // Without the encoding the text is not UTF-8; it is decoded as GB18030 with a warning (issue 9).
    const VectorLayer guessed = read_vector(io_fixture("schools_gbk_nocpg.shp"));
    CHECK(text(guessed.features[0].values[name]) == "昆山市第一中学");
}

TEST_CASE("CSV with 经度/纬度 in GCJ-02 is converted to WGS84 and drops the coordinate columns", "[io]") {
    ReadOptions options;
    options.crs = "GCJ-02";
    const VectorLayer layer = read_vector(io_fixture("pois_gcj02_jingwei.csv"), options);
    CHECK(layer.source_crs == "GCJ-02");
    REQUIRE(layer.fields.size() == 2);
    CHECK(layer.fields[0].name == "名称");
    CHECK(layer.fields[1].name == "类别");
    CHECK(layer.find_field("经度") == -1);
    REQUIRE(layer.features.size() == 2);
    CHECK(layer.features[0].fid == 1);
    CHECK(layer.features[1].fid == 2);
    CHECK(text(layer.features[0].values[0]) == "昆山市科技馆");
    const Point want0 = geo::gcj02_to_wgs84({120.962616, 31.382493});
    const Point want1 = geo::gcj02_to_wgs84({120.965725, 31.377012});
    CHECK(test::near(layer.features[0].geometry.points[0], want0, 1e-9));
    CHECK(test::near(layer.features[1].geometry.points[0], want1, 1e-9));
    // The GCJ-02 offset near Kunshan is a few hundred metres, so the conversion did happen.
    CHECK(distance(layer.features[0].geometry.points[0], Point{120.962616, 31.382493}) > 0.002);

    // Without a CRS, CSV lon/lat is taken as WGS84.
    const VectorLayer raw = read_vector(io_fixture("pois_gcj02_jingwei.csv"));
    CHECK(raw.source_crs == "EPSG:4326");
    CHECK(raw.features[0].geometry.points[0] == Point{120.962616, 31.382493});
}

TEST_CASE("CSV with lng/lat is detected, and x_field/y_field name the columns", "[io]") {
    const VectorLayer layer = read_vector(io_fixture("pois_lnglat.csv"));
    REQUIRE(layer.fields.size() == 2);
    CHECK(layer.fields[0].name == "name");
    CHECK(layer.fields[1].name == "visitors");
    REQUIRE(layer.features.size() == 2);
    CHECK(layer.features[0].geometry.points[0] == Point{120.95, 31.38});
    CHECK(layer.features[1].geometry.points[0] == Point{121.0, 31.4});
    CHECK(as_number(layer.features[0].values[1]) == 150.0);
    CHECK_FALSE(as_number(layer.features[1].values[1]).has_value());

    ReadOptions named;
    named.x_field = "lng";
    named.y_field = "lat";
    const VectorLayer again = read_vector(io_fixture("pois_lnglat.csv"), named);
    CHECK(again.features[1].geometry.points[0] == Point{121.0, 31.4});

    ReadOptions wrong;
    wrong.x_field = "east";
    wrong.y_field = "north";
    CHECK_THROWS_MATCHES(read_vector(io_fixture("pois_lnglat.csv"), wrong), input_error,
                         test::What(Contains("pois_lnglat.csv") &&
                                    Contains("no longitude/latitude columns") && Contains("lng")));
}

TEST_CASE("A layer without CRS is a crs_error unless a CRS is given", "[io]") {
    CHECK_THROWS_MATCHES(read_vector(io_fixture("points_no_crs.shp")), crs_error,
                         test::What(Contains("points_no_crs.shp") && Contains("no CRS")));
    ReadOptions options;
    options.crs = "EPSG:4549";
    const VectorLayer layer = read_vector(io_fixture("points_no_crs.shp"), options);
    CHECK(layer.source_crs == "EPSG:4549");
    const Point p = layer.features[0].geometry.points[0];
    const Point want = geo::Transformer("EPSG:4549", geo::wgs84).forward({500100.0, 3474900.0});
    CHECK(test::near(p, want, 1e-12));
    // 100 m east of the 120°E central meridian, near Kunshan's latitude.
    CHECK(p.x == Approx(120.00105).margin(1e-4));
    CHECK(p.y == Approx(31.40).margin(0.01));
}

TEST_CASE("Reader errors name the file, layer, field and row", "[io]") {
    SECTION("missing file") {
        CHECK_THROWS_MATCHES(read_vector(io_fixture("does_not_exist.geojson")), input_error,
                             test::What(Contains("does_not_exist.geojson") && Contains("not found")));
    }
    SECTION("missing layer lists the layers") {
        ReadOptions options;
        options.layer = "lakes";
        CHECK_THROWS_MATCHES(
            read_vector(io_fixture("parks_epsg4490.gpkg"), options), input_error,
            test::What(Contains("parks_epsg4490.gpkg") && Contains("'lakes'") && Contains("layers: parks")));
    }
    SECTION("missing field lists the fields") {
        const VectorLayer layer = read_vector(io_fixture("points_wgs84.geojson"));
        CHECK(layer.find_field("population") == -1);
        CHECK(layer.find_field("visitors") == 1);
        CHECK_THROWS_MATCHES(
            layer.field_index("population"), input_error,
            test::What(Contains("points_wgs84.geojson, layer points_wgs84") && Contains("'population'") &&
                       Contains("(fields: name, visitors, rating)")));
    }
    SECTION("empty layer, unless allowed") {
        CHECK_THROWS_MATCHES(read_vector(io_fixture("empty_layer.geojson")), input_error,
                             test::What(Contains("empty_layer.geojson") && Contains("no features")));
        ReadOptions options;
        options.allow_empty = true;
        CHECK(read_vector(io_fixture("empty_layer.geojson"), options).features.empty());
    }
    SECTION("NaN coordinate names the CSV row") {
        CHECK_THROWS_MATCHES(
            read_vector(io_fixture("nan_coordinate.csv")), input_error,
            test::What(Contains("nan_coordinate.csv") && Contains("row 2") && Contains("not a number")));
    }
    SECTION("infinite coordinate names the CSV row") {
        CHECK_THROWS_MATCHES(
            read_vector(io_fixture("infinite_coordinate.csv")), input_error,
            test::What(Contains("infinite_coordinate.csv") && Contains("row 3") && Contains("infinite")));
    }
    SECTION("null geometry names the feature") {
        CHECK_THROWS_MATCHES(read_vector(io_fixture("null_geometry.geojson")), input_error,
                             test::What(Contains("null_geometry.geojson") && Contains("feature 1") &&
                                        Contains("no geometry")));
    }
    SECTION("unknown CRS override") {
        ReadOptions options;
        options.crs = "EPSG:999999";
        CHECK_THROWS_AS(read_vector(io_fixture("pois_lnglat.csv"), options), crs_error);
    }
}

TEST_CASE("A bow-tie polygon is repaired with a warning naming file, layer, feature and reason", "[io]") {
    test::WarningCapture capture;
    const VectorLayer layer = read_vector(io_fixture("bowtie_polygon.geojson"));
    REQUIRE(layer.features.size() == 2);
    REQUIRE(test::captured_warnings().size() == 1);
    const std::string& w = test::captured_warnings()[0];
    CHECK_THAT(w, Contains("bowtie_polygon.geojson, layer bowtie_polygon, feature 1") &&
                      Contains("Self-intersection"));
    // The valid square is untouched; the bow-tie becomes its two triangles of area 1.
    CHECK(layer.features[0].geometry.polygons.size() == 1);
    CHECK(area(layer.features[0].geometry.polygons) == Approx(1.0));
    const MultiPolygon& repaired = layer.features[1].geometry.polygons;
    CHECK(repaired.size() == 2);
    CHECK(area(repaired) == Approx(2.0));
}

TEST_CASE("Kunshan boundary from DataV in GCJ-02 matches its WGS84 version", "[io][shared]") {
    if (!test::have_shared_raw()) {
        WARN("skipped: ../shared/geodata-raw is absent");
        return;
    }
    const auto dir = test::shared_raw_dir() / "kunshan-boundary-datav";
    ReadOptions gcj;
    gcj.crs = "GCJ-02";
    const VectorLayer from_gcj = read_vector((dir / "kunshan_320583_gcj02.geojson").string(), gcj);
    const VectorLayer wgs = read_vector((dir / "kunshan_320583_wgs84.geojson").string());
    REQUIRE(from_gcj.features.size() == 1);
    REQUIRE(wgs.features.size() == 1);
    const Box a = bounds(from_gcj.features[0].geometry.polygons);
    const Box b = bounds(wgs.features[0].geometry.polygons);
    CHECK(a.min_x == Approx(b.min_x).margin(2e-5));
    CHECK(a.max_x == Approx(b.max_x).margin(2e-5));
    CHECK(a.min_y == Approx(b.min_y).margin(2e-5));
    CHECK(a.max_y == Approx(b.max_y).margin(2e-5));
    CHECK(a.min_x == Approx(120.8033).margin(1e-3));
}

TEST_CASE("Two threads read different files at the same time", "[io]") {
    // GDAL's error handlers are per thread and each read has its own dataset and transformer.
    std::vector<std::string> failures;
    std::mutex m;
    auto worker = [&](const std::string& file, const std::string& crs, std::size_t want) {
        for (int i = 0; i < 15; ++i) {
            try {
                ReadOptions options;
                options.crs = crs;
                if (read_vector(io_fixture(file), options).features.size() != want)
                    throw std::runtime_error("count");
                // An error inside the loop must not leak into the other thread.
                (void)read_vector(io_fixture("null_geometry.geojson"));
            } catch (const input_error& e) {
                if (std::string(e.what()).find("null_geometry.geojson, layer null_geometry, feature 1") ==
                    std::string::npos) {
                    std::lock_guard lock(m);
                    failures.push_back(e.what());
                }
            } catch (const std::exception& e) {
                std::lock_guard lock(m);
                failures.push_back(file + ": " + e.what());
            }
        }
    };
    std::thread a(worker, "parks_epsg4490.gpkg", "", 2);
    std::thread b(worker, "pois_gcj02_jingwei.csv", "GCJ-02", 2);
    a.join();
    b.join();
    CHECK(failures.empty());
}

TEST_CASE("An attribute filter keeps the matching features and names a bad or empty filter", "[io]") {
    ReadOptions options;
    options.attribute_filter = "visitors >= 1000";
    const VectorLayer layer = read_vector(io_fixture("points_wgs84.geojson"), options);
    REQUIRE(layer.features.size() == 1);
    CHECK(layer.features[0].fid == 0);
    CHECK(text(layer.features[0].values[0]) == "昆山市科技馆");

    options.attribute_filter = "name = '周庄博物馆' OR rating IS NULL";
    const VectorLayer two = read_vector(io_fixture("points_wgs84.geojson"), options);
    REQUIRE(two.features.size() == 2);
    CHECK(two.features[0].fid == 1);
    CHECK(two.features[1].fid == 2);

    options.attribute_filter = "visitors > 1000000";
    CHECK_THROWS_MATCHES(
        read_vector(io_fixture("points_wgs84.geojson"), options), input_error,
        test::What(Contains("points_wgs84.geojson") && Contains("no features match the filter")));
    options.attribute_filter = "no_such_column = 1";
    CHECK_THROWS_MATCHES(read_vector(io_fixture("points_wgs84.geojson"), options), input_error,
                         test::What(Contains("points_wgs84.geojson, layer points_wgs84") &&
                                    Contains("bad attribute filter 'no_such_column = 1'")));
}
