// A working CRS must measure in metres (issue 7: EPSG:4326 read the 1000 m radius as 1000 degrees,
// EPSG:2263 as 1000 US feet).
#include <catch2/catch.hpp>

#include "kepu15/error.hpp"
#include "kepu15/geo/crs.hpp"

using namespace kepu15;
using Catch::Matchers::Contains;

namespace {
std::string message_of(const std::string& crs) {
    try {
        geo::require_metric_crs(crs, "[study] working_crs", "EPSG:32651");
    } catch (const crs_error& e) {
        return e.what();
    }
    return "accepted";
}
}  // namespace

TEST_CASE("linear_unit_m gives metres per unit of projected CRSs and nothing for geographic ones", "[geo]") {
    CHECK(geo::linear_unit_m("EPSG:4549") == std::optional<double>(1.0));
    CHECK(geo::linear_unit_m("EPSG:32651") == std::optional<double>(1.0));
    REQUIRE(geo::linear_unit_m("EPSG:2263").has_value());
    CHECK(*geo::linear_unit_m("EPSG:2263") == Approx(0.3048006096));
    CHECK_FALSE(geo::linear_unit_m("EPSG:4326").has_value());
    CHECK_FALSE(geo::linear_unit_m("EPSG:4490").has_value());
    CHECK_FALSE(geo::linear_unit_m("GCJ-02").has_value());
}

TEST_CASE("A working CRS in degrees or feet is refused with a hint; metres pass", "[geo]") {
    CHECK(message_of("EPSG:4549") == "accepted");
    CHECK(message_of("+proj=utm +zone=51 +datum=WGS84") == "accepted");
    CHECK_THAT(message_of("EPSG:4326"),
               Contains("[study] working_crs 'EPSG:4326' is geographic") && Contains("EPSG:32651"));
    CHECK_THAT(message_of("GCJ-02"), Contains("is geographic"));
    CHECK_THAT(message_of("EPSG:2263"), Contains("not metres") && Contains("0.3048006"));
}
