#include "kepu15/study/loaders.hpp"

#include "kepu15/error.hpp"
#include "kepu15/geo/polygon_ops.hpp"
#include "kepu15/io/raster_reader.hpp"

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
    const io::RasterGrid grid = io::read_raster(path, ropt);
    cells.source = grid.path;
    cells.width = grid.width;
    cells.height = grid.height;
    cells.raster_crs = grid.crs;
    cells.geotransform = grid.geotransform;
    cells.groups.assign(cells.group_names.size(), {});
    const auto& pop = grid.bands[0];
    for (int r = 0; r < grid.height; ++r) {
        for (int c = 0; c < grid.width; ++c) {
            const std::size_t i = static_cast<std::size_t>(r) * static_cast<std::size_t>(grid.width) + c;
            cells.raster_total += pop[i];
            if (!(pop[i] > 0.0)) continue;
            cells.col.push_back(c);
            cells.row.push_back(r);
            cells.population.push_back(pop[i]);
            cells.centre_m.push_back(grid.cell_centre(c, r));
            for (std::size_t g = 0; g < cells.groups.size(); ++g) cells.groups[g].push_back(grid.bands[g + 1][i]);
        }
    }
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
