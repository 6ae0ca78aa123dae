// Snapping points to the nearest point on the network (nearest segment, not just nearest vertex)
// through a uniform grid of edge segments. One index can serve several profiles at once: each
// profile gets the snap its own index would give, and a point is located once for all of them.
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
    // One index for several profiles (at most 8): the edges usable by any of them, each marked with
    // the profiles that may use it. snap(p, i) equals Snapper(network, profiles[i], ...).snap(p) to
    // the bit (the answer does not depend on the grid: the nearest usable segment, ties to the
    // lowest segment index, and the segments of one profile keep their relative order).
    // `graphs`, when given, holds one graph per profile (either direction: only the sizes of the
    // weakly connected components are used), saving a graph build per profile.
    Snapper(const RoadNetwork& network, std::span<const Profile> profiles, double max_snap_m = 500.0,
            std::size_t min_component_nodes = 50, std::span<const Graph* const> graphs = {});
    ~Snapper();
    Snapper(const Snapper&) = delete;
    Snapper& operator=(const Snapper&) = delete;

    // nullopt when no usable edge lies within max_snap_m (the point has no road access).
    [[nodiscard]] std::optional<Snap> snap(Point p_m) const { return snap(p_m, 0); }
    // The snap for profiles[profile_index] of the multi-profile constructor.
    [[nodiscard]] std::optional<Snap> snap(Point p_m, std::size_t profile_index) const;
    // snap() of every point, in the input order, on up to `threads` threads. Faster than calling
    // snap() point by point in an arbitrary order: the points are visited in spatial order.
    [[nodiscard]] std::vector<std::optional<Snap>> snap_all(std::span<const Point> points_m,
                                                            unsigned threads = 1) const;
    // snap_all for every profile of the index at once ([profile index][point]): each point's grid
    // cells are read once for all profiles.
    [[nodiscard]] std::vector<std::vector<std::optional<Snap>>> snap_all_profiles(std::span<const Point> points_m,
                                                                                  unsigned threads = 1) const;

private:
    struct impl;
    std::unique_ptr<impl> m_impl;
};

}  // namespace kepu15::network
