// Text encodings: strict UTF-8 validation, repair, decoding, and how read_vector applies them to
// CSV files and Shapefiles (issue 7: invalid UTF-8 in outputs; issue 9: GBK CSV from Excel).
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "kepu15/error.hpp"
#include "kepu15/io/text_encoding.hpp"
#include "kepu15/io/vector_reader.hpp"
#include "test_support_io.hpp"

using namespace kepu15;
using namespace kepu15::io;
using Catch::Matchers::Contains;
using kepu15::test::io_fixture;

namespace {
std::string gbk(const std::string& utf8) {
    // 科普站 in GBK, spelled as bytes so the test does not depend on a converter.
    if (utf8 == "科普站") return "\xBF\xC6\xC6\xD5\xD5\xBE";
    if (utf8 == "名称") return "\xC3\xFB\xB3\xC6";
    return utf8;
}
void write(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary) << bytes;
}
std::string text(const VectorLayer& layer, std::size_t row, const std::string& field) {
    return as_text(layer.features.at(row).values.at(layer.field_index(field)));
}
}  // namespace

TEST_CASE("UTF-8 validation is strict: overlong forms, surrogates and stray bytes are invalid", "[io]") {
    CHECK(is_valid_utf8("科普 abc"));
    CHECK(is_valid_utf8(""));
    CHECK_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
    CHECK_FALSE(is_valid_utf8("\xE0\x80\xAF"));      // overlong '/', three bytes
    CHECK_FALSE(is_valid_utf8("\xED\xA0\x80"));      // surrogate U+D800
    CHECK_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
    CHECK_FALSE(is_valid_utf8("ab\xFF"));
    CHECK_FALSE(is_valid_utf8("\xE7\xA7"));  // truncated 科
}

TEST_CASE("repair_utf8 replaces each invalid sequence by U+FFFD and counts them", "[io]") {
    std::string s =
        "a\xFF"
        "b\xC0\xAF"
        "c科";
    CHECK(repair_utf8(s) == 2);
    CHECK(s ==
          "a\xEF\xBF\xBD"
          "b\xEF\xBF\xBD"
          "c科");
    CHECK(is_valid_utf8(s));
    std::string ok = "科普";
    CHECK(repair_utf8(ok) == 0);
    CHECK(ok == "科普");
}

TEST_CASE("decode_to_utf8 decodes GBK and refuses bytes that are not text in the encoding", "[io]") {
    CHECK(decode_to_utf8(gbk("科普站"), "GBK") == std::optional<std::string>("科普站"));
    CHECK(decode_to_utf8(gbk("科普站"), "GB18030") == std::optional<std::string>("科普站"));
    CHECK_FALSE(decode_to_utf8("\xFF\xFF", "GB18030").has_value());
    CHECK_FALSE(decode_to_utf8("\xFF", "UTF-8").has_value());
}

TEST_CASE("An unknown encoding name is a config_error naming it", "[io]") {
    // Regression (issue 7): encoding = "KLINGON" was accepted and ended in an internal error.
    CHECK_THROWS_MATCHES(
        require_known_encoding("KLINGON", "study.toml: [units]"), config_error,
        test::What(Contains("study.toml: [units]") && Contains("unknown encoding 'KLINGON'")));
    CHECK_NOTHROW(require_known_encoding("GBK", "x"));
    CHECK_NOTHROW(require_known_encoding("utf8", "x"));
    ReadOptions options;
    options.encoding = "KLINGON";
    CHECK_THROWS_AS(read_vector(io_fixture("pois_lnglat.csv"), options), config_error);
}

TEST_CASE("A GBK CSV without a declared encoding is decoded as GB18030 with a warning", "[io]") {
    // Regression (issue 9): GBK CSV inputs (as Excel saves them) were rejected with garbled column names.
    test::TempDir dir("gbk-csv");
    const std::string path = dir.file("stations.csv");
    write(path, "id," + gbk("名称") + ",lon,lat\nA," + gbk("科普站") + ",120.95,31.38\n");
    test::WarningCapture warnings;
    const VectorLayer layer = read_vector(path);
    CHECK(text(layer, 0, "名称") == "科普站");
    REQUIRE(test::captured_warnings().size() == 1);
    CHECK_THAT(test::captured_warnings()[0], Contains("stations.csv") && Contains("not valid UTF-8") &&
                                                 Contains("GB18030") && Contains("encoding"));
}

TEST_CASE("A GBK CSV with a declared encoding is decoded without a warning", "[io]") {
    test::TempDir dir("gbk-csv-declared");
    const std::string path = dir.file("stations.csv");
    write(path, "id," + gbk("名称") + ",lon,lat\nA," + gbk("科普站") + ",120.95,31.38\n");
    ReadOptions options;
    options.encoding = "GBK";
    test::WarningCapture warnings;
    const VectorLayer layer = read_vector(path, options);
    CHECK(text(layer, 0, "名称") == "科普站");
    CHECK(test::captured_warnings().empty());
}

TEST_CASE("A UTF-8 CSV with a few GBK rows keeps its UTF-8 rows and decodes the GBK ones, naming them",
          "[io]") {
    // Regression (issue 7): invalid UTF-8 in a facility name was copied raw into facilities.geojson.
    test::TempDir dir("mixed-csv");
    const std::string path = dir.file("stations.csv");
    write(path, "id,name,lon,lat\nA,科普站,120.95,31.38\nB," + gbk("科普站") + ",120.96,31.39\n");
    test::WarningCapture warnings;
    const VectorLayer layer = read_vector(path);
    CHECK(text(layer, 0, "name") == "科普站");
    CHECK(text(layer, 1, "name") == "科普站");
    REQUIRE(test::captured_warnings().size() == 1);
    CHECK_THAT(test::captured_warnings()[0], Contains("rows 2"));
}

TEST_CASE("Bytes that are neither UTF-8 nor GB18030 are replaced by U+FFFD with a warning naming the row",
          "[io]") {
    test::TempDir dir("bad-bytes");
    const std::string path = dir.file("stations.csv");
    write(path, "id,name,lon,lat\nA,ok,120.95,31.38\nB,bad \xFF\xFF,120.96,31.39\n");
    test::WarningCapture warnings;
    const VectorLayer layer = read_vector(path);
    CHECK(text(layer, 1, "name") == "bad \xEF\xBF\xBD\xEF\xBF\xBD");  // one per invalid byte
    CHECK(is_valid_utf8(text(layer, 1, "name")));
    bool named = false;
    for (const auto& w : test::captured_warnings()) {
        named = named || (w.find("stations.csv") != std::string::npos &&
                          w.find("rows 2") != std::string::npos && w.find("U+FFFD") != std::string::npos);
    }
    CHECK(named);
}

TEST_CASE("A GBK Shapefile without .cpg is decoded as GB18030 with a warning, or as declared", "[io]") {
    // Regression (issue 7): it ended after the whole computation in "internal error: invalid UTF-8 byte".
    {
        test::WarningCapture warnings;
        const VectorLayer layer = read_vector(io_fixture("schools_gbk_nocpg.shp"));
        for (const auto& f : layer.features) {
            for (const auto& v : f.values) CHECK(is_valid_utf8(as_text(v)));
        }
        REQUIRE_FALSE(test::captured_warnings().empty());
        CHECK_THAT(test::captured_warnings()[0], Contains("schools_gbk_nocpg") && Contains("GB18030"));
    }
    ReadOptions gbk_options;
    gbk_options.encoding = "GBK";
    const VectorLayer declared = read_vector(io_fixture("schools_gbk_nocpg.shp"), gbk_options);
    const VectorLayer with_cpg = read_vector(io_fixture("schools_gbk.shp"));
    REQUIRE(declared.features.size() == with_cpg.features.size());
    for (std::size_t i = 0; i < declared.features.size(); ++i)
        CHECK(declared.features[i].values == with_cpg.features[i].values);
    // Auto-detection gives the same text as the declared encoding.
    const VectorLayer detected = read_vector(io_fixture("schools_gbk_nocpg.shp"));
    for (std::size_t i = 0; i < detected.features.size(); ++i)
        CHECK(detected.features[i].values == with_cpg.features[i].values);
}

TEST_CASE("encoding = UTF-8 on GBK data replaces the invalid bytes and says which features", "[io]") {
    ReadOptions options;
    options.encoding = "UTF-8";
    test::WarningCapture warnings;
    const VectorLayer layer = read_vector(io_fixture("schools_gbk_nocpg.shp"), options);
    for (const auto& f : layer.features) {
        for (const auto& v : f.values) CHECK(is_valid_utf8(as_text(v)));
    }
    bool named = false;
    for (const auto& w : test::captured_warnings()) {
        named = named || (w.find("U+FFFD") != std::string::npos && w.find("features") != std::string::npos);
    }
    CHECK(named);
}
