#include "kepu15/network/profile.hpp"

#include "kepu15/error.hpp"

#include <algorithm>
#include <cctype>

namespace kepu15::network {

const char* profile_name(Profile p) {
    switch (p) {
        case Profile::walk: return "walk";
        case Profile::elderly: return "elderly";
        case Profile::bike: return "bike";
        case Profile::drive: return "drive";
    }
    return "unknown";
}

std::optional<Profile> parse_profile(const std::string& name) {
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (Profile p : all_profiles) {
        if (lower == profile_name(p)) return p;
    }
    return std::nullopt;
}

void ProfileSpeeds::validate(const std::string& where) const {
    const auto check = [&](const std::string& key, const Range& r, double v) {
        const std::string problem = range_problem(r, v);
        if (!problem.empty()) throw config_error(where + ": key '" + key + "' " + problem);
    };
    check("walk_kmh", walk_kmh_range, walk_kmh);
    check("elderly_kmh", elderly_kmh_range, elderly_kmh);
    check("bike_kmh", bike_kmh_range, bike_kmh);
    check("drive_default_kmh", drive_kmh_range, drive_default_kmh);
    for (const auto& [cls, kmh] : drive_kmh_by_highway) {
        if (cls.empty()) throw config_error(where + ": an empty road class name in the speed table");
        check(cls, drive_kmh_range, kmh);
    }
}

double ProfileSpeeds::constant_kmh(Profile p) const {
    switch (p) {
        case Profile::walk: return walk_kmh;
        case Profile::elderly: return elderly_kmh;
        case Profile::bike: return bike_kmh;
        case Profile::drive: return drive_default_kmh;  // drive has no constant speed; its fallback
    }
    return 0.0;
}

}  // namespace kepu15::network
