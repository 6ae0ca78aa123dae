// What the CLI prints: --log-format json gives one JSON object per stderr line (progress events,
// warnings, the error with its exit code); --quiet silences the summary; without a terminal no
// progress line is drawn.
#include "../support/cli.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <sstream>

using kepu15::test::run_cli;
using nlohmann::json;

namespace {
std::vector<json> json_lines(const std::string& text) {
    std::vector<json> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty()) out.push_back(json::parse(line));  // throws (fails the test) on a non-JSON line
    }
    return out;
}
const std::string cases = (kepu15::test::source_dir() / "tests" / "e2e" / "cases").string();
}  // namespace

TEST_CASE("JSON log format (--log-format json) writes progress, warnings and errors as JSON lines", "[cli]") {
    kepu15::test::TempDir tmp("terminal");
    const auto ok = run_cli({"run", cases + "/drop_outside/study.toml", "--out", tmp.file("out"), "--log-format", "json"});
    REQUIRE(ok.exit_code == 0);
    const auto lines = json_lines(ok.err);
    std::vector<std::string> started;
    std::size_t warnings = 0;
    for (const auto& l : lines) {
        if (l["level"] == "progress" && l["event"] == "stage_start") started.push_back(l["stage"]);
        if (l["level"] == "warning") {
            ++warnings;
            REQUIRE(l["message"].get<std::string>().find("dropped") != std::string::npos);
        }
    }
    REQUIRE(started == std::vector<std::string>{"read", "crowfly search", "aggregate", "write"});
    REQUIRE(warnings == 2);  // one facility and seven cells outside every unit

    const auto bad = run_cli({"--log-format", "json", "run", cases + "/bad_missing_file/study.toml", "--out",
                              tmp.file("bad")});
    REQUIRE(bad.exit_code == 3);
    const auto err = json_lines(bad.err);
    REQUIRE_FALSE(err.empty());
    REQUIRE(err.back()["level"] == "error");
    REQUIRE(err.back()["exit_code"] == 3);
    REQUIRE(err.back()["message"].get<std::string>().find("nowhere.geojson") != std::string::npos);
}

TEST_CASE("quiet mode (--quiet) prints no summary and no progress, but still the error", "[cli]") {
    kepu15::test::TempDir tmp("terminal");
    const auto ok = run_cli({"run", cases + "/tiny_crowfly/study.toml", "--out", tmp.file("out"), "--quiet"});
    REQUIRE(ok.exit_code == 0);
    REQUIRE(ok.out.empty());
    REQUIRE(ok.err.empty());
    const auto loud = run_cli({"run", cases + "/tiny_crowfly/study.toml", "--out", tmp.file("out2")});
    REQUIRE(loud.out.find("covered") != std::string::npos);
    // Not a terminal: no carriage-return progress line.
    REQUIRE(loud.err.find('\r') == std::string::npos);
    const auto bad = run_cli({"-q", "run", cases + "/bad_missing_file/study.toml", "--out", tmp.file("bad")});
    REQUIRE(bad.exit_code == 3);
    REQUIRE(bad.err.find("kepu15: input error:") != std::string::npos);
}
