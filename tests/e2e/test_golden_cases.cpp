// Golden end-to-end cases: every folder in tests/e2e/cases/ holds a study.toml and either
// expected/ (outputs compared on a canonical form: text files exactly, JSON and GeoJSON member by
// member for the members the expected file lists) or expect_error.txt (exit code on the first
// line, then fragments the error message must contain; no output may be left behind).
#include "../support/cli.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using kepu15::test::run_cli;
using nlohmann::json;

namespace {

// Every key in `expected` must be in `actual` with an equal value (numbers within 1e-6 relative).
void require_contains(const json& expected, const json& actual, const std::string& where) {
    CAPTURE(where);
    if (expected.is_object()) {
        REQUIRE(actual.is_object());
        for (const auto& [k, v] : expected.items()) {
            REQUIRE(actual.contains(k));
            require_contains(v, actual.at(k), where + "." + k);
        }
    } else if (expected.is_array()) {
        REQUIRE(actual.is_array());
        REQUIRE(actual.size() == expected.size());
        for (std::size_t i = 0; i < expected.size(); ++i) {
            require_contains(expected[i], actual[i], where + "[" + std::to_string(i) + "]");
        }
    } else if (expected.is_number()) {
        REQUIRE(actual.is_number());
        REQUIRE(actual.get<double>() == Approx(expected.get<double>()).epsilon(1e-6));
    } else {
        REQUIRE(actual == expected);
    }
}

std::vector<fs::path> cases() {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(kepu15::test::source_dir() / "tests" / "e2e" / "cases")) {
        if (e.is_directory()) out.push_back(e.path());
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

TEST_CASE("golden end-to-end cases give the expected outputs or the expected error", "[e2e]") {
    const auto all = cases();
    REQUIRE(all.size() >= 2);
    for (const auto& dir : all) {
        const std::string name = dir.filename().string();
        SECTION(name) {
            kepu15::test::TempDir tmp("golden");
            const fs::path out = tmp.path() / "out";
            const auto r = run_cli({"run", (dir / "study.toml").string(), "--out", out.string(), "--cells-vector"});
            CAPTURE(name, r.exit_code, r.out, r.err);
            if (fs::exists(dir / "expect_error.txt")) {
                std::ifstream in(dir / "expect_error.txt");
                int code = 0;
                in >> code;
                std::string line;
                std::getline(in, line);
                REQUIRE(r.exit_code == code);
                while (std::getline(in, line)) {
                    if (!line.empty()) REQUIRE(r.err.find(line) != std::string::npos);
                }
                // No partial output: the output folder holds nothing.
                REQUIRE(kepu15::test::files_below(out).empty());
            } else {
                REQUIRE(r.exit_code == 0);
                for (const auto& e : fs::directory_iterator(dir / "expected")) {
                    const std::string file = e.path().filename().string();
                    CAPTURE(file);
                    REQUIRE(fs::exists(out / file));
                    const std::string actual = kepu15::test::slurp((out / file).string());
                    const std::string expected = kepu15::test::slurp(e.path().string());
                    // JSON and GeoJSON: the expected document lists the members that must match.
                    if (e.path().extension() == ".json" || e.path().extension() == ".geojson") {
                        require_contains(json::parse(expected), json::parse(actual), file);
                    } else {
                        REQUIRE(actual == expected);
                    }
                }
                // Nothing is left in the staging area; the one hidden file is the output manifest.
                for (const auto& f : kepu15::test::files_below(out)) {
                    const std::string file = fs::path(f).filename().string();
                    REQUIRE((file.rfind(".", 0) != 0 || file == ".kepu15-manifest.json"));
                }
            }
        }
    }
}
