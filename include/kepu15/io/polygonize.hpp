// Polygons of the filled cells of a grid mask, through GDAL's polygonizer (4-connected regions,
// holes kept). Coordinates in the mask's CRS.
#pragma once

#include "kepu15/geo/grid_mask.hpp"

namespace kepu15::io {

MultiPolygon polygonize(const geo::GridMask& mask);

}  // namespace kepu15::io
