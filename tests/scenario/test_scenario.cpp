#include "kepu15/error.hpp"
#include "kepu15/scenario/scenario.hpp"

#include "../support/paths.hpp"

#include <catch2/catch.hpp>

#include <fstream>

using namespace kepu15;
using namespace kepu15::scenario;
using kepu15::test::TempDir;

namespace {

void write(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
}

// A folder with a baseline study file (its contents do not matter to parsing) and layers.
struct Folder {
    TempDir dir{"scenario"};
    Folder() {
        write(dir.file("study.toml"), "[study]\nname = \"x\"\n");
        write(dir.file("bases.csv"), "id,lon,lat\nB1,120.9,31.3\n");
        write(dir.file("proposals.geojson"), "{\"type\":\"FeatureCollection\",\"features\":[]}\n");
    }
    std::string scenario(const std::string& text) const {
        const std::string path = dir.file("plan.toml");
        write(path, text);
        return path;
    }
};

}  // namespace

TEST_CASE("a full scenario file parses into plain data with absolute paths", "[scenario]") {
    Folder f;
    const auto path = f.scenario(R"(
[scenario]
name = "plan-2025"
description = "40 demonstration schools, 30 more bases"
baseline = "study.toml"

[coverage]
minutes = 20
[coverage.kinds.venue]
radius_m = 1500

[network.speeds]
walk_kmh = 4.0

[[add]]
kind = "venue"
id = "NEW-1"
name = "新科普基地"
lon = 120.95
lat = 31.38
crs = "GCJ-02"
capacity = 300
attributes = { open_weekends = true, floor_m2 = 1200 }

[[add]]
kind = "venue"
path = "bases.csv"
id_field = "id"

[remove]
station = ["ST-001", "ST-002"]

[[change]]
kind = "school"
ids = ["SCH-1", "SCH-2"]
attributes = { demo_school = 1 }

[[change]]
kind = "venue"
id = "V-9"
capacity = 500

[[proposals]]
path = "proposals.geojson"
kind = "venue"
count = 30
)");
    const Scenario s = load_scenario(path);
    REQUIRE(s.name == "plan-2025");
    REQUIRE(s.baseline == f.dir.file("study.toml"));
    REQUIRE(s.overrides.minutes == 20.0);
    REQUIRE_FALSE(s.overrides.radius_m);
    REQUIRE(s.overrides.kinds.at("venue").radius_m == 1500.0);
    REQUIRE(s.overrides.walk_kmh == 4.0);
    REQUIRE(s.add_points.size() == 1);
    const auto& p = s.add_points[0];
    REQUIRE(p.id == "NEW-1");
    REQUIRE(p.name == "新科普基地");
    REQUIRE(p.x == 120.95);
    REQUIRE(p.crs == "GCJ-02");
    REQUIRE(p.capacity == 300.0);
    REQUIRE(std::get<bool>(p.attributes.at("open_weekends")));
    REQUIRE(std::get<double>(p.attributes.at("floor_m2")) == 1200);
    REQUIRE(p.line == 15);
    REQUIRE(s.add_layers.size() == 1);
    REQUIRE(s.add_layers[0].path == f.dir.file("bases.csv"));
    REQUIRE(s.removals.size() == 1);
    REQUIRE(s.removals[0].ids == std::vector<std::string>{"ST-001", "ST-002"});
    REQUIRE(s.changes.size() == 2);
    REQUIRE(s.changes[0].ids == std::vector<std::string>{"SCH-1", "SCH-2"});
    REQUIRE(std::get<double>(s.changes[0].attributes.at("demo_school")) == 1);
    REQUIRE(s.changes[1].capacity == 500.0);
    REQUIRE(s.proposals.size() == 1);
    REQUIRE(s.proposals[0].count == std::size_t{30});
    REQUIRE(s.proposals[0].kind == "venue");

    // The ids are checked against the baseline's facilities.
    std::map<std::string, std::set<std::string>> ids{
        {"venue", {"V-9"}}, {"school", {"SCH-1", "SCH-2"}}, {"station", {"ST-001", "ST-002"}}};
    REQUIRE_NOTHROW(check_ids(s, ids));
    ids["station"].erase("ST-002");
    REQUIRE_THROWS_WITH(check_ids(s, ids), Catch::Contains("plan.toml:31: removes unknown station id 'ST-002'"));
    ids["station"].insert("ST-002");
    ids["venue"].insert("NEW-1");
    REQUIRE_THROWS_WITH(check_ids(s, ids), Catch::Contains("already has that id"));
    ids.erase("school");
    ids["venue"].erase("NEW-1");
    REQUIRE_THROWS_WITH(check_ids(s, ids), Catch::Contains("unknown facility kind 'school'"));
    ids["school"] = {"SCH-1", "SCH-2"};
    ids.erase("venue");
    REQUIRE_THROWS_WITH(check_ids(s, ids), Catch::Contains("plan.toml:15: unknown facility kind 'venue'"));
}

TEST_CASE("the proposals shorthand takes a path and reads kinds from the layer", "[scenario]") {
    Folder f;
    const auto s = load_scenario(f.scenario("[scenario]\nbaseline = \"study.toml\"\nproposals = \"proposals.geojson\"\n"));
    REQUIRE(s.proposals[0].path == f.dir.file("proposals.geojson"));
    REQUIRE(s.proposals.size() == 1);
    REQUIRE(s.proposals[0].kind.empty());
    REQUIRE_FALSE(s.proposals[0].count);
    REQUIRE(s.name == "plan");
}

TEST_CASE("bad scenario files are config errors naming the file and line", "[scenario]") {
    Folder f;
    const std::string head = "[scenario]\nbaseline = \"study.toml\"\n";
    SECTION("malformed TOML") {
        const auto p = f.scenario(head + "[[add]]\nkind = \"venue\nid = 1\n");
        REQUIRE_THROWS_WITH(load_scenario(p), Catch::Contains("plan.toml:4:"));
        REQUIRE_THROWS_AS(load_scenario(p), config_error);
    }
    SECTION("an unknown key") {
        const auto p = f.scenario(head + "[[add]]\nkind = \"venue\"\nid = \"A\"\nlon = 1\nlat = 2\nlonn = 3\n");
        REQUIRE_THROWS_WITH(load_scenario(p), Catch::Contains("plan.toml:8: [add #1] unknown key 'lonn'"));
    }
    SECTION("an unknown top-level table") {
        const auto p = f.scenario(head + "\n[removals]\nstation = [\"x\"]\n");
        REQUIRE_THROWS_WITH(load_scenario(p), Catch::Contains("plan.toml:4: unknown key 'removals'"));
    }
    SECTION("a missing baseline") {
        const auto p = f.scenario("[scenario]\nname = \"x\"\nbaseline = \"nowhere/study.toml\"\n");
        REQUIRE_THROWS_WITH(load_scenario(p), Catch::Contains("plan.toml:3: [scenario] key 'baseline' baseline study"));
        REQUIRE_THROWS_WITH(load_scenario(p), Catch::Contains("nowhere/study.toml' not found"));
    }
    SECTION("no [scenario] table") {
        const auto p = f.scenario("[remove]\nstation = [\"x\"]\n");
        REQUIRE_THROWS_WITH(load_scenario(p), Catch::Contains("missing table [scenario]"));
    }
    SECTION("a wrong type") {
        const auto p = f.scenario(head + "[coverage]\nminutes = \"fifteen\"\n");
        REQUIRE_THROWS_WITH(load_scenario(p), Catch::Contains("plan.toml:4: [coverage] key 'minutes' must be a number"));
    }
    SECTION("a point without coordinates") {
        const auto p = f.scenario(head + "[[add]]\nkind = \"venue\"\nid = \"A\"\n");
        REQUIRE_THROWS_WITH(load_scenario(p), Catch::Contains("plan.toml:3: [add #1] needs lon and lat"));
    }
    SECTION("an id added twice") {
        const auto p = f.scenario(head + "[[add]]\nkind = \"venue\"\nid = \"A\"\nlon = 1\nlat = 2\n" +
                                  "[[add]]\nkind = \"venue\"\nid = \"A\"\nlon = 1\nlat = 2\n");
        REQUIRE_THROWS_WITH(load_scenario(p), Catch::Contains("plan.toml:10: [add #2] key 'id' 'A' is added twice"));
    }
    SECTION("changing a removed facility") {
        const auto p = f.scenario(head + "[remove]\nschool = [\"S1\"]\n[[change]]\nkind = \"school\"\nid = \"S1\"\ncapacity = 3\n");
        REQUIRE_THROWS_WITH(load_scenario(p), Catch::Contains("changes 'S1', which [remove] removes"));
    }
    SECTION("a missing proposals layer") {
        const auto p = f.scenario(head + "proposals = \"run/proposals.geojson\"\n");
        REQUIRE_THROWS_WITH(load_scenario(p), Catch::Contains("plan.toml:3: [scenario] key 'proposals' names"));
    }
    SECTION("a missing scenario file") {
        REQUIRE_THROWS_WITH(load_scenario(f.dir.file("none.toml")), Catch::Contains("none.toml: scenario file not found"));
    }
    SECTION("a bad threshold") {
        const auto p = f.scenario(head + "[coverage.kinds.venue]\nminutes = -5\n");
        REQUIRE_THROWS_WITH(load_scenario(p), Catch::Contains("plan.toml:4: [coverage.kinds.venue] key 'minutes' must be > 0"));
    }
}

TEST_CASE("a scenario declares extra kinds: a baseline kind's layer with a table filter", "[scenario]") {
    Folder f;
    const std::string head = "[scenario]\nbaseline = \"study.toml\"\n";
    const auto p = f.scenario(head + "[[facilities]]\nkind = \"demo_school\"\nlabel = \"科普示范学校\"\nfrom = \"school\"\n" +
                              "filter = { demo_school = 1, level = \"小学\", open = true }\nminutes = 20\n");
    const Scenario s = load_scenario(p);
    REQUIRE(s.kinds.size() == 1);
    const ExtraKind& k = s.kinds[0];
    REQUIRE(k.kind == "demo_school");
    REQUIRE(k.label == "科普示范学校");
    REQUIRE(k.from == "school");
    REQUIRE(k.line == 3);
    REQUIRE(k.filter.size() == 3);
    REQUIRE(std::get<double>(k.filter.at("demo_school")) == 1.0);
    REQUIRE(std::get<std::string>(k.filter.at("level")) == "小学");
    REQUIRE(std::get<bool>(k.filter.at("open")));
    REQUIRE(k.minutes == 20.0);
    REQUIRE(!k.radius_m);
    SECTION("a filter that is an OGR SQL string is refused: it cannot be re-applied after attribute changes") {
        const auto q = f.scenario(head + "[[facilities]]\nkind = \"d\"\nfrom = \"school\"\nfilter = \"demo_school = 1\"\n");
        REQUIRE_THROWS_WITH(load_scenario(q), Catch::Contains("plan.toml:6: [facilities #1] key 'filter' must be a table"));
    }
    SECTION("without from") {
        const auto q = f.scenario(head + "[[facilities]]\nkind = \"d\"\nfilter = { demo_school = 1 }\n");
        REQUIRE_THROWS_WITH(load_scenario(q), Catch::Contains("plan.toml:3: [facilities #1] needs the key 'from'"));
    }
    SECTION("a kind declared twice") {
        const auto q = f.scenario(head + "[[facilities]]\nkind = \"d\"\nfrom = \"school\"\nfilter = { a = 1 }\n" +
                                  "[[facilities]]\nkind = \"d\"\nfrom = \"school\"\nfilter = { a = 2 }\n");
        REQUIRE_THROWS_WITH(load_scenario(q), Catch::Contains("plan.toml:8: [facilities #2] key 'kind' 'd' is declared twice"));
    }
}
