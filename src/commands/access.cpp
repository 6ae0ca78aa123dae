#include "kepu15/commands/access.hpp"

#include "kepu15/coverage/crowfly.hpp"
#include "kepu15/error.hpp"
#include "kepu15/geo/crs.hpp"
#include "kepu15/geo/polygon_ops.hpp"
#include "kepu15/io/cost_table_reader.hpp"
#include "kepu15/io/raster_reader.hpp"
#include "kepu15/io/vector_reader.hpp"
#include "kepu15/io/vector_writer.hpp"
#include "kepu15/network/graph.hpp"
#include "kepu15/network/read_network.hpp"
#include "kepu15/network/snap.hpp"
#include "kepu15/routing/reach_table.hpp"
#include "kepu15/study/inputs.hpp"
#include "kepu15/study/loaders.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <unordered_map>

namespace kepu15::commands {

namespace {

namespace fs = std::filesystem;

// A layer of demand or supply points: the features (kept for the output), their ids, weights and
// representative points in WGS84.
struct PointLayer {
    std::string where;  // "PATH, layer L" for messages
    std::vector<io::FieldDef> fields;
    std::vector<io::OutputFeature> features;  // geometry WGS84, input attributes
    std::vector<std::string> ids;
    std::vector<std::string> rows;  // "PATH, layer L, row 3" per feature
    std::vector<Point> lonlat;
    std::vector<Point> position_m;  // working CRS (supply only)
    std::vector<double> weight;     // demand (persons) or capacity
    io::GeometryKind kind = io::GeometryKind::point;
};

bool is_csv(const std::string& path) {
    std::string ext = fs::path(path).extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    return ext == ".csv";
}

PointLayer read_demand_raster(const AccessRequest& req) {
    const study::PopulationCells cells =
        study::read_population_cells(req.demand_path, req.demand_band, {}, req.demand_crs);
    PointLayer in;
    in.where = req.demand_path;
    in.kind = io::GeometryKind::polygon;
    in.fields = {{"col", io::FieldType::integer},
                 {"row", io::FieldType::integer},
                 {"population", io::FieldType::real}};
    const study::CellGeometry geometry(cells, geo::wgs84);
    const geo::Transformer to_wgs84(cells.raster_crs, geo::wgs84);
    for (std::size_t i = 0; i < cells.size(); ++i) {
        const int c = cells.col[i];
        const int r = cells.row[i];
        io::OutputFeature f;
        f.geometry.kind = io::GeometryKind::polygon;
        f.geometry.polygons.push_back(geometry.polygon(c, r));
        f.values = {static_cast<std::int64_t>(c), static_cast<std::int64_t>(r), cells.population[i]};
        in.features.push_back(std::move(f));
        in.ids.push_back(std::to_string(c) + "_" + std::to_string(r));
        in.rows.push_back(req.demand_path + ", cell col " + std::to_string(c) + " row " + std::to_string(r));
        in.lonlat.push_back(to_wgs84.forward(cells.centre_m[i]));
        in.weight.push_back(cells.population[i]);
    }
    return in;
}

// Points as they are, polygons by a point on their surface (computed in a local metric CRS).
// `weight_field`: persons (demand) or capacity (supply); empty: 1 per feature.
// `to_working` given (supply): locations through the shared facility loader, as `run` and
// `coverage` place facilities; else (demand) point-on-surface in a local UTM zone.
PointLayer read_point_layer(const std::string& path, const std::string& layer_name, const std::string& crs,
                            const std::string& id_field, const std::string& weight_field,
                            const char* weight_what, const geo::Transformer* to_working) {
    io::ReadOptions opt;
    opt.layer = layer_name;
    opt.crs = crs;
    io::VectorLayer layer = io::read_vector(path, opt);
    PointLayer in;
    in.where = layer.where();
    in.fields = layer.fields;
    const int id_i = id_field.empty() ? -1 : static_cast<int>(layer.field_index(id_field));
    const int w_i = weight_field.empty() ? -1 : static_cast<int>(layer.field_index(weight_field));
    const bool csv = is_csv(path);
    Box box;
    for (const auto& f : layer.features) {
        for (const auto& p : f.geometry.points) box.expand(p);
        for (const auto& poly : f.geometry.polygons) {
            for (const auto& p : poly.outer) box.expand(p);
        }
    }
    const geo::Transformer local(geo::wgs84, geo::utm_crs_for(box.centre()));
    bool first = true;
    for (auto& f : layer.features) {
        const std::string row = layer.where() + (csv ? ", row " : ", feature ") + std::to_string(f.fid);
        if (f.geometry.kind != io::GeometryKind::point && f.geometry.kind != io::GeometryKind::polygon) {
            throw input_error(row + ": features must be points or polygons");
        }
        if (first) {
            in.kind = f.geometry.kind;
            first = false;
        } else if (f.geometry.kind != in.kind) {
            throw input_error(row + ": mixes points and polygons in one layer");
        }
        Point rep;
        if (to_working != nullptr) {
            const study::FacilityLocation at = study::facility_location(layer, f, *to_working);
            rep = at.lonlat;
            in.position_m.push_back(at.position_m);
        } else {
            rep = f.geometry.kind == io::GeometryKind::point
                      ? f.geometry.points.front()
                      : local.inverse(geo::point_on_surface(geo::transform(f.geometry.polygons, local)));
        }
        double w = 1.0;
        if (w_i >= 0) {
            const io::FieldValue& v = f.values[static_cast<std::size_t>(w_i)];
            const auto num = io::as_number(v);
            if (!num) {
                throw input_error(row + ": " + weight_what + " (field '" + weight_field +
                                  "') is not a number ('" + io::as_text(v) + "')");
            }
            if (*num < 0.0) {
                throw input_error(row + ": " + weight_what + " (field '" + weight_field + "') is negative (" +
                                  io::as_text(v) + ")");
            }
            w = *num;
        }
        std::string id =
            id_i >= 0 ? io::as_text(f.values[static_cast<std::size_t>(id_i)]) : std::to_string(f.fid);
        if (id.empty()) throw input_error(row + ": id (field '" + id_field + "') is empty");
        in.ids.push_back(std::move(id));
        in.rows.push_back(row);
        in.lonlat.push_back(rep);
        in.weight.push_back(w);
        in.features.push_back({std::move(f.geometry), std::move(f.values)});
    }
    return in;
}

// Ids must be unique to match a cost table; names both features of a duplicate.
void check_unique_ids(const PointLayer& layer, const std::string& id_field) {
    std::unordered_map<std::string, std::size_t> seen;
    for (std::size_t i = 0; i < layer.ids.size(); ++i) {
        const auto [it, fresh] = seen.emplace(layer.ids[i], i);
        if (!fresh) {
            throw input_error(layer.rows[i] + ": id '" + layer.ids[i] + "'" +
                              (id_field.empty() ? "" : " (field '" + id_field + "')") +
                              " is also the id of " + layer.rows[it->second] +
                              "; ids must be unique to match the cost table");
        }
    }
}

// Adds `name`, or `name_2`, `name_3`... when the input already has a field of that name.
std::string unique_name(const std::vector<io::FieldDef>& fields, const std::string& name) {
    const auto taken = [&](const std::string& n) {
        return std::any_of(fields.begin(), fields.end(), [&](const io::FieldDef& f) { return f.name == n; });
    };
    if (!taken(name)) return name;
    for (int i = 2;; ++i) {
        const std::string n = name + "_" + std::to_string(i);
        if (!taken(n)) return n;
    }
}

io::FieldValue number_or_null(double v) {
    if (!std::isfinite(v)) return std::monostate{};
    return v;
}

bool is_file_output(const std::string& path) { return path.rfind("PG:", 0) != 0; }

}  // namespace

AccessSummary run_access(const AccessRequest& req, Diagnostics& diagnostics) {
    if (req.out_path.empty()) throw config_error("--out is required");
    const int sources =
        (req.costs_path.empty() ? 0 : 1) + (req.radius_m ? 1 : 0) + (req.network.path.empty() ? 0 : 1);
    if (sources != 1) {
        throw config_error("give exactly one source of costs: --costs FILE, --radius-m R or --network FILE");
    }
    if (!req.costs_path.empty() && !req.catchment) {
        throw config_error("--catchment is required with --costs (in the cost table's unit)");
    }
    if (is_file_output(req.out_path) && is_file_output(req.supply_out_path) && !req.supply_out_path.empty() &&
        fs::absolute(req.out_path).lexically_normal() ==
            fs::absolute(req.supply_out_path).lexically_normal()) {
        throw config_error("--out and --supply-out are the same file");
    }
    access::AccessOptions opt;
    opt.method = req.method;
    opt.decay = req.decay.value_or(access::default_decay(req.method));
    opt.step_weights = req.step_weights;
    opt.beta = req.beta;
    opt.min_cost = req.min_cost;
    double limit = 0.0;
    coverage::CostUnit unit = req.cost_unit;
    if (req.radius_m) {
        limit = *req.radius_m;
        unit = coverage::CostUnit::metres;
    } else if (!req.network.path.empty()) {
        limit = req.minutes;
        unit = coverage::CostUnit::minutes;
    }
    opt.catchment = req.catchment.value_or(limit);
    access::check_options(opt);
    if (req.costs_path.empty() && opt.catchment > limit) {
        throw config_error("--catchment " + std::to_string(opt.catchment) + " is beyond the search limit (" +
                           (req.radius_m ? "--radius-m" : "--minutes") + " " + std::to_string(limit) + ")");
    }

    // Inputs.
    PointLayer demand;
    try {
        if (!std::filesystem::exists(req.demand_path))
            throw input_error(req.demand_path + ": file not found");
        demand = io::is_raster(req.demand_path)
                     ? read_demand_raster(req)
                     : read_point_layer(req.demand_path, req.demand_layer, req.demand_crs,
                                        req.demand_id_field, req.demand_field, "population", nullptr);
    } catch (...) {
        rethrow_with_context("demand");
    }
    Box box;
    for (const auto& p : demand.lonlat) box.expand(p);
    const std::string working = req.working_crs.empty() ? geo::utm_crs_for(box.centre()) : req.working_crs;
    const geo::Transformer to_working(geo::wgs84, working);
    PointLayer supply;
    try {
        supply = read_point_layer(req.supply_path, req.supply_layer, req.supply_crs, req.supply_id_field,
                                  req.capacity_field, "capacity", &to_working);
    } catch (...) {
        rethrow_with_context("supply");
    }
    diagnostics.progress(std::to_string(demand.features.size()) + " demand features, " +
                         std::to_string(supply.features.size()) + " supply features");

    // Costs.
    coverage::CostTable costs;
    if (!req.costs_path.empty()) {
        check_unique_ids(demand, req.demand_id_field);
        check_unique_ids(supply, req.supply_id_field);
        io::CostTableReadOptions ropt;
        ropt.layer = req.costs_layer;
        ropt.origin_field = req.origin_field;
        ropt.destination_field = req.destination_field;
        ropt.cost_field = req.cost_field;
        ropt.unit = unit;
        ropt.limit = opt.catchment;
        ropt.origin_source = "the demand layer (" + demand.where + ")";
        ropt.destination_source = "the supply layer (" + supply.where + ")";
        costs = io::read_cost_table(req.costs_path, demand.ids, supply.ids, ropt);
    } else {
        std::vector<Point> demand_m = demand.lonlat;
        const std::vector<Point>& supply_m = supply.position_m;
        to_working.forward(std::span<Point>(demand_m));
        if (req.radius_m) {
            costs = coverage::crowfly_reach_table(demand_m, supply_m, *req.radius_m);
        } else {
            network::RoadNetwork net;
            try {
                net = network::read_network(req.network.path, study::line_network_options(req.network),
                                            to_working, req.network.speeds);
            } catch (...) {
                rethrow_with_context("road network");
            }
            const network::Graph graph = network::build_graph(net, req.profile, network::Direction::reverse);
            const network::Snapper snapper(net, req.profile, req.network.max_snap_m);
            std::vector<std::optional<network::Snap>> supply_snaps;
            std::vector<std::optional<network::Snap>> demand_snaps;
            for (const auto& p : supply_m) supply_snaps.push_back(snapper.snap(p));
            for (const auto& p : demand_m) demand_snaps.push_back(snapper.snap(p));
            std::size_t unsnapped = 0;
            for (std::size_t j = 0; j < supply_snaps.size(); ++j) {
                if (!supply_snaps[j]) {
                    diagnostics.warn(supply.rows[j] + ": no usable road within " +
                                     std::to_string(req.network.max_snap_m) +
                                     " m; this supply reaches nobody");
                }
            }
            for (const auto& s : demand_snaps) unsnapped += s ? 0 : 1;
            if (unsnapped > 0) {
                diagnostics.warn(std::to_string(unsnapped) + " demand features have no usable road within " +
                                 std::to_string(req.network.max_snap_m) + " m (access 0)");
            }
            costs =
                routing::reach_table(net, req.profile, graph, supply_snaps, demand_snaps, req.minutes,
                                     req.network.speeds.off_road_kmh(req.profile), std::max(1U, req.threads));
        }
    }

    const access::AccessResult result = access::compute_access(costs, demand.weight, supply.weight, opt);

    AccessSummary summary;
    summary.demand_features = demand.features.size();
    summary.supply_features = supply.features.size();
    summary.unit = costs.unit;
    summary.catchment = opt.catchment;
    summary.options = opt;
    for (const auto& e : costs.entries) summary.pairs += e.cost <= opt.catchment ? 1 : 0;
    double weighted = 0.0;
    for (std::size_t i = 0; i < demand.weight.size(); ++i) {
        summary.demand += demand.weight[i];
        weighted += demand.weight[i] * result.access[i];
        const auto row = costs.of(i);
        const bool reaches = std::any_of(
            row.begin(), row.end(), [&](const coverage::CostEntry& e) { return e.cost <= opt.catchment; });
        if (!reaches) summary.unreached_demand += demand.weight[i];
    }
    summary.mean_access = summary.demand > 0.0 ? weighted / summary.demand : 0.0;
    for (std::size_t j = 0; j < supply.weight.size(); ++j) {
        summary.capacity += supply.weight[j];
        if (!std::isfinite(result.ratio[j])) ++summary.supplies_without_demand;
    }

    // Outputs: computed in full, then written together.
    auto demand_fields = demand.fields;
    demand_fields.push_back({unique_name(demand_fields, "access"), io::FieldType::real});
    for (std::size_t i = 0; i < demand.features.size(); ++i)
        demand.features[i].values.emplace_back(result.access[i]);
    auto supply_fields = supply.fields;
    supply_fields.push_back({unique_name(supply_fields, "catchment_pop"), io::FieldType::real});
    supply_fields.push_back({unique_name(supply_fields, "ratio"), io::FieldType::real});
    for (std::size_t j = 0; j < supply.features.size(); ++j) {
        supply.features[j].values.emplace_back(result.catchment_demand[j]);
        supply.features[j].values.push_back(number_or_null(result.ratio[j]));
    }

    struct Output {
        std::string path;
        const std::vector<io::FieldDef>* fields;
        const std::vector<io::OutputFeature>* features;
        io::GeometryKind kind;
    };
    std::vector<Output> outputs{{req.out_path, &demand_fields, &demand.features, demand.kind}};
    if (!req.supply_out_path.empty())
        outputs.push_back({req.supply_out_path, &supply_fields, &supply.features, supply.kind});
    // File outputs are staged in a hidden folder beside each and moved into place only when every
    // one was written, so a failure leaves neither.
    std::map<std::string, std::unique_ptr<io::StagedOutputs>> staged;
    for (const Output& o : outputs) {
        io::WriteOptions wopt;
        wopt.geometry_kind = o.kind;
        if (!is_file_output(o.path)) {
            io::write_vector(o.path, *o.fields, *o.features, wopt);
            continue;
        }
        const fs::path p = fs::absolute(o.path);
        auto& stage = staged[p.parent_path().string()];
        if (!stage) stage = std::make_unique<io::StagedOutputs>(p.parent_path().string());
        wopt.layer_name = p.stem().string();
        io::write_vector(stage->staging_path(p.filename().string()), *o.fields, *o.features, wopt);
    }
    for (auto& [dir, stage] : staged) stage->commit();
    return summary;
}

}  // namespace kepu15::commands
