// Plain geometry used by the core. Coordinates are either lon/lat degrees (x = lon, y = lat,
// WGS84 unless stated) or metres in the working CRS (x = easting, y = northing); the variable
// name says which (`_lonlat`, `_m`). No GDAL/GEOS types here.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace kepu15 {

struct Point {
    double x = 0.0;
    double y = 0.0;
    friend bool operator==(const Point&, const Point&) = default;
};

using LineString = std::vector<Point>;
using Ring = std::vector<Point>;  // closed: front() == back()

struct Polygon {
    Ring outer;               // counter-clockwise preferred, not required
    std::vector<Ring> holes;  // clockwise preferred, not required
};

using MultiPolygon = std::vector<Polygon>;

struct Box {
    double min_x = std::numeric_limits<double>::infinity();
    double min_y = std::numeric_limits<double>::infinity();
    double max_x = -std::numeric_limits<double>::infinity();
    double max_y = -std::numeric_limits<double>::infinity();

    void expand(Point p) {
        min_x = std::min(min_x, p.x);
        min_y = std::min(min_y, p.y);
        max_x = std::max(max_x, p.x);
        max_y = std::max(max_y, p.y);
    }
    [[nodiscard]] bool empty() const { return min_x > max_x; }
    [[nodiscard]] Point centre() const { return {(min_x + max_x) / 2.0, (min_y + max_y) / 2.0}; }
};

inline Box bounds(const MultiPolygon& mp) {
    Box b;
    for (const auto& poly : mp) {
        for (const auto& p : poly.outer) b.expand(p);
    }
    return b;
}

inline double distance(Point a, Point b) { return std::hypot(a.x - b.x, a.y - b.y); }

inline bool is_finite(Point p) { return std::isfinite(p.x) && std::isfinite(p.y); }

// Signed shoelace area of a ring (positive when counter-clockwise), in squared units.
inline double signed_area(const Ring& ring) {
    double a = 0.0;
    for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
        a += ring[i].x * ring[i + 1].y - ring[i + 1].x * ring[i].y;
    }
    return a / 2.0;
}

// Planar area of a (multi)polygon in squared units (holes subtracted).
inline double area(const MultiPolygon& mp) {
    double a = 0.0;
    for (const auto& poly : mp) {
        a += std::abs(signed_area(poly.outer));
        for (const auto& h : poly.holes) a -= std::abs(signed_area(h));
    }
    return a;
}

// Square cell polygon (closed, counter-clockwise) with the given corners.
inline Polygon box_polygon(double min_x, double min_y, double max_x, double max_y) {
    return Polygon{{{min_x, min_y}, {max_x, min_y}, {max_x, max_y}, {min_x, max_y}, {min_x, min_y}}, {}};
}

}  // namespace kepu15
