// towns.csv and villages.csv as a run writes them, checked on their bytes the way Excel reads
// them (BOM, CRLF, unquoted numbers, "12.3" percentages, UTF-8 headers) and read back with GDAL's
// CSV driver (.csvt types); the same tables inside a GeoPackage and in a CSV folder.
// Hand-computed figures: tests/e2e/cases/tiny_crowfly/study.toml (2 towns, 12 cells, 150 m).
#include "export_fixtures.hpp"
#include "kepu15/error.hpp"
#include "kepu15/io/sink.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <set>

using namespace kepu15;
using namespace kepu15::test;
namespace fs = std::filesystem;

namespace {

std::string tiny_study(const std::string& name) {
    return (source_dir() / "tests" / "e2e" / "cases" / name / "study.toml").string();
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t end = text.find("\r\n", start);
        REQUIRE(end != std::string::npos);  // every line ends with CRLF, the last one too
        out.push_back(text.substr(start, end - start));
        start = end + 2;
    }
    return out;
}

std::vector<std::string> cells_of(const std::string& line) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (;;) {
        const std::size_t comma = line.find(',', start);
        out.push_back(line.substr(start, comma - start));
        if (comma == std::string::npos) return out;
        start = comma + 1;
    }
}

// Strict UTF-8 (no overlongs, no surrogates), as Excel needs with the BOM.
bool strict_utf8(const std::string& s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t n = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xE ? 2 : (c >> 3) == 0x1E ? 3 : 99;
        if (n == 99 || (n == 1 && c < 0xC2)) return false;
        std::uint32_t cp = n == 0 ? c : c & (0x3F >> n);
        for (std::size_t k = 1; k <= n; ++k) {
            if (i + k >= s.size()) return false;
            const auto d = static_cast<unsigned char>(s[i + k]);
            if ((d & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (d & 0x3F);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return false;
        }
        i += n + 1;
    }
    return true;
}

// A character of the CJK Unified Ideographs block (U+4E00..U+9FFF: lead bytes E4..E9).
bool has_cjk(const std::string& s) {
    return std::any_of(s.begin(), s.end(), [](char c) {
        const auto b = static_cast<unsigned char>(c);
        return b >= 0xE4 && b <= 0xE9;
    });
}

}  // namespace

TEST_CASE("towns.csv of a run: BOM, CRLF, bilingual headers, whole persons, percentages, hand-computed values",
          "[export]") {
    TempDir dir("excel-towns");
    const auto r = run_cli({"run", tiny_study("tiny_crowfly"), "--out", dir.file("out")});
    CAPTURE(r.err);
    REQUIRE(r.exit_code == 0);
    const std::string bytes = slurp(dir.file("out/towns.csv"));
    REQUIRE(bytes.substr(0, 3) == "\xEF\xBB\xBF");
    CHECK(strict_utf8(bytes.substr(3)));
    CHECK(bytes.find('"') == std::string::npos);  // nothing needed quoting, numbers least of all
    const auto lines = lines_of(bytes.substr(3));
    REQUIRE(lines.size() == 4);  // header, W, E, ALL
    const auto header = cells_of(lines[0]);
    const std::vector<std::string> keys{"town_code",        "town_name",      "population",
                                        "any_crowfly_covered_pct", "uncovered_pop", "station_covered_pop",
                                        "station_covered_pct",     "station_mean_m", "station_median_m",
                                        "station_p90_m"};
    REQUIRE(header.size() == keys.size());
    for (std::size_t i = 0; i < keys.size(); ++i) {
        CAPTURE(header[i]);
        // "<Chinese label> <key>": the label is Chinese, the key after the last space.
        const auto space = header[i].rfind(' ');
        REQUIRE(space != std::string::npos);
        CHECK(header[i].substr(space + 1) == keys[i]);
        CHECK(has_cjk(header[i].substr(0, space)));
    }
    CHECK(header[0] == "区镇代码 town_code");
    CHECK(header[6] == "station直线距离150米覆盖率(%) station_covered_pct");
    // W: 55 people, 30 within 150 m (54.5 %), distances mean 138.6 m, median 141.4 m, p90 200 m.
    CHECK(lines[1] == "W,西镇,55,54.5,25,30,54.5,139,141,200");
    // E: 175 people, 125 covered (71.4 %); mean 100, median 100, p90 200.
    CHECK(lines[2] == "E,东镇,175,71.4,50,125,71.4,100,100,200");
    // Region: 230, 155 covered (67.4 %); mean 109.2, median 100, p90 200.
    CHECK(lines[3] == "ALL,合计,230,67.4,75,155,67.4,109,100,200");
    CHECK(slurp(dir.file("out/towns.csvt")) ==
          "\"String\",\"String\",\"Integer64\",\"Real\",\"Integer64\",\"Integer64\",\"Real\",\"Real\",\"Real\","
          "\"Real\"\r\n");

    // GDAL's CSV driver with the .csvt: numbers come back as numbers.
    auto ds = open_vector(dir.file("out/towns.csv"));
    REQUIRE(ds);
    OGRLayer* layer = ds->GetLayer(0);
    OGRFeatureDefn* defn = layer->GetLayerDefn();
    REQUIRE(defn->GetFieldCount() == static_cast<int>(keys.size()));
    CHECK(std::string(defn->GetFieldDefn(0)->GetNameRef()) == "区镇代码 town_code");
    CHECK(defn->GetFieldDefn(2)->GetType() == OFTInteger64);
    CHECK(defn->GetFieldDefn(3)->GetType() == OFTReal);
    CHECK(defn->GetFieldDefn(1)->GetType() == OFTString);
    OGRFeatureUniquePtr f(layer->GetNextFeature());
    REQUIRE(f);
    CHECK(std::string(f->GetFieldAsString(1)) == "西镇");
    CHECK(f->GetFieldAsInteger64(2) == 55);
    CHECK(f->GetFieldAsDouble(3) == 54.5);
}

TEST_CASE("towns.csv of a network run: minutes with one decimal, every line CRLF", "[export]") {
    TempDir dir("excel-towns-network");
    const auto r = run_cli({"run", tiny_study("tiny_network"), "--out", dir.file("out")});
    CAPTURE(r.err);
    REQUIRE(r.exit_code == 0);
    const auto lines = lines_of(slurp(dir.file("out/towns.csv")).substr(3));
    REQUIRE(lines.size() == 4);
    CHECK(lines[0].find("到station步行时间平均值(分钟) station_walk_mean_min") != std::string::npos);
    // W: 30 of 55 within 5 minutes (54.5 %); mean 3.76, median 2.67, p90 5.33 minutes.
    CHECK(lines[1] == "W,西镇,55,54.5,25,30,54.5,3.8,2.7,5.3");
    // E: 120 of 175 (68.6 %); mean 3.20.
    CHECK(lines[2] == "E,东镇,175,68.6,55,120,68.6,3.2,2.7,5.3");
    CHECK(lines[3] == "ALL,合计,230,65.2,80,150,65.2,3.3,2.7,5.3");
}

TEST_CASE("villages.csv ranks the worst-served village first, with its town, and lists it in manifest.json",
          "[export]") {
    TempDir dir("excel-villages");
    const std::string study = (source_dir() / "geodata" / "kunshan" / "study.toml").string();
    const auto r = run_cli({"run", study, "--out", dir.file("out"), "--methods", "crowfly", "--no-access"});
    CAPTURE(r.err);
    REQUIRE(r.exit_code == 0);
    const std::string bytes = slurp(dir.file("out/villages.csv"));
    REQUIRE(bytes.substr(0, 3) == "\xEF\xBB\xBF");
    CHECK(strict_utf8(bytes.substr(3)));
    const auto lines = lines_of(bytes.substr(3));
    const auto header = cells_of(lines.at(0));
    std::map<std::string, std::size_t> col;
    for (std::size_t i = 0; i < header.size(); ++i) col[header[i].substr(header[i].rfind(' ') + 1)] = i;
    for (const char* k : {"rank", "village_code", "village_name", "town_code", "town_name", "urban", "population",
                          "pop_youth", "pop_elderly", "any_crowfly_covered_pct", "uncovered_pop",
                          "station_covered_pct", "station_mean_m", "pop_elderly_station_covered_pct"}) {
        CAPTURE(k);
        CHECK(col.count(k) == 1);
    }
    // Same villages, same order, same figures as villages.geojson (which the e2e tests check
    // against an independent computation).
    const auto geo = nlohmann::json::parse(slurp(dir.file("out/villages.geojson")));
    const auto& features = geo["features"];
    REQUIRE(lines.size() == features.size() + 1);
    double last_share = -1;
    for (std::size_t i = 0; i < features.size(); ++i) {
        const auto& p = features[i]["properties"];
        const auto cells = cells_of(lines[i + 1]);
        CAPTURE(i, lines[i + 1]);
        REQUIRE(cells.size() == header.size());
        CHECK(cells[col["rank"]] == std::to_string(i + 1));
        CHECK(cells[col["village_code"]] == p["code"].get<std::string>());
        CHECK(cells[col["town_name"]] == p["town_name"].get<std::string>());
        CHECK(std::stod(cells[col["population"]]) == Approx(std::round(p["population"].get<double>())).margin(1));
        CHECK(cells[col["population"]].find('.') == std::string::npos);  // whole persons
        if (p["any_crowfly_share"].is_null()) {
            CHECK(cells[col["any_crowfly_covered_pct"]].empty());
            continue;
        }
        const std::string pct = cells[col["any_crowfly_covered_pct"]];
        REQUIRE(pct.find('.') == pct.size() - 2);  // one decimal: "12.3"
        const double share = p["any_crowfly_share"].get<double>() * 100;
        CHECK(std::stod(pct) == Approx(share).margin(0.05 + 1e-9));
        CHECK(std::stod(pct) >= last_share - 0.05);  // worst served first
        last_share = std::stod(pct);
        CHECK(std::stod(cells[col["uncovered_pop"]]) == Approx(p["uncovered_pop"].get<double>()).margin(0.5 + 1e-9));
    }
    const auto manifest = nlohmann::json::parse(slurp(dir.file("out/manifest.json")));
    CHECK(manifest["tables"]["villages"]["file"] == "villages.csv");
    CHECK(manifest["tables"]["towns"]["types"] == "towns.csvt");
    const auto files = manifest["files"].get<std::vector<std::string>>();
    CHECK(std::count(files.begin(), files.end(), "villages.csv") == 1);
}

TEST_CASE("A GeoPackage run keeps the Excel bytes in kepu15_files and the tables as towns_table and villages_table",
          "[export]") {
    TempDir dir("excel-gpkg");
    const auto r = run_cli({"run", tiny_study("tiny_crowfly"), "--out", dir.file("results.gpkg")});
    CAPTURE(r.err);
    REQUIRE(r.exit_code == 0);
    auto ds = open_vector(dir.file("results.gpkg"));
    REQUIRE(ds);
    OGRLayer* towns = ds->GetLayerByName("towns_table");
    REQUIRE(towns != nullptr);
    CHECK(towns->GetGeomType() == wkbNone);
    OGRFeatureDefn* defn = towns->GetLayerDefn();
    CHECK(defn->GetFieldDefn(defn->GetFieldIndex("population"))->GetType() == OFTInteger64);
    CHECK(defn->GetFieldDefn(defn->GetFieldIndex("station_covered_pct"))->GetType() == OFTReal);
    std::map<std::string, double> pct;
    for (auto& f : *towns) pct[f->GetFieldAsString("town_code")] = f->GetFieldAsDouble("station_covered_pct");
    CHECK(pct == std::map<std::string, double>{{"ALL", 67.4}, {"E", 71.4}, {"W", 54.5}});
    CHECK(ds->GetLayerByName("villages_table") != nullptr);
    CHECK(ds->GetLayerByName("towns") != nullptr);  // the polygons, as before
    std::map<std::string, std::string> stored;
    for (auto& f : *ds->GetLayerByName("kepu15_files")) {
        int n = 0;
        const GByte* b = f->GetFieldAsBinary(1, &n);
        stored[f->GetFieldAsString(0)] = std::string(reinterpret_cast<const char*>(b), static_cast<std::size_t>(n));
    }
    REQUIRE(stored.count("towns.csv") == 1);
    CHECK(stored["towns.csv"].rfind("\xEF\xBB\xBF区镇代码 town_code,", 0) == 0);
    CHECK(stored["towns.csv"].find("\r\nW,西镇,55,54.5,") != std::string::npos);
    CHECK(stored.count("villages.csvt") == 1);
}

TEST_CASE("A CSV folder keeps towns.csv for Excel and writes the town polygons beside it", "[export]") {
    TempDir dir("excel-csv-folder");
    const auto r = run_cli({"run", tiny_study("tiny_crowfly"), "--out", dir.file("out"), "--format", "csv"});
    CAPTURE(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(slurp(dir.file("out/towns.csv")).rfind("\xEF\xBB\xBF区镇代码 town_code,", 0) == 0);
    const std::string polygons = slurp(dir.file("out/towns_geometry.csv"));
    CHECK(polygons.find("POLYGON") != std::string::npos);
    CHECK(fs::exists(dir.file("out/towns_geometry.csvt")));
}

TEST_CASE("csv_table_layer gives the values the CSV shows, typed, for databases", "[export]") {
    io::CsvTable t;
    t.columns = {{"code", "代码", io::CsvColumnKind::text},
                 {"population", "人口", io::CsvColumnKind::persons},
                 {"covered_pct", "覆盖率(%)", io::CsvColumnKind::percent, 1},
                 {"mean_min", "平均(分钟)", io::CsvColumnKind::number, 1}};
    t.rows = {{std::string("W"), 54.6, 0.545455, 3.7575},
              {std::string("E"), std::int64_t{175}, 0.00025, std::monostate{}},
              {std::string("X"), 0.0, std::nan(""), std::numeric_limits<double>::infinity()}};
    // NaN (the share of an empty unit) and infinity are empty cells, like null.
    CHECK(io::format_csv_table(t).find("\r\nX,0,,\r\n") != std::string::npos);
    const io::Layer l = io::csv_table_layer("towns_table", t);
    CHECK(l.name == "towns_table");
    CHECK(l.geometry_kind == io::GeometryKind::none);
    REQUIRE(l.fields.size() == 4);
    CHECK(l.fields[1].type == io::FieldType::integer);
    CHECK(l.fields[2].type == io::FieldType::real);
    REQUIRE(l.features.size() == 3);
    CHECK(std::get<std::int64_t>(l.features[0].values[1]) == 55);
    CHECK(std::get<double>(l.features[0].values[2]) == 54.5);
    CHECK(std::get<double>(l.features[0].values[3]) == 3.8);
    CHECK(std::get<double>(l.features[1].values[2]) == 0.0);
    CHECK(std::holds_alternative<std::monostate>(l.features[1].values[3]));
    CHECK(std::holds_alternative<std::monostate>(l.features[2].values[2]));
    CHECK(std::holds_alternative<std::monostate>(l.features[2].values[3]));
    t.rows[0].pop_back();
    CHECK_THROWS_AS(io::csv_table_layer("towns_table", t), output_error);
}

TEST_CASE("A GeoPackage run of the bundled study: the elderly group's columns and the elderly profile's are apart",
          "[export]") {
    // The bundled study has an elderly population group and, here, the elderly walking profile:
    // venue_elderly_* is the profile's measure, pop_elderly_venue_* the group's share of it. They
    // once shared one name, which GeoPackage refused ("duplicate column name").
    TempDir dir("excel-groups");
    const auto study = (source_dir() / "geodata" / "kunshan" / "study.toml").string();
    const auto r = run_cli({"run", study, "--profiles", "elderly", "--out", dir.file("results.gpkg")});
    CAPTURE(r.err);
    REQUIRE(r.exit_code == 0);
    auto ds = open_vector(dir.file("results.gpkg"));
    REQUIRE(ds);
    for (const char* name : {"towns_table", "villages_table", "villages", "towns"}) {
        OGRLayer* layer = ds->GetLayerByName(name);
        REQUIRE(layer != nullptr);
        OGRFeatureDefn* defn = layer->GetLayerDefn();
        std::set<std::string> seen;
        for (int i = 0; i < defn->GetFieldCount(); ++i) {
            CAPTURE(name, defn->GetFieldDefn(i)->GetNameRef());
            CHECK(seen.insert(defn->GetFieldDefn(i)->GetNameRef()).second);
        }
    }
    OGRLayer* towns = ds->GetLayerByName("towns_table");
    OGRFeatureDefn* defn = towns->GetLayerDefn();
    REQUIRE(defn->GetFieldIndex("venue_elderly_covered_pct") >= 0);
    REQUIRE(defn->GetFieldIndex("pop_elderly_venue_covered_pct") >= 0);
    REQUIRE(defn->GetFieldIndex("pop_youth_venue_covered_pct") >= 0);
    CHECK(ds->GetLayerByName("villages")->GetLayerDefn()->GetFieldIndex("pop_elderly_venue_share") >= 0);
    // Whole region: the elderly's share lies within [0, 100] and both shares are read back as numbers.
    for (auto& f : *towns) {
        if (std::string(f->GetFieldAsString("town_code")) != "ALL") continue;
        const double all = f->GetFieldAsDouble("venue_elderly_covered_pct");
        const double elderly = f->GetFieldAsDouble("pop_elderly_venue_covered_pct");
        CHECK(all > 0);
        CHECK(all <= 100);
        CHECK(elderly > 0);
        CHECK(elderly <= 100);
    }
}
