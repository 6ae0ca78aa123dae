// The sink options of the CLI as a user runs them: --format, --layer, --schema, --overwrite,
// --out-crs; connection strings never become folders or appear with their password; a run killed
// with SIGKILL during its write stage leaves the old or the new outputs.
#include "export_fixtures.hpp"
#include "kepu15/io/output_folder.hpp"
#include "kepu15/io/vector_reader.hpp"

#include <nlohmann/json.hpp>

#include <csignal>
#include <cstdlib>
#include <filesystem>

using namespace kepu15;
using namespace kepu15::test;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

std::string fixture(const std::string& name) { return (fixtures_dir() / "io" / name).string(); }

std::vector<std::string> coverage_args(const std::string& out, const std::string& radius_m = "2000") {
    return {"coverage", "--population", fixture("points_wgs84.geojson"), "--facilities", fixture("pois_lnglat.csv"),
            "--radius-m", radius_m, "--out", out};
}

std::vector<std::string> with(std::vector<std::string> args, const std::vector<std::string>& more) {
    args.insert(args.end(), more.begin(), more.end());
    return args;
}

std::string pg_connection() {
    if (const char* env = std::getenv("KEPU15_TEST_PG"); env != nullptr && *env != '\0') return env;
    std::ifstream in("pg-test/conninfo");
    std::string line;
    std::getline(in, line);
    return line;
}

}  // namespace

TEST_CASE("kepu15 coverage writes a GeoPackage layer beside others, in the CRS asked for", "[export]") {
    TempDir dir("export-cli-gpkg");
    const std::string gpkg = dir.file("work.gpkg");
    const std::size_t n = io::read_vector(fixture("points_wgs84.geojson")).features.size();
    auto r = run_cli(with(coverage_args(gpkg), {"--layer", "cov_2km", "--out-crs", "CGCS2000"}));
    REQUIRE(r.exit_code == 0);
    r = run_cli(with(coverage_args(gpkg, "1000"), {"--layer", "cov_1km"}));
    REQUIRE(r.exit_code == 0);
    r = run_cli(with(coverage_args(gpkg), {"--layer", "cov_1km"}));
    CHECK(r.exit_code == 7);
    CHECK_THAT(r.err, Contains("layer 'cov_1km' exists") && Contains("--overwrite"));
    REQUIRE(run_cli(with(coverage_args(gpkg), {"--layer", "cov_1km", "--overwrite"})).exit_code == 0);
    auto ds = open_vector(gpkg);
    REQUIRE(ds);
    CHECK(ds->GetLayerCount() == 2);
    CHECK(static_cast<std::size_t>(ds->GetLayerByName("cov_2km")->GetFeatureCount()) == n);
    CHECK(epsg_of(ds->GetLayerByName("cov_2km")) == 4490);
    CHECK(epsg_of(ds->GetLayerByName("cov_1km")) == 4326);
    CHECK(fs::exists(dir.file("work.gpkg")));
    CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 1);
}

TEST_CASE("kepu15 coverage writes Shapefile, FlatGeobuf and CSV, and --help lists the formats", "[export]") {
    TempDir dir("export-cli-files");
    for (const char* name : {"cov.shp", "cov.fgb", "cov.csv"}) {
        INFO(name);
        const auto r = run_cli(coverage_args(dir.file(name)));
        REQUIRE(r.exit_code == 0);
        const auto back = io::read_vector(dir.file(name));
        CHECK(back.find_field("covered") >= 0);
    }
    CHECK(slurp(dir.file("cov.cpg")) == "UTF-8");
    CHECK(fs::exists(dir.file("cov.csvt")));
    const auto help = run_cli({"coverage", "--help"});
    CHECK_THAT(help.out, Contains("csv") && Contains("flatgeobuf") && Contains("gpkg") && Contains("postgis") &&
                             Contains("--out-crs") && Contains("GCJ-02"));
    const auto run_help = run_cli({"run", "--help"});
    CHECK_THAT(run_help.out, Contains("csv") && Contains("--cells-vector") && Contains("--schema"));
}

TEST_CASE("A PG: output never creates a folder and never prints the password", "[export]") {
    TempDir dir("export-cli-pg");
    const auto cwd = fs::current_path();
    fs::current_path(dir.path());
    const std::string conn = "PG:host=127.0.0.1 port=1 dbname=none user=u password=s3cret";
    const auto cov = run_cli(coverage_args(conn));  // no --layer
    CHECK(cov.exit_code == 6);
    CHECK_THAT(cov.err, Contains("--layer"));
    const auto cov2 = run_cli(with(coverage_args(conn), {"--layer", "x"}));
    CHECK(cov2.exit_code == 7);
    CHECK_THAT(cov2.err + cov2.out, !Contains("s3cret"));
    const auto run = run_cli({"run", "--methods", "crowfly", "--out", conn});
    CHECK(run.exit_code != 0);
    CHECK_THAT(run.err + run.out, !Contains("s3cret"));
    fs::current_path(cwd);
    CHECK(fs::is_empty(dir.path()));
}

TEST_CASE("kepu15 coverage into PostGIS: --layer, --schema, --overwrite", "[export][postgis]") {
    const std::string conn = pg_connection();
    if (conn.empty()) {
        WARN("skipped: no PostgreSQL test cluster (run through ctest, or set KEPU15_TEST_PG)");
        return;
    }
    const std::size_t n = io::read_vector(fixture("points_wgs84.geojson")).features.size();
    const auto args = with(coverage_args(conn), {"--layer", "cov", "--schema", "kunshan_cli"});
    auto r = run_cli(with(args, {"--overwrite"}));
    REQUIRE(r.exit_code == 0);
    r = run_cli(args);
    CHECK(r.exit_code == 7);
    CHECK_THAT(r.err, Contains("table 'cov' exists"));
    io::ReadOptions ro;
    ro.layer = "kunshan_cli.cov";
    CHECK(io::read_vector(conn, ro).features.size() == n);
}

// `kepu15 run` (the tiny_network golden case) killed with SIGKILL at each checkpoint of its write
// stage in turn, over the outputs of a complete earlier run plus a file kepu15 does not own. The
// old run has crow-fly and walking coverage, the new one crow-fly only.
TEST_CASE("kepu15 run killed at every checkpoint of its write stage leaves a complete folder", "[export][slow]") {
    TempDir dir("export-cli-kill");
    const fs::path out = dir.path() / "maps";
    const std::string study = (source_dir() / "tests" / "e2e" / "cases" / "tiny_network" / "study.toml").string();
    const std::vector<std::string> old_run{"run", study, "--methods", "crowfly,network", "--out", out.string(),
                                           "--cells-vector"};
    const std::vector<std::string> new_run{"run", study, "--methods", "crowfly", "--out", out.string(),
                                           "--cells-vector"};
    // Every file the manifest lists is there, nothing else but README.md, and the summary matches
    // the file set. Returns whether the folder holds the new run.
    const auto check_complete = [&]() {
        const auto listed = io::OutputFolder::read_manifest(out.string());
        REQUIRE_FALSE(listed.empty());
        std::vector<std::string> have;
        for (const auto& e : fs::directory_iterator(out)) have.push_back(e.path().filename().string());
        std::vector<std::string> want = listed;
        want.push_back(".kepu15-manifest.json");
        want.push_back("README.md");
        std::sort(have.begin(), have.end());
        std::sort(want.begin(), want.end());
        REQUIRE(have == want);
        REQUIRE(slurp((out / "README.md").string()) == "mine");
        // Both files of one run: walking minutes in the cells exactly when the summary has walking.
        const bool is_new = slurp((out / "summary.json").string()).find("\"walk\"") == std::string::npos;
        REQUIRE((slurp((out / "cells.geojson").string()).find("station_walk_min") == std::string::npos) == is_new);
        return is_new;
    };
    REQUIRE(run_cli(old_run).exit_code == 0);
    std::ofstream((out / "README.md").string()) << "mine";
    REQUIRE_FALSE(check_complete());
    int at = 1;
    int new_seen = 0;
    int old_seen = 0;
    for (; at < 60; ++at) {
        CAPTURE(at);
        ::setenv("KEPU15_TEST_KILL_AT", std::to_string(at).c_str(), 1);
        const auto r = run_cli(new_run);
        ::unsetenv("KEPU15_TEST_KILL_AT");
        const bool is_new = check_complete();
        if (r.exit_code == 0) {
            CHECK(is_new);
            break;
        }
        CHECK(r.exit_code == 128 + SIGKILL);  // killed (as the shell reports it)
        (is_new ? new_seen : old_seen) += 1;
        if (is_new) REQUIRE(run_cli(old_run).exit_code == 0);  // back to the old outputs
    }
    CHECK(old_seen >= 5);
    CHECK(new_seen >= 1);
    // Beside the folder: only the lock file (killed runs' staging folders were cleaned up).
    CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 2);
}
