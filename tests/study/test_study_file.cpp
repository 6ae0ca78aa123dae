#include "kepu15/error.hpp"
#include "kepu15/study/study.hpp"

#include "../support/paths.hpp"

#include <catch2/catch.hpp>

#include <fstream>

using kepu15::config_error;
using kepu15::study::load_study;
using kepu15::study::Method;

namespace {
std::string write_study(const kepu15::test::TempDir& dir, const std::string& text) {
    const std::string path = dir.file("study.toml");
    std::ofstream(path) << text;
    return path;
}

const char* minimal = R"(
[units]
path = "towns.geojson"
[population]
path = "pop.tif"
[[facilities]]
kind = "station"
path = "stations.geojson"
)";
}  // namespace

TEST_CASE("a minimal study file gets the documented defaults", "[study]") {
    kepu15::test::TempDir dir("study");
    const auto s = load_study(write_study(dir, minimal));
    REQUIRE(s.units.source.path == (dir.path() / "towns.geojson").string());
    REQUIRE(s.units.code_field == "code");
    REQUIRE(s.population.band == 1);
    REQUIRE(s.methods == std::vector<Method>{Method::crowfly});
    REQUIRE(s.radius_m == 1000.0);
    REQUIRE(s.minutes == 15.0);
    REQUIRE(s.facilities.size() == 1);
    REQUIRE(s.facilities[0].label == "station");
    REQUIRE(s.radius_for(s.facilities[0]) == 1000.0);
    REQUIRE(s.working_crs.empty());
    REQUIRE_FALSE(s.network.has_value());
}

TEST_CASE("study file keys are read with their types", "[study]") {
    kepu15::test::TempDir dir("study");
    const auto s = load_study(write_study(dir, std::string(minimal) + R"(
[[facilities]]
kind = "venue"
path = "/data/venues.csv"
crs = "GCJ-02"
radius_m = 3000
minutes = 20
filter = "open = 1"
[coverage]
methods = ["crowfly", "network"]
profiles = ["walk", "drive"]
radius_m = 800
[network]
path = "roads.gpkg"
speed_field = "speed"
max_snap_m = 300
[network.speeds]
walk_kmh = 5
[network.speeds.drive_by_highway]
primary = 70
)"));
    REQUIRE(s.facilities.size() == 2);
    REQUIRE(s.facilities[1].source.path == "/data/venues.csv");
    REQUIRE(s.facilities[1].source.read.crs == "GCJ-02");
    REQUIRE(s.facilities[1].source.read.attribute_filter == "open = 1");
    REQUIRE(s.radius_for(s.facilities[0]) == 800.0);
    REQUIRE(s.radius_for(s.facilities[1]) == 3000.0);
    REQUIRE(s.minutes_for(s.facilities[1]) == 20.0);
    REQUIRE(s.uses(Method::network));
    REQUIRE(s.profiles.size() == 2);
    REQUIRE(s.network->max_snap_m == 300.0);
    REQUIRE(s.network->speeds.walk_kmh == 5.0);
    REQUIRE(s.network->speeds.elderly_kmh == 2.7);
    REQUIRE(s.network->speeds.drive_kmh_by_highway.at("primary") == 70.0);
}

TEST_CASE("study file mistakes are config errors naming the file and key", "[study]") {
    kepu15::test::TempDir dir("study");
    const auto expect_error = [&](const std::string& text, const std::string& fragment) {
        const std::string path = write_study(dir, text);
        try {
            load_study(path);
            FAIL("no error for: " << text);
        } catch (const config_error& e) {
            const std::string what = e.what();
            CAPTURE(what);
            REQUIRE(what.find("study.toml") != std::string::npos);
            REQUIRE(what.find(fragment) != std::string::npos);
        }
    };
    expect_error(std::string(minimal) + "[coverage]\nradius_m = \"far\"\n", "radius_m");
    expect_error(std::string(minimal) + "[coverage]\nradius_m = -5\n", "radius_m");
    expect_error(std::string(minimal) + "[coverage]\nprofiles = [\"swim\"]\n", "swim");
    expect_error(std::string(minimal) + "[coverage]\nmethods = [\"network\"]\n", "[network]");
    expect_error(std::string(minimal) + "[coverage]\nradius = 5\n", "unknown key 'radius'");
    expect_error("[population]\npath = \"p.tif\"\n", "[units]");
    expect_error("[units]\npath = \"t.shp\"\n[population]\npath = \"p.tif\"\n", "[[facilities]]");
    expect_error(std::string(minimal) + "[[facilities]]\nkind = \"station\"\npath = \"x.csv\"\n", "twice");
    expect_error(std::string(minimal) + "[[facilities]]\nkind = \"Bad Kind\"\npath = \"x.csv\"\n", "Bad Kind");
    expect_error("[units\npath = 1", "study.toml:");
    REQUIRE_THROWS_AS(load_study(dir.file("missing.toml")), config_error);
}

// ---- Issue 7: numbers are checked against their declared ranges -------------------------------

namespace {
std::string load_error(const std::string& extra) {
    kepu15::test::TempDir dir("study-range");
    try {
        (void)load_study(write_study(dir, std::string(minimal) + extra));
    } catch (const config_error& e) {
        return e.what();
    }
    return "accepted";
}
}  // namespace

TEST_CASE("Non-finite and absurd numbers in a study file are config_errors naming key and range", "[study]") {
    using Catch::Matchers::Contains;
    CHECK_THAT(load_error("[coverage]\nradius_m = nan\n"), Contains("'radius_m' must be a finite number"));
    CHECK_THAT(load_error("[coverage]\nisochrone_minutes = [5, inf]\n"),
               Contains("isochrone_minutes") && Contains("(got inf)"));
    CHECK_THAT(load_error("[coverage]\nisochrone_cell_m = 0.5\n"), Contains("within 5..1000 m (got 0.5)"));
    CHECK_THAT(load_error("[coverage]\nisochrone_cell_m = 1e-5\n"), Contains("(got 1e-05)"));
    CHECK_THAT(load_error("[coverage]\nminutes = 1e300\n"), Contains("'minutes' must be within 0.5..240 min"));
    CHECK_THAT(load_error("[coverage]\nprofiles = [\"walk\", \"walk\"]\n"), Contains("listed twice"));
    CHECK_THAT(load_error("[network]\npath = \"r.osm.pbf\"\nsnap_tolerance_m = -1\n"),
               Contains("'snap_tolerance_m' must be within 0..100 m (got -1)"));
    CHECK_THAT(load_error("[network]\npath = \"r.osm.pbf\"\n[network.speeds]\nwalk_kmh = 1e9\n"),
               Contains("[network.speeds]") && Contains("'walk_kmh' must be within 1..10 km/h (got 1e+09)"));
    CHECK_THAT(load_error("[network]\npath = \"r.osm.pbf\"\n[network.speeds.drive_by_highway]\nprimary = 1e-4\n"),
               Contains("'primary' must be within 1..200 km/h (got 0.0001)"));
    CHECK(load_error("[network]\npath = \"r.osm.pbf\"\n[network.speeds.drive_by_highway]\n\"主干路\" = 55\n") ==
          "accepted");
    CHECK_THAT(load_error("[network]\npath = \"r.osm.pbf\"\nencoding = \"KLINGON\"\n"),
               Contains("unknown encoding 'KLINGON'"));
}

TEST_CASE("Raster bands are whole numbers within range", "[study]") {
    using Catch::Matchers::Contains;
    kepu15::test::TempDir dir("study-band");
    const std::string with_band = R"(
[units]
path = "towns.geojson"
[population]
path = "pop.tif"
band = BAND
[[facilities]]
kind = "station"
path = "stations.geojson"
)";
    const auto error_for = [&](const std::string& band) -> std::string {
        std::string text = with_band;
        text.replace(text.find("BAND"), 4, band);
        try {
            (void)load_study(write_study(dir, text));
        } catch (const config_error& e) {
            return e.what();
        }
        return "accepted";
    };
    CHECK_THAT(error_for("1.9"), Contains("must be a whole number within 1..65535 (got 1.9)"));
    CHECK_THAT(error_for("1e20"), Contains("(got 1e+20)"));
    CHECK_THAT(error_for("0"), Contains("(got 0)"));
    CHECK(error_for("2") == "accepted");
}

TEST_CASE("[population] negative is error by default or clamp", "[study]") {
    kepu15::test::TempDir dir("study-negative");
    CHECK(load_study(write_study(dir, minimal)).population.negative == kepu15::io::NegativeValues::error);
    const std::string clamp = std::string(minimal).replace(std::string(minimal).find("path = \"pop.tif\""),
                                                           16, "path = \"pop.tif\"\nnegative = \"clamp\"");
    CHECK(load_study(write_study(dir, clamp)).population.negative == kepu15::io::NegativeValues::clamp);
}

TEST_CASE("A folder given as the study file says it is a folder", "[study]") {
    kepu15::test::TempDir dir("study-folder");
    CHECK_THROWS_WITH(load_study(dir.path().string()), Catch::Matchers::Contains("is a folder"));
}
