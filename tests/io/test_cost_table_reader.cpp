// Reading origin-destination cost tables (CSV and a GDAL table without geometry): ids mapped to
// the demand and supply lists, and every bad input refused with the file and row named.
#include "test_support_io.hpp"

#include "kepu15/io/cost_table_reader.hpp"

#include <fstream>

using namespace kepu15;
using kepu15::test::TempDir;

namespace {

std::string write(const TempDir& dir, const std::string& name, const std::string& text) {
    const std::string path = dir.file(name);
    std::ofstream out(path, std::ios::binary);
    out << text;
    return path;
}

const std::vector<std::string> homes{"H1", "H2", "H3"};
const std::vector<std::string> venues{"V1", "V2"};

}  // namespace

TEST_CASE("read_cost_table maps ids to positions and keeps the pairs within the limit", "[io]") {
    TempDir dir("od");
    const std::string path = write(dir, "od.csv",
                                   "home,venue,minutes\n"
                                   "H3,V1,12.5\n"
                                   "H1,V2,4\n"
                                   "H1,V1,0\n"
                                   "H2,V2,31\n");
    io::CostTableReadOptions opt;
    opt.origin_field = "home";
    opt.destination_field = "venue";
    opt.cost_field = "minutes";
    const auto t = io::read_cost_table(path, homes, venues, opt);
    CHECK(t.origin_count == 3);
    CHECK(t.destination_count == 2);
    REQUIRE(t.entry_count() == 4);
    REQUIRE(t.of(0).size() == 2);
    CHECK(t.of(0)[0].destination == 0);
    CHECK(t.of(0)[0].cost == 0.0);
    CHECK(t.of(0)[1].destination == 1);
    CHECK(t.of(0)[1].cost == 4.0);
    CHECK(t.of(1)[0].cost == 31.0);
    CHECK(t.of(2)[0].destination == 0);
    CHECK(t.of(2)[0].cost == 12.5);

    opt.limit = 15.0;
    const auto within = io::read_cost_table(path, homes, venues, opt);
    CHECK(within.entry_count() == 3);
    CHECK(within.of(1).empty());
    CHECK(within.limit == 15.0);
}

TEST_CASE("read_cost_table reads numeric ids and costs of a GDAL table without geometry", "[io]") {
    TempDir dir("od");
    const std::string path = write(dir, "od.geojson", R"({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"origin": 101, "destination": 7, "cost": 250.5}, "geometry": null},
        {"type": "Feature", "properties": {"origin": 102, "destination": 7, "cost": 900}, "geometry": null}]})");
    io::CostTableReadOptions opt;
    opt.unit = coverage::CostUnit::metres;
    const auto t = io::read_cost_table(path, {"101", "102"}, {"7"}, opt);
    CHECK(t.unit == coverage::CostUnit::metres);
    REQUIRE(t.entry_count() == 2);
    CHECK(t.of(0)[0].cost == 250.5);
    CHECK(t.of(1)[0].cost == 900.0);
    // Rows of non-CSV tables are named by feature id.
    const std::string bad = write(dir, "bad.geojson", R"({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"origin": 101, "destination": 8, "cost": 1}, "geometry": null}]})");
    CHECK_THROWS_MATCHES(io::read_cost_table(bad, {"101"}, {"7"}, opt), input_error,
                         test::What(Catch::Contains("bad.geojson") && Catch::Contains("feature 0") &&
                                    Catch::Contains("destination id '8'")));
}

TEST_CASE("read_cost_table refuses bad rows naming the file and the row", "[io]") {
    TempDir dir("od");
    const auto refuse = [&](const std::string& body, const std::string& row, const std::string& what) {
        const std::string path = write(dir, "bad.csv", "origin,destination,cost\n" + body);
        CAPTURE(body);
        CHECK_THROWS_MATCHES(
            io::read_cost_table(path, homes, venues), input_error,
            test::What(Catch::Contains("bad.csv") && Catch::Contains(row) && Catch::Contains(what)));
    };
    refuse("H1,V1,3\nH9,V1,4\n", "row 2", "origin id 'H9' (field 'origin') is not in the demand layer");
    refuse("H1,V1,3\nH2,V1,4\nH2,X,4\n", "row 3",
           "destination id 'X' (field 'destination') is not in the supply layer");
    refuse("H1,V1,-0.5\n", "row 1", "cost -0.5 (field 'cost') is negative");
    refuse("H1,V1,3\nH1,V2,abc\n", "row 2", "cost 'abc' (field 'cost') is not a finite number");
    refuse("H1,V1,nan\n", "row 1", "is not a finite number");
    refuse("H1,V1,inf\n", "row 1", "is not a finite number");
    refuse("H1,V1,\n", "row 1", "is not a finite number");
    refuse("H1,V1,12min\n", "row 1", "cost '12min'");
    refuse(",V1,3\n", "row 1", "origin id (field 'origin') is empty");
    refuse("H1,V1,3\nH2,V1,4\nH1,V1,5\n", "row 3",
           "the pair origin 'H1', destination 'V1' is given twice (first at row 1)");

    const std::string empty = write(dir, "empty.csv", "origin,destination,cost\n");
    CHECK_THROWS_MATCHES(io::read_cost_table(empty, homes, venues), input_error,
                         test::What(Catch::Contains("empty.csv") && Catch::Contains("no rows")));
    const std::string no_field = write(dir, "nofield.csv", "from,to,cost\nH1,V1,3\n");
    CHECK_THROWS_MATCHES(io::read_cost_table(no_field, homes, venues), input_error,
                         test::What(Catch::Contains("origin id field 'origin' not found") &&
                                    Catch::Contains("from, to, cost")));
    CHECK_THROWS_MATCHES(io::read_cost_table(dir.file("missing.csv"), homes, venues), input_error,
                         test::What(Catch::Contains("missing.csv") && Catch::Contains("not found")));
}
