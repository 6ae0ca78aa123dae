// Clipping a road network to a box: a partitioned run (docs/scale.md) reads only the roads that a
// trip to or from its cells can use. No trip measured is longer than the halo (horizon minutes x
// the fastest speed), so every road such a trip uses lies within the partition's cells' box widened
// by the halo, and the roads outside it change no result.
#pragma once

#include "kepu15/geo/geometry.hpp"
#include "kepu15/network/road_network.hpp"

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

namespace kepu15::network {

// True when the envelope of segment a-b meets `box` (touching counts).
inline bool segment_meets_box(Point a, Point b, const Box& box) {
    return std::min(a.x, b.x) <= box.max_x && std::max(a.x, b.x) >= box.min_x && std::min(a.y, b.y) <= box.max_y &&
           std::max(a.y, b.y) >= box.min_y;
}

struct VertexRun {
    std::size_t first = 0;
    std::size_t count = 0;  // >= 2
};

// The maximal runs of consecutive segments of `line` whose envelopes meet `box`, as vertex ranges
// (two runs never share a vertex). A line inside the box is one run of all its vertices; a line
// whose segments all miss it gives none.
std::vector<VertexRun> runs_in_box(std::span<const Point> line, const Box& box);

// The box of `points_m` widened by `margin_m` on every side; nullopt when there are no points
// (nothing to clip to: the caller reads the whole network).
std::optional<Box> partition_clip_box(std::span<const Point> points_m, double margin_m);

// Keeps the edges with a segment whose envelope meets `box`, whole, and the nodes they use,
// renumbered in their former order (so the kept edges keep their order and relative node ids).
RoadNetwork clip_network(RoadNetwork network, const Box& box);

}  // namespace kepu15::network
