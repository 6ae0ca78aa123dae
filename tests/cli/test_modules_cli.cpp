// Printable maps and the exact siting solver are modules loaded on first use
// (kepu15/module_loader.hpp): the kepu15 executable itself must not link Mapnik, cairo, pango or CBC
// (a plain run would map them at start-up), and a missing module ends the command with exit code 1
// naming the file.
#include "../support/cli.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <regex>
#include <set>

using namespace kepu15::test;

namespace {

// The NEEDED entries of an ELF file's dynamic section (readelf -d).
std::set<std::string> needed_libraries(const std::filesystem::path& elf) {
    const std::string cmd = "readelf -d " + shell_quote(elf.string()) + " 2>&1";
    FILE* pipe = ::popen(cmd.c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::string text;
    char buf[4096];
    while (std::fgets(buf, sizeof buf, pipe) != nullptr) text += buf;
    REQUIRE(::pclose(pipe) == 0);
    std::set<std::string> out;
    const std::regex needed(R"(\(NEEDED\)\s+Shared library: \[([^\]]+)\])");
    for (std::sregex_iterator it(text.begin(), text.end(), needed), end; it != end; ++it) out.insert((*it)[1]);
    return out;
}

bool any_matches(const std::set<std::string>& libs, const std::regex& pattern) {
    for (const auto& l : libs) {
        if (std::regex_search(l, pattern)) return true;
    }
    return false;
}

const std::regex render_or_solver_libraries(
    "mapnik|cairo|pango|harfbuzz|glib|gobject|fontconfig|freetype|X11|xcb|icui18n|boost_regex|boost_filesystem|"
    "Cbc|Clp|Osi|Cgl|CoinUtils",
    std::regex::icase);

// Sets an environment variable for the commands run in one scope.
struct ScopedEnv {
    ScopedEnv(const char* name, const std::string& value) : m_name(name) { ::setenv(name, value.c_str(), 1); }
    ~ScopedEnv() { ::unsetenv(m_name); }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
    const char* m_name;
};

}  // namespace

TEST_CASE("the kepu15 executable links no rendering or solver library, the modules do", "[cli]") {
    const auto exe = needed_libraries(cli_path());
    INFO("kepu15 NEEDED: " << [&] {
        std::string s;
        for (const auto& l : exe) s += l + " ";
        return s;
    }());
    REQUIRE(any_matches(exe, std::regex("^libgdal\\.so")));  // readelf did list the executable's libraries
    CHECK_FALSE(any_matches(exe, render_or_solver_libraries));

    const auto dir = cli_path().parent_path();
    CHECK(any_matches(needed_libraries(dir / "kepu15-render.so"), std::regex("mapnik")));
    CHECK(any_matches(needed_libraries(dir / "kepu15-render.so"), std::regex("cairo")));
    CHECK(any_matches(needed_libraries(dir / "kepu15-cbc.so"), std::regex("Cbc")));
}

TEST_CASE("a missing render module ends kepu15 render with exit code 1 naming kepu15-render.so", "[cli]") {
    TempDir empty("no-modules");
    TempDir folder("render-folder");
    const ScopedEnv env("KEPU15_MODULE_DIR", empty.path().string());
    const auto r = run_cli({"render", folder.path().string()});
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("installation error") != std::string::npos);
    CHECK(r.err.find("kepu15-render.so") != std::string::npos);
    CHECK(r.err.find("is missing") != std::string::npos);
    CHECK(r.err.find(empty.path().string()) != std::string::npos);  // where it looked
    CHECK_FALSE(std::filesystem::exists(folder.path() / "sheets"));
}

TEST_CASE("a missing solver module ends an exact kepu15 site with exit code 1 naming kepu15-cbc.so", "[cli]") {
    TempDir empty("no-modules");
    TempDir out("site");
    const std::string study = (source_dir() / "tests" / "e2e" / "cases" / "tiny_crowfly" / "study.toml").string();
    {
        const ScopedEnv env("KEPU15_MODULE_DIR", empty.path().string());
        const auto r = run_cli({"site", study, "--kind", "station", "--method", "crowfly", "--grid-spacing-m", "100",
                                "--k", "1", "--solver", "exact", "--out", out.file("site")});
        INFO(r.err);
        CHECK(r.exit_code == 1);
        CHECK(r.err.find("kepu15-cbc.so") != std::string::npos);
        CHECK_FALSE(std::filesystem::exists(out.path() / "site"));
        // The heuristic needs no module.
        const auto h = run_cli({"site", study, "--kind", "station", "--method", "crowfly", "--grid-spacing-m", "100",
                                "--k", "1", "--solver", "heuristic", "--out", out.file("site")});
        INFO(h.err);
        CHECK(h.exit_code == 0);
    }
    // Found beside the executable, the same command solves exactly.
    const auto e = run_cli({"site", study, "--kind", "station", "--method", "crowfly", "--grid-spacing-m", "100",
                            "--k", "1", "--solver", "exact", "--out", out.file("site")});
    INFO(e.err);
    CHECK(e.exit_code == 0);
}
