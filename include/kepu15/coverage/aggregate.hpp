// Population and covered population per unit (区镇, village) and for the whole region.
#pragma once

#include "kepu15/coverage/measure.hpp"

#include <cstdint>
#include <vector>

namespace kepu15::coverage {

struct Totals {
    double population = 0.0;
    std::vector<double> group_population;              // per population group
    std::vector<double> covered;                       // per measure
    std::vector<std::vector<double>> covered_groups;   // [measure][group]
    std::vector<double> no_road_access;                // per measure (0 for crowfly)
    std::vector<double> covered_any;                   // per method: covered by at least one kind

    // covered / population, or NaN for an empty unit.
    [[nodiscard]] double share(std::size_t measure) const;
};

// Method groups for "covered by any kind": measures with the same method form one group.
struct Aggregation {
    std::vector<std::string> methods;   // distinct methods in measure order
    std::vector<Totals> units;          // per unit
    Totals region;
};

// REQUIRES: unit_of_cell[i] in [0, unit_count) or -1 (cell not counted in any unit but counted in
// the region); population and every group vector sized like unit_of_cell; every measure sized alike.
Aggregation aggregate(const std::vector<std::int32_t>& unit_of_cell, std::size_t unit_count,
                      const std::vector<double>& population, const std::vector<std::vector<double>>& groups,
                      const std::vector<Measure>& measures);

}  // namespace kepu15::coverage
