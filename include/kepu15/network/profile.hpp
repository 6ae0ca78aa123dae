// Travel profiles and their speeds. Options are declared once here with unit and default.
#pragma once

#include "kepu15/range.hpp"

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace kepu15::network {

enum class Profile : std::uint8_t { walk = 0, elderly = 1, bike = 2, drive = 3 };
inline constexpr std::size_t profile_count = 4;
inline constexpr std::array<Profile, profile_count> all_profiles{Profile::walk, Profile::elderly, Profile::bike,
                                                                 Profile::drive};

const char* profile_name(Profile p);                       // "walk", "elderly", "bike", "drive"
std::optional<Profile> parse_profile(const std::string&);  // nullopt for an unknown name

// Sane ranges of the speeds (study file, CLI and road data are checked against them).
inline constexpr Range walk_kmh_range{"km/h", 1.0, 10.0};      // a brisk walk is 6-7 km/h
inline constexpr Range elderly_kmh_range{"km/h", 0.5, 10.0};
inline constexpr Range bike_kmh_range{"km/h", 3.0, 60.0};      // bicycles and e-bikes
inline constexpr Range drive_kmh_range{"km/h", 1.0, 200.0};    // class table, default, speed fields, maxspeed

struct ProfileSpeeds {
    double walk_kmh = 4.5;     // DEFAULT: 4.5 km/h (adult walking; GB 50180 convention)
    double elderly_kmh = 2.7;  // DEFAULT: 2.7 km/h (0.76 m/s, older adults at risk of mobility loss)
    double bike_kmh = 15.0;    // DEFAULT: 15 km/h (bicycle / e-bike)
    // DEFAULT: drive speed by OSM highway class when no maxspeed is tagged, km/h.
    std::map<std::string, double> drive_kmh_by_highway{
        {"motorway", 100}, {"motorway_link", 60}, {"trunk", 80},        {"trunk_link", 50},
        {"primary", 60},   {"primary_link", 40},  {"secondary", 50},    {"secondary_link", 40},
        {"tertiary", 40},  {"tertiary_link", 30}, {"unclassified", 30}, {"residential", 30},
        {"living_street", 10}, {"service", 20},   {"road", 30},         {"track", 15},
        // Chinese urban road classes (GB/T 51328-2018 城市综合交通体系规划标准, CJJ 37 design speeds):
        // expressway 60-100, arterial 40-60, secondary arterial 30-50, branch road 20-30 km/h.
        {"快速路", 80}, {"主干路", 50}, {"次干路", 40}, {"支路", 30}};
    double drive_default_kmh = 30.0;  // DEFAULT: 30 km/h for a drivable way with an unknown class

    // Throws config_error "`where`: key 'walk_kmh' must be within 1..10 km/h (got 1e+09)" for a speed out
    // of its range (including NaN and infinity) or an empty class name.
    void validate(const std::string& where) const;

    // Constant speed of the non-drive profiles.
    [[nodiscard]] double constant_kmh(Profile p) const;
    // Speed of the walk between a point and the road it snaps to: the elderly walk at their own
    // speed, everyone else (including cyclists and drivers, who park) at walk_kmh.
    [[nodiscard]] double off_road_kmh(Profile p) const { return p == Profile::elderly ? elderly_kmh : walk_kmh; }
};

}  // namespace kepu15::network
