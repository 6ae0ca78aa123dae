#include "kepu15/coverage/crowfly.hpp"

#include "kepu15/coverage/nearest.hpp"

#include <cmath>
#include <limits>
#include <map>
#include <utility>

namespace kepu15::coverage {

Measure crowfly_coverage(const std::string& kind, const std::vector<Point>& cells_m,
                         const std::vector<Point>& facilities_m, double radius_m) {
    Measure m;
    m.kind = kind;
    m.method = "crowfly";
    m.threshold = radius_m;
    m.value.assign(cells_m.size(), std::numeric_limits<double>::quiet_NaN());
    m.facility.assign(cells_m.size(), -1);
    m.covered.assign(cells_m.size(), 0);
    // Co-located facilities are one point for the k-d tree (the first one named), so thousands of
    // duplicates do not turn its leaves into linear scans.
    std::vector<Point> distinct;
    std::vector<std::size_t> first_of;
    std::map<std::pair<double, double>, std::size_t> seen;
    for (std::size_t f = 0; f < facilities_m.size(); ++f) {
        if (seen.emplace(std::make_pair(facilities_m[f].x, facilities_m[f].y), distinct.size()).second) {
            distinct.push_back(facilities_m[f]);
            first_of.push_back(f);
        }
    }
    const NearestIndex index(std::move(distinct));
    if (index.empty()) return m;
    for (std::size_t i = 0; i < cells_m.size(); ++i) {
        const auto hit = index.nearest(cells_m[i]);
        m.value[i] = hit.distance_m;
        m.facility[i] = static_cast<std::int32_t>(first_of[hit.index]);
        m.covered[i] = hit.distance_m <= radius_m ? 1 : 0;
    }
    return m;
}

}  // namespace kepu15::coverage
