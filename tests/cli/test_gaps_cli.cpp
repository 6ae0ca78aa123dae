// Gap patches, any-kind gaps, equity in summary.json, per-facility service areas and candidates
// from gaps, through the CLI on tests/fixtures/gaps (a 4 x 3 grid of 100 m cells; the map is drawn
// in its study.toml). Every figure below is computed by hand from that map.
#include "../support/cli.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

using namespace kepu15::test;
using nlohmann::json;

namespace {

std::string gaps_study() { return (source_dir() / "tests" / "fixtures" / "gaps" / "study.toml").string(); }

// Features of a GeoJSON file with kind and method as given, ordered by rank.
std::vector<json> features(const std::string& path, const std::string& kind, const std::string& method) {
    const json fc = json::parse(slurp(path));
    std::vector<json> out;
    for (const auto& f : fc["features"]) {
        if (f["properties"]["kind"] == kind && f["properties"]["method"] == method) out.push_back(f);
    }
    std::sort(out.begin(), out.end(), [](const json& a, const json& b) {
        return a["properties"]["rank"].get<int>() < b["properties"]["rank"].get<int>();
    });
    return out;
}

// Distance from a cell centre (col, row) to a point, metres (cell centres x = 500050 + 100 col,
// y = 3470250 - 100 row).
double from_cell(int col, int row, double x, double y) {
    return std::hypot(500050.0 + 100.0 * col - x, 3470250.0 - 100.0 * row - y);
}

}  // namespace

TEST_CASE("gaps: one feature per patch with its people, area, distance, 区镇 and villages, slivers dropped",
          "[cli][gaps]") {
    TempDir out("gaps");
    const auto r = run_cli({"run", gaps_study(), "--out", out.path().string(), "--no-isochrones"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const std::string gaps = out.file("gaps.geojson");

    // Stations, crow-fly: patches {(2,0) 20, (3,0) 30} = 50 people and {(1,2)} = 25 people. The
    // DEFAULT minimum of 50 keeps the first (50 >= 50) and drops the second.
    auto station = features(gaps, "station", "crowfly");
    REQUIRE(station.size() == 1);
    const auto& p = station[0]["properties"];
    REQUIRE(p["patch_id"] == "station_1");
    REQUIRE(p["population"].get<double>() == Approx(50));
    REQUIRE(p["cells"] == 2);
    REQUIRE(p["area_km2"].get<double>() == Approx(0.02));
    REQUIRE(p["threshold"].get<double>() == 150);
    // (2,0) is 200 m from A, (3,0) 200 m from B.
    REQUIRE(p["mean_dist_m"].get<double>() == Approx(200));
    REQUIRE(p["mean_min"].is_null());
    REQUIRE(p["town_code"] == "E");
    REQUIRE(p["town_name"] == "东镇");
    REQUIRE(p["town_codes"] == "E");
    REQUIRE(p["village_codes"] == "V3");
    REQUIRE(p["villages"] == 1);
    // The union of the two cells: one rectangle, 4 corners (closed ring of 5 positions), no hole.
    const auto& geom = station[0]["geometry"];
    REQUIRE(geom["type"] == "Polygon");
    REQUIRE(geom["coordinates"].size() == 1);
    REQUIRE(geom["coordinates"][0].size() == 5);

    // Venue M at the centre of (1,2), crow-fly 150 m: uncovered (0,0) 10 (alone: dropped) and the
    // L {(2,0) 20, (3,0) 30, (3,1) 40, (3,2) 50} = 140 people over V3 and V4.
    auto venue = features(gaps, "venue", "crowfly");
    REQUIRE(venue.size() == 1);
    const auto& v = venue[0]["properties"];
    REQUIRE(v["population"].get<double>() == Approx(140));
    REQUIRE(v["cells"] == 4);
    REQUIRE(v["area_km2"].get<double>() == Approx(0.04));
    const double mean = (20 * from_cell(2, 0, 500150, 3470050) + 30 * from_cell(3, 0, 500150, 3470050) +
                         40 * from_cell(3, 1, 500150, 3470050) + 50 * from_cell(3, 2, 500150, 3470050)) /
                        140;
    REQUIRE(v["mean_dist_m"].get<double>() == Approx(mean).margin(0.05));  // 227.87 m, kept to 0.1 m
    REQUIRE(v["village_codes"] == "V3;V4");
    REQUIRE(v["villages"] == 2);
    // An L of four cells: 6 corners.
    REQUIRE(venue[0]["geometry"]["coordinates"][0].size() == 7);

    // Covered by no kind (crow-fly): station gaps minus the venue's coverage of (1,2) = {(2,0), (3,0)}.
    auto any = features(gaps, "any", "crowfly");
    REQUIRE(any.size() == 1);
    REQUIRE(any[0]["properties"]["population"].get<double>() == Approx(50));
    REQUIRE(any[0]["properties"]["patch_id"] == "any_crowfly_1");
    REQUIRE(any[0]["properties"]["threshold"].is_null());

    // summary.json counts what the filter dropped.
    const json s = json::parse(slurp(out.file("summary.json")));
    REQUIRE(s["gaps"]["min_population"] == 50);
    const auto& sg = s["gaps"]["sets"]["station"];
    REQUIRE(sg["patches"] == 1);
    REQUIRE(sg["population"].get<double>() == Approx(50));
    REQUIRE(sg["dropped_patches"] == 1);
    REQUIRE(sg["dropped_population"].get<double>() == Approx(25));
    REQUIRE(s["gaps"]["sets"]["venue"]["dropped_population"].get<double>() == Approx(10));

    // The manifest tells the viewer and render where the patch fields are.
    const json m = json::parse(slurp(out.file("manifest.json")));
    REQUIRE(m["layers"]["gaps"]["fields"]["population"] == "population");
    REQUIRE(m["layers"]["gaps"]["any_kind"] == "any");
}

TEST_CASE("gaps: --gap-min-population 0 keeps every patch, most people first", "[cli][gaps]") {
    TempDir out("gaps");
    const auto r = run_cli({"run", gaps_study(), "--out", out.path().string(), "--no-isochrones", "--gap-min-population", "0"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto station = features(out.file("gaps.geojson"), "station", "crowfly");
    REQUIRE(station.size() == 2);
    REQUIRE(station[0]["properties"]["population"].get<double>() == Approx(50));
    REQUIRE(station[1]["properties"]["population"].get<double>() == Approx(25));
    REQUIRE(station[1]["properties"]["patch_id"] == "station_2");
    REQUIRE(station[1]["properties"]["town_code"] == "W");
    REQUIRE(station[1]["properties"]["village_codes"] == "V2");
    auto venue = features(out.file("gaps.geojson"), "venue", "crowfly");
    REQUIRE(venue.size() == 2);
    REQUIRE(venue[1]["properties"]["population"].get<double>() == Approx(10));
    REQUIRE(venue[1]["properties"]["village_codes"] == "V1");
    // A minimum that is not a number of persons is refused.
    const auto bad = run_cli({"run", gaps_study(), "--out", out.path().string(), "--gap-min-population", "-3"});
    REQUIRE(bad.exit_code == 2);
}

TEST_CASE("summary.json and the terminal give equity per kind x method, computed by hand", "[cli][gaps]") {
    TempDir out("gaps");
    const auto r = run_cli({"run", gaps_study(), "--out", out.path().string(), "--no-isochrones"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const json s = json::parse(slurp(out.file("summary.json")));
    const auto& e = s["equity"]["station"];
    // Urban villages V1 (10 + 5 + 15, all covered) and V3 (20 + 30, none): 30 / 80. Rural V2 (25,
    // uncovered) and V4 (40 + 35 + 50, covered): 125 / 150.
    REQUIRE(e["urban_population"].get<double>() == Approx(80));
    REQUIRE(e["urban_share"].get<double>() == Approx(30.0 / 80.0));
    REQUIRE(e["rural_share"].get<double>() == Approx(125.0 / 150.0));
    // 区镇: W 30 / 55, E 125 / 175.
    REQUIRE(e["best_unit_code"] == "E");
    REQUIRE(e["worst_unit_code"] == "W");
    REQUIRE(e["best_worst_gap"].get<double>() == Approx(125.0 / 175.0 - 30.0 / 55.0));
    // Gini of population-weighted metres, pairwise definition over the nine cells.
    const std::vector<std::pair<double, double>> cells{{0, 10},   {100, 5},  {std::hypot(100, 100), 15},
                                                       {200, 25}, {200, 20}, {200, 30},
                                                       {100, 40}, {100, 35}, {0, 50}};
    double w = 0, wx = 0, pairs = 0;
    for (const auto& [x, wi] : cells) {
        w += wi;
        wx += wi * x;
        for (const auto& [y, wj] : cells) pairs += wi * wj * std::abs(x - y);
    }
    REQUIRE(e["gini"].get<double>() == Approx(pairs / (2 * w * w * (wx / w))));  // 0.3847
    // The terminal line under the measure.
    REQUIRE(r.out.find("urban 37.5 %, rural 83.3 %; 区镇 gap 16.9 points (东镇 71.4 %, 西镇 54.5 %)") != std::string::npos);
    REQUIRE(r.out.find("gaps: 1 patches of >= 50 people") != std::string::npos);
}

// Walking 75 m/min; both stations snap to the east-west street 100 m from them (tiny_network's
// study.toml). Minutes from each cell to A / B:
//   (0,0) 2.67 / 6.67   (0,1) 1.33 / 5.33   (1,1) 2.67 / 4.00   (1,2) 5.33 / 5.33   (2,0) 5.33 / 5.33
//   (3,0) 6.67 / 2.67   (3,1) 5.33 / 1.33   (2,2) 5.33 / 5.33   (3,2) 6.67 / 2.67
// Within 3 min: A 10 + 5 + 15 = 30, B 30 + 40 + 50 = 120. Within 6 min: A 30 + 25 + 20 + 40 + 35 =
// 150, B 120 + 5 + 15 + 25 + 20 + 35 = 220.
TEST_CASE("per-facility service areas carry the people within each band of each facility", "[cli][gaps]") {
    TempDir out("gaps");
    const auto r = run_cli({"run", gaps_study(), "--out", out.path().string(), "--service-areas", "per-facility"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const json fc = json::parse(slurp(out.file("isochrones.geojson")));
    std::map<std::string, double> pop;
    for (const auto& f : fc["features"]) {
        const auto& p = f["properties"];
        if (p["kind"] != "station") continue;
        REQUIRE(p["profile"] == "walk");
        pop[p["facility_id"].get<std::string>() + "@" + std::to_string(p["minutes"].get<int>())] = p["population"];
        REQUIRE(p["area_km2"].get<double>() > 0);
    }
    REQUIRE(pop.size() == 4);
    REQUIRE(pop["A@3"] == Approx(30));
    REQUIRE(pop["B@3"] == Approx(120));
    REQUIRE(pop["A@6"] == Approx(150));
    REQUIRE(pop["B@6"] == Approx(220));
    const json m = json::parse(slurp(out.file("manifest.json")));
    REQUIRE(m["layers"]["isochrones"]["per_facility"] == true);
    // DEFAULT: one area per kind x profile x band, without facility fields.
    TempDir out2("gaps");
    REQUIRE(run_cli({"run", gaps_study(), "--out", out2.path().string()}).exit_code == 0);
    const json union_fc = json::parse(slurp(out2.file("isochrones.geojson")));
    std::size_t station_areas = 0;
    for (const auto& f : union_fc["features"]) {
        REQUIRE_FALSE(f["properties"].contains("facility_id"));
        station_areas += f["properties"]["kind"] == "station" ? 1 : 0;
    }
    REQUIRE(station_areas == 2);
    REQUIRE(run_cli({"run", gaps_study(), "--out", out2.path().string(), "--service-areas", "per-town"}).exit_code == 2);
}

// Station gaps by crow-fly with every patch kept: {(2,0) 20, (3,0) 30} and {(1,2) 25}. The first
// patch's population-weighted centre is x = (20 * 500250 + 30 * 500350) / 50 = 500310: nearest cell
// (3,0). With 100 m grid blocks the patch spans two blocks, so (2,0) is added; the lone cell (1,2)
// is its own centre. A site at (3,0) or (2,0) covers 50 people, at (1,2) 25.
TEST_CASE("kepu15 site --candidates gaps: patch centres plus grid points in larger patches", "[cli][gaps]") {
    TempDir out("site");
    auto r = run_cli({"site", gaps_study(), "--kind", "station", "--method", "crowfly", "--candidates", "gaps",
                      "--gap-min-population", "0", "--grid-spacing-m", "100", "--k", "2", "--out", out.path().string()});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    json j = json::parse(slurp(out.file("site.json")));
    REQUIRE(j["candidates"] == 3);
    REQUIRE(j["candidate_source"] == "gaps");
    REQUIRE(j["objective"].get<double>() == Approx(75));
    std::set<std::string> ids;
    for (const auto& s : j["sites"]) ids.insert(s["site_id"].get<std::string>());
    REQUIRE(ids.count("gap2_centre") == 1);
    REQUIRE((ids.count("gap1_centre") + ids.count("gap1_2_0")) == 1);
    // DEFAULT 500 m blocks: one candidate per patch; DEFAULT minimum 50: only the first patch.
    r = run_cli({"site", gaps_study(), "--kind", "station", "--method", "crowfly", "--candidates", "gaps",
                 "--gap-min-population", "0", "--k", "1", "--out", out.path().string()});
    REQUIRE(r.exit_code == 0);
    REQUIRE(json::parse(slurp(out.file("site.json")))["candidates"] == 2);
    r = run_cli({"site", gaps_study(), "--kind", "station", "--method", "crowfly", "--candidates", "gaps", "--k", "1",
                 "--out", out.path().string()});
    REQUIRE(r.exit_code == 0);
    j = json::parse(slurp(out.file("site.json")));
    REQUIRE(j["candidates"] == 1);
    REQUIRE(j["sites"][0]["site_id"] == "gap1_centre");
    REQUIRE(j["objective"].get<double>() == Approx(50));
}
