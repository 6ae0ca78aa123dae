// A prepared study evaluates any facility set: the outputs equal, byte for byte, those of a fresh
// run of a study that has that set.
#include "../support/cli.hpp"
#include "../support/paths.hpp"

#include "kepu15/commands/run.hpp"
#include "kepu15/error.hpp"
#include "kepu15/pipeline/evaluate.hpp"
#include "kepu15/pipeline/prepared.hpp"
#include "kepu15/pipeline/result.hpp"
#include "kepu15/study/study.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using namespace kepu15;

namespace {

// Every file of `a` is in `b` with the same bytes, and the other way round.
void require_same_files(const fs::path& a, const fs::path& b) {
    std::vector<std::string> names_a;
    std::vector<std::string> names_b;
    for (const auto& e : fs::directory_iterator(a)) names_a.push_back(e.path().filename().string());
    for (const auto& e : fs::directory_iterator(b)) names_b.push_back(e.path().filename().string());
    std::sort(names_a.begin(), names_a.end());
    std::sort(names_b.begin(), names_b.end());
    REQUIRE(names_a == names_b);
    REQUIRE(names_a.size() >= 8);
    for (const auto& n : names_a) {
        CAPTURE(n);
        const std::string x = test::slurp((a / n).string());
        const std::string y = test::slurp((b / n).string());
        REQUIRE(x.size() == y.size());
        REQUIRE(x == y);
    }
}

// Every second station of the bundled study, as a GeoJSON file.
std::string half_of_the_stations(const test::TempDir& dir) {
    const std::string in = test::slurp((test::source_dir() / "geodata" / "kunshan" / "stations.geojson").string());
    const auto doc = nlohmann::json::parse(in);
    nlohmann::json out = doc;
    out["features"] = nlohmann::json::array();
    for (std::size_t i = 0; i < doc["features"].size(); i += 2) out["features"].push_back(doc["features"][i]);
    const std::string path = dir.file("half_stations.geojson");
    std::ofstream(path) << out.dump();
    return path;
}

}  // namespace

TEST_CASE("evaluating another facility set on a prepared study equals a fresh run with that set",
          "[pipeline]") {
    test::TempDir dir("evaluate");
    study::Study baseline = study::load_study((test::source_dir() / "geodata" / "kunshan" / "study.toml").string());
    baseline.profiles = {network::Profile::walk, network::Profile::drive};
    study::Study scenario = baseline;
    REQUIRE(scenario.facilities[2].kind == "station");
    scenario.facilities[2].source.path = half_of_the_stations(dir);

    // Fresh run of the scenario study.
    Diagnostics fresh_diag;
    std::ostringstream log;
    commands::RunOptions opt;
    opt.out_dir = dir.file("fresh");
    opt.threads = 2;
    commands::run_study(scenario, opt, log, fresh_diag);

    // The baseline prepared once; the baseline evaluated, then the scenario's facilities.
    Diagnostics diag;
    Timings timings;
    const pipeline::PreparedStudy prepared = pipeline::prepare(baseline, 2, diag, timings);
    const auto base = pipeline::summarise(
        prepared, pipeline::evaluate(prepared, prepared.inputs.facilities, {}, 2, diag, timings));
    auto sets = study::load_facility_sets(scenario, prepared.inputs, diag);
    REQUIRE(sets[2].id.size() < prepared.inputs.facilities[2].id.size());
    const auto again = pipeline::summarise(prepared, pipeline::evaluate(prepared, std::move(sets), {}, 2, diag, timings));
    commands::write_outputs(again, dir.file("prepared"), 2);
    require_same_files(dir.path() / "fresh", dir.path() / "prepared");

    // Fewer stations: station coverage drops, other kinds are untouched.
    const auto share = [](const pipeline::StudyResult& r, const std::string& key) {
        for (std::size_t m = 0; m < r.measures().size(); ++m) {
            if (r.measures()[m].key() == key) return r.by_unit.region.share(m);
        }
        FAIL("no measure " << key);
        return 0.0;
    };
    REQUIRE(share(again, "station_walk") < share(base, "station_walk"));
    REQUIRE(share(again, "station") < share(base, "station"));
    REQUIRE(share(again, "school_walk") == share(base, "school_walk"));
    REQUIRE(share(again, "venue_drive") == share(base, "venue_drive"));
}

TEST_CASE("a facility set with a wrong number of kinds is refused", "[pipeline]") {
    study::Study s = study::load_study((test::source_dir() / "tests" / "e2e" / "cases" / "tiny_crowfly" / "study.toml").string());
    Diagnostics diag;
    Timings timings;
    const auto prepared = pipeline::prepare(s, 1, diag, timings);
    REQUIRE_THROWS_AS(pipeline::evaluate(prepared, {}, {}, 1, diag, timings), config_error);
}

TEST_CASE("warnings of two evaluations in one process stay apart", "[pipeline]") {
    // drop_outside drops a facility and warns; each run's Diagnostics holds only its own warnings.
    const fs::path dir = test::source_dir() / "tests" / "e2e" / "cases";
    const study::Study drops = study::load_study((dir / "drop_outside" / "study.toml").string());
    const study::Study clean = study::load_study((dir / "tiny_crowfly" / "study.toml").string());
    Diagnostics a;
    Diagnostics b;
    Timings timings;
    const auto pa = pipeline::prepare(drops, 1, a, timings);
    const auto pb = pipeline::prepare(clean, 1, b, timings);
    REQUIRE_FALSE(a.warnings().empty());
    REQUIRE(a.warnings()[0].find("dropped") != std::string::npos);
    REQUIRE(b.warnings().empty());
}
