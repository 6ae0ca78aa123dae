// Polygon operations through the GEOS C API (_r functions). Geometry in and out is plain data in
// whatever planar CRS the caller uses (the working CRS, metres).
#pragma once

#include "kepu15/geo/geometry.hpp"

#include <string>
#include <vector>

namespace kepu15::geo {

bool is_valid(const MultiPolygon& mp);
// Reason GEOS gives for invalidity ("Self-intersection[x y]"), empty when valid.
std::string invalid_reason(const MultiPolygon& mp);
// GEOS make-valid, keeping only polygonal parts. Throws geometry_error when nothing polygonal remains.
MultiPolygon make_valid(const MultiPolygon& mp);

// Union of many polygons (cells, units) into one multipolygon; shared edges dissolve.
MultiPolygon union_all(const std::vector<MultiPolygon>& parts);
MultiPolygon union_all(const std::vector<Polygon>& parts);

MultiPolygon intersection(const MultiPolygon& a, const MultiPolygon& b);
MultiPolygon difference(const MultiPolygon& a, const MultiPolygon& b);

// Point-on-surface (inside even for concave shapes).
Point point_on_surface(const MultiPolygon& mp);

}  // namespace kepu15::geo
