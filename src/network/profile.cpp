#include "kepu15/network/profile.hpp"

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
