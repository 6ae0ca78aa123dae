// Suspicious study inputs are reported (issue 7): duplicate and empty facility ids, cells that
// cannot be projected. Uses the tiny_crowfly golden case's units and grid.
#include <catch2/catch.hpp>
#include <fstream>

#include "../io/test_support_io.hpp"
#include "kepu15/error.hpp"
#include "kepu15/study/inputs.hpp"
#include "kepu15/study/study.hpp"

using namespace kepu15;
using Catch::Matchers::Contains;

namespace {


std::string tiny(const std::string& file) {
    return (test::source_dir() / "tests/e2e/cases/tiny_crowfly" / file).string();
}

std::string write_study(const test::TempDir& dir, const std::string& population,
                        const std::string& stations) {
    const std::string path = dir.file("study.toml");
    std::ofstream(path) << "[study]\nworking_crs = \"EPSG:4549\"\n[units]\npath = \"" << tiny("towns.geojson")
                        << "\"\n[population]\npath = \"" << population
                        << "\"\ncrs = \"EPSG:4549\"\n[[facilities]]\nkind = \"station\"\npath = \""
                        << stations << "\"\ncrs = \"EPSG:4549\"\nid_field = \"id\"\n";
    return path;
}

}  // namespace

TEST_CASE("Duplicate and empty facility ids are reported with their rows", "[study]") {
    test::TempDir dir("dup-ids");
    const std::string stations = dir.file("stations.csv");
    std::ofstream(stations)
        << "id,name,x,y\nA,one,500050,3470250\nA,two,500350,3470050\n,three,500150,3470150\n";
    Diagnostics diag;
    const study::Inputs in =
        study::load_inputs(study::load_study(write_study(dir, tiny("population.asc"), stations)), diag);
    REQUIRE(in.facilities.at(0).id.size() == 3);
    bool duplicate = false;
    bool empty = false;
    for (const auto& w : diag.warnings()) {
        duplicate = duplicate || (w.find("stations.csv") != std::string::npos &&
                                  w.find("duplicate ids: 'A' (row 1 and 2)") != std::string::npos);
        empty = empty || (w.find("empty or null 'id' (row 3)") != std::string::npos);
    }
    CHECK(duplicate);
    CHECK(empty);
}

TEST_CASE("Cells of an absurd pixel size are reported with their position and the pixel size, never nan",
          "[study]") {
    // Regression (issue 7): a 1e7 m pixel reported cells at "(nan, nan)".
    test::TempDir dir("huge-pixel");
    const std::string pop = dir.file("population.asc");
    std::ofstream(pop) << "ncols 2\nnrows 1\nxllcorner 500000\nyllcorner 3470000\ncellsize 10000000\n5 6\n";
    try {
        Diagnostics diag;
        (void)study::load_inputs(study::load_study(write_study(dir, pop, tiny("stations.csv"))), diag);
        FAIL("accepted");
    } catch (const input_error& e) {
        const std::string what = e.what();
        CAPTURE(what);
        CHECK_THAT(what, Contains("population.asc") && Contains("pixel size 1e+07"));
        CHECK(what.find("nan") == std::string::npos);
    }
}
