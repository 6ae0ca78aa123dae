// Per-cell accessibility to one facility kind by one method (crow-fly or a network profile).
#pragma once

#include "kepu15/coverage/cost_table.hpp"
#include "kepu15/network/profile.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace kepu15::coverage {

// How a distance is measured: straight line, or travel time over one profile's roads. Typed, so
// that no code tells crow-fly from network by comparing strings.
struct Method {
    enum class Type : std::uint8_t { crowfly, network };
    Type type = Type::crowfly;
    network::Profile profile = network::Profile::walk;  // meaningful for network only

    static Method crowfly() { return {}; }
    static Method network(network::Profile p) { return {Type::network, p}; }

    [[nodiscard]] bool is_network() const { return type == Type::network; }
    // "crowfly", or the profile name ("walk", "elderly", "bike", "drive"): the name used in field
    // names, the study file and the README.
    [[nodiscard]] std::string name() const {
        return is_network() ? network::profile_name(profile) : std::string("crowfly");
    }
    // Unit of the method's distances: metres (crow-fly) or minutes (network).
    [[nodiscard]] CostUnit unit() const { return is_network() ? CostUnit::minutes : CostUnit::metres; }

    friend bool operator==(const Method& a, const Method& b) {
        return a.type == b.type && (a.type == Type::crowfly || a.profile == b.profile);
    }
};

// A threshold with its unit: 1000 m crow-fly, 15 min by a profile.
struct Threshold {
    double value = 0.0;
    CostUnit unit = CostUnit::metres;
};

struct Measure {
    std::string kind;       // facility kind, e.g. "station"
    Method method;
    Threshold threshold;    // covered = value <= threshold.value
    // Per cell: metres (crow-fly) or minutes (network) to the nearest facility; NaN when none was
    // found (no facility, beyond the travel-time horizon, or no road access).
    std::vector<double> value;
    std::vector<std::int32_t> facility;  // per cell: facility index, -1 when none
    std::vector<std::uint8_t> covered;   // per cell: value <= threshold
    std::vector<std::uint8_t> no_road_access;  // per cell (network only; empty for crowfly)

    [[nodiscard]] bool is_network() const { return method.is_network(); }
    // Field-name stem: "station" (crowfly) or "station_walk" (network).
    [[nodiscard]] std::string key() const { return is_network() ? kind + "_" + method.name() : kind; }
};

}  // namespace kepu15::coverage
