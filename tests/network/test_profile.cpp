// Profile names and constant speeds.
#include "kepu15/network/profile.hpp"
#include "kepu15/network/road_network.hpp"

#include <catch2/catch.hpp>

using namespace kepu15::network;

TEST_CASE("Profile names round-trip and unknown names are rejected", "[network]") {
    for (Profile p : all_profiles) {
        const auto parsed = parse_profile(profile_name(p));
        REQUIRE(parsed);
        CHECK(*parsed == p);
    }
    CHECK(parse_profile("Elderly") == Profile::elderly);
    CHECK_FALSE(parse_profile("car"));
    CHECK_FALSE(parse_profile(""));
    CHECK(std::string(profile_name(Profile::drive)) == "drive");
}

TEST_CASE("Constant speeds and travel times follow the defaults", "[network]") {
    const ProfileSpeeds s;
    CHECK(s.constant_kmh(Profile::walk) == 4.5);
    CHECK(s.constant_kmh(Profile::elderly) == 2.7);
    CHECK(s.constant_kmh(Profile::bike) == 15.0);
    CHECK(s.constant_kmh(Profile::drive) == 30.0);  // drive falls back to drive_default_kmh
    // 1,000 m at 4.5 km/h = 800 s; at 2.7 km/h = 1,333.333 s.
    CHECK(travel_ms(1000.0, 4.5) == 800000U);
    CHECK(travel_ms(1000.0, 2.7) == 1333333U);
}
