// Rounding of output values shared by the report writers (outputs, gaps): one rule for every
// layer, so the same figure prints the same in villages, 区镇 and gap patches.
#pragma once

#include "kepu15/io/attributes.hpp"

#include <cmath>
#include <variant>

namespace kepu15::report::detail {

// `v` rounded to 1/scale (scale 100 = two decimals).
inline double round_to(double v, double scale) { return std::round(v * scale) / scale; }

// `v` rounded to 1/scale, or null when it is NaN or infinite (no value, e.g. beyond the horizon).
inline io::FieldValue real_or_null(double v, double scale) {
    if (!std::isfinite(v)) return std::monostate{};
    return round_to(v, scale);
}

}  // namespace kepu15::report::detail
