#include "kepu15/coverage/aggregate.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

namespace kepu15::coverage {

double Totals::share(std::size_t measure) const {
    if (!(population > 0.0)) return std::numeric_limits<double>::quiet_NaN();
    return covered[measure] / population;
}

Aggregation aggregate(const std::vector<std::int32_t>& unit_of_cell, std::size_t unit_count,
                      const std::vector<double>& population, const std::vector<std::vector<double>>& groups,
                      const std::vector<Measure>& measures) {
    Aggregation agg;
    std::vector<std::size_t> method_of(measures.size());
    for (std::size_t m = 0; m < measures.size(); ++m) {
        auto it = std::find(agg.methods.begin(), agg.methods.end(), measures[m].method);
        if (it == agg.methods.end()) it = agg.methods.insert(agg.methods.end(), measures[m].method);
        method_of[m] = static_cast<std::size_t>(it - agg.methods.begin());
    }
    Totals empty;
    empty.group_population.assign(groups.size(), 0.0);
    empty.covered.assign(measures.size(), 0.0);
    empty.covered_groups.assign(measures.size(), std::vector<double>(groups.size(), 0.0));
    empty.no_road_access.assign(measures.size(), 0.0);
    empty.covered_any.assign(agg.methods.size(), 0.0);
    agg.units.assign(unit_count, empty);
    agg.region = empty;

    std::vector<std::uint8_t> any(agg.methods.size());
    for (std::size_t i = 0; i < unit_of_cell.size(); ++i) {
        const double pop = population[i];
        const std::int32_t u = unit_of_cell[i];
        assert(u < static_cast<std::int32_t>(unit_count));
        Totals* targets[2] = {&agg.region, u >= 0 ? &agg.units[static_cast<std::size_t>(u)] : nullptr};
        std::fill(any.begin(), any.end(), 0);
        for (std::size_t m = 0; m < measures.size(); ++m) {
            if (measures[m].covered[i] != 0) any[method_of[m]] = 1;
        }
        for (Totals* t : targets) {
            if (t == nullptr) continue;
            t->population += pop;
            for (std::size_t g = 0; g < groups.size(); ++g) t->group_population[g] += groups[g][i];
            for (std::size_t m = 0; m < measures.size(); ++m) {
                const Measure& me = measures[m];
                if (me.covered[i] != 0) {
                    t->covered[m] += pop;
                    for (std::size_t g = 0; g < groups.size(); ++g) t->covered_groups[m][g] += groups[g][i];
                }
                if (!me.no_road_access.empty() && me.no_road_access[i] != 0) t->no_road_access[m] += pop;
            }
            for (std::size_t k = 0; k < any.size(); ++k) {
                if (any[k] != 0) t->covered_any[k] += pop;
            }
        }
    }
    return agg;
}

}  // namespace kepu15::coverage
