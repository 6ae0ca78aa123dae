// Reads a GDAL line layer (road centre-lines as planning bureaus keep them) into a RoadNetwork.
// Topology: lines are joined where they share a vertex (after snapping vertices within
// snap_tolerance_m to one another) and split there.
#pragma once

#include "kepu15/geo/crs.hpp"
#include "kepu15/io/vector_reader.hpp"
#include "kepu15/network/road_network.hpp"

#include <optional>
#include <string>

namespace kepu15::network {

struct LineNetworkOptions {
    io::ReadOptions read;            // layer, crs, encoding
    std::string speed_field;         // km/h for drive. DEFAULT: none (use class_field or default)
    std::string class_field;         // road class (OSM-like highway values) for drive speed. DEFAULT: none
    std::string oneway_field;        // yes/no, 1/-1/0, true/false. DEFAULT: none (all two-way)
    std::string walk_field;          // optional: a false value (no/0/false) excludes walking/elderly
    std::string bike_field;          // optional: a false value excludes cycling
    double snap_tolerance_m = 0.0;   // DEFAULT: 0 (exact shared vertices only)
    // Partitioned runs (clip.hpp): keep only the runs of segments whose envelopes meet this box of
    // the working CRS. DEFAULT: none (the whole layer).
    std::optional<Box> clip_m;
};

// Throws input_error naming the file, layer and field: missing speed/oneway field, non-numeric
// speed in a row, no line features.
RoadNetwork read_road_lines(const std::string& path, const LineNetworkOptions& options,
                            const geo::Transformer& wgs84_to_working, const ProfileSpeeds& speeds = {});

}  // namespace kepu15::network
