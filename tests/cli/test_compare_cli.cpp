#include "../support/cli.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <nlohmann/json.hpp>

using namespace kepu15::test;

namespace {

std::string tiny_study() { return (source_dir() / "tests" / "e2e" / "cases" / "tiny_crowfly" / "study.toml").string(); }

std::string write_scenario(const TempDir& dir, const std::string& body) {
    const std::string path = dir.file("scenario.toml");
    std::ofstream(path) << "[scenario]\nname = \"move A\"\nbaseline = \"" << tiny_study() << "\"\n" << body;
    return path;
}

}  // namespace

// The tiny crow-fly case (see its study.toml). The scenario adds a station at cell (2,0) and removes
// station A at (0,0). Gained within 150 m: (2,0) 20 + (3,0) 30 = 50; lost: (0,0) 10 + (0,1) 5 = 15
// ((1,1) stays covered by the new station at 141 m). Region 155 -> 190 of 230; town W 30 -> 15 of
// 55, town E 125 -> 175 of 175.
TEST_CASE("kepu15 compare: hand-computed change per town and region, gained and lost areas", "[cli]") {
    TempDir dir("compare");
    const auto scenario = write_scenario(dir, R"(
[[add]]
kind = "station"
id = "N1"
lon = 500250
lat = 3470250
crs = "EPSG:4549"

[remove]
station = ["A"]
)");
    const auto out = dir.path() / "out";
    const auto r = run_cli({"compare", tiny_study(), scenario, "--out", out.string(), "--threads", "2"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto j = nlohmann::json::parse(slurp((out / "compare.json").string()));
    REQUIRE(j["name"] == "move A");
    bool saw_region = false, saw_w = false, saw_e = false;
    for (const auto& row : j["rows"]) {
        if (row["level"] == "region") {
            saw_region = true;
            REQUIRE(row["covered_before"].get<double>() == Approx(155));
            REQUIRE(row["covered_after"].get<double>() == Approx(190));
            REQUIRE(row["share_change"].get<double>() == Approx(35.0 / 230.0));
        } else if (row["code"] == "W") {
            saw_w = true;
            REQUIRE(row["covered_after"].get<double>() == Approx(15));
        } else if (row["code"] == "E") {
            saw_e = true;
            REQUIRE(row["share_after"].get<double>() == Approx(1.0));
        }
    }
    REQUIRE((saw_region && saw_w && saw_e));
    REQUIRE(j["equity"]["station"]["before"]["covered_share"].get<double>() == Approx(155.0 / 230.0));
    REQUIRE(j["equity"]["station"]["after"]["best_worst_gap"].get<double>() == Approx(1.0 - 15.0 / 55.0));
    const std::string csv = slurp((out / "compare.csv").string());
    REQUIRE(csv.rfind("\xEF\xBB\xBF层级 level,代码 code,名称 name,设施类型 kind,方式 method,指标 measure,人口 population", 0) == 0);
    REQUIRE(csv.find("\r\nregion,ALL,tiny crow-fly golden case,station,crowfly,station,230,155,190,35,67.4,82.6,15.2,") !=
            std::string::npos);
    REQUIRE(csv.find("region,ALL,") != std::string::npos);
    const std::string gained = slurp((out / "newly_covered.geojson").string());
    REQUIRE(gained.find("\"population\":50") != std::string::npos);
    const std::string lost = slurp((out / "lost_coverage.geojson").string());
    REQUIRE(lost.find("\"population\":15") != std::string::npos);
    REQUIRE(r.out.find("+15.2 points") != std::string::npos);
    // The step's CPU, fault and heap figures are for benchmarks: printed with --timings only.
    REQUIRE(r.out.find("scenario evaluated and compared in") != std::string::npos);
    REQUIRE(r.out.find("compare step: user") == std::string::npos);
    const auto t = run_cli({"compare", tiny_study(), scenario, "--out", out.string(), "--threads", "2", "--timings"});
    INFO(t.err);
    REQUIRE(t.exit_code == 0);
    REQUIRE(t.out.find("compare step: user") != std::string::npos);
    REQUIRE(t.out.find(" page faults; heap ") != std::string::npos);
    REQUIRE(slurp((out / "compare.csv").string()) == csv);  // the same outputs
}

TEST_CASE("kepu15 compare refuses unknown ids and missing baselines, writing nothing", "[cli]") {
    TempDir dir("compare");
    const auto out = dir.path() / "out";
    auto scenario = write_scenario(dir, "[remove]\nstation = [\"Z\"]\n");
    auto r = run_cli({"compare", tiny_study(), scenario, "--out", out.string()});
    REQUIRE(r.exit_code == 6);
    REQUIRE(r.err.find("scenario.toml:5: removes unknown station id 'Z'") != std::string::npos);
    REQUIRE(files_below(out).empty());
    const std::string path = dir.file("bad.toml");
    std::ofstream(path) << "[scenario]\nbaseline = \"missing/study.toml\"\n";
    r = run_cli({"compare", tiny_study(), path, "--out", out.string()});
    REQUIRE(r.exit_code == 6);
    REQUIRE(r.err.find("bad.toml:2: [scenario] key 'baseline' baseline study") != std::string::npos);
    REQUIRE(files_below(out).empty());
    std::ofstream(path) << "[scenario\nbaseline = 1\n";
    r = run_cli({"compare", tiny_study(), path, "--out", out.string()});
    REQUIRE(r.exit_code == 6);
    REQUIRE(r.err.find("bad.toml:1:") != std::string::npos);
}
