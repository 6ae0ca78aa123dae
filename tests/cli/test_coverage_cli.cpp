// End-to-end tests of `kepu15 coverage`: the CLI is run as a user would, on small readable
// fixtures written by each test into a TempDir, and the outputs are checked against values
// computed by hand.
//
// Coordinates. Every fixture point is chosen at round metre offsets in a metric CRS and converted
// once to WGS84 lon/lat (9 decimals, about 0.1 mm) with Debian's GDAL (/usr/bin/python3,
// osgeo.osr, traditional GIS axis order). The round trip error is below 1e-4 m, so distances come
// out as the round numbers below (outputs are rounded to 0.01).
// - Crow-fly, polygon and raster cases: EPSG:32651 (UTM 51N), local origin O = (310000, 3464000)
//   near 121.0 E 31.3 N. UTM 51N is also the default working CRS for data there, so these cases
//   run without --working-crs.
// - Network cases: --working-crs EPSG:4549 (CGCS2000 3-degree GK, CM 120 E), local origin
//   O = (595000, 3464000).
#include "../support/cli.hpp"

#include "kepu15/geo/crs.hpp"
#include "kepu15/io/vector_reader.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using kepu15::test::CliResult;
using kepu15::test::files_below;
using kepu15::test::run_cli;
using kepu15::test::TempDir;
using nlohmann::json;

namespace {

void write_text(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
    REQUIRE(out.good());
}

// The features of a GeoJSON output.
json read_features(const std::string& path) {
    REQUIRE(fs::exists(path));
    const json doc = json::parse(kepu15::test::slurp(path));
    REQUIRE(doc.at("type") == "FeatureCollection");
    return doc.at("features");
}

// A folder for outputs, created empty.
std::string out_dir(const TempDir& tmp) {
    const std::string dir = tmp.file("out");
    fs::create_directories(dir);
    return dir;
}

// --- UTM 51N fixtures (local metres from O = (310000, 3464000)) -----------------------------
//
//   y (m)
//   1600 |                 P4 北村 (1200,1600)
//        |
//    400 |     P1 东城小区 (300,400)
//      0 | F1 KP-01 (0,0)                          P3 South Port (2400,0)    F2 KP-02 (3000,0)
//   -960 |          P2 西苑 (720,-960)
//        +-------------------------------------------------------------------------------> x (m)
//
// Nearest facility and crow-fly distance (3-4-5 triangles):
//   P1: F1, sqrt(300^2 + 400^2)  =  500 m
//   P2: F1, sqrt(720^2 + 960^2)  = 1200 m   (F2: sqrt(2280^2 + 960^2) = 2473.9 m)
//   P3: F2, 3000 - 2400          =  600 m   (F1: 2400 m)
//   P4: F1, sqrt(1200^2 + 1600^2) = 2000 m  (F2: sqrt(1800^2 + 1600^2) = 2408.3 m)
const char* const population_points = R"({"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"name":"东城小区","households":120,"area_ha":1.5},"geometry":{"type":"Point","coordinates":[121.006856396,31.298513280]}},
{"type":"Feature","properties":{"name":"西苑","households":80,"area_ha":2.25},"geometry":{"type":"Point","coordinates":[121.011524556,31.286318063]}},
{"type":"Feature","properties":{"name":"South Port","households":0,"area_ha":0.5},"geometry":{"type":"Point","coordinates":[121.028984666,31.295246761]}},
{"type":"Feature","properties":{"name":"北村","households":45,"area_ha":null},"geometry":{"type":"Point","coordinates":[121.016080901,31.309480501]}}
]})";

const char* const facilities_f1_f2 = R"({"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"code":"KP-01","名称":"科技馆"},"geometry":{"type":"Point","coordinates":[121.003782029,31.294857409]}},
{"type":"Feature","properties":{"code":"KP-02","名称":"图书馆"},"geometry":{"type":"Point","coordinates":[121.035285402,31.295343327]}}
]})";

// The same two facilities as CSV, WGS84 lon/lat (data rows 1 and 2).
const char* const facilities_csv_wgs84 =
    "name,lng,lat\n"
    "KP-01,121.003782029,31.294857409\n"
    "KP-02,121.035285402,31.295343327\n";

// The same two facilities in GCJ-02 ("Mars" coordinates, as AMap exports them), computed with the
// published WGS84 -> GCJ-02 formula; the offset here is about 420 m east and 220 m south.
const char* const facilities_csv_gcj02 =
    "名称,经度,纬度\n"
    "KP-01,121.008184877,31.292870361\n"
    "KP-02,121.039797823,31.293446177\n";

struct Expected {
    std::string name;
    double distance_m;
    std::string facility;
};

const std::vector<Expected> points_expected{
    {"东城小区", 500.0, "KP-01"}, {"西苑", 1200.0, "KP-01"}, {"South Port", 600.0, "KP-02"}, {"北村", 2000.0, "KP-01"}};

void check_distances(const json& features, const std::vector<Expected>& expected) {
    REQUIRE(features.size() == expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const json& p = features[i].at("properties");
        CAPTURE(i, p.dump());
        CHECK(p.at("name") == expected[i].name);
        CHECK(p.at("distance_m").get<double>() == Approx(expected[i].distance_m).margin(0.011));
        CHECK(p.at("facility_id") == expected[i].facility);
    }
}

std::vector<int> covered_flags(const json& features, const std::string& field = "covered") {
    std::vector<int> out;
    for (const auto& f : features) out.push_back(f.at("properties").at(field).get<int>());
    return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// 1. Crow-fly with point population
// ---------------------------------------------------------------------------------------------

TEST_CASE("coverage crow-fly keeps input attributes and adds distance_m, facility_id, covered", "[cli]") {
    TempDir tmp("cov-crowfly");
    write_text(tmp.file("residential_points.geojson"), population_points);
    write_text(tmp.file("facilities.geojson"), facilities_f1_f2);
    const std::string out = out_dir(tmp) + "/coverage.geojson";

    const CliResult r = run_cli({"coverage", "--population", tmp.file("residential_points.geojson"), "--facilities",
                                 tmp.file("facilities.geojson"), "--facilities-id-field", "code", "-o", out});
    CAPTURE(r.out, r.err);
    REQUIRE(r.exit_code == 0);
    // Default radius 1000 m: P1 (500) and P3 (600) covered.
    CHECK(r.out.find("kepu15 coverage: 4 features, 2 covered (50.0 %)") != std::string::npos);
    CHECK(r.out.find("written " + out) != std::string::npos);

    const json features = read_features(out);
    check_distances(features, points_expected);
    CHECK(covered_flags(features) == std::vector<int>{1, 0, 1, 0});

    // Input attributes survive with their types and values, in their order, before the new fields.
    const json& p0 = features[0].at("properties");
    CHECK(p0.at("households") == 120);
    CHECK(p0.at("area_ha").get<double>() == 1.5);
    CHECK(features[1].at("properties").at("area_ha").get<double>() == 2.25);
    CHECK(features[2].at("properties").at("households") == 0);
    CHECK(features[3].at("properties").at("area_ha").is_null());
    std::vector<std::string> keys;
    for (const auto& [k, v] : p0.items()) keys.push_back(k);
    // nlohmann::json sorts keys; check the set of fields instead of the order.
    CHECK(keys == std::vector<std::string>{"area_ha", "covered", "distance_m", "facility_id", "households", "name"});
    // Geometry: still the input point (7 decimals in RFC 7946 output).
    const json& g = features[0].at("geometry");
    CHECK(g.at("type") == "Point");
    CHECK(g.at("coordinates")[0].get<double>() == Approx(121.006856396).margin(1e-7));
    CHECK(g.at("coordinates")[1].get<double>() == Approx(31.298513280).margin(1e-7));
    // No temporary file is left next to the output.
    CHECK(files_below(tmp.file("out")) == std::vector<std::string>{out});
}

TEST_CASE("coverage crow-fly: facility_id defaults to the feature id", "[cli]") {
    TempDir tmp("cov-fid");
    write_text(tmp.file("residential_points.geojson"), population_points);
    write_text(tmp.file("facilities.geojson"), facilities_f1_f2);
    const std::string out = out_dir(tmp) + "/coverage.geojson";
    const CliResult r = run_cli({"coverage", "--population", tmp.file("residential_points.geojson"), "--facilities",
                                 tmp.file("facilities.geojson"), "-o", out});
    CAPTURE(r.out, r.err);
    REQUIRE(r.exit_code == 0);
    // GeoJSON features without "id" get OGR feature ids 0, 1.
    check_distances(read_features(out), {{"东城小区", 500.0, "0"}, {"西苑", 1200.0, "0"}, {"South Port", 600.0, "1"},
                                         {"北村", 2000.0, "0"}});

    // A field with Chinese text as the id.
    const CliResult rz = run_cli({"coverage", "--population", tmp.file("residential_points.geojson"), "--facilities",
                                  tmp.file("facilities.geojson"), "--facilities-id-field", "名称", "-o", out});
    CAPTURE(rz.out, rz.err);
    REQUIRE(rz.exit_code == 0);
    check_distances(read_features(out), {{"东城小区", 500.0, "科技馆"}, {"西苑", 1200.0, "科技馆"},
                                         {"South Port", 600.0, "图书馆"}, {"北村", 2000.0, "科技馆"}});
}

TEST_CASE("coverage crow-fly: --radius-m changes the covered flags, not the distances", "[cli]") {
    TempDir tmp("cov-radius");
    write_text(tmp.file("residential_points.geojson"), population_points);
    write_text(tmp.file("facilities.geojson"), facilities_f1_f2);
    const std::string out = out_dir(tmp) + "/coverage.geojson";
    const auto run = [&](const std::string& radius) {
        const CliResult r = run_cli({"coverage", "--population", tmp.file("residential_points.geojson"),
                                     "--facilities", tmp.file("facilities.geojson"), "--facilities-id-field", "code",
                                     "--radius-m", radius, "-o", out});
        CAPTURE(radius, r.out, r.err);
        REQUIRE(r.exit_code == 0);
        return std::make_pair(r, read_features(out));
    };
    // Distances 500, 1200, 600, 2000.
    {
        const auto [r, f] = run("1500");  // all but P4 (2000 m)
        CHECK(r.out.find("4 features, 3 covered (75.0 %)") != std::string::npos);
        check_distances(f, points_expected);
        CHECK(covered_flags(f) == std::vector<int>{1, 1, 1, 0});
    }
    {
        const auto [r, f] = run("550");  // only P1 (500 m); P3 at 600 m drops out
        CHECK(r.out.find("4 features, 1 covered (25.0 %)") != std::string::npos);
        check_distances(f, points_expected);
        CHECK(covered_flags(f) == std::vector<int>{1, 0, 0, 0});
    }
    {
        const auto [r, f] = run("2500");  // everyone
        CHECK(covered_flags(f) == std::vector<int>{1, 1, 1, 1});
    }
}

TEST_CASE("coverage crow-fly: an input field named covered makes the new flag covered_2", "[cli]") {
    TempDir tmp("cov-clash");
    // P1 and P4 of the map above; the input already has `covered` (a survey answer, text).
    write_text(tmp.file("survey_points.geojson"), R"({"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"name":"东城小区","covered":"是"},"geometry":{"type":"Point","coordinates":[121.006856396,31.298513280]}},
{"type":"Feature","properties":{"name":"北村","covered":"否"},"geometry":{"type":"Point","coordinates":[121.016080901,31.309480501]}}
]})");
    write_text(tmp.file("facilities.geojson"), facilities_f1_f2);
    const std::string out = out_dir(tmp) + "/coverage.geojson";
    const CliResult r = run_cli({"coverage", "--population", tmp.file("survey_points.geojson"), "--facilities",
                                 tmp.file("facilities.geojson"), "--facilities-id-field", "code", "-o", out});
    CAPTURE(r.out, r.err);
    REQUIRE(r.exit_code == 0);
    const json f = read_features(out);
    REQUIRE(f.size() == 2);
    CHECK(f[0].at("properties").at("covered") == "是");
    CHECK(f[1].at("properties").at("covered") == "否");
    CHECK(covered_flags(f, "covered_2") == std::vector<int>{1, 0});
    CHECK(f[0].at("properties").at("distance_m").get<double>() == Approx(500.0).margin(0.011));
    CHECK(f[1].at("properties").at("distance_m").get<double>() == Approx(2000.0).margin(0.011));
}

// ---------------------------------------------------------------------------------------------
// 2. Polygon and raster population
// ---------------------------------------------------------------------------------------------

TEST_CASE("coverage with polygon population measures from the point on surface", "[cli]") {
    TempDir tmp("cov-poly");
    // UTM 51N local metres:
    //
    //   1100 |   PF1 (100,1100)                          PF2 (2200,1100)
    //   1000 |  +----------------+
    //        |  |  C 新村 800人   |
    //    800 |  |   +------------+
    //        |  | * |    centroid x (407.7, 500) lies outside the C
    //        |  |   |                            +-------+ 400
    //    200 |  |   +------------+               | S 1200| (2000..2400 x 0..400)
    //      0 |  +----------------+               +-------+
    //        0 100 200         1000            2000     2400
    //
    // The C block: its envelope centre is y = 500; the nearest vertex ordinates below and above are
    // 200 and 800, so GEOS scans y = (200+800)/2 = 500, where the C is the bar x in [0, 200]: its
    // point on surface is * = (100, 500). Distance to PF1 = 1100 - 500 = 600 m (from the centroid
    // it would be 674.3 m). S: the square's centre (2200, 200) is 900 m from PF2.
    write_text(tmp.file("blocks.geojson"), R"({"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"block":"C 新村","人口":800},"geometry":{"type":"Polygon","coordinates":[[
 [121.003782029,31.294857409],[121.014283068,31.295020239],[121.014245242,31.296823714],[121.005844244,31.296693509],
 [121.005730265,31.302103901],[121.014131743,31.302234134],[121.014093903,31.304037606],[121.003591865,31.303874718],
 [121.003782029,31.294857409]]]}},
{"type":"Feature","properties":{"block":"S","人口":1200},"geometry":{"type":"Polygon","coordinates":[[
 [121.024784193,31.295182212],[121.028984666,31.295246761],[121.028909569,31.298853741],[121.024708936,31.298789183],
 [121.024784193,31.295182212]]]}}
]})");
    write_text(tmp.file("facilities.csv"),
               "id,lon,lat\n"
               "PF1,121.004623053,31.304792777\n"
               "PF2,121.026677660,31.305133682\n");
    const std::string out = out_dir(tmp) + "/blocks_coverage.geojson";
    const auto run = [&](const std::string& radius) {
        const CliResult r =
            run_cli({"coverage", "--population", tmp.file("blocks.geojson"), "--population-field", "人口",
                     "--facilities", tmp.file("facilities.csv"), "--facilities-id-field", "id", "--radius-m", radius,
                     "-o", out});
        CAPTURE(radius, r.out, r.err);
        REQUIRE(r.exit_code == 0);
        return r;
    };
    {
        const CliResult r = run("700");  // C at 600 m covered, S at 900 m not
        CHECK(r.out.find("2 features, 1 covered (50.0 %), population 2000, covered 800 (40.0 %)") !=
              std::string::npos);
        const json f = read_features(out);
        REQUIRE(f.size() == 2);
        CHECK(f[0].at("properties").at("block") == "C 新村");
        CHECK(f[0].at("properties").at("人口") == 800);
        CHECK(f[0].at("properties").at("distance_m").get<double>() == Approx(600.0).margin(0.011));
        CHECK(f[0].at("properties").at("facility_id") == "PF1");
        CHECK(f[1].at("properties").at("distance_m").get<double>() == Approx(900.0).margin(0.011));
        CHECK(f[1].at("properties").at("facility_id") == "PF2");
        CHECK(covered_flags(f) == std::vector<int>{1, 0});
        // The output keeps the polygons (8 + 1 vertices of the C).
        CHECK(f[0].at("geometry").at("type") == "Polygon");
        CHECK(f[0].at("geometry").at("coordinates")[0].size() == 9);
    }
    {
        const CliResult r = run("1000");
        CHECK(r.out.find("2 features, 2 covered (100.0 %), population 2000, covered 2000 (100.0 %)") !=
              std::string::npos);
    }
}

TEST_CASE("coverage with raster population: cells > 0 become polygons with col, row, population", "[cli]") {
    TempDir tmp("cov-raster");
    // 3 x 2 cells of 200 m, lower-left corner at O = (310000, 3464000) in UTM 51N. Row 0 is north.
    //
    //    y  400 +--------+--------+--------+
    //           | c0 r0  | c1 r0  | c2 r0  |
    //           |  120   |   0    | nodata |
    //       200 +--------+--------+--------+
    //           | c0 r1  | c1 r1  | c2 r1  |         RF (700,100)
    //           |   45   |  300   |   0    |
    //         0 +--------+--------+--------+
    //           0       200      400      600
    //
    // Cell centres and distances to RF: (0,0) (100,300): sqrt(600^2+200^2) = 632.46 m;
    // (0,1) (100,100): 600 m; (1,1) (300,100): 400 m. Radius 500: only (1,1) covered.
    // Population 120 + 45 + 300 = 465, covered 300 (64.5 %).
    write_text(tmp.file("population_200m.asc"),
               "ncols 3\n"
               "nrows 2\n"
               "xllcorner 310000\n"
               "yllcorner 3464000\n"
               "cellsize 200\n"
               "NODATA_value -9999\n"
               "120 0 -9999\n"
               "45 300 0\n");
    write_text(tmp.file("facility.geojson"), R"({"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"name":"RF"},"geometry":{"type":"Point","coordinates":[121.011113805,31.295873216]}}
]})");
    const std::string out = out_dir(tmp) + "/cells.geojson";
    const CliResult r = run_cli({"coverage", "--population", tmp.file("population_200m.asc"), "--population-crs",
                                 "EPSG:32651", "--facilities", tmp.file("facility.geojson"), "--facilities-id-field",
                                 "name", "--radius-m", "500", "-o", out});
    CAPTURE(r.out, r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("kepu15 coverage: 3 features, 1 covered (33.3 %), population 465, covered 300 (64.5 %)") !=
          std::string::npos);
    const json f = read_features(out);
    REQUIRE(f.size() == 3);
    struct Cell {
        int col, row;
        double population, distance_m;
        int covered;
    };
    const std::vector<Cell> expected{{0, 0, 120, 632.46, 0}, {0, 1, 45, 600.0, 0}, {1, 1, 300, 400.0, 1}};
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const json& p = f[i].at("properties");
        CAPTURE(i, p.dump());
        CHECK(p.at("col") == expected[i].col);
        CHECK(p.at("row") == expected[i].row);
        CHECK(p.at("population").get<double>() == expected[i].population);
        CHECK(p.at("distance_m").get<double>() == Approx(expected[i].distance_m).margin(0.011));
        CHECK(p.at("facility_id") == "RF");
        CHECK(p.at("covered") == expected[i].covered);
        CHECK(f[i].at("geometry").at("type") == "Polygon");
    }
    // The polygon of cell (1,1), back in UTM 51N, is the square [200,400] x [0,200].
    const kepu15::geo::Transformer to_utm(kepu15::geo::wgs84, "EPSG:32651");
    double min_x = 1e18, max_x = -1e18, min_y = 1e18, max_y = -1e18;
    for (const auto& c : f[2].at("geometry").at("coordinates")[0]) {
        const kepu15::Point p = to_utm.forward({c[0].get<double>(), c[1].get<double>()});
        min_x = std::min(min_x, p.x - 310000.0);
        max_x = std::max(max_x, p.x - 310000.0);
        min_y = std::min(min_y, p.y - 3464000.0);
        max_y = std::max(max_y, p.y - 3464000.0);
    }
    // 7 decimals of a degree are about 1 cm.
    CHECK(min_x == Approx(200.0).margin(0.02));
    CHECK(max_x == Approx(400.0).margin(0.02));
    CHECK(min_y == Approx(0.0).margin(0.02));
    CHECK(max_y == Approx(200.0).margin(0.02));

    // The same grid with its CRS in a .prj beside it instead of --population-crs.
    fs::copy_file(tmp.file("population_200m.asc"), tmp.file("with_prj.asc"));
    // ESRI WKT as ArcGIS writes it (the ASCII grid driver reads .prj files in ESRI form).
    write_text(tmp.file("with_prj.prj"),
               R"(PROJCS["WGS_1984_UTM_Zone_51N",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",)"
               R"(SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],)"
               R"(UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],)"
               R"(PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],)"
               R"(PARAMETER["Central_Meridian",123.0],PARAMETER["Scale_Factor",0.9996],)"
               R"(PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]])");
    const CliResult rp = run_cli({"coverage", "--population", tmp.file("with_prj.asc"), "--facilities",
                                  tmp.file("facility.geojson"), "--radius-m", "500", "-o", out});
    CAPTURE(rp.out, rp.err);
    REQUIRE(rp.exit_code == 0);
    CHECK(rp.out.find("population 465, covered 300 (64.5 %)") != std::string::npos);
    const json fp = read_features(out);
    REQUIRE(fp.size() == 3);
    CHECK(fp[0].at("properties").at("distance_m").get<double>() == Approx(632.46).margin(0.011));
}

// ---------------------------------------------------------------------------------------------
// 3. GCJ-02 facilities
// ---------------------------------------------------------------------------------------------

TEST_CASE("coverage: --facilities-crs GCJ-02 gives the distances of the WGS84 equivalent", "[cli]") {
    TempDir tmp("cov-gcj");
    write_text(tmp.file("residential_points.geojson"), population_points);
    write_text(tmp.file("facilities_wgs84.csv"), facilities_csv_wgs84);
    write_text(tmp.file("facilities_amap_gcj02.csv"), facilities_csv_gcj02);
    const std::string out = out_dir(tmp);
    const auto run = [&](const std::vector<std::string>& extra, const std::string& name) {
        std::vector<std::string> args{"coverage", "--population", tmp.file("residential_points.geojson"), "-o",
                                      out + "/" + name};
        args.insert(args.end(), extra.begin(), extra.end());
        const CliResult r = run_cli(args);
        CAPTURE(extra, r.out, r.err);
        REQUIRE(r.exit_code == 0);
        return read_features(out + "/" + name);
    };
    const json wgs = run({"--facilities", tmp.file("facilities_wgs84.csv"), "--facilities-id-field", "name"}, "w.geojson");
    const json gcj = run({"--facilities", tmp.file("facilities_amap_gcj02.csv"), "--facilities-crs", "GCJ-02",
                          "--facilities-id-field", "名称"},
                         "g.geojson");
    check_distances(wgs, points_expected);
    check_distances(gcj, points_expected);
    for (std::size_t i = 0; i < wgs.size(); ++i) {
        CHECK(gcj[i].at("properties").at("distance_m").get<double>() ==
              Approx(wgs[i].at("properties").at("distance_m").get<double>()).margin(0.011));
    }
    // CSV facilities without an id field are numbered by their 1-based data row.
    const json by_row = run({"--facilities", tmp.file("facilities_amap_gcj02.csv"), "--facilities-crs", "gcj02"},
                            "r.geojson");
    check_distances(by_row, {{"东城小区", 500.0, "1"}, {"西苑", 1200.0, "1"}, {"South Port", 600.0, "2"},
                             {"北村", 2000.0, "1"}});
    // Read as WGS84 (the CSV default) the GCJ-02 points are ~470 m off: P1 is no longer at 500 m.
    const json shifted = run({"--facilities", tmp.file("facilities_amap_gcj02.csv")}, "s.geojson");
    CHECK(std::abs(shifted[0].at("properties").at("distance_m").get<double>() - 500.0) > 100.0);
}

// ---------------------------------------------------------------------------------------------
// 4. Network coverage
// ---------------------------------------------------------------------------------------------
//
// EPSG:4549 local metres (O = (595000, 3464000)); walking 4.5 km/h = 75 m/min, drive on
// residential roads 30 km/h = 500 m/min.

namespace {

// One residential street A-B-C-D along y = 0 (OSM way 100, one edge with B and C as vertices).
//
//   800 |                       P4 (1000,800): 800 m from the road
//       |
//    75 |                          P2 (1125,75)
//     0 | A=F ========= B=P1 ========= C ========= D=P3
//       | 0             750            1500        2250
const char* const street_osm = R"(<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="kepu15 test">
  <node id="1" version="1" lat="31.293996568" lon="120.997770913"/>
  <node id="2" version="1" lat="31.293935141" lon="121.005647026"/>
  <node id="3" version="1" lat="31.293873233" lon="121.013523114"/>
  <node id="4" version="1" lat="31.293810841" lon="121.021399179"/>
  <way id="100" version="1">
    <nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/>
    <tag k="highway" v="residential"/>
    <tag k="name" v="前进路"/>
  </way>
</osm>
)";

const char* const street_population = R"({"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"name":"P1 at B"},"geometry":{"type":"Point","coordinates":[121.005647026,31.293935141]}},
{"type":"Feature","properties":{"name":"P2 off road"},"geometry":{"type":"Point","coordinates":[121.009592283,31.294580582]}},
{"type":"Feature","properties":{"name":"P3 at D"},"geometry":{"type":"Point","coordinates":[121.021399179,31.293810841]}},
{"type":"Feature","properties":{"name":"P4 far"},"geometry":{"type":"Point","coordinates":[121.008349206,31.301128797]}}
]})";

const char* const street_facility = R"({"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"code":"F"},"geometry":{"type":"Point","coordinates":[120.997770913,31.293996568]}}
]})";

// A oneway street and a two-way detour (OSM ways 200-203). `oneway_way` is the way A-D.
//
//   1000 | E ===================== G
//        | ‖                        ‖
//    300 | F                        ‖
//        | ‖                        ‖
//      0 | A ------------ P ------- D
//        | 0            1500       2000
std::string detour_osm(const std::string& oneway_way) {
    return R"(<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="kepu15 test">
  <node id="1" version="1" lat="31.293996568" lon="120.997770913"/>
  <node id="2" version="1" lat="31.293831692" lon="121.018773827"/>
  <node id="3" version="1" lat="31.303014393" lon="120.997865936"/>
  <node id="4" version="1" lat="31.302849459" lon="121.018870849"/>
)" + oneway_way + R"(
  <way id="201" version="1"><nd ref="1"/><nd ref="3"/><tag k="highway" v="residential"/></way>
  <way id="202" version="1"><nd ref="3"/><nd ref="4"/><tag k="highway" v="residential"/></way>
  <way id="203" version="1"><nd ref="4"/><nd ref="2"/><tag k="highway" v="residential"/></way>
</osm>
)";
}

}  // namespace

TEST_CASE("coverage --network OSM walk: minutes by hand, cutoff, no road access", "[cli]") {
    TempDir tmp("cov-walk");
    write_text(tmp.file("street.osm"), street_osm);
    write_text(tmp.file("homes.geojson"), street_population);
    write_text(tmp.file("facility.geojson"), street_facility);
    const std::string out = out_dir(tmp) + "/walk.geojson";
    const CliResult r = run_cli({"coverage", "--population", tmp.file("homes.geojson"), "--facilities",
                                 tmp.file("facility.geojson"), "--facilities-id-field", "code", "--network",
                                 tmp.file("street.osm"), "--working-crs", "EPSG:4549", "--profile", "walk",
                                 "--minutes", "20", "--max-snap-m", "300", "-o", out});
    CAPTURE(r.out, r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("kepu15 coverage: 4 features, 2 covered (50.0 %), 1 without road access") != std::string::npos);
    const json f = read_features(out);
    REQUIRE(f.size() == 4);
    const auto prop = [&](std::size_t i) { return f[i].at("properties"); };
    // P1: 750 m along the street = 10 min.
    CHECK(prop(0).at("minutes").get<double>() == Approx(10.0).margin(0.01));
    CHECK(prop(0).at("facility_id") == "F");
    CHECK(prop(0).at("covered") == 1);
    CHECK(prop(0).at("no_road_access") == 0);
    // P2: snaps to (1125, 0): 1125 m along + 75 m off the road = 1200 m = 16 min.
    CHECK(prop(1).at("minutes").get<double>() == Approx(16.0).margin(0.01));
    CHECK(prop(1).at("covered") == 1);
    // P3: 2250 m = 30 min > 20: on the road but beyond the cutoff.
    CHECK(prop(2).at("minutes").is_null());
    CHECK(prop(2).at("facility_id").is_null());
    CHECK(prop(2).at("covered") == 0);
    CHECK(prop(2).at("no_road_access") == 0);
    // P4: 800 m from the road > --max-snap-m 300.
    CHECK(prop(3).at("minutes").is_null());
    CHECK(prop(3).at("covered") == 0);
    CHECK(prop(3).at("no_road_access") == 1);
    CHECK(prop(3).at("name") == "P4 far");
    CHECK(f[0].at("properties").find("distance_m") == f[0].at("properties").end());

    // Elderly at 2.7 km/h = 45 m/min: P1 750 m = 16.67 min; P2 1200 m = 26.67 min > 20.
    const CliResult re = run_cli({"coverage", "--population", tmp.file("homes.geojson"), "--facilities",
                                  tmp.file("facility.geojson"), "--network", tmp.file("street.osm"), "--working-crs",
                                  "EPSG:4549", "--profile", "elderly", "--minutes", "20", "--max-snap-m", "300", "-o",
                                  out});
    CAPTURE(re.out, re.err);
    REQUIRE(re.exit_code == 0);
    const json fe = read_features(out);
    CHECK(fe[0].at("properties").at("minutes").get<double>() == Approx(16.67).margin(0.01));
    CHECK(fe[1].at("properties").at("minutes").is_null());
    // With the default --max-snap-m 500, P4 (800 m) still has no road access.
    CHECK(fe[3].at("properties").at("no_road_access") == 1);
}

TEST_CASE("coverage --network OSM drive: a oneway street forces the detour or leaves the home beyond the cutoff",
          "[cli]") {
    TempDir tmp("cov-drive");
    // F (0,300) on A-E; P (1500,0) on A-D.
    write_text(tmp.file("facility.geojson"), R"({"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"code":"F"},"geometry":{"type":"Point","coordinates":[120.997799415,31.296701916]}}
]})");
    write_text(tmp.file("home.geojson"), R"({"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"name":"P"},"geometry":{"type":"Point","coordinates":[121.013523114,31.293873233]}}
]})");
    const std::string two_way = R"(  <way id="200" version="1"><nd ref="1"/><nd ref="2"/><tag k="highway" v="residential"/></way>)";
    // Way 200 drawn D -> A, oneway: traffic only from D towards A; and drawn A -> D, oneway.
    const std::string oneway_d_to_a =
        R"(  <way id="200" version="1"><nd ref="2"/><nd ref="1"/><tag k="highway" v="residential"/><tag k="oneway" v="yes"/></way>)";
    const std::string oneway_a_to_d =
        R"(  <way id="200" version="1"><nd ref="1"/><nd ref="2"/><tag k="highway" v="residential"/><tag k="oneway" v="yes"/></way>)";
    write_text(tmp.file("two_way.osm"), detour_osm(two_way));
    write_text(tmp.file("oneway_d_to_a.osm"), detour_osm(oneway_d_to_a));
    write_text(tmp.file("oneway_a_to_d.osm"), detour_osm(oneway_a_to_d));
    const std::string out = out_dir(tmp) + "/drive.geojson";
    const auto minutes = [&](const std::string& network, const std::string& profile, const std::string& cutoff) {
        const CliResult r = run_cli({"coverage", "--population", tmp.file("home.geojson"), "--facilities",
                                     tmp.file("facility.geojson"), "--network", tmp.file(network), "--working-crs",
                                     "EPSG:4549", "--profile", profile, "--minutes", cutoff, "-o", out});
        CAPTURE(network, profile, cutoff, r.out, r.err);
        REQUIRE(r.exit_code == 0);
        return read_features(out).at(0).at("properties").at("minutes");
    };
    // Times run from the home P to the facility F (residents travel to the facility), so a oneway
    // matters in the direction P -> F, i.e. P -> A.
    // Two-way: P -> A 1500 m, A -> F 300 m = 1800 m at 500 m/min = 3.60 min.
    CHECK(minutes("two_way.osm", "drive", "15").get<double>() == Approx(3.60).margin(0.01));
    // Walking ignores oneway: 1800 m at 75 m/min = 24 min.
    CHECK(minutes("oneway_a_to_d.osm", "walk", "30").get<double>() == Approx(24.0).margin(0.01));
    // Oneway D -> A: P drives with the traffic towards A, 1800 m = 3.60 min.
    CHECK(minutes("oneway_d_to_a.osm", "drive", "15").get<double>() == Approx(3.60).margin(0.01));
    // Oneway A -> D: P may not drive towards A: P -> D 500, D -> G 1000, G -> E 2000, E -> F 700
    // = 4200 m = 8.40 min.
    CHECK(minutes("oneway_a_to_d.osm", "drive", "15").get<double>() == Approx(8.40).margin(0.01));
    // With a 5-minute cutoff the detour is too long (the direct route is not).
    CHECK(minutes("oneway_a_to_d.osm", "drive", "5").is_null());
    CHECK(minutes("oneway_d_to_a.osm", "drive", "5").get<double>() == Approx(3.60).margin(0.01));
    CHECK(minutes("two_way.osm", "drive", "5").get<double>() == Approx(3.60).margin(0.01));
}

TEST_CASE("coverage --network drive: a facility or home nearest to a junction can use every street there", "[cli]") {
    TempDir tmp("cov-junction");
    // The detour map with way 200 oneway, drawn A -> D (traffic only from A towards D) or D -> A.
    //
    //   1000 | E =========================== G = K (facility, 2000,1000)
    //    700 | X (home on A-E)               ‖
    //        | ‖                             ‖
    //      0 | A ------------>-------------- D      (or A --------<------ D)
    //    -80 | F (facility, -60,-80)          H (home, 2060,-80)
    //
    // F is 100 m from A and farther from every other point of the network, so it snaps to A
    // (an end of both way 200 and way 201); likewise H snaps to D (end of ways 200 and 203).
    // Off-road legs are walked at 4.5 km/h: 100 m = 1.33 min. Neither route below uses way 200,
    // so both drawings give the same minutes; in one of them the snap is at the end of way 200
    // that its traffic cannot leave (A -> D: at D; D -> A: at A).
    const std::string oneway_a_to_d =
        R"(  <way id="200" version="1"><nd ref="1"/><nd ref="2"/><tag k="highway" v="residential"/><tag k="oneway" v="yes"/></way>)";
    const std::string oneway_d_to_a =
        R"(  <way id="200" version="1"><nd ref="2"/><nd ref="1"/><tag k="highway" v="residential"/><tag k="oneway" v="yes"/></way>)";
    write_text(tmp.file("oneway_a_to_d.osm"), detour_osm(oneway_a_to_d));
    write_text(tmp.file("oneway_d_to_a.osm"), detour_osm(oneway_d_to_a));
    write_text(tmp.file("facility_f.geojson"), R"({"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"code":"F"},"geometry":{"type":"Point","coordinates":[120.997133228,31.293280034]}}
]})");
    write_text(tmp.file("facility_k.geojson"), R"({"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"code":"K"},"geometry":{"type":"Point","coordinates":[121.018870849,31.302849459]}}
]})");
    write_text(tmp.file("home_x.geojson"), R"({"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"name":"X"},"geometry":{"type":"Point","coordinates":[120.997837425,31.300309046]}}
]})");
    write_text(tmp.file("home_h.geojson"), R"({"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"name":"H"},"geometry":{"type":"Point","coordinates":[121.019396147,31.293105271]}}
]})");
    const std::string out = out_dir(tmp) + "/junction.geojson";
    for (const std::string network : {"oneway_a_to_d.osm", "oneway_d_to_a.osm"}) {
        const auto minutes = [&](const std::string& home, const std::string& facility, const std::string& profile) {
            const CliResult r = run_cli({"coverage", "--population", tmp.file(home), "--facilities", tmp.file(facility),
                                         "--network", tmp.file(network), "--working-crs", "EPSG:4549", "--profile",
                                         profile, "-o", out});
            CAPTURE(network, home, facility, profile, r.out, r.err);
            REQUIRE(r.exit_code == 0);
            return read_features(out).at(0).at("properties").at("minutes").get<double>();
        };
        // Walking X -> A -> F: 700 m at 75 m/min (9.33) + 1.33 = 10.67 min.
        CHECK(minutes("home_x.geojson", "facility_f.geojson", "walk") == Approx(10.67).margin(0.01));
        // Driving X -> A -> F: 700 m at 500 m/min (1.40) + 1.33 = 2.73 min. (Regression: F at A as
        // the end of way 200 was seeded only at way 200's other end D, so X had to go round
        // E, G, D: 5300 m + 1.33 = 11.93 min.)
        CHECK(minutes("home_x.geojson", "facility_f.geojson", "drive") == Approx(2.73).margin(0.01));
        // Driving H -> D -> G = K: 100 m walked (1.33) + 1000 m (2.00) = 3.33 min. (Regression: H at D
        // as the end of way 200 could only leave along way 200 towards A: D -> A -> E -> G = 5000 m
        // (10.00) + 1.33 = 11.33 min.)
        CHECK(minutes("home_h.geojson", "facility_k.geojson", "drive") == Approx(3.33).margin(0.01));
    }
}

TEST_CASE("coverage --network GeoJSON lines with --speed-field and --oneway-field", "[cli]") {
    TempDir tmp("cov-lines");
    // EPSG:4549 local metres. Four lines with `speed` (km/h) and `ow`:
    //
    //   1000 | E ========== L3 30 km/h, ow 0 ===== Q ======== C
    //        | ‖                                             |
    //        | L4 30 km/h, ow "no"                    L2 20 km/h, drawn B -> C, ow -1 (C -> B only)
    //        | ‖                                             P (3000,500)
    //      0 | A ==== F (600,0) ====== L1 60 km/h, ow 0 ==== B
    //        | 0                       1500                  3000
    // Driving from the homes P and Q to F:
    //   P, oneway ignored or honoured: P -> B 500 m at 20 (1.50 min), with L2's traffic, + B -> F
    //                       2400 m at 60 (2.40) = 3.90 min
    //   Q:                  Q -> E 1500 m at 30 (3.00) + E -> A 1000 m at 30 (2.00) + A -> F 600 m
    //                       at 60 (0.60) = 5.60 min (via C and B: 3.00 + 3.00 + 2.40 = 8.40)
    //   Without --speed-field every line is driven at the default 30 km/h (500 m/min):
    //   P: 500 + 2400 m = 5.80 min; Q: 1500 + 1000 + 600 m = 6.20 min.
    // The other way round, F as the home and P as the facility:
    //   oneway ignored:  F -> B 2.40 + B -> P 1.50 = 3.90 min
    //   oneway honoured: B -> P is against L2's traffic; F -> A 600 m at 60 (0.60) + A -> E 1000 m
    //                    at 30 (2.00) + E -> C 3000 m at 30 (6.00) + C -> P 500 m at 20 (1.50) = 10.10 min
    write_text(tmp.file("centre_lines.geojson"), R"({"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"name":"L1","speed":60,"ow":"0"},"geometry":{"type":"LineString","coordinates":[[120.997770913,31.293996568],[121.029275218,31.293747966]]}},
{"type":"Feature","properties":{"name":"L2","speed":20,"ow":"-1"},"geometry":{"type":"LineString","coordinates":[[121.029275218,31.293747966],[121.029373240,31.302765704]]}},
{"type":"Feature","properties":{"name":"L3","speed":30,"ow":"0"},"geometry":{"type":"LineString","coordinates":[[120.997865936,31.303014393],[121.029373240,31.302765704]]}},
{"type":"Feature","properties":{"name":"L4","speed":30,"ow":"no"},"geometry":{"type":"LineString","coordinates":[[120.997770913,31.293996568],[120.997865936,31.303014393]]}}
]})");
    write_text(tmp.file("facility.geojson"), R"({"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"code":"F"},"geometry":{"type":"Point","coordinates":[121.004071805,31.293947465]}}
]})");
    write_text(tmp.file("homes.geojson"), R"({"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"name":"P"},"geometry":{"type":"Point","coordinates":[121.029324224,31.298256837]}},
{"type":"Feature","properties":{"name":"Q"},"geometry":{"type":"Point","coordinates":[121.013619637,31.302891014]}}
]})");
    const std::string out = out_dir(tmp) + "/lines.geojson";
    const auto minutes = [&](const std::vector<std::string>& extra) {
        std::vector<std::string> args{"coverage", "--population", tmp.file("homes.geojson"), "--facilities",
                                      tmp.file("facility.geojson"), "--network", tmp.file("centre_lines.geojson"),
                                      "--working-crs", "EPSG:4549", "-o", out};
        args.insert(args.end(), extra.begin(), extra.end());
        const CliResult r = run_cli(args);
        CAPTURE(extra, r.out, r.err);
        REQUIRE(r.exit_code == 0);
        const json f = read_features(out);
        REQUIRE(f.size() == 2);
        return std::vector<double>{f[0].at("properties").at("minutes").get<double>(),
                                   f[1].at("properties").at("minutes").get<double>()};
    };
    const auto speed_only = minutes({"--profile", "drive", "--speed-field", "speed"});
    CHECK(speed_only[0] == Approx(3.90).margin(0.01));
    CHECK(speed_only[1] == Approx(5.60).margin(0.01));
    const auto speed_oneway = minutes({"--profile", "drive", "--speed-field", "speed", "--oneway-field", "ow"});
    CHECK(speed_oneway[0] == Approx(3.90).margin(0.01));
    CHECK(speed_oneway[1] == Approx(5.60).margin(0.01));
    write_text(tmp.file("facility_p.geojson"), R"({"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"code":"P"},"geometry":{"type":"Point","coordinates":[121.029324224,31.298256837]}}
]})");
    const auto from_f_to_p = [&](const std::vector<std::string>& extra) {
        std::vector<std::string> args{"coverage", "--population", tmp.file("facility.geojson"), "--facilities",
                                      tmp.file("facility_p.geojson"), "--network", tmp.file("centre_lines.geojson"),
                                      "--working-crs", "EPSG:4549", "--profile", "drive", "--speed-field", "speed",
                                      "-o", out};
        args.insert(args.end(), extra.begin(), extra.end());
        const CliResult r = run_cli(args);
        CAPTURE(extra, r.out, r.err);
        REQUIRE(r.exit_code == 0);
        return read_features(out).at(0).at("properties").at("minutes").get<double>();
    };
    CHECK(from_f_to_p({}) == Approx(3.90).margin(0.01));
    CHECK(from_f_to_p({"--oneway-field", "ow"}) == Approx(10.10).margin(0.01));
    const auto default_speed = minutes({"--profile", "drive"});
    CHECK(default_speed[0] == Approx(5.80).margin(0.01));
    CHECK(default_speed[1] == Approx(6.20).margin(0.01));
    // --drive-default-kmh 60 halves those: 2.90 and 3.10 min.
    const auto fast_default = minutes({"--profile", "drive", "--drive-default-kmh", "60"});
    CHECK(fast_default[0] == Approx(2.90).margin(0.01));
    CHECK(fast_default[1] == Approx(3.10).margin(0.01));
    // Walking ignores the speed and oneway fields. With --walk-kmh 9 (150 m/min):
    // P: P -> B -> F = 500 + 2400 = 2900 m = 19.33 min;
    // Q: Q -> E -> A -> F = 1500 + 1000 + 600 = 3100 m = 20.67 min (via C, B: 4900 m).
    std::vector<std::string> walk{"--profile", "walk", "--walk-kmh", "9", "--speed-field", "speed",
                                  "--oneway-field", "ow", "--minutes", "30"};  // default cutoff 15 elsewhere
    const auto walked = minutes(walk);
    CHECK(walked[0] == Approx(19.33).margin(0.01));
    CHECK(walked[1] == Approx(20.67).margin(0.01));
}

// ---------------------------------------------------------------------------------------------
// 5. GeoPackage and Shapefile outputs
// ---------------------------------------------------------------------------------------------

TEST_CASE("coverage writes .gpkg and .shp outputs with the same values", "[cli]") {
    TempDir tmp("cov-formats");
    write_text(tmp.file("residential_points.geojson"), population_points);
    write_text(tmp.file("facilities.geojson"), facilities_f1_f2);
    const std::string dir = out_dir(tmp);
    for (const std::string ext : {".gpkg", ".shp"}) {
        SECTION(ext) {
            const std::string out = dir + "/coverage" + ext;
            const CliResult r = run_cli({"coverage", "--population", tmp.file("residential_points.geojson"),
                                         "--facilities", tmp.file("facilities.geojson"), "--facilities-id-field",
                                         "code", "-o", out});
            CAPTURE(r.out, r.err);
            REQUIRE(r.exit_code == 0);
            const kepu15::io::VectorLayer layer = kepu15::io::read_vector(out);
            REQUIRE(layer.features.size() == 4);
            // Shapefile field names have at most 10 characters: facility_id becomes facility_i.
            const std::string id_field = ext == ".shp" ? "facility_i" : "facility_id";
            if (ext == ".shp") CHECK(r.err.find("'facility_id' is written as 'facility_i'") != std::string::npos);
            const std::size_t name_i = layer.field_index("name");
            const std::size_t households_i = layer.field_index("households");
            const std::size_t dist_i = layer.field_index("distance_m");
            const std::size_t fac_i = layer.field_index(id_field);
            const std::size_t cov_i = layer.field_index("covered");
            const std::vector<int> covered{1, 0, 1, 0};
            const std::vector<int> households{120, 80, 0, 45};
            for (std::size_t i = 0; i < 4; ++i) {
                const auto& v = layer.features[i].values;
                CAPTURE(i);
                CHECK(kepu15::io::as_text(v[name_i]) == points_expected[i].name);
                CHECK(kepu15::io::as_number(v[households_i]) == households[i]);
                CHECK(kepu15::io::as_number(v[dist_i]).value_or(-1) ==
                      Approx(points_expected[i].distance_m).margin(0.011));
                CHECK(kepu15::io::as_text(v[fac_i]) == points_expected[i].facility);
                CHECK(kepu15::io::as_number(v[cov_i]) == covered[i]);
                REQUIRE(layer.features[i].geometry.kind == kepu15::io::GeometryKind::point);
            }
            const kepu15::Point p1 = layer.features[0].geometry.points.front();
            CHECK(p1.x == Approx(121.006856396).margin(1e-7));
            CHECK(p1.y == Approx(31.298513280).margin(1e-7));
            // Only the output's own files (with the Shapefile field-name mapping), no temporary leftovers.
            for (const auto& f : files_below(dir)) {
                CAPTURE(f);
                CHECK(fs::path(f).filename().string().rfind("coverage.", 0) == 0);
            }
            if (ext == ".shp") CHECK(fs::exists(dir + "/coverage.fieldnames.csv"));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 6. Bad input: documented exit codes, a message naming the culprit, nothing left behind
// ---------------------------------------------------------------------------------------------

TEST_CASE("coverage bad input exits with the documented code and leaves no output", "[cli]") {
    TempDir tmp("cov-bad");
    write_text(tmp.file("homes.geojson"), street_population);
    write_text(tmp.file("facility.geojson"), street_facility);
    write_text(tmp.file("street.osm"), street_osm);
    write_text(tmp.file("nodes_only.osm"), R"(<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="kepu15 test">
  <node id="1" version="1" lat="31.293996568" lon="120.997770913"/>
  <node id="2" version="1" lat="31.293935141" lon="121.005647026"/>
</osm>
)");
    write_text(tmp.file("garbage.osm.pbf"), "this is not a protocol buffer\n\x01\x02\x03 at all");
    write_text(tmp.file("lines_without_speed.geojson"), R"({"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"name":"L1","kmh":60},"geometry":{"type":"LineString","coordinates":[[120.997770913,31.293996568],[121.029275218,31.293747966]]}}
]})");
    const std::string out_folder = out_dir(tmp);
    const std::string out = out_folder + "/result.geojson";
    const std::vector<std::string> base{"coverage", "--population", tmp.file("homes.geojson"), "--facilities",
                                        tmp.file("facility.geojson"), "-o", out};
    struct Case {
        std::string what;
        std::vector<std::string> args;
        int exit_code;
        std::vector<std::string> message;
    };
    const auto with = [&](std::vector<std::string> extra) {
        std::vector<std::string> a = base;
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    };
    const std::vector<Case> cases{
        {"missing population file",
         {"coverage", "--population", tmp.file("no_such_homes.geojson"), "--facilities", tmp.file("facility.geojson"),
          "-o", out},
         3,
         {"no_such_homes.geojson", "not found"}},
        {"unknown facilities CRS", with({"--facilities-crs", "EPSG:999999"}), 4, {"EPSG:999999"}},
        {"unknown profile", with({"--profile", "skateboard"}), 6, {"skateboard"}},
        {"unknown profile with a network", with({"--network", tmp.file("street.osm"), "--profile", "car"}), 6, {"car"}},
        {"negative radius", with({"--radius-m", "-5"}), 2, {"--radius-m"}},
        {"non-numeric minutes", with({"--minutes", "fifteen"}), 2, {"--minutes"}},
        {"missing --out", {"coverage", "--population", tmp.file("homes.geojson"), "--facilities",
                            tmp.file("facility.geojson")}, 2, {"--out"}},
        {"OSM file without ways", with({"--network", tmp.file("nodes_only.osm")}), 3, {"nodes_only.osm"}},
        {"garbage .pbf", with({"--network", tmp.file("garbage.osm.pbf")}), 3, {"garbage.osm.pbf"}},
        {"line layer without the speed field",
         with({"--network", tmp.file("lines_without_speed.geojson"), "--profile", "drive", "--speed-field", "speed"}),
         3,
         {"lines_without_speed.geojson", "speed"}},
        {"unknown facility id field", with({"--facilities-id-field", "nope"}), 3, {"nope"}},
        {"unknown working CRS", with({"--working-crs", "EPSG:0"}), 4, {"EPSG:0"}},
    };
    for (const auto& c : cases) {
        SECTION(c.what) {
            const CliResult r = run_cli(c.args);
            CAPTURE(c.what, r.exit_code, r.out, r.err);
            CHECK(r.exit_code == c.exit_code);
            for (const auto& m : c.message) {
                CAPTURE(m);
                CHECK(r.err.find(m) != std::string::npos);
            }
            // Nothing in the output folder: no result, no temporary file.
            CHECK(files_below(out_folder).empty());
        }
    }
}

TEST_CASE("coverage into a folder that does not exist exits 7 and creates nothing", "[cli]") {
    TempDir tmp("cov-nofolder");
    write_text(tmp.file("homes.geojson"), street_population);
    write_text(tmp.file("facility.geojson"), street_facility);
    const CliResult r = run_cli({"coverage", "--population", tmp.file("homes.geojson"), "--facilities",
                                 tmp.file("facility.geojson"), "-o", tmp.file("missing/folder/result.geojson")});
    CAPTURE(r.out, r.err);
    CHECK(r.exit_code == 7);
    CHECK(r.err.find("result.geojson") != std::string::npos);
    CHECK_FALSE(fs::exists(tmp.file("missing/folder/result.geojson")));
}

// ---------------------------------------------------------------------------------------------
// 7. Help and version
// ---------------------------------------------------------------------------------------------

TEST_CASE("kepu15 --help, run --help and coverage --help document options with units and defaults", "[cli]") {
    const CliResult top = run_cli({"--help"});
    CHECK(top.exit_code == 0);
    CHECK(top.out.find("run") != std::string::npos);
    CHECK(top.out.find("coverage") != std::string::npos);
    CHECK(top.out.find("Exit codes") != std::string::npos);

    const CliResult run = run_cli({"run", "--help"});
    CHECK(run.exit_code == 0);
    for (const std::string s : {"--out", "--threads", "--timings", "--methods", "--profiles", "--no-isochrones",
                                "DEFAULT: number of cores", "DEFAULT: maps/"}) {
        CAPTURE(s);
        CHECK(run.out.find(s) != std::string::npos);
    }

    const CliResult cov = run_cli({"coverage", "--help"});
    CHECK(cov.exit_code == 0);
    for (const std::string s :
         {"--population", "--population-crs", "--population-field", "--facilities", "--facilities-crs", "GCJ-02",
          "--facilities-id-field", "--working-crs", "--radius-m", "metres", "DEFAULT: 1000", "--network", "--profile",
          "DEFAULT: walk", "--minutes", "DEFAULT: 15", "--speed-field", "km/h", "--oneway-field", "--max-snap-m",
          "DEFAULT: 500", "--walk-kmh", "DEFAULT: 4.5", "--drive-default-kmh", "DEFAULT: 30", "--out"}) {
        CAPTURE(s);
        CHECK(cov.out.find(s) != std::string::npos);
    }

    const CliResult version = run_cli({"--version"});
    CHECK(version.exit_code == 0);
    CHECK(version.out.find("kepu15 0.1.0") != std::string::npos);
}
