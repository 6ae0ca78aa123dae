// A feature's geometry as the vector writers use it (GDAL's and the GeoPackage rows written
// through SQLite): its number of parts, and its coordinates transformed in place.
#pragma once

#include "kepu15/geo/crs.hpp"
#include "kepu15/io/vector_reader.hpp"

#include <cstddef>
#include <span>

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

// Every coordinate of `g` sent forward through `t`.
inline void transform_geometry(FeatureGeometry& g, const geo::Transformer& t) {
    t.forward(std::span<Point>(g.points));
    for (auto& l : g.lines) t.forward(std::span<Point>(l));
    for (auto& p : g.polygons) {
        t.forward(std::span<Point>(p.outer));
        for (auto& h : p.holes) t.forward(std::span<Point>(h));
    }
}

}  // namespace kepu15::io::detail
