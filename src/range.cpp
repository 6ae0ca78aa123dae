#include "kepu15/range.hpp"

#include <cmath>
#include <cstdio>

namespace kepu15 {

std::string short_number(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
}

std::string range_problem(const Range& r, double value) {
    const std::string unit = *r.unit != '\0' ? std::string(" ") + r.unit : std::string();
    const std::string want = "must be " + std::string(r.integer ? "a whole number " : "") + "within " +
                             short_number(r.min) + ".." + short_number(r.max) + unit;
    if (!std::isfinite(value) || value < r.min || value > r.max ||
        (r.integer && std::floor(value) != value)) {
        return want + " (got " + short_number(value) + ")";
    }
    return {};
}

}  // namespace kepu15
