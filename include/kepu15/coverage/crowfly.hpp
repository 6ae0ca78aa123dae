// Straight-line (crow-fly) coverage: nearest facility per cell through a k-d tree.
#pragma once

#include "kepu15/coverage/cost_table.hpp"
#include "kepu15/coverage/measure.hpp"
#include "kepu15/geo/geometry.hpp"

#include <string>
#include <vector>

namespace kepu15::coverage {

// REQUIRES: cells and facilities in the same metric CRS. With no facilities every cell is
// uncovered with value NaN and facility -1.
Measure crowfly_coverage(const std::string& kind, const std::vector<Point>& cells_m,
                         const std::vector<Point>& facilities_m, double radius_m);

// Crow-fly reach table: per point every facility within radius_m (inclusive), cost in metres
// (CostUnit::metres, limit radius_m). k-d tree radius search over the facilities.
// REQUIRES: points and facilities in the same metric CRS, finite. Throws config_error for a
// negative or NaN radius.
CostTable crowfly_reach_table(const std::vector<Point>& points_m, const std::vector<Point>& facilities_m,
                              double radius_m);

}  // namespace kepu15::coverage
