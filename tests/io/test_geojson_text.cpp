#include "kepu15/io/detail/geojson_text.hpp"
#include "kepu15/io/vector_reader.hpp"

#include "test_support_io.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <bit>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <vector>

using namespace kepu15;
using namespace kepu15::io;

namespace {
OutputFeature polygon_feature(Polygon p, std::vector<FieldValue> values) {
    OutputFeature f;
    f.geometry.kind = GeometryKind::polygon;
    f.geometry.polygons.push_back(std::move(p));
    f.values = std::move(values);
    return f;
}
}  // namespace

TEST_CASE("GeoJSON text follows RFC 7946: CCW exterior, CW holes, closed rings, no crs", "[io]") {
    // Exterior given clockwise, hole given counter-clockwise: both must be flipped.
    Polygon p;
    p.outer = {{0, 0}, {0, 1}, {1, 1}, {1, 0}, {0, 0}};
    p.holes = {{{0.2, 0.2}, {0.8, 0.2}, {0.8, 0.8}, {0.2, 0.8}}};  // open ring: must be closed on output
    const std::vector<FieldDef> fields{{"name", FieldType::string}, {"n", FieldType::integer}, {"x", FieldType::real}};
    std::string text;
    detail::append_geojson_header(text, "layer \"q\"");
    detail::append_geojson_feature(text, fields, polygon_feature(p, {std::string("a\"b\\c\n"), std::int64_t{-3}, NAN}),
                                   7, true);
    detail::append_geojson_footer(text);
    const auto j = nlohmann::json::parse(text);
    REQUIRE(j["type"] == "FeatureCollection");
    REQUIRE(j["name"] == "layer \"q\"");
    REQUIRE_FALSE(j.contains("crs"));
    const auto& f = j["features"][0];
    REQUIRE(f["properties"]["name"] == "a\"b\\c\n");
    REQUIRE(f["properties"]["n"] == -3);
    REQUIRE(f["properties"]["x"].is_null());
    const auto& rings = f["geometry"]["coordinates"];
    REQUIRE(f["geometry"]["type"] == "Polygon");
    const auto ring_area = [](const nlohmann::json& r) {
        double a = 0;
        for (std::size_t i = 0; i + 1 < r.size(); ++i) {
            a += r[i][0].get<double>() * r[i + 1][1].get<double>() - r[i + 1][0].get<double>() * r[i][1].get<double>();
        }
        return a / 2;
    };
    REQUIRE(ring_area(rings[0]) == Approx(1.0));    // counter-clockwise
    REQUIRE(ring_area(rings[1]) == Approx(-0.36));  // clockwise
    REQUIRE(rings[1].size() == 5);
    REQUIRE(rings[1][0] == rings[1][4]);
}

TEST_CASE("GeoJSON coordinates are rounded to the precision without trailing zeros", "[io]") {
    OutputFeature f;
    f.geometry.kind = GeometryKind::point;
    f.geometry.points = {{120.95400004, -0.00000001}};
    std::string text;
    detail::append_geojson_feature(text, {}, f, 7, true);
    REQUIRE(text == "{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"Point\",\"coordinates\":[120.954,0]}}");
}

TEST_CASE("written GeoJSON with many parts and holes reads back through GDAL unchanged", "[io]") {
    kepu15::test::TempDir dir("geojson-text");
    Polygon a = box_polygon(121.0, 31.0, 121.1, 31.1);
    a.holes.push_back({{121.02, 31.02}, {121.02, 31.04}, {121.04, 31.04}, {121.04, 31.02}, {121.02, 31.02}});
    OutputFeature multi;
    multi.geometry.kind = GeometryKind::polygon;
    multi.geometry.polygons = {a, box_polygon(121.2, 31.0, 121.3, 31.1)};
    multi.values = {std::string("两部分"), 2.5};
    WriteOptions opt;
    opt.geometry_kind = GeometryKind::polygon;
    write_vector(dir.file("m.geojson"), {{"name", FieldType::string}, {"v", FieldType::real}}, {multi}, opt);
    const auto back = read_vector(dir.file("m.geojson"));
    REQUIRE(back.features.size() == 1);
    const auto& g = back.features[0].geometry;
    REQUIRE(g.polygons.size() == 2);
    REQUIRE(g.polygons[0].holes.size() == 1);
    REQUIRE(area(g.polygons) == Approx(0.01 - 0.0004 + 0.01).epsilon(1e-9));
    REQUIRE(as_text(back.features[0].values[0]) == "两部分");
    REQUIRE(*as_number(back.features[0].values[1]) == 2.5);
}

TEST_CASE("Coordinates are written as std::to_chars writes them in fixed notation, trailing zeros dropped",
          "[io]") {
    // The oracle: to_chars (correctly rounded, ties to even), then the same trimming.
    const auto expected = [](double v, int precision) {
        char buf[400];
        char* end = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, precision).ptr;
        if (precision > 0) {
            while (end > buf && end[-1] == '0') --end;
            if (end > buf && end[-1] == '.') --end;
        }
        std::string s(buf, end);
        return s == "-0" ? std::string("0") : s;
    };
    std::vector<double> values{0.0, -0.0, 1.0, -1.0, 0.5, 2.5, -2.5, 120.954, 31.25, 1e-8, -1e-8, 4e-8, -6e-8,
                               5e-8, 0.00000005, 120.00000005, 120.00000015, 1e15, 4e15, 9.5e15, 1e300, -1e300,
                               std::numeric_limits<double>::denorm_min(), std::numeric_limits<double>::infinity(),
                               -std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN()};
    std::mt19937_64 rng{20261201};
    std::uniform_real_distribution<double> lon{-180.0, 180.0};
    std::uniform_real_distribution<double> metres{-1e7, 1e7};
    std::uniform_int_distribution<std::int64_t> steps{-1'800'000'000, 1'800'000'000};
    for (int i = 0; i < 40'000; ++i) {
        values.push_back(lon(rng));
        values.push_back(metres(rng));
        // Near half-way points of 7 decimals: k / 1e7 + 0.5e-7, and its neighbours.
        const double tie = (static_cast<double>(steps(rng)) + 0.5) / 1e7;
        values.push_back(tie);
        values.push_back(std::nextafter(tie, 1e9));
        values.push_back(std::nextafter(tie, -1e9));
        values.push_back(std::bit_cast<double>(rng()));  // any bit pattern
    }
    std::size_t mismatches = 0;
    for (const int precision : {0, 1, 3, 6, 7, 9, 12}) {
        for (const double v : values) {
            std::string got;
            io::detail::append_coordinate(got, v, precision);
            if (got != expected(v, precision)) {
                ++mismatches;
                if (mismatches < 5) FAIL_CHECK(std::hexfloat << v << " precision " << precision << ": " << got);
            }
        }
    }
    CHECK(mismatches == 0);
}
