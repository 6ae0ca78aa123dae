// Sane ranges of numeric options. Each option declares its range once, next to its unit and default
// (network/profile.hpp for speeds, study/study.hpp for coverage options); the study-file parser and
// the CLI both check values against it, so NaN, infinity and absurd magnitudes never reach the core.
#pragma once

#include <optional>
#include <string>

namespace kepu15 {

struct Range {
    const char* unit;  // "m", "km/h", "min", "" for plain numbers
    double min;        // inclusive
    double max;        // inclusive
    bool integer = false;
};

// A short rendering of a number for messages: "1e+20", "0.004", "nan" (never 309 digits).
std::string short_number(double v);

// Empty when `value` is finite and within `r` (and whole when r.integer), else the reason:
// "must be within 1..240 min (got nan)".
std::string range_problem(const Range& r, double value);

}  // namespace kepu15
