// One entry point for road networks: OSM files by extension, any other path as a GDAL line layer.
#pragma once

#include "kepu15/network/line_reader.hpp"
#include "kepu15/network/osm_reader.hpp"

#include <string>

namespace kepu15::network {

// True for .pbf, .osm, .osm.gz, .osm.bz2 and .o5m (case-sensitive, as libosmium decides by name).
bool is_osm_path(const std::string& path);

// read_osm for OSM files (of line_options only clip_m applies, after reading: clip_network),
// read_road_lines otherwise.
RoadNetwork read_network(const std::string& path, const LineNetworkOptions& line_options,
                         const geo::Transformer& wgs84_to_working, const ProfileSpeeds& speeds);

}  // namespace kepu15::network
