#include "kepu15/study/loaders.hpp"

#include "kepu15/error.hpp"
#include "kepu15/geo/polygon_ops.hpp"
#include "kepu15/io/populated_cells.hpp"

namespace kepu15::study {

FacilityLocation facility_location(const io::VectorLayer& layer, const io::Feature& f,
                                   const geo::Transformer& to_working) {
    FacilityLocation loc;
    if (f.geometry.kind == io::GeometryKind::point && !f.geometry.points.empty()) {
        loc.lonlat = f.geometry.points.front();
        loc.position_m = to_working.forward(loc.lonlat);
    } else if (f.geometry.kind == io::GeometryKind::polygon) {
        loc.position_m = geo::point_on_surface(geo::transform(f.geometry.polygons, to_working));
        loc.lonlat = to_working.inverse(loc.position_m);
    } else {
        throw input_error(layer.where() + ", feature " + std::to_string(f.fid) +
                          ": a facility must be a point or a polygon");
    }
    if (!is_finite(loc.position_m) || !is_finite(loc.lonlat)) {
        throw input_error(layer.where() + ", feature " + std::to_string(f.fid) +
                          ": coordinates cannot be projected to the working CRS");
    }
    return loc;
}

PopulationCells read_population_cells(const std::string& path, int band, const std::vector<PopulationGroup>& groups,
                                      const std::string& crs_override) {
    PopulationCells cells;
    io::RasterReadOptions ropt;
    ropt.bands = {band};
    for (const auto& g : groups) {
        ropt.bands.push_back(g.band);
        cells.group_names.push_back(g.name);
    }
    ropt.crs = crs_override;
    io::PopulatedCells grid = io::read_populated_cells(path, ropt);
    cells.source = grid.path;
    cells.width = grid.width;
    cells.height = grid.height;
    cells.raster_crs = grid.crs;
    cells.geotransform = grid.geotransform;
    cells.raster_total = grid.total;
    const auto& gt = grid.geotransform;
    cells.centre_m.reserve(grid.size());
    for (std::size_t i = 0; i < grid.size(); ++i) {
        const double c = grid.col[i] + 0.5;
        const double r = grid.row[i] + 0.5;
        cells.centre_m.push_back({gt[0] + c * gt[1] + r * gt[2], gt[3] + c * gt[4] + r * gt[5]});
    }
    cells.col = std::move(grid.col);
    cells.row = std::move(grid.row);
    cells.population = std::move(grid.bands[0]);
    cells.groups.clear();
    for (std::size_t g = 1; g < grid.bands.size(); ++g) cells.groups.push_back(std::move(grid.bands[g]));
    if (cells.population.empty()) {
        throw input_error(path + ": the population raster has no cell with population > 0");
    }
    return cells;
}

network::LineNetworkOptions line_network_options(const NetworkSpec& spec) {
    network::LineNetworkOptions opt;
    opt.read = spec.read;
    opt.speed_field = spec.speed_field;
    opt.class_field = spec.class_field;
    opt.oneway_field = spec.oneway_field;
    opt.walk_field = spec.walk_field;
    opt.bike_field = spec.bike_field;
    opt.snap_tolerance_m = spec.snap_tolerance_m;
    return opt;
}

}  // namespace kepu15::study
