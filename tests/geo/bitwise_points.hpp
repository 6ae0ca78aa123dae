// How many points of two equally long lists differ in any bit (memcmp, so -0.0 != 0.0 and NaNs
// compare by their bits): the geo tests' check that two transformations agree to the last bit.
#pragma once

#include "kepu15/geo/crs.hpp"

#include <catch2/catch.hpp>

#include <cstddef>
#include <cstring>
#include <vector>

namespace kepu15::test {

inline std::size_t bitwise_different(const std::vector<Point>& a, const std::vector<Point>& b) {
    REQUIRE(a.size() == b.size());
    std::size_t n = 0;
    for (std::size_t i = 0; i < a.size(); ++i) n += std::memcmp(&a[i], &b[i], sizeof(Point)) != 0 ? 1 : 0;
    return n;
}

}  // namespace kepu15::test
