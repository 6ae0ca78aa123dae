// Per-cell accessibility to one facility kind by one method (crow-fly or a network profile).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kepu15::coverage {

struct Measure {
    std::string kind;       // facility kind, e.g. "station"
    std::string method;     // "crowfly", or a profile name: "walk", "elderly", "bike", "drive"
    double threshold = 0;   // metres (crowfly) or minutes (network)
    // Per cell: distance in metres or minutes to the nearest facility; NaN when none was found
    // (no facility, beyond the network cutoff, or no road access).
    std::vector<double> value;
    std::vector<std::int32_t> facility;  // per cell: facility index, -1 when none
    std::vector<std::uint8_t> covered;   // per cell: value <= threshold
    std::vector<std::uint8_t> no_road_access;  // per cell (network only; empty for crowfly)

    [[nodiscard]] bool is_network() const { return method != "crowfly"; }
    // Field-name stem: "station" (crowfly) or "station_walk" (network).
    [[nodiscard]] std::string key() const { return is_network() ? kind + "_" + method : kind; }
};

}  // namespace kepu15::coverage
