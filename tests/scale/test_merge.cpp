// Partitioned runs: the bundled study run on partitions of its units, with a halo as wide as the
// farthest trip, and merged, writes the same bytes as the whole run.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <utility>

#include <nlohmann/json.hpp>

#include "../support/cli.hpp"
#include "../support/paths.hpp"
#include "kepu15/commands/merge.hpp"
#include "kepu15/commands/run.hpp"
#include "kepu15/error.hpp"
#include "kepu15/study/inputs.hpp"
#include "kepu15/study/study.hpp"

namespace fs = std::filesystem;
using namespace kepu15;

namespace {

std::vector<std::string> file_names(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

// Every file of the whole run is in the merged folder with the same bytes, and nothing else.
void require_same_files(const fs::path& whole, const fs::path& merged) {
    const auto names = file_names(whole);
    REQUIRE(names == file_names(merged));
    REQUIRE(std::find(names.begin(), names.end(), "cells.tif") != names.end());
    REQUIRE(std::find(names.begin(), names.end(), "gaps.geojson") != names.end());
    for (const auto& n : names) {
        CAPTURE(n);
        const std::string a = test::slurp((whole / n).string());
        const std::string b = test::slurp((merged / n).string());
        REQUIRE(a.size() == b.size());
        REQUIRE(a == b);
    }
}

study::Study bundled() {
    study::Study s = study::load_study((test::source_dir() / "geodata" / "kunshan" / "study.toml").string());
    s.isochrones = false;  // a partition cannot draw service areas whole
    s.access.reset();      // nor share a facility among cells of several partitions (2SFCA)
    return s;
}

std::vector<std::string> unit_codes(const study::Study& s) {
    Diagnostics diag;
    std::vector<std::string> codes;
    for (const auto& u : study::load_inputs(s, diag).units) codes.push_back(u.code);
    return codes;
}

void run(const study::Study& s, const std::string& out) {
    Diagnostics diag;
    std::ostringstream log;
    commands::RunOptions opt;
    opt.out_dir = out;
    opt.threads = 2;
    commands::run_study(s, opt, log, diag);
}

// Runs `whole` as `parts` partitions of its units (unit i in partition i % parts) with `halo_m`;
// returns the folders. As scripts/run-partitioned.py does, the first partition writes
// roads.geojson (and reads the whole network), the others run with --no-roads and read the roads
// within their cells' box widened by the halo only.
std::vector<std::string> run_partitions(const study::Study& whole, const test::TempDir& dir,
                                        std::size_t parts, double halo_m) {
    const auto codes = unit_codes(whole);
    REQUIRE(codes.size() == 11);
    std::vector<std::string> dirs;
    for (std::size_t p = 0; p < parts; ++p) {
        study::Study s = whole;
        for (std::size_t i = p; i < codes.size(); i += parts) s.partition_units.push_back(codes[i]);
        s.partition_halo_m = halo_m;
        s.roads = p == 0;
        dirs.push_back(dir.file("part" + std::to_string(p)));
        run(s, dirs.back());
        REQUIRE(fs::exists(fs::path(dirs.back()) / commands::partition_file_name));
    }
    return dirs;
}

void merge(const std::vector<std::string>& parts, const std::string& out) {
    Diagnostics diag;
    commands::MergeRequest req;
    req.out_dir = out;
    req.part_dirs = parts;
    commands::run_merge(req, diag);
}

}  // namespace

TEST_CASE("three partitions of the bundled study merged equal the whole run (crow-fly, walk, drive)",
          "[scale]") {
    test::TempDir dir("merge");
    study::Study s = bundled();
    s.profiles = {network::Profile::walk, network::Profile::drive};
    run(s, dir.file("whole"));
    // Horizon 60 min at the fastest drive speed of the bundled roads (at most 120 km/h): 120 km,
    // wider than the study, so every partition keeps every facility.
    const auto parts = run_partitions(s, dir, 3, 120'000.0);
    merge(parts, dir.file("merged"));
    require_same_files(dir.path() / "whole", dir.path() / "merged");
}

TEST_CASE("partitions with a narrow halo merged equal the whole run when the halo covers the horizon",
          "[scale]") {
    // Walking only, 15-minute horizon: no trip is longer than 15 min x 4.5 km/h = 1,125 m, so a
    // 1,200 m halo drops most facilities of each partition and must not change any cell.
    test::TempDir dir("merge-halo");
    study::Study s = bundled();
    s.methods = {study::Method::network};
    s.profiles = {network::Profile::walk};
    s.horizon_minutes = 15.0;
    run(s, dir.file("whole"));
    const auto parts = run_partitions(s, dir, 2, 1'200.0);
    merge(parts, dir.file("merged"));
    require_same_files(dir.path() / "whole", dir.path() / "merged");

    // The halo really drops facilities: a partition's facilities layer is smaller than the whole one.
    REQUIRE(test::slurp(parts[0] + "/facilities.geojson").size() <
            test::slurp(dir.file("whole") + "/facilities.geojson").size());
}

// The network's edge count a run wrote in summary.json.
std::size_t network_edges(const std::string& dir) {
    const auto j = nlohmann::json::parse(test::slurp(dir + "/summary.json"));
    return j.at("network").at("edges").get<std::size_t>();
}

TEST_CASE("partitions that read the roads within their halo only merged equal the whole run", "[scale]") {
    // One partition per unit, walking and cycling, 15-minute horizon: no trip is longer than
    // 15 min x 15 km/h (the bundled study's cycling speed, its fastest here) = 3,750 m, so a
    // 3,800 m halo covers every trip. Each partition but the first reads only the roads within
    // its cells' box widened by 3,800 m + the 500 m snap distance: a share of the network.
    test::TempDir dir("merge-clip");
    study::Study s = bundled();
    s.methods = {study::Method::network};
    s.profiles = {network::Profile::walk, network::Profile::bike};
    s.horizon_minutes = 15.0;
    REQUIRE(s.network->speeds.bike_kmh == 15.0);
    run(s, dir.file("whole"));
    const auto parts = run_partitions(s, dir, 11, 3'800.0);
    merge(parts, dir.file("merged"));
    require_same_files(dir.path() / "whole", dir.path() / "merged");

    // The clipping really removes roads: the first partition read the whole network, the others
    // less, most of them less than half of it.
    const std::size_t whole_edges = network_edges(dir.file("whole"));
    REQUIRE(network_edges(parts[0]) == whole_edges);
    REQUIRE_FALSE(fs::exists(parts[1] + "/roads.geojson"));
    std::size_t under_half = 0;
    for (std::size_t p = 1; p < parts.size(); ++p) {
        CAPTURE(p);
        REQUIRE(network_edges(parts[p]) < whole_edges);
        if (2 * network_edges(parts[p]) < whole_edges) ++under_half;
    }
    REQUIRE(under_half >= 5);

    // Without the partition that read the whole network, the merge has no roads.geojson nor the
    // network's size for summary.json: refused, nothing written.
    fs::remove(fs::path(parts[0]) / "roads.geojson");
    REQUIRE_THROWS_AS(merge(parts, dir.file("no-roads")), input_error);
    REQUIRE(test::files_below(dir.path() / "no-roads").empty());
}

TEST_CASE("merging partitions that miss a unit or repeat one is refused, and nothing is written", "[scale]") {
    test::TempDir dir("merge-bad");
    study::Study s = bundled();
    s.methods = {study::Method::crowfly};
    const auto parts = run_partitions(s, dir, 2, 120'000.0);
    REQUIRE_THROWS_AS(merge({parts[0]}, dir.file("missing")), input_error);
    REQUIRE_THROWS_AS(merge({parts[0], parts[1], parts[0]}, dir.file("twice")), input_error);
    REQUIRE_THROWS_AS(merge({parts[0], dir.file("nowhere")}, dir.file("absent")), input_error);
    REQUIRE(test::files_below(dir.path() / "missing").empty());
    REQUIRE(test::files_below(dir.path() / "twice").empty());
}

TEST_CASE(
    "kepu15 run --partition needs --halo-m and a known unit code, and kepu15 merge combines on the command "
    "line",
    "[scale]") {
    test::TempDir dir("merge-cli");
    const std::string study_file = (test::source_dir() / "geodata" / "kunshan" / "study.toml").string();
    auto r = test::run_cli(
        {"run", study_file, "--no-access", "--out", dir.file("a"), "--methods", "crowfly", "--partition", "320583100"});
    REQUIRE(r.exit_code == 6);
    REQUIRE(r.err.find("--halo-m") != std::string::npos);
    r = test::run_cli({"run", study_file, "--no-access", "--out", dir.file("a"), "--methods", "crowfly", "--partition",
                       "999", "--halo-m", "1000"});
    REQUIRE(r.exit_code == 6);
    REQUIRE(r.err.find("'999'") != std::string::npos);

    const auto codes = unit_codes(study::load_study(study_file));
    std::string first;
    std::string rest;
    for (std::size_t i = 0; i < codes.size(); ++i) {
        std::string& part = i < 5 ? first : rest;
        part += (part.empty() ? "" : ",") + codes[i];
    }
    r = test::run_cli({"run", study_file, "--no-access", "--out", dir.file("whole"), "--methods", "crowfly"});
    REQUIRE(r.exit_code == 0);
    r = test::run_cli({"run", study_file, "--no-access", "--out", dir.file("p1"), "--methods", "crowfly", "--partition",
                       first, "--halo-m", "120000"});
    CAPTURE(r.err);
    REQUIRE(r.exit_code == 0);
    // The second partition as run-partitioned.py runs all but the first: no roads, no maps of its own.
    r = test::run_cli({"run", study_file, "--no-access", "--out", dir.file("p2"), "--methods", "crowfly", "--partition",
                       rest, "--halo-m", "120000", "--no-roads", "--partition-file-only"});
    CAPTURE(r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE(fs::exists(dir.path() / "p2" / commands::partition_file_name));
    REQUIRE_FALSE(fs::exists(dir.path() / "p2" / "summary.json"));
    REQUIRE_FALSE(fs::exists(dir.path() / "p2" / "cells.tif"));
    REQUIRE_FALSE(fs::exists(dir.path() / "p2" / "towns.csv"));
    REQUIRE(test::run_cli({"run", study_file, "--no-access", "--out", dir.file("p3"), "--methods", "crowfly",
                           "--partition-file-only"})
                .exit_code == 6);
    r = test::run_cli({"merge", dir.file("merged"), dir.file("p1"), dir.file("p2")});
    CAPTURE(r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE(r.out.find("2 partitions") != std::string::npos);
    REQUIRE(test::slurp(dir.file("whole") + "/summary.json") ==
            test::slurp(dir.file("merged") + "/summary.json"));
    REQUIRE(test::slurp(dir.file("whole") + "/cells.geojson") ==
            test::slurp(dir.file("merged") + "/cells.geojson"));
}

TEST_CASE("scripts/run-partitioned.py runs two partitions on a local Dask cluster and merges them",
          "[scale]") {
    if (std::system("/usr/bin/python3 -c 'import distributed' >/dev/null 2>&1") != 0) {
        WARN("skipped: /usr/bin/python3 has no dask.distributed (Debian python3-distributed)");
        return;
    }
    test::TempDir dir("partitioned");
    const std::string study_file = (test::source_dir() / "geodata" / "kunshan" / "study.toml").string();
    auto r = test::run_cli({"run", study_file, "--no-access", "--out", dir.file("whole"), "--methods", "crowfly"});
    REQUIRE(r.exit_code == 0);
    const std::string cmd =
        "/usr/bin/python3 " +
        test::shell_quote((test::source_dir() / "scripts" / "run-partitioned.py").string()) + " " +
        test::shell_quote(study_file) + " --out " + test::shell_quote(dir.file("merged")) +
        " --partitions 2 --workers 2 --kepu15 " + test::shell_quote(test::cli_path().string()) +
        " -- --methods crowfly >" + test::shell_quote(dir.file("log")) + " 2>&1";
    const int status = std::system(cmd.c_str());
    CAPTURE(test::slurp(dir.file("log")));
    REQUIRE(status == 0);
    REQUIRE(test::slurp(dir.file("log")).find("2 partitions of 11 units") != std::string::npos);
    for (const char* name :
         {"summary.json", "cells.geojson", "gaps.geojson", "villages.geojson", "towns.csv"}) {
        CAPTURE(name);
        REQUIRE(test::slurp(dir.file("whole") + "/" + name) == test::slurp(dir.file("merged") + "/" + name));
    }
    REQUIRE_FALSE(fs::exists(dir.file("merged") + ".parts"));
}

TEST_CASE("partitions read in other processes measure crow-fly distances bit for bit as the whole run",
          "[scale]") {
    // Regression (issue 11 §4): on the jiangsu-like province, whose layers are in the working CRS
    // (EPSG:4549), merged partitions differed from the whole run in 13 crow-fly cells by one float32
    // step. A facility is read into WGS84 and projected back: the whole run's road thread asked for
    // WGS84 -> EPSG:4549 first and the units' reader EPSG:4549 -> WGS84 got that operation inverted;
    // a partition that reads its roads after its inputs created the operation the other way round,
    // and an operation and its inverse differ in the last bits. The bundled layers are in WGS84 and
    // CGCS2000 degrees, and one process shares PROJ's operations among its runs, so the other tests
    // could not see it: here the units and the stations are in EPSG:4549, and every run is a process.
    if (std::system("command -v ogr2ogr >/dev/null 2>&1") != 0) {
        WARN("skipped: ogr2ogr (Debian gdal-bin) not found");
        return;
    }
    test::TempDir dir("merge-crs");
    const fs::path kunshan = test::source_dir() / "geodata" / "kunshan";
    for (const auto& [layer, source] : {std::pair<std::string, std::string>{"towns", "towns.shp"},
                                        std::pair<std::string, std::string>{"stations", "stations.geojson"}}) {
        const std::string cmd = "ogr2ogr -f GPKG -t_srs EPSG:4549 -nln " + layer + " " +
                                test::shell_quote(dir.file(layer + ".gpkg")) + " " +
                                test::shell_quote((kunshan / source).string()) + " >/dev/null 2>&1";
        REQUIRE(std::system(cmd.c_str()) == 0);
    }
    std::string toml = test::slurp((kunshan / "study.toml").string());
    const auto replace = [&](const std::string& from, const std::string& to) {
        const auto at = toml.find(from);
        REQUIRE(at != std::string::npos);
        toml.replace(at, from.size(), to);
    };
    replace("path = \"towns.shp\"\nencoding = \"GBK\"", "path = \"" + dir.file("towns.gpkg") + "\"");
    replace("path = \"stations.geojson\"", "path = \"" + dir.file("stations.gpkg") + "\"");
    for (const char* file : {"villages.gpkg", "population.tif", "venues.csv", "schools.gpkg", "roads.osm.pbf"}) {
        replace(std::string("path = \"") + file + "\"", "path = \"" + (kunshan / file).string() + "\"");
    }
    const std::string study_file = dir.file("study.toml");
    {
        std::ofstream out(study_file);
        out << toml;
    }
    const auto codes = unit_codes(study::load_study(study_file));
    std::string all;
    std::vector<std::string> halves(2);
    for (std::size_t i = 0; i < codes.size(); ++i) {
        all += (all.empty() ? "" : ",") + codes[i];
        halves[i % 2] += (halves[i % 2].empty() ? "" : ",") + codes[i];
    }
    const std::vector<std::string> common = {"--no-access", "--no-isochrones", "--profiles", "walk", "--horizon", "15",
                                             "--quiet", "--halo-m", "120000", "--partition-file-only"};
    const auto run_cli = [&](const std::string& out, const std::string& units, bool roads) {
        std::vector<std::string> args = {"run", study_file, "--out", dir.file(out), "--partition", units};
        args.insert(args.end(), common.begin(), common.end());
        if (!roads) args.push_back("--no-roads");
        const auto r = test::run_cli(args);
        CAPTURE(out, r.err);
        REQUIRE(r.exit_code == 0);
        return commands::read_partition_file(dir.file(out) + "/" + commands::partition_file_name);
    };
    // The whole study as one partition that writes roads.geojson: it reads the roads on their own
    // thread while the inputs load, as a whole run does. The halves read theirs afterwards.
    const auto whole = run_cli("whole", all, true);
    std::size_t compared = 0;
    for (std::size_t h = 0; h < 2; ++h) {
        const auto part = run_cli("half" + std::to_string(h), halves[h], false);
        REQUIRE(part.measures.size() == whole.measures.size());
        std::map<std::pair<std::int32_t, std::int32_t>, std::size_t> at;
        for (std::size_t i = 0; i < whole.col.size(); ++i) at[{whole.col[i], whole.row[i]}] = i;
        for (std::size_t k = 0; k < whole.measures.size(); ++k) {
            const auto& pm = part.measures[k];
            const auto& wm = whole.measures[k];
            REQUIRE(pm.kind == wm.kind);
            if (pm.method_type != 0) continue;  // crow-fly only: network minutes never differed
            std::size_t different = 0;
            for (std::size_t i = 0; i < part.col.size(); ++i) {
                const std::size_t w = at.at({part.col[i], part.row[i]});
                // Exact: the bits of the double, not a tolerance.
                if (std::memcmp(&pm.value[i], &wm.value[w], sizeof(double)) != 0 ||
                    pm.facility_id[i] != wm.facility_id[w]) {
                    ++different;
                }
                ++compared;
            }
            CAPTURE(h, pm.kind);
            REQUIRE(different == 0);
        }
    }
    REQUIRE(compared == 3 * whole.col.size());
}
