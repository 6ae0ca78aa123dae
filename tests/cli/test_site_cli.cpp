#include "../support/cli.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace kepu15::test;

namespace {
std::string tiny_study() { return (source_dir() / "tests" / "e2e" / "cases" / "tiny_crowfly" / "study.toml").string(); }
}  // namespace

// The tiny crow-fly case (see its study.toml): 9 populated cells, 230 people, 155 covered within
// 150 m of the two stations; uncovered: (2,0) 20, (3,0) 30, (1,2) 25. With a candidate on every
// populated cell (grid spacing = cell size), one site covers at most 50 ((2,0)+(3,0), e.g. from
// (3,1)); two sites cover all 75 (e.g. (3,1) and (2,2)).
TEST_CASE("kepu15 site on the tiny map: hand-computed coverage for K = 1 and 2", "[cli]") {
    TempDir out("site");
    for (int k : {1, 2}) {
        const auto r = run_cli({"site", tiny_study(), "--kind", "station", "--method", "crowfly", "--grid-spacing-m", "100",
                                "--k", std::to_string(k), "--out", out.path().string(), "--threads", "2"});
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        REQUIRE(r.out.find("9 candidates") != std::string::npos);
        const auto j = nlohmann::json::parse(slurp(out.file("site.json")));
        REQUIRE(j["model"] == "mclp");
        REQUIRE(j["solver"] == "exact");
        REQUIRE(j["optimal"] == true);
        REQUIRE(j["candidates"] == 9);
        REQUIRE(j["share_before"].get<double>() == Approx(155.0 / 230.0));
        REQUIRE(j["objective"].get<double>() == Approx(k == 1 ? 50 : 75));
        REQUIRE(j["share_after"].get<double>() == Approx(k == 1 ? 205.0 / 230.0 : 1.0));
        REQUIRE(j["sites"].size() == static_cast<std::size_t>(k));
        const std::string layer = slurp(out.file("proposals.geojson"));
        REQUIRE(layer.find("\"order\"") != std::string::npos);
        REQUIRE(layer.find("\"kind\":\"station\"") != std::string::npos);
    }
}

TEST_CASE("kepu15 site lscp to every resident needs two sites on the tiny map", "[cli]") {
    TempDir out("site");
    const auto r = run_cli({"site", tiny_study(), "--kind", "station", "--method", "crowfly", "--grid-spacing-m", "100",
                            "--model", "lscp", "--target", "1", "--solver", "heuristic", "--out", out.path().string()});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto j = nlohmann::json::parse(slurp(out.file("site.json")));
    REQUIRE(j["sites"].size() == 2);
    REQUIRE(j["target_reached"] == true);
    REQUIRE(j["bound"].get<double>() == 2);
    REQUIRE(j["solver"] == "heuristic");
}

TEST_CASE("kepu15 site refuses K beyond the candidates and unknown kinds, writing nothing", "[cli]") {
    TempDir dir("site");
    const auto out = dir.path() / "out";
    auto r = run_cli({"site", tiny_study(), "--kind", "station", "--method", "crowfly", "--grid-spacing-m", "100", "--k",
                      "20", "--out", out.string()});
    REQUIRE(r.exit_code == 6);
    REQUIRE(r.err.find("K = 20 is larger than the 9 candidate sites") != std::string::npos);
    REQUIRE(files_below(out).empty());
    r = run_cli({"site", tiny_study(), "--kind", "venue", "--out", out.string()});
    REQUIRE(r.exit_code == 6);
    REQUIRE(r.err.find("no facility kind 'venue' (kinds: station)") != std::string::npos);
    REQUIRE(files_below(out).empty());
    r = run_cli({"site", tiny_study(), "--kind", "station", "--model", "q-median", "--out", out.string()});
    REQUIRE(r.exit_code == 6);
    r = run_cli({"site", tiny_study(), "--kind", "station", "--weight", "elderly", "--out", out.string()});
    REQUIRE(r.exit_code == 6);
    REQUIRE(r.err.find("unknown population group 'elderly'") != std::string::npos);
}
