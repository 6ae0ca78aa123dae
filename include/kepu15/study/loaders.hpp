// Loaders shared by every command that reads layers (`run`, `coverage`, `access`, `site`): one
// implementation each of facility points, populated raster cells and line-network options, so
// that the commands cannot drift apart in what they accept.
#pragma once

#include "kepu15/geo/crs.hpp"
#include "kepu15/io/vector_reader.hpp"
#include "kepu15/network/line_reader.hpp"
#include "kepu15/study/inputs.hpp"
#include "kepu15/study/study.hpp"

#include <string>
#include <vector>

namespace kepu15::study {

// A facility's location: the point itself, or the point-on-surface of a polygon (computed in the
// working CRS). Returns WGS84 lon/lat and the working-CRS point.
// Throws input_error naming the layer and row for other geometries and for coordinates that
// cannot be projected to the working CRS.
struct FacilityLocation {
    Point lonlat;
    Point position_m;
};
FacilityLocation facility_location(const io::VectorLayer& layer, const io::Feature& feature,
                                   const geo::Transformer& wgs84_to_working);

// Populated cells (population > 0) of a raster in raster order, centres in the raster's CRS
// (cells.raster_crs); unit and village left empty. `groups` are extra bands (name, 1-based band).
// Throws input_error naming the file when no cell is populated.
PopulationCells read_population_cells(const std::string& path, int band, const std::vector<PopulationGroup>& groups,
                                      const std::string& crs_override);

// Line-layer options (fields, layer, CRS, snap tolerance) of a [network] table.
network::LineNetworkOptions line_network_options(const NetworkSpec& spec);

}  // namespace kepu15::study
