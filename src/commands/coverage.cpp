#include "kepu15/commands/coverage.hpp"

#include "kepu15/coverage/crowfly.hpp"
#include "kepu15/error.hpp"
#include "kepu15/geo/crs.hpp"
#include "kepu15/geo/polygon_ops.hpp"
#include "kepu15/io/raster_reader.hpp"
#include "kepu15/io/vector_reader.hpp"
#include "kepu15/io/vector_writer.hpp"
#include "kepu15/network/graph.hpp"
#include "kepu15/network/read_network.hpp"
#include "kepu15/network/snap.hpp"
#include "kepu15/pipeline/evaluate.hpp"
#include "kepu15/routing/network_coverage.hpp"
#include "kepu15/study/loaders.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>

namespace kepu15::commands {

namespace {

struct PopulationInput {
    std::vector<io::FieldDef> fields;
    std::vector<io::OutputFeature> features;  // geometry WGS84, input attributes
    std::vector<Point> lonlat;                // representative point per feature
    std::vector<double> weight;               // population (NaN when unweighted)
    bool weighted = false;
};

PopulationInput read_population_raster(const CoverageRequest& req) {
    const study::PopulationCells cells =
        study::read_population_cells(req.population_path, req.population_band, {}, req.population_crs);
    PopulationInput in;
    in.weighted = true;
    in.fields = {{"col", io::FieldType::integer}, {"row", io::FieldType::integer}, {"population", io::FieldType::real}};
    const study::CellGeometry geometry(cells, geo::wgs84);
    const geo::Transformer to_wgs84(cells.raster_crs, geo::wgs84);
    for (std::size_t i = 0; i < cells.size(); ++i) {
        io::OutputFeature f;
        f.geometry.kind = io::GeometryKind::polygon;
        f.geometry.polygons.push_back(geometry.polygon(cells.col[i], cells.row[i]));
        f.values = {static_cast<std::int64_t>(cells.col[i]), static_cast<std::int64_t>(cells.row[i]),
                    cells.population[i]};
        in.features.push_back(std::move(f));
        in.lonlat.push_back(to_wgs84.forward(cells.centre_m[i]));
        in.weight.push_back(cells.population[i]);
    }
    return in;
}

PopulationInput read_population_vector(const CoverageRequest& req) {
    io::ReadOptions opt;
    opt.layer = req.population_layer;
    opt.crs = req.population_crs;
    io::VectorLayer layer = io::read_vector(req.population_path, opt);
    PopulationInput in;
    in.fields = layer.fields;
    const int pop_i = req.population_field.empty() ? -1 : static_cast<int>(layer.field_index(req.population_field));
    in.weighted = pop_i >= 0;
    // Representative points are computed in a local metric CRS so point-on-surface is meaningful.
    Box box;
    for (const auto& f : layer.features) {
        for (const auto& p : f.geometry.points) box.expand(p);
        for (const auto& poly : f.geometry.polygons) {
            for (const auto& p : poly.outer) box.expand(p);
        }
    }
    const geo::Transformer local(geo::wgs84, geo::utm_crs_for(box.centre()));
    for (auto& f : layer.features) {
        Point rep;
        switch (f.geometry.kind) {
            case io::GeometryKind::point:
                rep = f.geometry.points.front();
                break;
            case io::GeometryKind::polygon: {
                rep = local.inverse(geo::point_on_surface(geo::transform(f.geometry.polygons, local)));
                break;
            }
            default:
                throw input_error(layer.where() + ", feature " + std::to_string(f.fid) +
                                  ": population features must be points or polygons");
        }
        double w = std::numeric_limits<double>::quiet_NaN();
        if (pop_i >= 0) {
            const auto& v = f.values[static_cast<std::size_t>(pop_i)];
            auto num = io::as_number(v);
            if (!num) {
                throw input_error(layer.where() + ", feature " + std::to_string(f.fid) + ": field '" +
                                  req.population_field + "' is not a number ('" + io::as_text(v) + "')");
            }
            w = *num;
        }
        in.lonlat.push_back(rep);
        in.weight.push_back(w);
        in.features.push_back({std::move(f.geometry), std::move(f.values)});
    }
    return in;
}

// Adds `name`, or `name_2`, `name_3`... when the input already has a field of that name.
std::string unique_name(const std::vector<io::FieldDef>& fields, const std::string& name) {
    const auto taken = [&](const std::string& n) {
        for (const auto& f : fields) {
            if (f.name == n) return true;
        }
        return false;
    };
    if (!taken(name)) return name;
    for (int i = 2;; ++i) {
        const std::string n = name + "_" + std::to_string(i);
        if (!taken(n)) return n;
    }
}

}  // namespace

CoverageSummary run_coverage(const CoverageRequest& req, Timings& timings, Diagnostics& /*diag*/) {
    if (req.out_path.empty()) throw config_error("--out is required");
    timings.start("read");
    if (!std::filesystem::exists(req.population_path)) {
        throw input_error(req.population_path + ": population file not found");
    }
    PopulationInput pop;
    try {
        pop = io::is_raster(req.population_path) ? read_population_raster(req) : read_population_vector(req);
    } catch (...) {
        rethrow_with_context("population");
    }
    io::VectorLayer fac;
    try {
        io::ReadOptions opt;
        opt.layer = req.facilities_layer;
        opt.crs = req.facilities_crs;
        fac = io::read_vector(req.facilities_path, opt);
    } catch (...) {
        rethrow_with_context("facilities");
    }
    const int id_i =
        req.facilities_id_field.empty() ? -1 : static_cast<int>(fac.field_index(req.facilities_id_field));

    Box box;
    for (const auto& p : pop.lonlat) box.expand(p);
    const std::string working = req.working_crs.empty() ? geo::utm_crs_for(box.centre()) : req.working_crs;
    const geo::Transformer to_working(geo::wgs84, working);
    std::vector<Point> cells_m = pop.lonlat;
    to_working.forward(std::span<Point>(cells_m));
    std::vector<Point> fac_m;
    std::vector<std::string> fac_id;
    for (const auto& f : fac.features) {
        fac_m.push_back(study::facility_location(fac, f, to_working).position_m);
        fac_id.push_back(id_i >= 0 ? io::as_text(f.values[static_cast<std::size_t>(id_i)]) : std::to_string(f.fid));
    }

    const std::size_t n = cells_m.size();
    std::vector<double> value(n, std::numeric_limits<double>::quiet_NaN());
    std::vector<std::int32_t> facility(n, -1);
    std::vector<std::uint8_t> covered(n, 0);
    std::vector<std::uint8_t> no_road(n, 0);
    const bool by_network = !req.network.path.empty();
    if (by_network) {
        timings.start("read network");
        network::RoadNetwork net;
        try {
            net = network::read_network(req.network.path, study::line_network_options(req.network), to_working,
                                        req.network.speeds);
        } catch (...) {
            rethrow_with_context("road network");
        }
        timings.start("build graph");
        const network::Graph graph = network::build_graph(net, req.profile, network::Direction::reverse);
        timings.start("snap");
        const network::Snapper snapper(net, req.profile, req.network.max_snap_m);
        std::vector<std::optional<network::Snap>> fsnaps;
        std::vector<std::optional<network::Snap>> csnaps;
        for (const auto& p : fac_m) fsnaps.push_back(snapper.snap(p));
        for (const auto& p : cells_m) csnaps.push_back(snapper.snap(p));
        timings.start("search");
        routing::NetworkCoverageOptions opt;
        opt.cutoff_minutes = std::max(req.minutes, req.horizon_minutes);
        opt.off_road_kmh = req.network.speeds.off_road_kmh(req.profile);
        const auto times = routing::travel_times(net, req.profile, graph, fsnaps, csnaps, opt);
        const auto m = pipeline::network_measure("facility", req.profile, req.minutes, times);
        value = m.value;
        facility = m.facility;
        covered = m.covered;
        no_road = m.no_road_access;
    } else {
        timings.start("search");
        const auto m = coverage::crowfly_coverage("facility", cells_m, fac_m, req.radius_m);
        value = m.value;
        facility = m.facility;
        covered = m.covered;
    }

    timings.start("write");
    CoverageSummary summary;
    summary.features = n;
    summary.weighted = pop.weighted;
    auto fields = pop.fields;
    const std::string value_name = unique_name(fields, by_network ? "minutes" : "distance_m");
    fields.push_back({value_name, io::FieldType::real});
    fields.push_back({unique_name(fields, "facility_id"), io::FieldType::string});
    fields.push_back({unique_name(fields, "covered"), io::FieldType::integer});
    if (by_network) fields.push_back({unique_name(fields, "no_road_access"), io::FieldType::integer});
    for (std::size_t i = 0; i < n; ++i) {
        auto& v = pop.features[i].values;
        if (std::isfinite(value[i])) {
            v.emplace_back(std::round(value[i] * 100.0) / 100.0);
        } else {
            v.emplace_back(std::monostate{});
        }
        if (facility[i] >= 0) {
            v.emplace_back(fac_id[static_cast<std::size_t>(facility[i])]);
        } else {
            v.emplace_back(std::monostate{});
        }
        v.emplace_back(static_cast<std::int64_t>(covered[i]));
        if (by_network) v.emplace_back(static_cast<std::int64_t>(no_road[i]));
        summary.covered += covered[i];
        summary.no_road_access += no_road[i];
        if (pop.weighted) {
            summary.population += pop.weight[i];
            if (covered[i] != 0) summary.covered_population += pop.weight[i];
        }
    }
    io::WriteOptions wopt;
    wopt.geometry_kind = pop.features.front().geometry.kind;
    io::write_vector(req.out_path, fields, pop.features, wopt);
    timings.stop();
    return summary;
}

}  // namespace kepu15::commands
