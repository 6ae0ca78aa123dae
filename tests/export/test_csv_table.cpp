// Excel-style checks on the bytes of the tables people open in Excel.
#include "export_fixtures.hpp"
#include "kepu15/error.hpp"
#include "kepu15/io/csv_table.hpp"
#include "kepu15/io/vector_reader.hpp"

using namespace kepu15;
using namespace kepu15::io;

namespace {

CsvTable towns() {
    CsvTable t;
    t.columns = {{"town_code", "区镇代码", CsvColumnKind::text},
                 {"town_name", "区镇", CsvColumnKind::text},
                 {"population", "人口", CsvColumnKind::persons},
                 {"station_walk_pct", "科普站步行15分钟覆盖率(%)", CsvColumnKind::percent, 1},
                 {"station_walk_min", "到最近科普站步行分钟", CsvColumnKind::number, 1},
                 {"rank", "排名", CsvColumnKind::integer}};
    t.rows = {{std::string("320583100"), std::string("玉山镇"), 412345.6, 0.45349, 7.26, std::int64_t{1}},
              {std::string("320583102"), std::string("花桥, \"经济开发区\""), std::int64_t{180000}, 1.0, std::monostate{},
               2.0},
              {std::string("ALL"), std::string("全市"), 1000000.4, 0.00049, -0.04, std::monostate{}}};
    return t;
}

}  // namespace

TEST_CASE("Excel tables: BOM, CRLF, bilingual headers, whole persons, percentages with one decimal", "[export]") {
    const std::string bytes = format_csv_table(towns());
    CHECK(bytes ==
          "\xEF\xBB\xBF"
          "区镇代码 town_code,区镇 town_name,人口 population,科普站步行15分钟覆盖率(%) station_walk_pct,"
          "到最近科普站步行分钟 station_walk_min,排名 rank\r\n"
          "320583100,玉山镇,412346,45.3,7.3,1\r\n"
          "320583102,\"花桥, \"\"经济开发区\"\"\",180000,100.0,,2\r\n"
          "ALL,全市,1000000,0.0,0.0,\r\n");
    CHECK(csv_table_types(towns()) == "\"String\",\"String\",\"Integer64\",\"Real\",\"Real\",\"Integer64\"\r\n");
}

TEST_CASE("An Excel table with its .csvt reads back with GDAL as numbers, not text", "[export]") {
    kepu15::test::TempDir dir("export-csv-table");
    std::ofstream(dir.file("towns.csv"), std::ios::binary) << format_csv_table(towns());
    std::ofstream(dir.file("towns.csvt"), std::ios::binary) << csv_table_types(towns());
    auto ds = kepu15::test::open_vector(dir.file("towns.csv"));
    REQUIRE(ds);
    OGRLayer* layer = ds->GetLayer(0);
    OGRFeatureDefn* defn = layer->GetLayerDefn();
    REQUIRE(defn->GetFieldCount() == 6);
    CHECK(std::string(defn->GetFieldDefn(0)->GetNameRef()) == "区镇代码 town_code");  // BOM skipped
    CHECK(defn->GetFieldDefn(2)->GetType() == OFTInteger64);
    CHECK(defn->GetFieldDefn(3)->GetType() == OFTReal);
    OGRFeatureUniquePtr f(layer->GetNextFeature());
    CHECK(f->GetFieldAsInteger64(2) == 412346);
    CHECK(f->GetFieldAsDouble(3) == 45.3);
    CHECK(std::string(f->GetFieldAsString(0)) == "320583100");
}

TEST_CASE("An Excel table rejects rows of the wrong width and text in number columns", "[export]") {
    auto t = towns();
    t.rows[1].pop_back();
    CHECK_THROWS_WITH(format_csv_table(t), Catch::Matchers::Contains("row 2"));
    t = towns();
    t.rows[0][2] = std::string("many");
    CHECK_THROWS_WITH(format_csv_table(t), Catch::Matchers::Contains("column population"));
}
