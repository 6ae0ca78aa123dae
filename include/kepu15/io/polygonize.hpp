// Kept for callers of the former GDAL polygonizer: service areas are now traced in the core
// (geo::polygonize in geo/grid_mask.hpp), without GDAL.
#pragma once

#include "kepu15/geo/grid_mask.hpp"

namespace kepu15::io {

inline MultiPolygon polygonize(const geo::GridMask& mask) { return geo::polygonize(mask); }

}  // namespace kepu15::io
