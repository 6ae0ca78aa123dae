#include "kepu15/coverage/crowfly.hpp"

#include "kepu15/coverage/nearest.hpp"
#include "kepu15/error.hpp"

#include <algorithm>
#include <string>

#include <cmath>
#include <limits>

namespace kepu15::coverage {

Measure crowfly_coverage(const std::string& kind, const std::vector<Point>& cells_m,
                         const std::vector<Point>& facilities_m, double radius_m) {
    Measure m;
    m.kind = kind;
    m.method = Method::crowfly();
    m.threshold = {radius_m, CostUnit::metres};
    m.value.assign(cells_m.size(), std::numeric_limits<double>::quiet_NaN());
    m.facility.assign(cells_m.size(), -1);
    m.covered.assign(cells_m.size(), 0);
    const NearestIndex index(facilities_m);
    if (index.empty()) return m;
    for (std::size_t i = 0; i < cells_m.size(); ++i) {
        const auto hit = index.nearest(cells_m[i]);
        m.value[i] = hit.distance_m;
        m.facility[i] = static_cast<std::int32_t>(hit.index);
        m.covered[i] = hit.distance_m <= radius_m ? 1 : 0;
    }
    return m;
}

CostTable crowfly_reach_table(const std::vector<Point>& points_m, const std::vector<Point>& facilities_m,
                              double radius_m) {
    if (!(radius_m >= 0.0)) {
        throw config_error("crow-fly reach: radius of " + std::to_string(radius_m) + " m is not a non-negative number");
    }
    CostTable t;
    t.origin_count = points_m.size();
    t.destination_count = facilities_m.size();
    t.unit = CostUnit::metres;
    t.limit = radius_m;
    t.first.assign(points_m.size() + 1, 0);
    const NearestIndex index(facilities_m);
    // Searched a hair wider, then filtered exactly, so a facility at exactly radius_m is kept
    // whatever the k-d tree's comparison of squared distances does at the boundary.
    const double search_m = radius_m * (1.0 + 1e-12) + 1e-9;
    std::vector<CostEntry> row;
    for (std::size_t i = 0; i < points_m.size(); ++i) {
        row.clear();
        for (const auto& hit : index.within(points_m[i], search_m)) {
            if (hit.distance_m <= radius_m) row.push_back({static_cast<std::uint32_t>(hit.index), hit.distance_m});
        }
        std::sort(row.begin(), row.end(), [](const CostEntry& a, const CostEntry& b) { return a.destination < b.destination; });
        t.entries.insert(t.entries.end(), row.begin(), row.end());
        t.first[i + 1] = t.entries.size();
    }
    return t;
}

}  // namespace kepu15::coverage
