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
