// Outlines of a set of cells on a square lattice as valid polygons: the one tracer behind the
// service areas (geo::polygonize of a GridMask) and the gap patches (coverage::cell_outline).
#pragma once

#include "kepu15/geo/geometry.hpp"

#include <cstdint>
#include <span>

namespace kepu15::geo {

// Maps the lattice vertex (c, r) — the top-left corner of cell (c, r), rows growing downwards —
// to (x0 + c * dx, y0 + r * dy). DEFAULT: the lattice itself.
struct LatticeTransform {
    double x0 = 0.0;
    double dx = 1.0;
    double y0 = 0.0;
    double dy = 1.0;
};

// The outline of the cells of a width x height lattice (row-major from row 0) whose `inside`
// byte is not 0. One polygon per 4-connected group of cells, in the order of each group's first
// cell (row-major); holes for the enclosed cells outside the set, in the order they are met.
// Rings are closed and collinear vertices merged (a straight run of cells is one edge). Exterior
// rings are clockwise in (c, r) — counter-clockwise on the map once rows run south (dy < 0) — and
// holes the opposite. Cells touching only at a corner stay separate polygons, and a hole touching
// the exterior (or another hole) at a corner is its own ring, so no ring touches itself and every
// polygon is valid OGC geometry. O(width x height) time; 2 bytes per cell and 24 per run of set
// cells in a row.
// REQUIRES: inside.size() == width * height.
MultiPolygon lattice_outline(std::span<const std::uint8_t> inside, std::int64_t width, std::int64_t height,
                             const LatticeTransform& to = {});

}  // namespace kepu15::geo
