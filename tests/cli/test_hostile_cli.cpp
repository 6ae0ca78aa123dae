// The CLI under hostile options and inputs (issue 7): every case is a documented exit code with a
// message naming what to fix, and nothing is written.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "../support/cli.hpp"

namespace fs = std::filesystem;
using kepu15::test::CliResult;
using kepu15::test::files_below;
using kepu15::test::run_cli;
using kepu15::test::TempDir;

namespace {
void write_text(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}
}  // namespace

TEST_CASE("coverage refuses non-finite, absurd and non-metric options before reading anything", "[cli]") {
    TempDir tmp("hostile-cli");
    write_text(tmp.file("homes.geojson"), R"({"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"n":1},"geometry":{"type":"Point","coordinates":[120.95,31.38]}}]})");
    write_text(tmp.file("facilities.csv"), "id,lon,lat\nA,120.951,31.381\nB,120.96,95\n");
    write_text(tmp.file("facility_ok.csv"), "id,lon,lat\nA,120.951,31.381\n");
    const std::string out_folder = tmp.file("out");
    fs::create_directories(out_folder);
    const std::string out = tmp.file("out/result.geojson");
    const std::vector<std::string> base{"coverage",
                                        "--population",
                                        tmp.file("homes.geojson"),
                                        "--facilities",
                                        tmp.file("facility_ok.csv"),
                                        "-o",
                                        out};
    const auto with = [&](std::vector<std::string> extra) {
        std::vector<std::string> a = base;
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    };
    struct Case {
        std::string what;
        std::vector<std::string> args;
        int exit_code;
        std::vector<std::string> message;
    };
    const std::vector<Case> cases{
        {"--radius-m nan (was: 0 covered)", with({"--radius-m", "nan"}), 2, {"--radius-m", "(got nan)"}},
        {"--radius-m 1e308 (no 309-digit message)",
         with({"--radius-m", "1e308"}),
         2,
         {"1..100000 m (got 1e+308)"}},
        {"--max-snap-m nan (was: no cell lacks road access)",
         with({"--max-snap-m", "nan"}),
         2,
         {"--max-snap-m"}},
        {"--drive-default-kmh nan", with({"--drive-default-kmh", "nan"}), 2, {"--drive-default-kmh"}},
        {"--walk-kmh 1e9", with({"--walk-kmh", "1e9"}), 2, {"1..10 km/h (got 1e+09)"}},
        {"--snap-tolerance-m -3", with({"--snap-tolerance-m", "-3"}), 2, {"--snap-tolerance-m"}},
        {"--minutes inf", with({"--minutes", "inf"}), 2, {"--minutes"}},
        {"--working-crs EPSG:4326 (was: every kind 100 % covered)",
         with({"--working-crs", "EPSG:4326"}),
         4,
         {"--working-crs 'EPSG:4326' is geographic"}},
        {"--working-crs EPSG:2263 (was: 6 % instead of 40 %)",
         with({"--working-crs", "EPSG:2263"}),
         4,
         {"not metres"}},
        {"--out empty",
         {"coverage", "--population", tmp.file("homes.geojson"), "--facilities", tmp.file("facility_ok.csv"),
          "--out", ""},
         2,
         {"--out", "must not be empty"}},
        {"--encoding KLINGON", with({"--encoding", "KLINGON"}), 6, {"unknown encoding 'KLINGON'"}},
        {"facility at latitude 95 (was: silently dropped)",
         {"coverage", "--population", tmp.file("homes.geojson"), "--facilities", tmp.file("facilities.csv"),
          "-o", out},
         3,
         {"facilities.csv, layer facilities, row 2", "-90..90"}},
        {"a folder as network", with({"--network", tmp.path().string()}), 3, {"is a folder"}},
    };
    for (const auto& c : cases) {
        SECTION(c.what) {
            const CliResult r = run_cli(c.args);
            CAPTURE(c.what, r.exit_code, r.out, r.err);
            CHECK(r.exit_code == c.exit_code);
            for (const auto& m : c.message) {
                CAPTURE(m);
                CHECK(r.err.find(m) != std::string::npos);
            }
            CHECK(files_below(out_folder).empty());
        }
    }
}

TEST_CASE("run refuses --out \"\" instead of writing into the project's maps/", "[cli]") {
    const CliResult r = run_cli({"run", "--out", ""});
    CAPTURE(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("must not be empty") != std::string::npos);
}

TEST_CASE("run --threads abc says it is not a whole number", "[cli]") {
    const CliResult r = run_cli({"run", "--threads", "abc"});
    CAPTURE(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("'abc' is not a whole number") != std::string::npos);
}

TEST_CASE("run --profiles walk,walk is a configuration error", "[cli]") {
    TempDir tmp("dup-profiles");
    const CliResult r =
        run_cli({"run", (kepu15::test::source_dir() / "tests/e2e/cases/tiny_network/study.toml").string(),
                 "--profiles", "walk,walk", "--out", tmp.file("out")});
    CAPTURE(r.err);
    CHECK(r.exit_code == 6);
    CHECK(r.err.find("listed twice") != std::string::npos);
    CHECK(files_below(tmp.file("out")).empty());
}

TEST_CASE("running out of memory is exit 8 with the size that was asked for", "[cli]") {
#if defined(__SANITIZE_ADDRESS__)
    SUCCEED("skipped under AddressSanitizer, which reserves terabytes of address space");
#else
    // A 14,000 x 14,000 population raster whose every cell holds one person (a 1 x 1 source
    // stretched over it): its 1.96e8 populated cells need gigabytes; with the address space limited
    // to 1 GB an allocation fails and is reported with its size.
    TempDir tmp("oom");
    write_text(tmp.file("one.asc"), "ncols 1\nnrows 1\nxllcorner 0\nyllcorner 0\ncellsize 1\n1\n");
    write_text(tmp.file("population.vrt"), R"(<VRTDataset rasterXSize="14000" rasterYSize="14000">
  <SRS>EPSG:4549</SRS>
  <GeoTransform>500000, 1, 0, 3480000, 0, -1</GeoTransform>
  <VRTRasterBand dataType="Float32" band="1">
    <SimpleSource><SourceFilename relativeToVRT="1">one.asc</SourceFilename><SourceBand>1</SourceBand>
      <SrcRect xOff="0" yOff="0" xSize="1" ySize="1"/><DstRect xOff="0" yOff="0" xSize="14000" ySize="14000"/>
    </SimpleSource>
  </VRTRasterBand>
</VRTDataset>
)");
    const std::string cases = (kepu15::test::source_dir() / "tests/e2e/cases/tiny_crowfly").string();
    write_text(tmp.file("study.toml"),
               "[units]\npath = \"" + cases + "/towns.geojson\"\n[population]\npath = \"" +
                   tmp.file("population.vrt") + "\"\n[[facilities]]\nkind = \"station\"\npath = \"" + cases +
                   "/stations.csv\"\ncrs = \"EPSG:4549\"\n");
    const std::string cmd =
        "ulimit -v 1000000; " + kepu15::test::shell_quote(kepu15::test::cli_path().string()) + " run " +
        kepu15::test::shell_quote(tmp.file("study.toml")) + " --out " +
        kepu15::test::shell_quote(tmp.file("out")) + " 2>" + kepu15::test::shell_quote(tmp.file("err"));
    const int status = std::system(("sh -c " + kepu15::test::shell_quote(cmd)).c_str());
    const std::string err = kepu15::test::slurp(tmp.file("err"));
    CAPTURE(err);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 8);
    CHECK(err.find("out of memory (an allocation of ") != std::string::npos);
    CHECK(err.find(" MB failed)") != std::string::npos);
    CHECK(files_below(tmp.file("out")).empty());
#endif
}
