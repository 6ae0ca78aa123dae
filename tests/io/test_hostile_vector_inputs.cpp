// Hostile and broken vector inputs get a clear refusal naming file, layer and row (issue 7).
#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "kepu15/error.hpp"
#include "kepu15/io/vector_reader.hpp"
#include "test_support_io.hpp"

using namespace kepu15;
using namespace kepu15::io;
using Catch::Matchers::Contains;
using kepu15::test::io_fixture;
namespace fs = std::filesystem;

TEST_CASE("A latitude beyond 90 degrees is an input_error naming the CSV row", "[io]") {
    // Regression (issue 7): `coverage` silently dropped a facility at latitude 95.
    test::TempDir dir("lat95");
    const std::string path = dir.file("stations.csv");
    std::ofstream(path) << "id,lon,lat\nA,120.95,31.38\nB,120.96,95\n";
    CHECK_THROWS_MATCHES(read_vector(path), input_error,
                         test::What(Contains("stations.csv, layer stations, row 2") && Contains("-90..90")));
}

TEST_CASE("Swapped longitude and latitude get a hint", "[io]") {
    test::TempDir dir("swapped");
    const std::string path = dir.file("stations.csv");
    std::ofstream(path) << "id,lon,lat\nA,31.38,120.95\n";
    CHECK_THROWS_MATCHES(read_vector(path), input_error,
                         test::What(Contains("row 1") && Contains("look swapped") && Contains("x_field")));
}

TEST_CASE("A Shapefile without its .dbf names the missing file", "[io]") {
    // Regression (issue 7): it said "field 'code' not found (fields: none)".
    test::TempDir dir("nodbf");
    for (const char* ext : {".shp", ".shx", ".prj"}) {
        fs::copy_file(io_fixture(std::string("schools_gbk") + ext), dir.file(std::string("schools") + ext));
    }
    CHECK_THROWS_MATCHES(read_vector(dir.file("schools.shp")), input_error,
                         test::What(Contains("schools.dbf is missing")));
}

TEST_CASE("An unreadable .prj is a crs_error saying so, not 'the file has no CRS'", "[io]") {
    test::TempDir dir("badprj");
    for (const char* ext : {".shp", ".shx", ".dbf", ".cpg"}) {
        fs::copy_file(io_fixture(std::string("schools_gbk") + ext), dir.file(std::string("schools") + ext));
    }
    std::ofstream(dir.file("schools.prj")) << "this is not a CRS";
    CHECK_THROWS_MATCHES(read_vector(dir.file("schools.shp")), crs_error,
                         test::What(Contains("schools.shp") && Contains(".prj file cannot be read")));
}

TEST_CASE("A folder given as a layer says it is a folder", "[io]") {
    test::TempDir dir("folder");
    fs::create_directories(dir.path() / "roads");
    CHECK_THROWS_MATCHES(read_vector(dir.file("roads")), input_error, test::What(Contains("is a folder")));
}

TEST_CASE("CSV messages name rows, other formats features", "[io]") {
    const VectorLayer csv = read_vector(io_fixture("pois_lnglat.csv"));
    REQUIRE_FALSE(csv.features.empty());
    CHECK_THAT(csv.where(csv.features[0]), Contains("pois_lnglat.csv, layer pois_lnglat, row 1"));
    const VectorLayer json = read_vector(io_fixture("points_wgs84.geojson"));
    CHECK_THAT(json.where(json.features[0]), Contains(", feature "));
}

TEST_CASE("A GeoPackage layer with srs_id 0 (undefined SRS) is a crs_error, not a CRS", "[io]") {
    // Regression (issue 7): "Undefined geographic SRS" was taken as the layer's CRS.
    test::TempDir dir("srs0");
    const std::string path = dir.file("points.gpkg");
    {
        GDALAllRegister();
        GDALDriver* driver = GetGDALDriverManager()->GetDriverByName("GPKG");
        REQUIRE(driver != nullptr);
        GDALDatasetUniquePtr ds(driver->Create(path.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
        REQUIRE(ds);
        OGRLayer* layer = ds->CreateLayer("points", nullptr, wkbPoint, nullptr);  // no SRS: srs_id 0
        REQUIRE(layer != nullptr);
        OGRFeature feature(layer->GetLayerDefn());
        OGRPoint point(120.9, 31.3);
        feature.SetGeometry(&point);
        REQUIRE(layer->CreateFeature(&feature) == OGRERR_NONE);
    }
    CHECK_THROWS_MATCHES(read_vector(path), crs_error,
                         test::What(Contains("points.gpkg, layer points") && Contains("undefined")));
    ReadOptions options;
    options.crs = "EPSG:4326";
    CHECK(read_vector(path, options).features.size() == 1);
}

TEST_CASE("A GeoJSON 'crs' member naming an unknown CRS is a crs_error, not silently WGS84", "[io]") {
    test::TempDir dir("geojson-crs");
    const std::string path = dir.file("points.geojson");
    std::ofstream(path)
        << R"({"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::999999"}},
"features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[120.9,31.3]}}]})";
    CHECK_THROWS_MATCHES(read_vector(path), crs_error,
                         test::What(Contains("points.geojson, layer points") && Contains("'crs' member")));
}

TEST_CASE("A CSV with two longitude columns (lng and lon) uses the first name in the list", "[io]") {
    // Regression (fuzz_csv): GDAL 3.6's CSV driver read out of bounds when two columns matched
    // X_POSSIBLE_NAMES (fuzz/regressions/fuzz_csv/two_x_columns_gdal_oob.csv).
    test::TempDir dir("two-x");
    const std::string path = dir.file("sites.csv");
    std::ofstream(path) << "name,lng,l,lon,lat\nA,120.95,x,31.38,31.38\nB,121.0,y,,31.4\n";
    const VectorLayer layer = read_vector(path);
    REQUIRE(layer.features.size() == 2);
    CHECK(layer.features[0].geometry.points.at(0) == Point{120.95, 31.38});
    CHECK(layer.find_field("lon") >= 0);  // an ordinary column now
    const std::string copies = dir.file("copies.csv");
    std::ofstream(copies) << "name,lon,lon,lat\nA,120.95,120.96,31.38\n";
    CHECK_THROWS_MATCHES(read_vector(copies), input_error,
                         test::What(Contains("copies.csv") && Contains("'lon' appears 2 times")));
}
