// Which roads go into roads.geojson, the map background of a run. A province's network (millions
// of edges) would make a background of more than a gigabyte that no map draws legibly, so above a
// size only the major roads are written (docs/scale.md).
#pragma once

#include <cstddef>
#include <string>

namespace kepu15::report {

// "major" (drive speed of 50 km/h or more in either direction), "minor" (other drivable roads),
// "path" (walking and cycling only): the `class` field of roads.geojson.
enum class RoadClass { major, minor, path };
RoadClass road_class(double drive_kmh);
std::string road_class_name(RoadClass c);

// DEFAULT: networks of more than 1,000,000 edges (about 500,000 road nodes, a large city) keep
// only their major roads in roads.geojson.
inline constexpr std::size_t full_roads_max_edges = 1'000'000;

// True when an edge of class `c` in a network of `edge_count` edges is written to roads.geojson.
bool road_in_output(RoadClass c, std::size_t edge_count);

}  // namespace kepu15::report
