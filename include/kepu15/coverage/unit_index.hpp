// Assigns points to polygons (区镇, villages) by point-in-polygon through a Boost.Geometry R-tree of
// the polygons' bounding boxes.
#pragma once

#include "kepu15/geo/geometry.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace kepu15::coverage {

class UnitIndex {
public:
    // Polygons in the same planar CRS as the points queried later.
    explicit UnitIndex(std::vector<MultiPolygon> units);
    ~UnitIndex();
    UnitIndex(const UnitIndex&) = delete;
    UnitIndex& operator=(const UnitIndex&) = delete;

    // Index of the unit covering p (interior or boundary). A point on a shared boundary goes to the
    // unit with the lowest index, so every point is counted once. nullopt outside every unit.
    [[nodiscard]] std::optional<std::uint32_t> locate(Point p) const;

    // locate() for many points; -1 where outside.
    [[nodiscard]] std::vector<std::int32_t> locate_all(const std::vector<Point>& points) const;

    [[nodiscard]] std::size_t size() const;

private:
    struct impl;
    std::unique_ptr<impl> m_impl;
};

}  // namespace kepu15::coverage
