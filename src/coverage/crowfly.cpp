#include "kepu15/coverage/crowfly.hpp"

#include "kepu15/coverage/nearest.hpp"

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

}  // namespace kepu15::coverage
