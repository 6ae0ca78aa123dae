// End-to-end tests of `kepu15 access`: the hand-computed 2SFCA / E2SFCA fixture of
// tests/access/test_fca.cpp through the CLI with an origin-destination cost table, crow-fly costs
// on metric coordinates, and every bad input refused with exit code 3, the file and row named,
// and no output written.
//
// Fixture (costs in minutes; catchment 15):   supply capacity (seats): D0 = 10, D1 = 5, D2 = 7
//   demand (pop)  D0   D1
//   O0  100        3   12
//   O1  200        8   20 (beyond 15)
//   O2  300       14    4
//   O3   50        -    -
#include "../support/cli.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using kepu15::test::CliResult;
using kepu15::test::files_below;
using kepu15::test::run_cli;
using kepu15::test::TempDir;
using nlohmann::json;

namespace {

std::string write_text(const TempDir& dir, const std::string& name, const std::string& text) {
    const std::string path = dir.file(name);
    std::ofstream out(path, std::ios::binary);
    out << text;
    REQUIRE(out.good());
    return path;
}

// Properties of a GeoJSON output keyed by `key`.
std::map<std::string, json> properties_by(const std::string& path, const std::string& key) {
    REQUIRE(fs::exists(path));
    const json doc = json::parse(kepu15::test::slurp(path));
    std::map<std::string, json> out;
    for (const auto& f : doc.at("features"))
        out[f.at("properties").at(key).get<std::string>()] = f.at("properties");
    return out;
}

struct Fixture {
    TempDir dir{"access-cli"};
    std::string demand = write_text(dir, "demand.csv",
                                    "id,lon,lat,pop\n"
                                    "O0,121.000,31.300,100\n"
                                    "O1,121.001,31.300,200\n"
                                    "O2,121.002,31.300,300\n"
                                    "O3,121.003,31.300,50\n");
    std::string supply = write_text(dir, "supply.csv",
                                    "code,lon,lat,seats\n"
                                    "D0,121.000,31.301,10\n"
                                    "D1,121.001,31.301,5\n"
                                    "D2,121.002,31.301,7\n");
    std::string costs = write_text(dir, "costs.csv",
                                   "origin,destination,minutes\n"
                                   "O0,D0,3\n"
                                   "O0,D1,12\n"
                                   "O1,D0,8\n"
                                   "O1,D1,20\n"
                                   "O2,D0,14\n"
                                   "O2,D1,4\n");
    std::string out_dir = dir.file("out");
    std::string out = out_dir + "/demand_access.geojson";
    std::string supply_out = out_dir + "/supply_ratio.geojson";

    [[nodiscard]] std::vector<std::string> args(const std::string& costs_path,
                                                const std::string& supply_path) const {
        return {"access", "--demand", demand,      "--demand-field",    "pop",     "--demand-id-field",
                "id",     "--supply", supply_path, "--supply-id-field", "code",    "--capacity-field",
                "seats",  "--costs",  costs_path,  "--cost-field",      "minutes", "--catchment",
                "15",     "--out",    out,         "--supply-out",      supply_out};
    }
    [[nodiscard]] std::vector<std::string> args() const { return args(costs, supply); }
};

std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& more) {
    a.insert(a.end(), more.begin(), more.end());
    return a;
}

}  // namespace

TEST_CASE("kepu15 access --costs: 2SFCA of the hand-computed fixture", "[cli]") {
    const Fixture fx;
    const CliResult r = run_cli(fx.args());
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("2sfca") != std::string::npos);
    // 650 persons share 15 seats (D2's 7 reach nobody): mean access 15 / 650 = 0.023077; O3 reaches nothing.
    CHECK(r.out.find("mean access 0.023077 per person; 50 persons reach no supply; 1 supplies have nobody") !=
          std::string::npos);
    const auto d = properties_by(fx.out, "id");
    REQUIRE(d.size() == 4);
    // A_0 = 10/600 + 5/400 = 7/240; A_1 = 1/60; A_2 = 7/240; A_3 = 0. Inputs keep their fields.
    CHECK(d.at("O0").at("access").get<double>() == Approx(7.0 / 240).epsilon(1e-9));
    CHECK(d.at("O1").at("access").get<double>() == Approx(1.0 / 60).epsilon(1e-9));
    CHECK(d.at("O2").at("access").get<double>() == Approx(7.0 / 240).epsilon(1e-9));
    CHECK(d.at("O3").at("access").get<double>() == 0.0);
    CHECK(d.at("O2").at("pop") == "300");
    const auto s = properties_by(fx.supply_out, "code");
    REQUIRE(s.size() == 3);
    CHECK(s.at("D0").at("catchment_pop").get<double>() == Approx(600));
    CHECK(s.at("D0").at("ratio").get<double>() == Approx(1.0 / 60).epsilon(1e-9));
    CHECK(s.at("D1").at("catchment_pop").get<double>() == Approx(400));
    CHECK(s.at("D1").at("ratio").get<double>() == Approx(1.0 / 80).epsilon(1e-9));
    CHECK(s.at("D2").at("catchment_pop").get<double>() == 0.0);
    CHECK(s.at("D2").at("ratio").is_null());  // nobody within reach
}

TEST_CASE("kepu15 access --costs: E2SFCA stepped and Gaussian on the fixture", "[cli]") {
    const Fixture fx;
    CliResult r = run_cli(with(fx.args(), {"--method", "e2sfca"}));
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    auto d = properties_by(fx.out, "id");
    auto s = properties_by(fx.supply_out, "code");
    // V_0 = 100 + 0.68 x 200 + 0.22 x 300 = 302; V_1 = 0.22 x 100 + 300 = 322.
    CHECK(s.at("D0").at("catchment_pop").get<double>() == Approx(302));
    CHECK(s.at("D1").at("catchment_pop").get<double>() == Approx(322));
    CHECK(s.at("D0").at("ratio").get<double>() == Approx(10.0 / 302).epsilon(1e-9));
    CHECK(d.at("O0").at("access").get<double>() == Approx(10.0 / 302 + 0.22 * 5 / 322).epsilon(1e-9));
    CHECK(d.at("O1").at("access").get<double>() == Approx(0.68 * 10 / 302).epsilon(1e-9));
    CHECK(d.at("O2").at("access").get<double>() == Approx(0.22 * 10 / 302 + 5.0 / 322).epsilon(1e-9));

    // Custom zone weights: two halves of the catchment (0-7.5, 7.5-15) weighted 1 and 0.5.
    r = run_cli(with(fx.args(), {"--method", "e2sfca", "--step-weights", "1,0.5"}));
    REQUIRE(r.exit_code == 0);
    s = properties_by(fx.supply_out, "code");
    CHECK(s.at("D0").at("catchment_pop").get<double>() == Approx(100 + 100 + 150));

    r = run_cli(with(fx.args(), {"--method", "e2sfca", "--decay", "gaussian"}));
    REQUIRE(r.exit_code == 0);
    d = properties_by(fx.out, "id");
    const double e = std::exp(-0.5);
    const auto g = [&](double x) { return (std::exp(-0.5 * (x / 15) * (x / 15)) - e) / (1 - e); };
    const double v0 = 100 * g(3) + 200 * g(8) + 300 * g(14);
    CHECK(d.at("O1").at("access").get<double>() == Approx(g(8) * 10 / v0).epsilon(1e-9));
}

TEST_CASE("kepu15 access: crow-fly costs on metric coordinates", "[cli]") {
    // UTM 51N metres: homes at (0,0) and (900,0) from O = (310000, 3464000), one library of 40
    // seats at (300,400) (500 m from the first, 721 m from the second), catchment 600 m: only the
    // first home (pop 80) reaches it: ratio 40/80 = 0.5, access 0.5 and 0.
    TempDir dir("access-crowfly");
    const std::string demand =
        write_text(dir, "homes.csv", "id,x,y,pop\nA,310000,3464000,80\nB,310900,3464000,20\n");
    const std::string supply = write_text(dir, "library.csv", "x,y,seats\n310300,3464400,40\n");
    const std::string out = dir.file("homes_access.geojson");
    const std::string supply_out = dir.file("library_ratio.geojson");
    const CliResult r =
        run_cli({"access", "--demand",      demand,       "--demand-crs", "EPSG:32651", "--demand-field",
                 "pop",    "--supply",      supply,       "--supply-crs", "EPSG:32651", "--capacity-field",
                 "seats",  "--working-crs", "EPSG:32651", "--radius-m",   "600",        "--out",
                 out,      "--supply-out",  supply_out});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    const auto d = properties_by(out, "id");
    CHECK(d.at("A").at("access").get<double>() == Approx(0.5));
    CHECK(d.at("B").at("access").get<double>() == 0.0);
    const json lib = json::parse(kepu15::test::slurp(supply_out)).at("features").at(0).at("properties");
    CHECK(lib.at("catchment_pop").get<double>() == Approx(80));
    CHECK(lib.at("ratio").get<double>() == Approx(0.5));
}

TEST_CASE("kepu15 access --network: walking minutes along a street, 2SFCA by hand", "[cli]") {
    // EPSG:4549 metres, one two-way street along y = 3470150 from x = 500000 to 500600; walking
    // 4.5 km/h = 75 m/min. Library L (30 seats) at x = 500200, kiosk K (10 seats) at x = 500550,
    // both on the street. Home H1 (60 persons) on the street at x = 500100; H2 (40) 20 m north of
    // x = 500500. Minutes: H1-L 100 m = 1.33; H1-K 450 m = 6 (beyond 5); H2-L 20 + 300 m = 4.27;
    // H2-K 20 + 50 m = 0.93. Catchment 5 min: V_L = 100, R_L = 0.3; V_K = 40, R_K = 0.25;
    // A_H1 = 0.3, A_H2 = 0.3 + 0.25 = 0.55.
    TempDir dir("access-network");
    const std::string roads = write_text(dir, "street.geojson", R"({"type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4549"}},
        "features": [{"type": "Feature", "properties": {"name": "east-west"},
            "geometry": {"type": "LineString", "coordinates": [[500000, 3470150], [500600, 3470150]]}}]})");
    const std::string homes =
        write_text(dir, "homes.csv", "id,x,y,pop\nH1,500100,3470150,60\nH2,500500,3470170,40\n");
    const std::string venues =
        write_text(dir, "venues.csv", "id,x,y,seats\nL,500200,3470150,30\nK,500550,3470150,10\n");
    const std::string out = dir.file("homes_access.geojson");
    const std::string supply_out = dir.file("venues_ratio.geojson");
    const CliResult r =
        run_cli({"access",  "--demand",      homes,       "--demand-crs", "EPSG:4549", "--demand-field",
                 "pop",     "--supply",      venues,      "--supply-crs", "EPSG:4549", "--capacity-field",
                 "seats",   "--working-crs", "EPSG:4549", "--network",    roads,       "--profile",
                 "walk",    "--minutes",     "5",         "--out",        out,         "--supply-out",
                 supply_out});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    const auto d = properties_by(out, "id");
    CHECK(d.at("H1").at("access").get<double>() == Approx(0.3).epsilon(1e-9));
    CHECK(d.at("H2").at("access").get<double>() == Approx(0.55).epsilon(1e-9));
    const auto s = properties_by(supply_out, "id");
    CHECK(s.at("L").at("catchment_pop").get<double>() == Approx(100));
    CHECK(s.at("L").at("ratio").get<double>() == Approx(0.3).epsilon(1e-9));
    CHECK(s.at("K").at("catchment_pop").get<double>() == Approx(40));
    CHECK(s.at("K").at("ratio").get<double>() == Approx(0.25).epsilon(1e-9));
}

TEST_CASE("kepu15 access: a population raster as demand, its cells matched by col_row ids", "[cli]") {
    // pop_4x3_no_crs.asc: cells > 0 are (0,0) 10, (1,0) 20, (3,0) 5, (2,1) 7.5, (3,1) 100, and row 2.
    // One hall of capacity 11 reached from cells 3_1 and 0_0: V = 110, R = 0.1, both cells 0.1.
    TempDir dir("access-raster");
    const std::string raster = (kepu15::test::fixtures_dir() / "io" / "pop_4x3_no_crs.asc").string();
    const std::string hall = write_text(dir, "hall.csv", "id,lon,lat,cap\nhall,120.0,31.38,11\n");
    const std::string costs = write_text(dir, "od.csv", "origin,destination,cost\n3_1,hall,9\n0_0,hall,14\n");
    const std::string out = dir.file("cells_access.geojson");
    const std::string supply_out = dir.file("hall_ratio.geojson");
    CliResult r = run_cli({"access", "--demand", raster, "--demand-crs", "EPSG:4549", "--supply", hall,
                           "--supply-id-field", "id", "--capacity-field", "cap", "--costs", costs,
                           "--catchment", "15", "--out", out, "--supply-out", supply_out});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    const json cells = json::parse(kepu15::test::slurp(out)).at("features");
    REQUIRE(cells.size() == 9);
    for (const auto& c : cells) {
        const auto& p = c.at("properties");
        const std::string id =
            std::to_string(p.at("col").get<int>()) + "_" + std::to_string(p.at("row").get<int>());
        CAPTURE(id);
        CHECK(p.at("access").get<double>() == Approx(id == "3_1" || id == "0_0" ? 0.1 : 0.0));
    }
    const json h = json::parse(kepu15::test::slurp(supply_out)).at("features").at(0).at("properties");
    CHECK(h.at("catchment_pop").get<double>() == Approx(110));
    CHECK(h.at("ratio").get<double>() == Approx(0.1));

    // A cell with no population (2_0 is nodata) is no demand point: naming it is an unknown id.
    const std::string bad = write_text(dir, "od_nodata.csv", "origin,destination,cost\n2_0,hall,9\n");
    r = run_cli({"access", "--demand", raster, "--demand-crs", "EPSG:4549", "--supply", hall,
                 "--supply-id-field", "id", "--costs", bad, "--catchment", "15", "--out",
                 dir.file("x.geojson")});
    CHECK(r.exit_code == 3);
    CHECK(r.err.find("od_nodata.csv, layer od_nodata, row 1: origin id '2_0'") != std::string::npos);
    CHECK_FALSE(fs::exists(dir.file("x.geojson")));
}

TEST_CASE("kepu15 access refuses bad inputs with exit code 3, the file and row named, and no output",
          "[cli]") {
    const Fixture fx;
    const auto refuse = [&](const std::vector<std::string>& args, const std::vector<std::string>& expected) {
        const CliResult r = run_cli(args);
        INFO(r.out << r.err);
        CHECK(r.exit_code == 3);
        for (const auto& e : expected) CHECK(r.err.find(e) != std::string::npos);
        CHECK(files_below(fx.out_dir).empty());
    };
    const auto costs = [&](const std::string& name, const std::string& body) {
        return write_text(fx.dir, name, "origin,destination,minutes\n" + body);
    };
    refuse(fx.args(costs("unknown_origin.csv", "O0,D0,3\nO7,D1,4\n"), fx.supply),
           {"unknown_origin.csv", "row 2", "origin id 'O7'", "demand.csv"});
    refuse(fx.args(costs("unknown_destination.csv", "O0,D9,3\n"), fx.supply),
           {"unknown_destination.csv", "row 1", "destination id 'D9'", "supply.csv"});
    refuse(fx.args(costs("negative_cost.csv", "O0,D0,3\nO1,D0,-2\n"), fx.supply),
           {"negative_cost.csv", "row 2", "negative"});
    refuse(fx.args(costs("text_cost.csv", "O0,D0,about 3\n"), fx.supply),
           {"text_cost.csv", "row 1", "'about 3'", "not a finite number"});
    refuse(fx.args(costs("duplicate_pair.csv", "O0,D0,3\nO1,D0,8\nO0,D0,4\n"), fx.supply),
           {"duplicate_pair.csv", "row 3", "given twice", "first at row 1"});
    refuse(fx.args(costs("empty.csv", ""), fx.supply), {"empty.csv", "no rows"});

    const std::string negative_capacity = write_text(
        fx.dir, "negative_capacity.csv", "code,lon,lat,seats\nD0,121,31.301,10\nD1,121.001,31.301,-5\n");
    refuse(fx.args(fx.costs, negative_capacity), {"negative_capacity.csv", "row 2", "capacity", "negative"});
    const std::string text_capacity = write_text(
        fx.dir, "text_capacity.csv", "code,lon,lat,seats\nD0,121,31.301,many\nD1,121.001,31.301,5\n");
    refuse(fx.args(fx.costs, text_capacity), {"text_capacity.csv", "row 1", "capacity", "'many'"});
    const std::string duplicate_id =
        write_text(fx.dir, "duplicate_id.csv", "code,lon,lat,seats\nD0,121,31.301,10\nD0,121.001,31.301,5\n");
    refuse(fx.args(fx.costs, duplicate_id), {"duplicate_id.csv", "row 2", "id 'D0'", "row 1"});
}

TEST_CASE("kepu15 access: when the supply output cannot be written, the demand output does not appear either",
          "[cli]") {
    const Fixture fx;
    const std::string blocker = write_text(fx.dir, "not_a_folder", "a file where a folder is expected\n");
    auto args = fx.args();
    args.back() = blocker + "/supply_ratio.geojson";  // --supply-out inside a file
    const CliResult r = run_cli(args);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 7);
    CHECK(r.err.find("not_a_folder") != std::string::npos);
    CHECK(files_below(fx.out_dir).empty());
}

TEST_CASE("kepu15 access: option errors are configuration errors (exit 6)", "[cli]") {
    const Fixture fx;
    auto args = fx.args();
    CHECK(run_cli(with(args, {"--method", "2sfca", "--decay", "gaussian"})).exit_code == 6);
    CHECK(run_cli(with(args, {"--method", "3sfca"})).exit_code == 6);
    CHECK(run_cli(with(args, {"--radius-m", "500"})).exit_code == 6);  // two sources of costs
    CHECK(files_below(fx.out_dir).empty());
    const CliResult help = run_cli({"access", "--help"});
    CHECK(help.exit_code == 0);
    CHECK(help.out.find("DEFAULT: 1,0.68,0.22") != std::string::npos);
}
