// kepu15 compare end to end: incremental evaluation writes the same bytes as a full evaluation
// (additions, removals, attribute changes), extra kinds selected by a table filter, and bad inputs.
#include "kepu15/commands/compare.hpp"
#include "kepu15/error.hpp"
#include "kepu15/study/inputs.hpp"
#include "kepu15/study/study.hpp"

#include "../support/cli.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <sstream>

using namespace kepu15;
using namespace kepu15::test;
namespace fs = std::filesystem;

namespace {

std::string bundled_study() { return (source_dir() / "geodata" / "kunshan" / "study.toml").string(); }
std::string tiny_study() { return (source_dir() / "tests" / "e2e" / "cases" / "tiny_crowfly" / "study.toml").string(); }

std::string write_scenario(const TempDir& dir, const std::string& baseline, const std::string& body,
                           const std::string& name = "scenario.toml") {
    const std::string path = dir.file(name);
    std::ofstream(path) << "[scenario]\nname = \"test\"\nbaseline = \"" << baseline << "\"\n" << body;
    return path;
}

// Every file below `dir` (relative path -> bytes).
std::map<std::string, std::string> tree(const fs::path& dir) {
    std::map<std::string, std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
        if (e.is_regular_file()) out[fs::relative(e.path(), dir).string()] = slurp(e.path().string());
    }
    return out;
}

// Runs compare incrementally and in full into two folders; returns the incremental log.
std::string compare_both_ways(const TempDir& dir, const std::string& scenario, const std::string& study) {
    std::ostringstream log_inc, log_full;
    Diagnostics diag;
    commands::CompareRequest req;
    req.baseline = study;
    req.scenario = scenario;
    req.threads = 2;
    req.out_dir = (dir.path() / "incremental").string();
    commands::run_compare(req, log_inc, diag);
    req.incremental = false;
    req.out_dir = (dir.path() / "full").string();
    commands::run_compare(req, log_full, diag);
    INFO(log_inc.str());
    REQUIRE(log_full.str().find("full evaluation") != std::string::npos);
    const auto a = tree(dir.path() / "incremental");
    const auto b = tree(dir.path() / "full");
    REQUIRE(a.size() == b.size());
    for (const auto& [name, bytes] : a) {
        INFO(name);
        REQUIRE(b.count(name) == 1);
        REQUIRE(bytes == b.at(name));  // byte for byte
    }
    return log_inc.str();
}

int facilities_of(const nlohmann::json& manifest, const std::string& kind) {
    for (const auto& k : manifest["kinds"]) {
        if (k["kind"] == kind) return k["facilities"].get<int>();
    }
    return -1;
}

const char* demo_kind = R"(
[[facilities]]
kind = "demo_school"
label = "科普示范学校"
from = "school"
filter = { demo_school = 1 }
)";

}  // namespace

TEST_CASE("incremental compare equals full evaluation byte for byte: additions and attribute changes", "[scenario]") {
    TempDir dir("compare-inc");
    const auto scenario = write_scenario(dir, bundled_study(), std::string(demo_kind) + R"(
[[change]]
kind = "school"
ids = ["S001", "S002", "S003"]
attributes = { demo_school = 1 }

[[add]]
kind = "venue"
id = "T-V1"
lon = 120.95
lat = 31.38

[[add]]
kind = "venue"
id = "T-V2"
lon = 121.02
lat = 31.30
capacity = 400
)");
    const std::string log = compare_both_ways(dir, scenario, bundled_study());
    // venue and demo_school gained sites: crow-fly and 4 profiles each merged; school and station kept.
    REQUIRE(log.find("10 measures kept, 10 merged from added sites, 0 searched again") != std::string::npos);
    // With E2SFCA on, venue (capacities, one added site without: 1) keeps the baseline's ratios and
    // adds the two new sites' shares (crow-fly and 4 profiles); demo_school's new members are not
    // appended after the old ones, so its access is computed again. Either way the bytes match.
    REQUIRE(log.find("10 access scores recomputed, 5 of them from the added sites alone") != std::string::npos);
    const fs::path out = dir.path() / "incremental";
    const auto base = nlohmann::json::parse(slurp((out / "baseline" / "manifest.json").string()));
    const auto scen = nlohmann::json::parse(slurp((out / "scenario" / "manifest.json").string()));
    REQUIRE(facilities_of(base, "demo_school") == 28);  // the bundled layer's demonstration schools
    REQUIRE(facilities_of(scen, "demo_school") == 31);
    REQUIRE(facilities_of(scen, "school") == facilities_of(base, "school"));
    REQUIRE(facilities_of(scen, "venue") == facilities_of(base, "venue") + 2);
    const auto files = scen["files"];
    REQUIRE(std::find(files.begin(), files.end(), "newly_covered.geojson") != files.end());
    REQUIRE(fs::exists(out / "scenario" / "newly_covered.geojson"));
    REQUIRE(fs::exists(out / "baseline" / "cells.tif"));
    REQUIRE(!fs::exists(out / ".baseline.kepu15-lock"));
    // Nothing is lost by adding; something is gained, and compare.json sums it.
    const auto j = nlohmann::json::parse(slurp((out / "compare.json").string()));
    REQUIRE(j["newly_covered_population"].get<double>() > 0);
    REQUIRE(j["lost_coverage_population"].get<double>() == 0);
    // compare.csv: the shared Excel-friendly table (BOM, bilingual headers).
    const std::string csv = slurp((out / "compare.csv").string());
    REQUIRE(csv.rfind("\xEF\xBB\xBF", 0) == 0);
    REQUIRE(csv.find("人口 population") != std::string::npos);
    REQUIRE(csv.find("demo_school_walk") != std::string::npos);
}

TEST_CASE("incremental compare equals full evaluation byte for byte: removals, attribute and capacity changes",
          "[scenario]") {
    TempDir dir("compare-rm");
    const auto scenario = write_scenario(dir, bundled_study(), std::string(demo_kind) + R"(
[remove]
station = ["K0001", "K0002"]

[[change]]
kind = "school"
id = "S005"
attributes = { demo_school = 0 }

[[change]]
kind = "venue"
id = "V01"
capacity = 100
)");
    const std::string log = compare_both_ways(dir, scenario, bundled_study());
    // station and demo_school lost sites: searched again; venue's capacity changed: access only.
    REQUIRE(log.find("10 measures kept, 0 merged from added sites, 10 searched again, 15 access scores recomputed, "
                     "0 of them from the added sites alone") !=
            std::string::npos);
    const fs::path out = dir.path() / "incremental";
    const auto scen = nlohmann::json::parse(slurp((out / "scenario" / "manifest.json").string()));
    REQUIRE(facilities_of(scen, "demo_school") == 27);
    const auto j = nlohmann::json::parse(slurp((out / "compare.json").string()));
    REQUIRE(j["lost_coverage_population"].get<double>() > 0);
}

// tiny_crowfly (see its study.toml): stations A at cell (0,0) and B at (3,2), 150 m radius. The
// extra kind "b_only" takes the stations named "Station B": B covers (3,1) 40, (2,2) 35, (3,2) 50
// = 125 of 230. Renaming A "Station B" brings it into the kind: + (0,0) 10, (0,1) 5, (1,1) 15 = 155.
TEST_CASE("an attribute change brings a facility into a kind selected by a table filter (hand-computed)", "[scenario]") {
    TempDir dir("compare-attr");
    const auto scenario = write_scenario(dir, tiny_study(), R"(
[[facilities]]
kind = "b_only"
from = "station"
filter = { name = "Station B" }

[[change]]
kind = "station"
id = "A"
attributes = { name = "Station B" }
)");
    const auto out = dir.path() / "out";
    const auto r = run_cli({"compare", tiny_study(), scenario, "--out", out.string(), "--threads", "1"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto j = nlohmann::json::parse(slurp((out / "compare.json").string()));
    bool seen = false;
    for (const auto& row : j["rows"]) {
        if (row["level"] == "region" && row["measure"] == "b_only") {
            seen = true;
            REQUIRE(row["covered_before"].get<double>() == Approx(125));
            REQUIRE(row["covered_after"].get<double>() == Approx(155));
        }
        if (row["level"] == "region" && row["measure"] == "station") {
            REQUIRE(row["covered_before"].get<double>() == Approx(155));
            REQUIRE(row["covered_after"].get<double>() == Approx(155));
        }
    }
    REQUIRE(seen);
    REQUIRE(j["newly_covered_population"].get<double>() == Approx(30));
}

TEST_CASE("bad attribute changes and extra kinds: clear messages naming file, line, layer and field, nothing written",
          "[scenario]") {
    TempDir dir("compare-bad");
    const auto out = dir.path() / "out";
    struct Case {
        std::string body;
        int exit_code;
        std::string message;
    };
    const std::vector<Case> cases = {
        // unknown id in the layer
        {"[[change]]\nkind = \"station\"\nid = \"Z\"\nattributes = { name = \"x\" }\n", exit_code::config,
         "scenario.toml:4: [[change]] kind 'station': |stations.csv, layer stations has no facility with id 'Z'"},
        // unknown field
        {"[[change]]\nkind = \"station\"\nid = \"A\"\nattributes = { nmae = \"x\" }\n", exit_code::config,
         "has no field 'nmae' (fields: id, name)"},
        // a change on a kind the baseline does not have (no layer to edit)
        {"[[change]]\nkind = \"school\"\nid = \"A\"\nattributes = { name = \"x\" }\n", exit_code::config,
         "scenario.toml:4: unknown facility kind 'school' (the baseline has station)"},
        // capacity of an unknown id
        {"[[change]]\nkind = \"station\"\nid = \"Z\"\ncapacity = 5\n", exit_code::config,
         "scenario.toml:4: changes the capacity of unknown station id 'Z'"},
        // an extra kind from a kind the baseline does not have
        {"[[facilities]]\nkind = \"demo\"\nfrom = \"school\"\nfilter = { demo_school = 1 }\n", exit_code::config,
         "scenario.toml:4: [[facilities]] from = 'school': the baseline study has no such kind (it has station)"},
        // an extra kind filtering on a field the layer does not have
        {"[[facilities]]\nkind = \"demo\"\nfrom = \"station\"\nfilter = { demo_school = 1 }\n", exit_code::input,
         "(facility kind 'demo'): the filter names field 'demo_school', which the layer does not have"},
        // an extra kind without a filter
        {"[[facilities]]\nkind = \"demo\"\nfrom = \"station\"\n", exit_code::config,
         "scenario.toml:4: [facilities #1] needs filter = { field = value }"},
    };
    for (const auto& c : cases) {
        const auto scenario = write_scenario(dir, tiny_study(), c.body);
        const auto r = run_cli({"compare", tiny_study(), scenario, "--out", out.string()});
        INFO(c.body << "\n" << r.err);
        REQUIRE(r.exit_code == c.exit_code);
        // Every '|'-separated part of the message appears.
        std::size_t from = 0;
        while (from <= c.message.size()) {
            const std::size_t bar = std::min(c.message.find('|', from), c.message.size());
            REQUIRE(r.err.find(c.message.substr(from, bar - from)) != std::string::npos);
            from = bar + 1;
        }
        REQUIRE(files_below(out).empty());
    }
}

// The same tiny case as a study file: a table filter keeps the stations whose fields match.
TEST_CASE("a study's table filter selects facilities, and a field the layer lacks is an input error naming it", "[scenario]") {
    TempDir dir("table-filter");
    const fs::path src = fs::path(tiny_study()).parent_path();
    std::string text = slurp(tiny_study());
    const auto set_filter = [&](const std::string& filter) {
        std::string t = text;
        for (const char* name : {"towns.geojson", "population.asc", "stations.csv"}) {
            const std::string from = std::string("path = \"") + name + "\"";
            t.replace(t.find(from), from.size(), "path = \"" + (src / name).string() + "\"");
        }
        t.insert(t.find("name_field = \"name\"") + std::string("name_field = \"name\"").size(), "\nfilter = " + filter);
        const std::string path = dir.file("study.toml");
        std::ofstream(path) << t;
        return path;
    };
    Diagnostics diag;
    const auto b_only = study::load_inputs(study::load_study(set_filter("{ name = \"Station B\" }")), diag);
    REQUIRE(b_only.facilities[0].id == std::vector<std::string>{"B"});
    const auto a_only = study::load_inputs(study::load_study(set_filter("{ id = \"A\", name = \"Station A\" }")), diag);
    REQUIRE(a_only.facilities[0].id == std::vector<std::string>{"A"});
    REQUIRE_THROWS_AS(study::load_inputs(study::load_study(set_filter("{ kind = \"x\" }")), diag), input_error);
    REQUIRE_THROWS_WITH(study::load_inputs(study::load_study(set_filter("{ kind = \"x\" }")), diag),
                        Catch::Contains("(facility kind 'station'): the filter names field 'kind', which the layer does "
                                        "not have (fields: id, name)"));
    REQUIRE_THROWS_WITH(study::load_inputs(study::load_study(set_filter("{ name = \"nobody\" }")), diag),
                        Catch::Contains("no features match the filter { name = \"nobody\" }"));
    REQUIRE_THROWS_WITH(study::load_study(set_filter("{ name = [1] }")),
                        Catch::Contains("[facilities #1] filter.name must be a number, a string or true/false"));
}
