// Reads an OpenStreetMap file (PBF, XML, .osm.gz/.bz2) with libosmium into a RoadNetwork.
// Profile rules (honouring highway, foot, bicycle, motor_vehicle/motorcar, access, oneway,
// oneway:bicycle, junction=roundabout, maxspeed):
// - walk/elderly: every highway where walking is legal (not motorway/trunk-only roads, not foot=no,
//   not access=no/private unless foot=yes/designated/permissive); both directions.
// - bike: highways where cycling is legal (not motorway, not footway/steps unless bicycle=yes);
//   oneway respected unless oneway:bicycle=no.
// - drive: motor roads by maxspeed or ProfileSpeeds::drive_kmh_by_highway; oneway and access.
// Ways are split at nodes shared by two or more routable ways and at their ends.
#pragma once

#include "kepu15/diagnostics.hpp"

#include "kepu15/geo/crs.hpp"
#include "kepu15/network/road_network.hpp"

#include <string>

namespace kepu15::network {

// Throws input_error naming the file: missing, broken, no ways, no routable ways.
// Warnings go to `diag` (DEFAULT: none, the process-wide kepu15::warn()).
RoadNetwork read_osm(const std::string& path, const geo::Transformer& wgs84_to_working,
                     const ProfileSpeeds& speeds = {}, Diagnostics* diag = nullptr);

}  // namespace kepu15::network
