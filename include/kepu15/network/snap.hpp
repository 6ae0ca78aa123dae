// Snapping points to the nearest point on the network (nearest segment, not just nearest vertex)
// through a Boost.Geometry R-tree of edge segments.
#pragma once

#include "kepu15/network/graph.hpp"
#include "kepu15/network/road_network.hpp"

#include <memory>
#include <optional>
#include <span>
#include <vector>

namespace kepu15::network {

struct Snap {
    EdgeId edge = 0;
    double offset_m = 0.0;   // distance along the edge geometry from node `from`
    double off_road_m = 0.0; // straight distance from the point to the snapped point
    Point snapped_m;
};

class Snapper {
public:
    // Indexes the edges usable by `profile` (in at least one direction).
    // Components smaller than `min_component_nodes` do not capture a snap when a larger component
    // lies within max_snap_m. DEFAULT: 500 m, 50 nodes.
    Snapper(const RoadNetwork& network, Profile profile, double max_snap_m = 500.0,
            std::size_t min_component_nodes = 50);
    ~Snapper();
    Snapper(const Snapper&) = delete;
    Snapper& operator=(const Snapper&) = delete;

    // nullopt when no usable edge lies within max_snap_m (the point has no road access).
    [[nodiscard]] std::optional<Snap> snap(Point p_m) const;
    // snap() of every point, in the input order, on up to `threads` threads. Faster than calling
    // snap() point by point in an arbitrary order: the points are visited in spatial order.
    [[nodiscard]] std::vector<std::optional<Snap>> snap_all(std::span<const Point> points_m,
                                                            unsigned threads = 1) const;

private:
    struct impl;
    std::unique_ptr<impl> m_impl;
};

}  // namespace kepu15::network
