// PostGIS round trips against the throwaway cluster of scripts/pg-test-cluster.sh (CTest fixture
// "export: start the PostgreSQL test cluster"; the connection string is in pg-test/conninfo of the
// build folder, or in KEPU15_TEST_PG). Without either the tests skip with a message.
#include "export_fixtures.hpp"
#include "kepu15/error.hpp"
#include "kepu15/io/sink.hpp"
#include "kepu15/io/vector_reader.hpp"

#include <cstdlib>

using namespace kepu15;
using namespace kepu15::test;
using Catch::Matchers::Contains;

namespace {

std::string pg_connection() {
    if (const char* env = std::getenv("KEPU15_TEST_PG"); env != nullptr && *env != '\0') return env;
    std::ifstream in("pg-test/conninfo");
    std::string line;
    std::getline(in, line);
    return line;
}

#define REQUIRE_PG(conn)                                                                          \
    const std::string conn = pg_connection();                                                     \
    if (conn.empty()) {                                                                           \
        WARN("skipped: no PostgreSQL test cluster (run through ctest, or set KEPU15_TEST_PG)");   \
        return;                                                                                   \
    }

// Rows of `sql` as text, one string per row with fields joined by '|'.
std::vector<std::string> query(const std::string& conn, const std::string& sql) {
    GDALAllRegister();
    GDALDatasetUniquePtr ds(GDALDataset::Open(conn.c_str(), GDAL_OF_VECTOR, nullptr, nullptr, nullptr));
    REQUIRE(ds);
    OGRLayer* result = ds->ExecuteSQL(sql.c_str(), nullptr, nullptr);
    std::vector<std::string> rows;
    if (result == nullptr) return rows;
    for (auto& f : *result) {
        std::string row;
        for (int i = 0; i < f->GetFieldCount(); ++i) {
            if (i > 0) row += '|';
            row += f->IsFieldSetAndNotNull(i) ? f->GetFieldAsString(i) : "NULL";
        }
        rows.push_back(row);
    }
    ds->ReleaseResultSet(result);
    return rows;
}

void drop_schema(const std::string& conn, const std::string& schema) {
    query(conn, "DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
}

std::vector<std::string> tables_of(const std::string& conn, const std::string& schema) {
    return query(conn, "SELECT table_name FROM information_schema.tables WHERE table_schema = '" + schema +
                           "' ORDER BY table_name");
}

}  // namespace

TEST_CASE("PostGIS: every layer round-trips with types, SRID, Chinese text and row counts", "[export][postgis]") {
    REQUIRE_PG(conn);
    drop_schema(conn, "kunshan_rt");
    io::SinkOptions opt;
    opt.schema = "kunshan_rt";
    opt.output_crs = "EPSG:4490";
    {
        auto sink = io::open_sink(conn, opt);
        sink->add_layer(places_layer());
        sink->add_layer(areas_layer());
        sink->add_layer(towns_table());
        sink->add_file("summary.json", "{\"region\": \"昆山\"}");
        sink->commit();
    }
    CHECK(tables_of(conn, "kunshan_rt") == std::vector<std::string>{"areas", "kepu15_files", "places", "towns"});
    CHECK(query(conn, "SELECT Find_SRID('kunshan_rt', 'places', 'geom') AS a, Find_SRID('kunshan_rt', 'areas', 'geom') AS b") ==
          std::vector<std::string>{"4490|4490"});
    CHECK(query(conn, "SELECT GeometryType(geom) FROM kunshan_rt.areas ORDER BY fid") ==
          std::vector<std::string>{"MULTIPOLYGON", "MULTIPOLYGON"});
    CHECK(query(conn, "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = "
                      "'kunshan_rt' AND table_name = 'places' AND column_name NOT IN ('fid', 'geom') "
                      "ORDER BY ordinal_position") ==
          std::vector<std::string>{"name|character varying", "population|bigint", "share|double precision",
                                   "station_walk_covered|bigint", "station_walk_min|double precision",
                                   "科普站步行覆盖率|double precision"});
    CHECK(query(conn, "SELECT name, population, ST_X(geom), ST_Y(geom) FROM kunshan_rt.places ORDER BY fid") ==
          std::vector<std::string>{"玉山镇 科普馆|120|120.958|31.386", "Zhoushi, \"north\"|-7|121.012|31.255",
                                   "NULL|NULL|120.9|31.3"});
    CHECK(query(conn, "SELECT count(*) FROM kunshan_rt.towns") == std::vector<std::string>{"2"});
    CHECK(query(conn, "SELECT name, convert_from(content, 'UTF8') FROM kunshan_rt.kepu15_files") ==
          std::vector<std::string>{"summary.json|{\"region\": \"昆山\"}"});
    // And through kepu15's own reader.
    io::ReadOptions ro;
    ro.layer = "kunshan_rt.places";
    const auto back = io::read_vector(conn, ro);
    REQUIRE(back.features.size() == 3);
    CHECK(io::as_text(back.features[0].values[back.field_index("name")]) == "玉山镇 科普馆");
    drop_schema(conn, "kunshan_rt");
}

TEST_CASE("PostGIS: a failure halfway leaves the schema unchanged", "[export][postgis]") {
    REQUIRE_PG(conn);
    drop_schema(conn, "kunshan_fail");
    io::SinkOptions opt;
    opt.schema = "kunshan_fail";
    {
        auto sink = io::open_sink(conn, opt);
        sink->add_layer(towns_table());
        sink->commit();
    }
    const auto before = query(conn, "SELECT town_name, population FROM kunshan_fail.towns ORDER BY fid");
    REQUIRE(before.size() == 2);
    opt.overwrite = true;
    {
        auto sink = io::open_sink(conn, opt);
        auto towns = towns_table();
        towns.features.pop_back();
        sink->add_layer(towns);           // replaces towns inside the transaction
        sink->add_layer(places_layer());  // a new table
        auto bad = areas_layer();
        bad.features[1].values.pop_back();
        CHECK_THROWS_AS(sink->add_layer(bad), output_error);  // fails halfway: no commit
    }
    CHECK(tables_of(conn, "kunshan_fail") == std::vector<std::string>{"towns"});
    CHECK(query(conn, "SELECT town_name, population FROM kunshan_fail.towns ORDER BY fid") == before);
    drop_schema(conn, "kunshan_fail");
}

TEST_CASE("PostGIS: existing tables are replaced only with --overwrite, and the password never shows", "[export][postgis]") {
    REQUIRE_PG(conn);
    drop_schema(conn, "kunshan_ow");
    // The test cluster trusts 127.0.0.1, so a password in the string is accepted and ignored.
    const std::string with_password = conn + " password=s3cret";
    io::SinkOptions opt;
    opt.schema = "kunshan_ow";
    {
        auto sink = io::open_sink(with_password, opt);
        CHECK(sink->describe().find("s3cret") == std::string::npos);
        sink->add_layer(towns_table());
        sink->commit();
    }
    {
        auto sink = io::open_sink(with_password, opt);
        CHECK_THROWS_WITH(sink->add_layer(towns_table()), Contains("table 'towns' exists") && Contains("--overwrite") &&
                                                              Contains("password=***") && !Contains("s3cret"));
    }
    opt.overwrite = true;
    {
        auto sink = io::open_sink(with_password, opt);
        auto towns = towns_table();
        towns.features.pop_back();
        sink->add_layer(towns);
        sink->commit();
    }
    CHECK(query(conn, "SELECT count(*) FROM kunshan_ow.towns") == std::vector<std::string>{"1"});
    drop_schema(conn, "kunshan_ow");
}

TEST_CASE("PostGIS: a connection that fails is an output error without the password, and no folder", "[export][postgis]") {
    TempDir dir("export-pg-fail");
    const auto cwd = std::filesystem::current_path();
    std::filesystem::current_path(dir.path());
    CHECK_THROWS_MATCHES(io::open_sink("PG:host=127.0.0.1 port=1 dbname=none user=u password=s3cret", {}),
                         output_error,
                         Catch::Matchers::Predicate<output_error>([](const output_error& e) {
                             const std::string m = e.what();
                             return m.find("s3cret") == std::string::npos && m.find("cannot connect") != std::string::npos;
                         }));
    CHECK_THROWS_MATCHES(io::open_sink("postgresql://u:s3cret@127.0.0.1:1/none", {}), output_error,
                         Catch::Matchers::Predicate<output_error>([](const output_error& e) {
                             return std::string(e.what()).find("s3cret") == std::string::npos;
                         }));
    std::filesystem::current_path(cwd);
    CHECK(std::filesystem::is_empty(dir.path()));
}
