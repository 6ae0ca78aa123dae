// Every file sink read back with GDAL: counts, field types, Chinese text, SRS, output CRS.
#include "export_fixtures.hpp"
#include "kepu15/error.hpp"
#include "kepu15/geo/crs.hpp"
#include "kepu15/io/detail/layer_writer.hpp"
#include "kepu15/io/sink.hpp"
#include "kepu15/io/vector_reader.hpp"

#include <filesystem>

using namespace kepu15;
using namespace kepu15::test;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> names_in(const fs::path& dir) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

void write_all(const std::string& target, const io::SinkOptions& options) {
    auto sink = io::open_sink(target, options);
    sink->add_layer(places_layer());
    sink->add_layer(areas_layer());
    sink->add_layer(towns_table());
    sink->add_file("summary.json", "{\"region\": \"昆山\"}\n");
    std::ofstream(sink->file_path("cells.tif"), std::ios::binary) << "TIFF bytes";
    sink->commit();
}

// The places layer as read back by kepu15's own reader (WGS84), compared with what was written.
// Features are matched by position (FlatGeobuf orders them along its spatial index).
void check_places(const io::VectorLayer& got, const std::vector<std::string>& names, double tol) {
    const io::Layer want = places_layer();
    REQUIRE(got.features.size() == want.features.size());
    for (std::size_t i = 0; i < want.features.size(); ++i) {
        INFO("feature " << i);
        const Point wp = want.features[i].geometry.points[0];
        const auto match = std::find_if(got.features.begin(), got.features.end(), [&](const io::Feature& f) {
            return !f.geometry.points.empty() && std::abs(f.geometry.points[0].x - wp.x) < 1e-4 &&
                   std::abs(f.geometry.points[0].y - wp.y) < 1e-4;
        });
        REQUIRE(match != got.features.end());
        const auto& g = *match;
        REQUIRE(g.geometry.points.size() == 1);
        CHECK(g.geometry.points[0].x == Approx(want.features[i].geometry.points[0].x).margin(tol));
        CHECK(g.geometry.points[0].y == Approx(want.features[i].geometry.points[0].y).margin(tol));
        for (std::size_t j = 0; j < want.fields.size(); ++j) {
            INFO("field " << names[j]);
            const auto& w = want.features[i].values[j];
            const auto& v = g.values[got.field_index(names[j])];
            if (std::holds_alternative<double>(w)) {
                REQUIRE(io::as_number(v).has_value());
                CHECK(*io::as_number(v) == Approx(std::get<double>(w)));
            } else if (std::holds_alternative<std::int64_t>(w)) {
                CHECK(io::as_number(v) == static_cast<double>(std::get<std::int64_t>(w)));
            } else {
                CHECK(io::as_text(v) == io::as_text(w));
            }
        }
    }
}

std::vector<std::string> original_names() {
    std::vector<std::string> out;
    for (const auto& f : places_layer().fields) out.push_back(f.name);
    return out;
}

}  // namespace

TEST_CASE("One GeoPackage holds every layer, attribute tables and raw files, written all at once", "[export]") {
    TempDir dir("export-gpkg");
    const std::string path = dir.file("results.gpkg");
    write_all(path, {});
    CHECK(names_in(dir.path()) == std::vector<std::string>{"results.gpkg"});  // no temporary left
    auto ds = open_vector(path);
    REQUIRE(ds);
    CHECK(ds->GetLayerCount() == 4);
    OGRLayer* places = ds->GetLayerByName("places");
    REQUIRE(places != nullptr);
    CHECK(places->GetFeatureCount() == 3);
    CHECK(epsg_of(places) == 4326);
    CHECK(wkbFlatten(places->GetGeomType()) == wkbPoint);
    OGRFeatureDefn* defn = places->GetLayerDefn();
    CHECK(defn->GetFieldDefn(defn->GetFieldIndex("population"))->GetType() == OFTInteger64);
    CHECK(defn->GetFieldDefn(defn->GetFieldIndex("share"))->GetType() == OFTReal);
    CHECK(defn->GetFieldIndex("科普站步行覆盖率") >= 0);
    OGRLayer* areas = ds->GetLayerByName("areas");
    REQUIRE(areas != nullptr);
    CHECK(wkbFlatten(areas->GetGeomType()) == wkbMultiPolygon);
    OGRLayer* towns = ds->GetLayerByName("towns");
    REQUIRE(towns != nullptr);
    CHECK(towns->GetGeomType() == wkbNone);
    CHECK(towns->GetFeatureCount() == 2);
    OGRLayer* files = ds->GetLayerByName("kepu15_files");
    REQUIRE(files != nullptr);
    std::map<std::string, std::string> stored;
    for (auto& f : *files) {
        int n = 0;
        const GByte* bytes = f->GetFieldAsBinary(1, &n);
        stored[f->GetFieldAsString(0)] = std::string(reinterpret_cast<const char*>(bytes), static_cast<std::size_t>(n));
    }
    CHECK(stored == std::map<std::string, std::string>{{"cells.tif", "TIFF bytes"},
                                                       {"summary.json", "{\"region\": \"昆山\"}\n"}});
    ds.reset();
    io::ReadOptions ro;
    ro.layer = "places";
    check_places(io::read_vector(path, ro), original_names(), 1e-12);
}

TEST_CASE("A GeoPackage sink that is not committed leaves nothing, and the old file stays", "[export]") {
    TempDir dir("export-gpkg-abort");
    const std::string path = dir.file("results.gpkg");
    {
        auto sink = io::open_sink(path, {});
        sink->add_layer(places_layer());
        auto bad = areas_layer();
        bad.features[1].values.pop_back();
        CHECK_THROWS_AS(sink->add_layer(bad), output_error);
    }
    CHECK(names_in(dir.path()).empty());
    write_all(path, {});
    const auto size = fs::file_size(path);
    {
        auto sink = io::open_sink(path, {});
        sink->add_layer(towns_table());
    }
    CHECK(fs::file_size(path) == size);
    CHECK(names_in(dir.path()) == std::vector<std::string>{"results.gpkg"});
}

TEST_CASE("coverage --layer adds to an existing GeoPackage and replaces a layer only with --overwrite", "[export]") {
    TempDir dir("export-gpkg-layer");
    const std::string path = dir.file("work.gpkg");
    write_all(path, {});
    io::SinkOptions opt;
    opt.keep_other_layers = true;
    {
        auto sink = io::open_sink(path, opt);
        auto l = towns_table();
        l.name = "coverage_2026";
        sink->add_layer(l);
        sink->commit();
    }
    {
        auto sink = io::open_sink(path, opt);
        CHECK_THROWS_WITH(sink->add_layer(towns_table()),
                          Catch::Matchers::Contains("layer 'towns' exists") && Catch::Matchers::Contains("--overwrite"));
    }
    opt.overwrite = true;
    {
        auto sink = io::open_sink(path, opt);
        auto l = towns_table();
        l.features.pop_back();
        sink->add_layer(l);
        sink->commit();
    }
    auto ds = open_vector(path);
    CHECK(ds->GetLayerCount() == 5);
    CHECK(ds->GetLayerByName("coverage_2026")->GetFeatureCount() == 2);
    CHECK(ds->GetLayerByName("towns")->GetFeatureCount() == 1);
    CHECK(ds->GetLayerByName("places")->GetFeatureCount() == 3);
}

TEST_CASE("Output CRS: CGCS2000, a projected CRS and GCJ-02 carry the right coordinates and SRS", "[export]") {
    TempDir dir("export-crs");
    const io::Layer places = places_layer();
    SECTION("CGCS2000 in a GeoPackage") {
        io::SinkOptions opt;
        opt.output_crs = "CGCS2000";
        write_all(dir.file("cgcs.gpkg"), opt);
        auto ds = open_vector(dir.file("cgcs.gpkg"));
        CHECK(epsg_of(ds->GetLayerByName("places")) == 4490);
        CHECK(epsg_of(ds->GetLayerByName("areas")) == 4490);
    }
    SECTION("CGCS2000 3-degree Gauss-Kruger (EPSG:4549) in a Shapefile folder") {
        io::SinkOptions opt;
        opt.output_crs = "EPSG:4549";
        opt.format = "shapefile";
        write_all(dir.file("shp"), opt);
        auto ds = open_vector(dir.file("shp/places.shp"));
        OGRLayer* layer = ds->GetLayer(0);
        CHECK(epsg_of(layer) == 4549);
        OGRFeatureUniquePtr f(layer->GetNextFeature());
        const auto* p = f->GetGeometryRef()->toPoint();
        const geo::Transformer t(geo::wgs84, "EPSG:4549");
        const Point want = t.forward(places.features[0].geometry.points[0]);
        CHECK(p->getX() == Approx(want.x).margin(1e-6));
        CHECK(p->getY() == Approx(want.y).margin(1e-6));
        CHECK(p->getX() > 100000.0);  // metres, not degrees
    }
    SECTION("GCJ-02 for web maps: shifted coordinates, stored as WGS84 lon/lat") {
        io::SinkOptions opt;
        opt.output_crs = "GCJ-02";
        opt.format = "flatgeobuf";
        write_all(dir.file("fgb"), opt);
        auto ds = open_vector(dir.file("fgb/places.fgb"));
        OGRLayer* layer = ds->GetLayer(0);
        CHECK(epsg_of(layer) == 4326);
        layer->SetAttributeFilter("population = 120");  // the first feature (FlatGeobuf reorders)
        OGRFeatureUniquePtr f(layer->GetNextFeature());
        REQUIRE(f);
        const auto* p = f->GetGeometryRef()->toPoint();
        const geo::Transformer t(geo::wgs84, "GCJ-02");
        const Point want = t.forward(places.features[0].geometry.points[0]);
        CHECK(p->getX() == Approx(want.x).margin(1e-9));
        CHECK(p->getY() == Approx(want.y).margin(1e-9));
        CHECK(std::abs(p->getX() - places.features[0].geometry.points[0].x) > 1e-3);  // the GCJ-02 offset
    }
    SECTION("GeoJSON in another CRS than WGS84 names it; WGS84 GeoJSON has no crs member") {
        io::SinkOptions opt;
        opt.output_crs = "EPSG:4549";
        write_all(dir.file("gj"), opt);
        const std::string text = slurp(dir.file("gj/places.geojson"));
        CHECK(text.find("\"crs\": {\"type\": \"name\", \"properties\": {\"name\": \"urn:ogc:def:crs:EPSG::4549\"}}") !=
              std::string::npos);
        auto ds = open_vector(dir.file("gj/places.geojson"));
        CHECK(epsg_of(ds->GetLayer(0)) == 4549);
        write_all(dir.file("gj84"), {});
        CHECK(slurp(dir.file("gj84/places.geojson")).find("\"crs\"") == std::string::npos);
    }
    SECTION("an unknown output CRS is a CRS error before anything is written") {
        io::SinkOptions opt;
        opt.output_crs = "EPSG:999999";
        CHECK_THROWS_AS(io::open_sink(dir.file("bad"), opt), crs_error);
        CHECK_FALSE(fs::exists(dir.file("bad")));
    }
}

TEST_CASE("Shapefile names: at most 10 bytes, whole UTF-8 characters, unique, mapping beside the file", "[export]") {
    const std::vector<io::FieldDef> fields{{"station_walk_covered", io::FieldType::integer},
                                           {"station_walk_min", io::FieldType::real},
                                           {"科普站步行覆盖率", io::FieldType::real},
                                           {"name", io::FieldType::string},
                                           {"Station_wa", io::FieldType::string},
                                           {"人口a人口b", io::FieldType::real}};
    const auto names = io::detail::shapefile_field_names(fields);
    // "Station_wa" is valid and keeps its name; the long ones get suffixes (dBASE ignores case).
    CHECK(names == std::vector<std::string>{"station__2", "station__3", "科普站", "name", "Station_wa", "人口a人"});
    for (const auto& n : names) {
        CHECK(n.size() <= 10);
        CHECK(valid_utf8(n));
    }

    TempDir dir("export-shp");
    io::SinkOptions opt;
    opt.format = "shapefile";
    write_all(dir.file("out"), opt);
    const fs::path out = dir.file("out");
    CHECK(names_in(out) == std::vector<std::string>{".kepu15-manifest.json", "areas.cpg", "areas.dbf", "areas.prj",
                                                    "areas.shp", "areas.shx", "cells.tif", "places.cpg",
                                                    "places.dbf", "places.fieldnames.csv", "places.prj",
                                                    "places.shp", "places.shx", "summary.json", "towns.cpg",
                                                    "towns.dbf"});
    CHECK(slurp((out / "places.cpg").string()) == "UTF-8");
    const std::string mapping = slurp((out / "places.fieldnames.csv").string());
    CHECK(mapping == "shapefile_field,field\nname,name\npopulation,population\n"
                     "share,share\nstation_wa,station_walk_covered\nstation__2,station_walk_min\n"
                     "科普站,科普站步行覆盖率\n");
    // Read back through GDAL: the mapped names, Chinese values intact.
    const auto back = io::read_vector((out / "places.shp").string());
    std::vector<std::string> got;
    for (const auto& f : back.fields) got.push_back(f.name);
    const std::vector<std::string> mapped{"name", "population", "share", "station_wa", "station__2", "科普站"};
    CHECK(got == mapped);
    check_places(back, mapped, 1e-12);
    auto towns = open_vector((out / "towns.dbf").string());
    REQUIRE(towns);
    CHECK(towns->GetLayer(0)->GetFeatureCount() == 2);
}

TEST_CASE("FlatGeobuf and GeoJSON folders round-trip, attribute tables become CSV", "[export]") {
    for (const char* format : {"flatgeobuf", "geojson"}) {
        INFO(format);
        TempDir dir("export-folder-format");
        io::SinkOptions opt;
        opt.format = format;
        write_all(dir.file("out"), opt);
        const fs::path out = dir.file("out");
        const std::string ext = std::string(format) == "flatgeobuf" ? ".fgb" : ".geojson";
        CHECK(fs::exists(out / ("places" + ext)));
        CHECK(fs::exists(out / ("areas" + ext)));
        CHECK(fs::exists(out / "towns.csv"));
        CHECK(slurp((out / "summary.json").string()) == "{\"region\": \"昆山\"}\n");
        check_places(io::read_vector((out / ("places" + ext)).string()), original_names(),
                     ext == ".fgb" ? 1e-12 : 1e-7);
        auto ds = open_vector((out / ("places" + ext)).string());
        OGRFeatureDefn* defn = ds->GetLayer(0)->GetLayerDefn();
        // GeoJSON has no integer width: GDAL reads small integers as Integer.
        const OGRFieldType population_type = defn->GetFieldDefn(defn->GetFieldIndex("population"))->GetType();
        CHECK((population_type == OFTInteger64 || (ext == ".geojson" && population_type == OFTInteger)));
        CHECK(epsg_of(ds->GetLayer(0)) == 4326);
        auto areas = io::read_vector((out / ("areas" + ext)).string());
        REQUIRE(areas.features.size() == 2);
        std::vector<std::pair<std::size_t, std::size_t>> shapes;  // (parts, holes of the first part)
        for (const auto& f : areas.features) {
            shapes.emplace_back(f.geometry.polygons.size(), f.geometry.polygons[0].holes.size());
        }
        std::sort(shapes.begin(), shapes.end());
        CHECK(shapes == std::vector<std::pair<std::size_t, std::size_t>>{{1, 1}, {2, 0}});
    }
}

TEST_CASE("CSV outputs: X/Y for points, WKT for polygons, .csvt types, .prj, UTF-8 BOM", "[export]") {
    TempDir dir("export-csv");
    io::SinkOptions opt;
    opt.format = "csv";
    opt.output_crs = "EPSG:4490";
    write_all(dir.file("out"), opt);
    const fs::path out = dir.file("out");
    const std::string places = slurp((out / "places.csv").string());
    REQUIRE(places.size() > 3);
    CHECK(places.substr(0, 3) == "\xEF\xBB\xBF");
    CHECK(places.substr(3, places.find('\n') - 3).rfind("X,Y,name,population,share", 0) == 0);
    CHECK(places.find("120.958,31.386,玉山镇 科普馆,120,0.125") != std::string::npos);  // numbers unquoted
    CHECK(places.find("\"Zhoushi, \"\"north\"\"\"") != std::string::npos);
    CHECK(slurp((out / "places.csvt").string()).rfind("CoordX,CoordY,String,Integer64,Real", 0) == 0);
    CHECK(slurp((out / "places.prj").string()).find("China Geodetic Coordinate System 2000") != std::string::npos);
    const std::string areas = slurp((out / "areas.csv").string());
    CHECK(areas.find("WKT") != std::string::npos);
    CHECK(areas.find("MULTIPOLYGON") != std::string::npos);
    // Read back with GDAL: the .csvt types hold (numbers are numbers, not text), X/Y give points.
    auto ds = open_vector((out / "places.csv").string());
    OGRFeatureDefn* defn = ds->GetLayer(0)->GetLayerDefn();
    CHECK(defn->GetFieldDefn(defn->GetFieldIndex("population"))->GetType() == OFTInteger64);
    CHECK(defn->GetFieldDefn(defn->GetFieldIndex("share"))->GetType() == OFTReal);
    check_places(io::read_vector((out / "places.csv").string()), original_names(), 1e-12);
}

TEST_CASE("Single-file targets hold one layer, and --format must agree with the path", "[export]") {
    TempDir dir("export-single");
    for (const char* name : {"one.geojson", "one.shp", "one.fgb", "one.csv"}) {
        INFO(name);
        auto sink = io::open_sink(dir.file(name), {});
        sink->add_layer(places_layer());
        CHECK_THROWS_AS(sink->add_layer(areas_layer()), output_error);
        CHECK_THROWS_AS(sink->add_file("summary.json", "{}"), output_error);
        sink->commit();
        CHECK(io::read_vector(dir.file(name)).features.size() == 3);
    }
    io::SinkOptions opt;
    opt.format = "csv";
    CHECK_THROWS_AS(io::open_sink(dir.file("x.gpkg"), opt), config_error);
    opt.format = "kml";
    CHECK_THROWS_AS(io::open_sink(dir.file("x"), opt), config_error);
    opt.format = "postgis";
    CHECK_THROWS_AS(io::open_sink(dir.file("x"), opt), config_error);
    opt.format.clear();
    opt.schema = "kunshan";
    CHECK_THROWS_AS(io::open_sink(dir.file("x"), opt), config_error);
    CHECK_THROWS_WITH(io::open_sink("MySQL:db,user=u,password=s3cret", {}),
                      !Catch::Matchers::Contains("s3cret") && Catch::Matchers::Contains("connection string"));
    const auto left = names_in(dir.path());
    CHECK(std::none_of(left.begin(), left.end(), [](const std::string& n) { return n[0] == '.'; }));
}
