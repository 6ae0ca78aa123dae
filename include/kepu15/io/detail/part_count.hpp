// The number of parts of a feature's geometry, shared by the vector writers (GDAL's and the
// GeoPackage rows written through SQLite).
#pragma once

#include "kepu15/io/vector_reader.hpp"

#include <cstddef>

namespace kepu15::io::detail {

// How many parts (points, lines or polygons) `g` holds of geometry kind `kind`; 0 for none.
inline std::size_t part_count(const FeatureGeometry& g, GeometryKind kind) {
    switch (kind) {
        case GeometryKind::point:
            return g.points.size();
        case GeometryKind::line:
            return g.lines.size();
        case GeometryKind::polygon:
            return g.polygons.size();
        default:
            return 0;
    }
}

}  // namespace kepu15::io::detail
