#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "kepu15/error.hpp"
#include "kepu15/io/vector_writer.hpp"
#include "test_support_io.hpp"

using namespace kepu15;
using namespace kepu15::io;
using Catch::Matchers::Contains;
using kepu15::test::list_dir;
using kepu15::test::TempDir;

namespace {

const std::vector<FieldDef> fields{
    {"name", FieldType::string}, {"count", FieldType::integer}, {"share", FieldType::real}};

std::vector<std::vector<FieldValue>> rows() {
    return {
        {std::string("花桥镇 科普馆"), std::int64_t{120}, 0.125},
        {std::string("Zhoushi"), std::int64_t{-7}, std::monostate{}},
        {std::monostate{}, std::monostate{}, 123456.789},
    };
}

FeatureGeometry polygon_with_hole(double x0) {
    FeatureGeometry g;
    g.kind = GeometryKind::polygon;
    Polygon p = box_polygon(x0, 31.3, x0 + 0.01, 31.31);
    Ring hole = box_polygon(x0 + 0.002, 31.302, x0 + 0.004, 31.304).outer;
    std::reverse(hole.begin(), hole.end());
    p.holes.push_back(hole);
    g.polygons.push_back(p);
    return g;
}

std::vector<OutputFeature> polygon_features() {
    std::vector<OutputFeature> out;
    const auto r = rows();
    out.push_back({polygon_with_hole(120.9), r[0]});
    FeatureGeometry two;  // a multipolygon of two squares
    two.kind = GeometryKind::polygon;
    two.polygons = {box_polygon(121.0, 31.0, 121.001, 31.001),
                    box_polygon(121.1, 31.1, 121.1012345, 31.1012345)};
    out.push_back({two, r[1]});
    out.push_back({polygon_with_hole(120.95), r[2]});
    return out;
}

std::vector<OutputFeature> point_features() {
    std::vector<OutputFeature> out;
    const auto r = rows();
    for (std::size_t i = 0; i < r.size(); ++i) {
        FeatureGeometry g;
        g.kind = GeometryKind::point;
        g.points = {{120.9 + 0.0123456 * static_cast<double>(i), 31.38 - 0.001 * static_cast<double>(i)}};
        out.push_back({g, r[i]});
    }
    return out;
}

std::vector<OutputFeature> line_features() {
    std::vector<OutputFeature> out;
    const auto r = rows();
    for (std::size_t i = 0; i < r.size(); ++i) {
        FeatureGeometry g;
        g.kind = GeometryKind::line;
        const double d = 0.01 * static_cast<double>(i);
        g.lines = {{{120.9 + d, 31.3}, {120.91 + d, 31.31}, {120.92 + d, 31.305}}};
        if (i == 1) g.lines.push_back({{121.0, 31.0}, {121.001, 31.002}});
        out.push_back({g, r[i]});
    }
    return out;
}

// Compares a written-and-read layer with what was written, field by field and point by point.
void check_round_trip(const VectorLayer& got, const std::vector<OutputFeature>& want, double tol) {
    REQUIRE(got.fields.size() == fields.size());
    for (std::size_t j = 0; j < fields.size(); ++j) {
        CHECK(got.fields[j].name == fields[j].name);
        CHECK(got.fields[j].type == fields[j].type);
    }
    REQUIRE(got.features.size() == want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
        INFO("feature " << i);
        const Feature& f = got.features[i];
        for (std::size_t j = 0; j < fields.size(); ++j) {
            INFO("field " << fields[j].name);
            const FieldValue& w = want[i].values[j];
            if (std::holds_alternative<double>(w)) {
                REQUIRE(std::holds_alternative<double>(f.values[j]));
                CHECK(std::get<double>(f.values[j]) == Approx(std::get<double>(w)).epsilon(1e-12));
            } else {
                CHECK(f.values[j] == w);
            }
        }
        const FeatureGeometry& g = f.geometry;
        const FeatureGeometry& e = want[i].geometry;
        CHECK(g.kind == e.kind);
        REQUIRE(g.points.size() == e.points.size());
        for (std::size_t k = 0; k < e.points.size(); ++k) CHECK(test::near(g.points[k], e.points[k], tol));
        REQUIRE(g.lines.size() == e.lines.size());
        for (std::size_t k = 0; k < e.lines.size(); ++k) {
            REQUIRE(g.lines[k].size() == e.lines[k].size());
            for (std::size_t m = 0; m < e.lines[k].size(); ++m)
                CHECK(test::near(g.lines[k][m], e.lines[k][m], tol));
        }
        REQUIRE(g.polygons.size() == e.polygons.size());
        for (std::size_t k = 0; k < e.polygons.size(); ++k) {
            CHECK(test::same_ring(g.polygons[k].outer, e.polygons[k].outer, tol));
            REQUIRE(g.polygons[k].holes.size() == e.polygons[k].holes.size());
            for (std::size_t h = 0; h < e.polygons[k].holes.size(); ++h) {
                CHECK(test::same_ring(g.polygons[k].holes[h], e.polygons[k].holes[h], tol));
            }
        }
    }
}

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

TEST_CASE("Polygons, points and lines round-trip through GeoJSON, GeoPackage and Shapefile", "[io]") {
    struct Case {
        const char* ext;
        double tol;
    };
    // GeoJSON keeps 7 decimals (about 1 cm); the binary formats keep doubles.
    for (const Case c : {Case{".geojson", 0.6e-7}, Case{".gpkg", 1e-12}, Case{".shp", 1e-12}}) {
        for (const GeometryKind kind : {GeometryKind::polygon, GeometryKind::point, GeometryKind::line}) {
            INFO("format " << c.ext << ", kind " << static_cast<int>(kind));
            TempDir dir("io-roundtrip");
            const std::string path = dir.file(std::string("out") + c.ext);
            const auto features = kind == GeometryKind::polygon ? polygon_features()
                                  : kind == GeometryKind::point ? point_features()
                                                                : line_features();
            WriteOptions options;
            options.geometry_kind = kind;
            write_vector(path, fields, features, options);
            const VectorLayer got = read_vector(path);
            CHECK(got.layer_name == "out");
            check_round_trip(got, features, c.tol);
            // Only the output itself is left: no temporaries.
            for (const auto& name : list_dir(dir.path())) CHECK(name.rfind("out.", 0) == 0);
        }
    }
}

TEST_CASE("Shapefile output has a UTF-8 .cpg and all its sidecars", "[io]") {
    TempDir dir("io-shp");
    WriteOptions options;
    options.geometry_kind = GeometryKind::point;
    write_vector(dir.file("schools.shp"), fields, point_features(), options);
    CHECK(list_dir(dir.path()) == std::vector<std::string>{"schools.cpg", "schools.dbf", "schools.prj",
                                                           "schools.shp", "schools.shx"});
    CHECK(slurp(dir.file("schools.cpg")).rfind("UTF-8", 0) == 0);

    // Overwriting removes a stale spatial index of the previous file.
    std::ofstream(dir.file("schools.qix")) << "stale";
    write_vector(dir.file("schools.shp"), fields, point_features(), options);
    CHECK(list_dir(dir.path()).size() == 5);
}

TEST_CASE("CSV output carries points as X/Y columns and reads back", "[io]") {
    TempDir dir("io-csv");
    WriteOptions options;
    options.geometry_kind = GeometryKind::point;
    write_vector(dir.file("sites.csv"), fields, point_features(), options);
    const std::string csv = slurp(dir.file("sites.csv"));
    CHECK_THAT(csv, Contains("\xEF\xBB\xBFX,Y,name,count,share"));
    CHECK_THAT(csv, Contains("120.9,31.38,花桥镇 科普馆,120,0.125"));
    const VectorLayer back = read_vector(dir.file("sites.csv"));
    REQUIRE(back.features.size() == 3);
    CHECK(back.features[0].geometry.points[0] == Point{120.9, 31.38});
    CHECK(as_text(back.features[0].values[back.field_index("name")]) == "花桥镇 科普馆");
    CHECK(as_number(back.features[1].values[back.field_index("count")]) == -7.0);
}

TEST_CASE("GeoJSON output is RFC 7946 with the requested precision", "[io]") {
    TempDir dir("io-geojson");
    WriteOptions options;
    options.geometry_kind = GeometryKind::point;
    options.coordinate_precision = 3;
    write_vector(dir.file("p.geojson"), fields, point_features(), options);
    const std::string json = slurp(dir.file("p.geojson"));
    CHECK_THAT(json, Contains("[120.912,31.379]"));
    CHECK_THAT(json, !Contains("crs"));  // RFC 7946 has no crs member
}

TEST_CASE("A failing write leaves no file behind and names the path", "[io]") {
    TempDir dir("io-fail");
    SECTION("folder does not exist") {
        const std::string path = dir.file("missing/out.gpkg");
        CHECK_THROWS_MATCHES(write_vector(path, fields, polygon_features()), output_error,
                             test::What(Contains(path)));
        CHECK(list_dir(dir.path()).empty());
    }
    for (const char* ext : {".geojson", ".gpkg", ".shp"}) {
        SECTION(std::string("failure after the temporary file exists: ") + ext) {
            auto features = polygon_features();
            features[2].values.pop_back();  // wrong value count: detected while writing
            const std::string path = dir.file(std::string("out") + ext);
            CHECK_THROWS_MATCHES(write_vector(path, fields, features), output_error,
                                 test::What(Contains(path) && Contains("feature 2")));
            CHECK(list_dir(dir.path()).empty());
        }
    }
    SECTION("unsupported extension") {
        CHECK_THROWS_MATCHES(write_vector(dir.file("out.xyz"), fields, polygon_features()), output_error,
                             test::What(Contains("out.xyz") && Contains("unsupported")));
        CHECK(list_dir(dir.path()).empty());
    }
    SECTION("no overwrite keeps the existing file") {
        write_text_atomic(dir.file("out.geojson"), "old");
        WriteOptions options;
        options.overwrite = false;
        CHECK_THROWS_AS(write_vector(dir.file("out.geojson"), fields, polygon_features(), options),
                        output_error);
        CHECK(slurp(dir.file("out.geojson")) == "old");
        CHECK(list_dir(dir.path()) == std::vector<std::string>{"out.geojson"});
    }
}

TEST_CASE("write_text_atomic writes, replaces, and fails cleanly", "[io]") {
    TempDir dir("io-text");
    write_text_atomic(dir.file("summary.md"), "# 昆山\nfirst\n");
    CHECK(slurp(dir.file("summary.md")) == "# 昆山\nfirst\n");
    write_text_atomic(dir.file("summary.md"), "second");
    CHECK(slurp(dir.file("summary.md")) == "second");
    CHECK(list_dir(dir.path()) == std::vector<std::string>{"summary.md"});
    CHECK_THROWS_MATCHES(write_text_atomic(dir.file("no/such/summary.md"), "x"), output_error,
                         test::What(Contains("no/such/summary.md")));
    CHECK(list_dir(dir.path()) == std::vector<std::string>{"summary.md"});
}

TEST_CASE("StagedOutputs publishes all files on commit and nothing otherwise", "[io]") {
    TempDir dir("io-staged");
    const std::string out = dir.file("results");
    WriteOptions options;
    options.geometry_kind = GeometryKind::point;
    SECTION("without commit nothing is left") {
        {
            StagedOutputs staged(out);
            write_text_atomic(staged.staging_path("summary.md"), "partial");
            write_vector(staged.staging_path("cells.shp"), fields, point_features(), options);
            CHECK_FALSE(std::filesystem::exists(staged.final_path("summary.md")));
        }
        CHECK_FALSE(std::filesystem::exists(out));
        CHECK(list_dir(dir.path()) == std::vector<std::string>{".results.kepu15-lock"});
    }
    SECTION("with commit exactly the files appear, shapefile sidecars included") {
        {
            StagedOutputs staged(out);
            CHECK(staged.final_path("summary.md") == (std::filesystem::path(out) / "summary.md").string());
            write_text_atomic(staged.staging_path("summary.md"), "done");
            write_vector(staged.staging_path("cells.shp"), fields, point_features(), options);
            write_text_atomic(staged.staging_path("maps/legend.txt"), "legend");
            // Before commit the folder does not exist; the staging folder is beside it.
            CHECK_FALSE(std::filesystem::exists(out));
            staged.commit();
        }
        CHECK(list_dir(out) == std::vector<std::string>{".kepu15-manifest.json", "cells.cpg", "cells.dbf", "cells.prj",
                                                        "cells.shp", "cells.shx", "maps", "summary.md"});
        CHECK(slurp((std::filesystem::path(out) / "summary.md").string()) == "done");
        CHECK(slurp((std::filesystem::path(out) / "maps" / "legend.txt").string()) == "legend");
        CHECK(read_vector((std::filesystem::path(out) / "cells.shp").string()).features.size() == 3);
    }
}

TEST_CASE("A PostGIS output that cannot connect is an output_error without the password", "[io]") {
    WriteOptions options;
    options.geometry_kind = GeometryKind::point;
    CHECK_THROWS_MATCHES(
        write_vector("PG:dbname=kepu15_absent host=/nonexistent password=s3cret", fields, point_features(),
                     options),
        output_error,
        test::What(Contains("dbname=kepu15_absent") && Contains("password=***") && !Contains("s3cret")));
    options.layer_name.clear();
    CHECK_THROWS_MATCHES(write_vector("PG:dbname=kepu15_absent", fields, point_features(), options),
                         output_error, test::What(Contains("needs a layer")));
}
