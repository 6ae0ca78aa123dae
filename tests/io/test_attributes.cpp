#include <catch2/catch.hpp>

#include "kepu15/io/attributes.hpp"

using namespace kepu15::io;

TEST_CASE("as_number takes integers and reals as is and parses whole numeric strings", "[io]") {
    CHECK(as_number(FieldValue{std::int64_t{42}}) == 42.0);
    CHECK(as_number(FieldValue{2.5}) == 2.5);
    CHECK(as_number(FieldValue{std::string("1200")}) == 1200.0);
    CHECK(as_number(FieldValue{std::string("-3.25e2")}) == -325.0);
    CHECK(as_number(FieldValue{std::string(" 7 ")}) == 7.0);
    CHECK(as_number(FieldValue{std::string("+8")}) == 8.0);
}

TEST_CASE("as_number gives nullopt for null, empty, partial, non-numeric and NaN", "[io]") {
    CHECK_FALSE(as_number(FieldValue{}).has_value());
    CHECK_FALSE(as_number(FieldValue{std::string()}).has_value());
    CHECK_FALSE(as_number(FieldValue{std::string("12abc")}).has_value());
    CHECK_FALSE(as_number(FieldValue{std::string("约100")}).has_value());
    CHECK_FALSE(as_number(FieldValue{std::string("nan")}).has_value());
    CHECK_FALSE(as_number(FieldValue{std::string("inf")}).has_value());
    CHECK_FALSE(as_number(FieldValue{std::string("1,000")}).has_value());
    CHECK_FALSE(as_number(FieldValue{std::nan("")}).has_value());
}

TEST_CASE("as_text formats each value kind", "[io]") {
    CHECK(as_text(FieldValue{}).empty());
    CHECK(as_text(FieldValue{std::int64_t{-9000000000}}) == "-9000000000");
    CHECK(as_text(FieldValue{3.0}) == "3");
    CHECK(as_text(FieldValue{0.1}) == "0.1");
    CHECK(as_text(FieldValue{1.0 / 3.0}) == "0.333333333333333");
    CHECK(as_text(FieldValue{std::string("昆山")}) == "昆山");
}
