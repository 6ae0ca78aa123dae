// The output-folder transaction: after any run, successful, failed, interrupted or killed, the
// folder holds exactly one run's complete outputs, and files kepu15 does not own are untouched.
#include <catch2/catch.hpp>

#include "../support/cli.hpp"
#include "kepu15/error.hpp"
#include "kepu15/io/output_folder.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

using namespace kepu15;
using kepu15::test::slurp;
using kepu15::test::TempDir;
namespace fs = std::filesystem;

namespace {

void put(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
}

// Names directly in `dir`, sorted (hidden ones included).
std::vector<std::string> names_in(const fs::path& dir) {
    std::vector<std::string> out;
    if (!fs::exists(dir)) return out;
    for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

// One "run": `files` written through an OutputFolder and committed.
void run_once(const fs::path& target, const std::map<std::string, std::string>& files) {
    io::OutputFolder folder(target.string());
    for (const auto& [name, text] : files) put(folder.path_for(name), text);
    folder.commit();
}

const std::map<std::string, std::string> run_a{
    {"cells.geojson", "A cells"}, {"isochrones.geojson", "A isochrones"}, {"summary.json", "A summary"},
    {"traveltime_station_walk.tif", "A raster"}};
const std::map<std::string, std::string> run_b{
    {"cells.geojson", "B cells"}, {"summary.json", "B summary"}, {"towns.csv", "B towns"}, {"sub/legend.txt", "B legend"}};

// The folder holds exactly `run`'s files plus the unowned README and viewer, unchanged.
bool holds_exactly(const fs::path& target, const std::map<std::string, std::string>& run) {
    std::vector<std::string> want{".kepu15-manifest.json", "README.md", "viewer"};
    for (const auto& [name, text] : run) {
        const std::string top = fs::path(name).begin()->string();
        if (std::find(want.begin(), want.end(), top) == want.end()) want.push_back(top);
        if (!fs::exists(target / name) || slurp((target / name).string()) != text) return false;
    }
    std::sort(want.begin(), want.end());
    return names_in(target) == want && slurp((target / "README.md").string()) == "mine" &&
           slurp((target / "viewer" / "index.html").string()) == "<html>";
}

void add_unowned(const fs::path& target) {
    put(target / "README.md", "mine");
    put(target / "viewer" / "index.html", "<html>");
}

}  // namespace

TEST_CASE("A commit replaces the previous run's outputs and keeps files kepu15 does not own", "[export]") {
    TempDir dir("export-folder");
    const fs::path target = fs::path(dir.path()) / "maps";
    run_once(target, run_a);
    add_unowned(target);
    const auto viewer_inode_before = fs::hard_link_count(target / "viewer" / "index.html");
    run_once(target, run_b);
    CHECK(holds_exactly(target, run_b));  // isochrones and the raster of run A are gone
    CHECK(io::OutputFolder::read_manifest(target.string()) ==
          std::vector<std::string>{"cells.geojson", "sub", "summary.json", "towns.csv"});
    CHECK(fs::hard_link_count(target / "viewer" / "index.html") == viewer_inode_before);
    // Nothing beside the folder but the lock file.
    CHECK(names_in(dir.path()) == std::vector<std::string>{".maps.kepu15-lock", "maps"});
}

TEST_CASE("Without a manifest the known output names of older versions count as owned", "[export]") {
    TempDir dir("export-legacy");
    const fs::path target = fs::path(dir.path()) / "maps";
    put(target / "isochrones.geojson", "old");
    put(target / "traveltime_venue_bike.tif", "old");
    put(target / ".kepu15-staging.tmp-123-0" / "cells.geojson", "old partial");
    add_unowned(target);
    run_once(target, run_b);
    CHECK(holds_exactly(target, run_b));
}

TEST_CASE("Without commit, or after a failure, the target keeps the previous outputs", "[export]") {
    TempDir dir("export-abort");
    const fs::path target = fs::path(dir.path()) / "maps";
    run_once(target, run_a);
    add_unowned(target);
    {
        io::OutputFolder folder(target.string());
        put(folder.path_for("cells.geojson"), "B partial");
        // a writer fails: no commit
    }
    CHECK(holds_exactly(target, run_a));
    CHECK(names_in(dir.path()) == std::vector<std::string>{".maps.kepu15-lock", "maps"});
    SECTION("a target that does not exist yet appears only on commit") {
        const fs::path fresh = fs::path(dir.path()) / "new" / "out";
        {
            io::OutputFolder folder(fresh.string());
            put(folder.path_for("a.txt"), "x");
        }
        CHECK_FALSE(fs::exists(fresh));
        run_once(fresh, {{"a.txt", "x"}});
        CHECK(slurp((fresh / "a.txt").string()) == "x");
    }
    SECTION("bad names and a file in the way are output errors") {
        io::OutputFolder folder(target.string());
        CHECK_THROWS_AS(folder.path_for("../escape.txt"), output_error);
        CHECK_THROWS_AS(folder.path_for("/abs.txt"), output_error);
        put(fs::path(dir.path()) / "plain_file", "x");
        CHECK_THROWS_AS(io::OutputFolder((fs::path(dir.path()) / "plain_file").string()), output_error);
    }
}

TEST_CASE("A second writer of the same folder fails at once with a clear message", "[export]") {
    TempDir dir("export-lock");
    const fs::path target = fs::path(dir.path()) / "maps";
    io::OutputFolder first(target.string());
    CHECK_THROWS_MATCHES(io::OutputFolder(target.string()), output_error,
                         Catch::Matchers::Predicate<output_error>([](const output_error& e) {
                             const std::string m = e.what();
                             return m.find("another kepu15 run (pid " + std::to_string(::getpid()) + ")") !=
                                    std::string::npos;
                         }));
    // Another folder in the same parent is independent.
    io::OutputFolder other((fs::path(dir.path()) / "maps2").string());
}

TEST_CASE("Leftovers of a killed run are removed by the next run", "[export]") {
    TempDir dir("export-stale");
    const fs::path target = fs::path(dir.path()) / "maps";
    put(fs::path(dir.path()) / ".maps.kepu15-staging-99999-3" / "cells.geojson", std::string(1000, 'x'));
    put(fs::path(dir.path()) / ".other.kepu15-staging-99999-3" / "keep", "another output's");
    run_once(target, run_a);
    CHECK(names_in(dir.path()) ==
          std::vector<std::string>{".maps.kepu15-lock", ".other.kepu15-staging-99999-3", "maps"});
}

TEST_CASE("A connection string is never turned into a folder", "[export]") {
    TempDir dir("export-conn");
    const std::string conn = "PG:dbname=x password=s3cret";
    CHECK_THROWS_MATCHES(io::OutputFolder(conn), config_error,
                         Catch::Matchers::Predicate<config_error>([](const config_error& e) {
                             const std::string m = e.what();
                             return m.find("s3cret") == std::string::npos && m.find("password=***") != std::string::npos;
                         }));
    CHECK_THROWS_AS(io::OutputFolder("host=db dbname=x password=s3cret"), config_error);
}

// Forks a child that runs run_b over run_a and kills itself with SIGKILL at checkpoint `at`.
// Returns whether the child finished (no checkpoint left to kill at).
bool killed_run(const fs::path& target, long at) {
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::setenv("KEPU15_TEST_KILL_AT", std::to_string(at).c_str(), 1);
        // The checkpoint counter reads the variable once per process: this child is new.
        try {
            run_once(target, run_b);
        } catch (...) {
            ::_exit(3);
        }
        ::_exit(0);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (WIFSIGNALED(status)) {
        REQUIRE(WTERMSIG(status) == SIGKILL);
        return false;
    }
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    return true;
}

TEST_CASE("SIGKILL at every step of the write stage leaves the old or the new outputs, complete", "[export]") {
    TempDir dir("export-kill");
    const fs::path target = fs::path(dir.path()) / "maps";
    int old_seen = 0;
    int new_seen = 0;
    long at = 1;
    for (; at < 100; ++at) {
        fs::remove_all(target);
        run_once(target, run_a);
        add_unowned(target);
        const bool finished = killed_run(target, at);
        CAPTURE(at);
        const bool is_old = holds_exactly(target, run_a);
        const bool is_new = holds_exactly(target, run_b);
        REQUIRE((is_old || is_new));
        old_seen += is_old ? 1 : 0;
        new_seen += is_new ? 1 : 0;
        // The next run cleans up whatever the killed one left beside the folder.
        run_once(target, run_a);
        CHECK(names_in(dir.path()) == std::vector<std::string>{".maps.kepu15-lock", "maps"});
        if (finished) break;
    }
    INFO("kill points: " << at);
    CHECK(at > 10);  // lock, cleanup, staging, 4 files, manifest, 2 carried entries, swap, removal
    CHECK(old_seen >= 8);
    CHECK(new_seen >= 2);
}

TEST_CASE("SIGINT and SIGTERM remove the staging folder", "[export]") {
    for (const int sig : {SIGINT, SIGTERM}) {
        TempDir dir("export-sigint");
        const fs::path target = fs::path(dir.path()) / "maps";
        run_once(target, run_a);
        add_unowned(target);
        int pipe_fd[2];
        REQUIRE(::pipe(pipe_fd) == 0);
        const pid_t pid = ::fork();
        if (pid == 0) {
            ::close(pipe_fd[0]);
            // As in the CLI: no test framework handler in front of ours.
            std::signal(SIGINT, SIG_DFL);
            std::signal(SIGTERM, SIG_DFL);
            io::detail::install_signal_cleanup();
            io::OutputFolder folder(target.string());
            put(folder.path_for("cells.geojson"), std::string(100000, 'B'));
            put(folder.path_for("deep/er/file.txt"), "B");
            [[maybe_unused]] const auto w = ::write(pipe_fd[1], "r", 1);
            for (;;) ::pause();
        }
        ::close(pipe_fd[1]);
        char c = 0;
        REQUIRE(::read(pipe_fd[0], &c, 1) == 1);
        ::close(pipe_fd[0]);
        // The staging folder exists while the child waits.
        CHECK(names_in(dir.path()).size() == 3);
        ::kill(pid, sig);
        int status = 0;
        ::waitpid(pid, &status, 0);
        CHECK(WIFSIGNALED(status));
        CHECK(WTERMSIG(status) == sig);
        CHECK(names_in(dir.path()) == std::vector<std::string>{".maps.kepu15-lock", "maps"});
        CHECK(holds_exactly(target, run_a));
    }
}
