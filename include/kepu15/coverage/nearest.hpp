// Nearest-point queries over a fixed set of points (facilities) with a nanoflann k-d tree.
#pragma once

#include "kepu15/geo/geometry.hpp"

#include <cstddef>
#include <memory>
#include <vector>

namespace kepu15::coverage {

class NearestIndex {
public:
    struct Hit {
        std::size_t index = 0;    // position in the points given to the constructor
        double distance_m = 0.0;  // Euclidean, in the points' units
    };

    // REQUIRES: points are finite. An empty set is allowed; queries then return nothing.
    explicit NearestIndex(std::vector<Point> points);
    ~NearestIndex();
    NearestIndex(const NearestIndex&) = delete;
    NearestIndex& operator=(const NearestIndex&) = delete;

    [[nodiscard]] bool empty() const;
    // REQUIRES: !empty(). Ties between equidistant points may return either.
    [[nodiscard]] Hit nearest(Point query) const;
    // All points within radius (inclusive), nearest first.
    [[nodiscard]] std::vector<Hit> within(Point query, double radius) const;

private:
    struct impl;
    std::unique_ptr<impl> m_impl;
};

}  // namespace kepu15::coverage
