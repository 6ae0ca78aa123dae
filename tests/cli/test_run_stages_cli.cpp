// `kepu15 run` writes roads, water, service areas and cells.tif on a background thread beside the
// access and aggregation stages (commands/run.cpp). A failure there must end the run as any other
// does: the documented exit code, a message naming the layer, and the output folder as it was.
#include "../support/cli.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

using namespace kepu15::test;
namespace fs = std::filesystem;

namespace {

std::string slurp_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
    for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
        s.replace(at, from.size(), to);
    }
}

// Every file below `dir` with its bytes.
std::map<std::string, std::string> contents(const fs::path& dir) {
    std::map<std::string, std::string> out;
    for (const auto& f : files_below(dir)) {
        if (fs::is_regular_file(f)) out[fs::relative(f, dir).string()] = slurp_file(f);
    }
    return out;
}

}  // namespace

TEST_CASE("run: a water layer that fails on the background thread leaves the previous outputs as they were",
          "[cli]") {
    const fs::path fixture = source_dir() / "tests" / "fixtures" / "gaps";
    TempDir tmp("run-stages");
    // The tiny gaps study (network, service areas) with absolute paths and a water layer that is
    // not GeoJSON: it is read only when water.geojson is written, beside the access stage.
    std::string toml = slurp_file(fixture / "study.toml");
    // Quoted piece by piece: GCC 12 warns falsely (-Wrestrict) about "\"" + std::string.
    const auto quoted = [](const fs::path& p, const char* tail) {
        std::string q(1, '"');
        q += p.string();
        q += tail;
        return q;
    };
    replace_all(toml, "\"../../", quoted(source_dir() / "tests", "/"));
    replace_all(toml, "\"villages.geojson\"", quoted(fixture / "villages.geojson", "\""));
    replace_all(toml, "\"venues.csv\"", quoted(fixture / "venues.csv", "\""));
    const std::string good = tmp.file("good.toml");
    std::ofstream(good, std::ios::binary) << toml;
    std::ofstream(tmp.file("water.geojson"), std::ios::binary) << "{\"type\": \"FeatureCollection\", \"features\": [";
    const std::string bad = tmp.file("bad.toml");
    std::ofstream(bad, std::ios::binary) << toml << "\n[layers]\nwater = \"" << tmp.file("water.geojson") << "\"\n";

    const std::string out = tmp.file("maps");
    const auto first = run_cli({"run", good, "--out", out, "--quiet"});
    INFO(first.err);
    REQUIRE(first.exit_code == 0);
    REQUIRE(fs::exists(fs::path(out) / "isochrones.geojson"));
    REQUIRE(fs::exists(fs::path(out) / "roads.geojson"));
    REQUIRE(fs::exists(fs::path(out) / "cells.tif"));
    const auto before = contents(out);

    const auto failed = run_cli({"run", bad, "--out", out, "--quiet"});
    INFO(failed.err);
    REQUIRE(failed.exit_code == 3);
    REQUIRE(failed.err.find("water") != std::string::npos);
    REQUIRE(contents(out) == before);
    // No staging folder or temporary file beside the outputs.
    for (const auto& e : fs::directory_iterator(tmp.path())) {
        const std::string name = e.path().filename().string();
        INFO(name);
        REQUIRE(name.find(".tmp") == std::string::npos);
    }
}
