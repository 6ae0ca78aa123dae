#include "kepu15/commands/site.hpp"

#include "kepu15/coverage/candidates.hpp"
#include "kepu15/coverage/gap_patches.hpp"
#include "kepu15/error.hpp"
#include "kepu15/geo/crs.hpp"
#include "kepu15/io/vector_writer.hpp"
#include "kepu15/parallel.hpp"
#include "kepu15/pipeline/evaluate.hpp"
#include "kepu15/pipeline/prepared.hpp"
#include "kepu15/routing/network_coverage.hpp"
#include "kepu15/siting/proposals.hpp"
#include "kepu15/study/loaders.hpp"

#include <algorithm>
#include <cmath>
#include <ostream>
#include <unordered_map>

namespace kepu15::commands {

namespace {

coverage::Method resolve_method(study::Study& s, const std::string& name) {
    if (name.empty()) {
        if (s.network) return resolve_method(s, "walk");
        return coverage::Method::crowfly();
    }
    if (name == "crowfly") {
        if (!s.uses(study::Method::crowfly)) s.methods.push_back(study::Method::crowfly);
        return coverage::Method::crowfly();
    }
    const auto profile = network::parse_profile(name);
    if (!profile) throw config_error("--method: unknown method '" + name + "' (crowfly, walk, elderly, bike, drive)");
    if (!s.network) throw config_error("--method " + name + ": the study has no [network] table");
    if (!s.uses(study::Method::network)) s.methods.push_back(study::Method::network);
    if (std::find(s.profiles.begin(), s.profiles.end(), *profile) == s.profiles.end()) s.profiles.push_back(*profile);
    return coverage::Method::network(*profile);
}

// Cells bucketed on a square grid, for "which cells lie within R of this point" and "nearest cell".
class CellBuckets {
public:
    CellBuckets(const std::vector<Point>& pts, double size) : m_pts(&pts), m_size(size) {
        for (std::size_t i = 0; i < pts.size(); ++i) m_buckets[key(bx(pts[i].x), bx(pts[i].y))].push_back(static_cast<std::uint32_t>(i));
    }
    template <class F>
    void within(Point p, double r, F&& f) const {
        const auto span = static_cast<std::int64_t>(std::ceil(r / m_size));
        for (std::int64_t y = bx(p.y) - span; y <= bx(p.y) + span; ++y) {
            for (std::int64_t x = bx(p.x) - span; x <= bx(p.x) + span; ++x) {
                const auto it = m_buckets.find(key(x, y));
                if (it == m_buckets.end()) continue;
                for (auto i : it->second) {
                    const double d = std::hypot((*m_pts)[i].x - p.x, (*m_pts)[i].y - p.y);
                    if (d <= r) f(i, d);
                }
            }
        }
    }
    [[nodiscard]] std::int64_t nearest(Point p, double r) const {
        std::int64_t best = -1;
        double best_d = r;
        within(p, r, [&](std::uint32_t i, double d) {
            if (d < best_d || (d == best_d && static_cast<std::int64_t>(i) < best)) {
                best = i;
                best_d = d;
            }
        });
        return best;
    }

private:
    [[nodiscard]] std::int64_t bx(double v) const { return static_cast<std::int64_t>(std::floor(v / m_size)); }
    static std::uint64_t key(std::int64_t x, std::int64_t y) {
        return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(y)) << 32) | static_cast<std::uint32_t>(x);
    }
    const std::vector<Point>* m_pts;
    double m_size;
    std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> m_buckets;
};

// Size of a population cell in the working CRS: the distance between two horizontally adjacent
// cells' centres (the raster may be in another CRS).
double cell_size_m(const study::PopulationCells& cells) {
    std::unordered_map<std::uint64_t, std::size_t> at;
    for (std::size_t i = 0; i < cells.size(); ++i) {
        at[(static_cast<std::uint64_t>(cells.row[i]) << 32) | static_cast<std::uint32_t>(cells.col[i])] = i;
    }
    for (std::size_t i = 0; i < cells.size(); ++i) {
        const auto it = at.find((static_cast<std::uint64_t>(cells.row[i]) << 32) | static_cast<std::uint32_t>(cells.col[i] + 1));
        if (it != at.end()) {
            return std::hypot(cells.centre_m[it->second].x - cells.centre_m[i].x, cells.centre_m[it->second].y - cells.centre_m[i].y);
        }
    }
    return 100.0;
}

struct Candidates {
    std::vector<Point> position_m;
    siting::CandidateSites sites;
};

void describe(const study::Inputs& in, std::int32_t unit, std::int32_t village, siting::CandidateSites& s) {
    const bool u = unit >= 0, v = village >= 0;
    s.town_code.push_back(u ? in.units[static_cast<std::size_t>(unit)].code : "");
    s.town_name.push_back(u ? in.units[static_cast<std::size_t>(unit)].name : "");
    s.village_code.push_back(v ? in.villages[static_cast<std::size_t>(village)].code : "");
    s.village_name.push_back(v ? in.villages[static_cast<std::size_t>(village)].name : "");
}

// Candidates from the gap patches of the cells `covered` leaves out (see coverage::gap_candidates).
Candidates candidates_from_gaps(const SiteRequest& req, const study::Study& s, const study::Inputs& in,
                          const coverage::Measure& existing, std::span<const std::uint8_t> covered, Diagnostics& diag) {
    Candidates c;
    const auto& cells = in.cells;
    coverage::GapCells g;
    g.col = cells.col;
    g.row = cells.row;
    g.population = cells.population;
    for (const auto& group : cells.groups) g.groups.emplace_back(group);
    g.covered = covered;
    g.minutes = existing.value;
    g.unit = cells.unit;
    g.village = cells.village;
    coverage::GapPatchOptions po;
    po.min_population = req.gap_min_population.value_or(s.gap_min_population);
    const auto patches = coverage::gap_patches(g, po);
    coverage::CandidateGridOptions o;
    o.spacing_m = req.grid_spacing_m;
    o.cell_m = cell_size_m(cells);
    const auto picked = coverage::gap_candidates(cells.col, cells.row, cells.centre_m, cells.population, patches, o);
    const geo::Transformer to_wgs84(in.working_crs, geo::wgs84);
    for (const auto& gc : picked) {
        const auto i = gc.cell;
        c.position_m.push_back(cells.centre_m[i]);
        c.sites.position_lonlat.push_back(to_wgs84.forward(cells.centre_m[i]));
        const std::string patch = "gap" + std::to_string(gc.patch + 1);
        c.sites.id.push_back(gc.centre ? patch + "_centre" : patch + "_" + std::to_string(cells.col[i]) + "_" + std::to_string(cells.row[i]));
        c.sites.name.push_back("gap patch " + std::to_string(gc.patch + 1) + " (" +
                               std::to_string(static_cast<long long>(std::llround(patches.patches[gc.patch].population))) +
                               " people uncovered)");
        describe(in, cells.unit[i], cells.village[i], c.sites);
    }
    diag.progress(std::to_string(picked.size()) + " candidates from " + std::to_string(patches.patches.size()) +
                  " gap patches of >= " + std::to_string(static_cast<long long>(po.min_population)) + " people");
    return c;
}

Candidates candidates(const SiteRequest& req, const study::Inputs& in, const CellBuckets& buckets, Diagnostics& diag) {
    Candidates c;
    const auto& cells = in.cells;
    if (req.candidates_path.empty() || req.candidates_path == "grid") {
        coverage::CandidateGridOptions o;
        o.spacing_m = req.grid_spacing_m;
        o.cell_m = cell_size_m(cells);
        const auto idx = coverage::candidate_grid(cells.col, cells.row, cells.population, o);
        const geo::Transformer to_wgs84(in.working_crs, geo::wgs84);
        for (auto i : idx) {
            c.position_m.push_back(cells.centre_m[i]);
            c.sites.position_lonlat.push_back(to_wgs84.forward(cells.centre_m[i]));
            c.sites.id.push_back("grid_" + std::to_string(cells.col[i]) + "_" + std::to_string(cells.row[i]));
            c.sites.name.emplace_back();
            describe(in, cells.unit[i], cells.village[i], c.sites);
        }
        diag.progress(std::to_string(idx.size()) + " grid candidates every " + std::to_string(o.spacing_m) + " m");
        return c;
    }
    const io::VectorLayer layer = io::read_vector(req.candidates_path, req.candidates_read);
    const int id_field = req.candidates_id_field.empty() ? -1 : static_cast<int>(layer.field_index(req.candidates_id_field));
    const int name_field = req.candidates_name_field.empty() ? -1 : static_cast<int>(layer.field_index(req.candidates_name_field));
    const geo::Transformer to_working(geo::wgs84, in.working_crs);
    for (const auto& f : layer.features) {
        const auto loc = study::facility_location(layer, f, to_working);
        c.position_m.push_back(loc.position_m);
        c.sites.position_lonlat.push_back(loc.lonlat);
        c.sites.id.push_back(id_field >= 0 ? io::as_text(f.values[static_cast<std::size_t>(id_field)]) : std::to_string(f.fid));
        c.sites.name.push_back(name_field >= 0 ? io::as_text(f.values[static_cast<std::size_t>(name_field)]) : "");
        // 区镇 and village of the nearest populated cell within 1 km (candidates serve people).
        const auto cell = buckets.nearest(loc.position_m, 1000.0);
        describe(in, cell >= 0 ? cells.unit[static_cast<std::size_t>(cell)] : -1,
                 cell >= 0 ? cells.village[static_cast<std::size_t>(cell)] : -1, c.sites);
    }
    return c;
}

coverage::CostTable crowfly_table(const std::vector<Point>& cells_m, const CellBuckets& buckets,
                                  const std::vector<Point>& cand_m, double limit_m) {
    std::vector<std::uint32_t> o, d;
    std::vector<double> cost;
    for (std::size_t j = 0; j < cand_m.size(); ++j) {
        buckets.within(cand_m[j], limit_m, [&](std::uint32_t i, double dist) {
            o.push_back(i);
            d.push_back(static_cast<std::uint32_t>(j));
            cost.push_back(dist);
        });
    }
    return coverage::cost_table_from_triplets(cells_m.size(), cand_m.size(), coverage::CostUnit::metres, limit_m, o, d, cost);
}

// One bounded search per candidate over the reverse graph: minutes from every cell to it.
coverage::CostTable network_table(const pipeline::PreparedNetwork& net, network::Profile profile,
                                  const std::vector<Point>& cand_m, std::size_t cell_count, double limit_min,
                                  unsigned threads) {
    const auto& profiles = net.profiles();
    const auto p = static_cast<std::size_t>(std::find(profiles.begin(), profiles.end(), profile) - profiles.begin());
    const pipeline::SnapList snaps = net.snap(p, cand_m);
    routing::NetworkCoverageOptions opt;
    opt.cutoff_minutes = limit_min;
    opt.off_road_kmh = net.off_road_kmh(p);
    std::vector<std::vector<std::pair<std::uint32_t, double>>> reach(cand_m.size());
    parallel_for(cand_m.size(), threads, [&](std::size_t j) {
        if (!snaps[j]) return;
        const auto times = routing::travel_times(net.roads(), profile, net.reverse_graph(p), {snaps[j]}, net.cell_snaps(p), opt);
        for (std::size_t i = 0; i < times.size(); ++i) {
            if (times[i].access == routing::Access::reached && times[i].minutes <= limit_min) {
                reach[j].emplace_back(static_cast<std::uint32_t>(i), times[i].minutes);
            }
        }
    });
    std::vector<std::uint32_t> o, d;
    std::vector<double> cost;
    for (std::size_t j = 0; j < reach.size(); ++j) {
        for (const auto& [i, m] : reach[j]) {
            o.push_back(i);
            d.push_back(static_cast<std::uint32_t>(j));
            cost.push_back(m);
        }
    }
    return coverage::cost_table_from_triplets(cell_count, cand_m.size(), coverage::CostUnit::minutes, limit_min, o, d, cost);
}

}  // namespace

SiteSummary run_site(const study::Study& study_in, const SiteRequest& req, std::ostream& log, Diagnostics& diag) {
    if (req.out_dir.empty()) throw config_error("site: --out is required");
    study::Study s = study_in;
    s.isochrones = false;
    s.travel_time_rasters = false;
    const coverage::Method method = resolve_method(s, req.method);
    const auto kind_it = std::find_if(s.facilities.begin(), s.facilities.end(), [&](const auto& f) { return f.kind == req.kind; });
    if (kind_it == s.facilities.end()) {
        std::string kinds;
        for (const auto& f : s.facilities) kinds += (kinds.empty() ? "" : ", ") + f.kind;
        throw config_error("--kind: the study has no facility kind '" + req.kind + "' (kinds: " + kinds + ")");
    }
    // Existing facilities' minutes must reach the p-median horizon.
    if (req.horizon) s.horizon_minutes = std::max(s.horizon_minutes, *req.horizon);
    Timings timings;
    const pipeline::PreparedStudy prepared = pipeline::prepare(s, req.threads, diag, timings);
    pipeline::EvaluateOptions eo;
    eo.service_areas = false;
    const pipeline::Evaluation ev = pipeline::evaluate(prepared, prepared.inputs.facilities, eo, req.threads, diag, timings);
    const auto m_it = std::find_if(ev.measures.begin(), ev.measures.end(),
                                   [&](const coverage::Measure& m) { return m.kind == req.kind && m.method == method; });
    if (m_it == ev.measures.end()) throw error("site: no measure for " + req.kind + " by " + method.name());
    const coverage::Measure& existing = *m_it;
    const auto& in = prepared.inputs;
    const auto& cells = in.cells;

    const double threshold = req.threshold.value_or(existing.threshold.value);
    if (!(threshold > 0)) throw config_error("--threshold must be > 0");
    const double horizon = req.horizon.value_or(2 * threshold);
    if (req.model == siting::Model::p_median && horizon < threshold) {
        throw config_error("--horizon must be at least the threshold");
    }
    const double limit = req.model == siting::Model::p_median ? horizon : threshold;

    std::vector<std::uint8_t> covered_by_existing(cells.size());
    for (std::size_t i = 0; i < cells.size(); ++i) {
        covered_by_existing[i] = std::isfinite(existing.value[i]) && existing.value[i] <= threshold ? 1 : 0;
    }
    const CellBuckets buckets(cells.centre_m, method.is_network() ? 1000.0 : std::max(250.0, limit));
    const bool from_gaps = req.candidates_path == "gaps";
    const Candidates cand = from_gaps ? candidates_from_gaps(req, s, in, existing, covered_by_existing, diag)
                                      : candidates(req, in, buckets, diag);
    if (cand.position_m.empty()) {
        if (from_gaps) throw input_error("--candidates gaps: no gap patch of " + req.kind + " by " + method.name() + " holds enough people");
        throw input_error(req.candidates_path + ": no candidate sites");
    }
    const coverage::CostTable table =
        method.is_network()
            ? network_table(*prepared.network, method.profile, cand.position_m, cells.size(), limit, req.threads)
            : crowfly_table(cells.centre_m, buckets, cand.position_m, limit);

    siting::Problem p;
    p.model = req.model;
    p.costs = &table;
    if (req.weight == "population") {
        p.weight = cells.population;
    } else {
        const auto g = std::find(cells.group_names.begin(), cells.group_names.end(), req.weight);
        if (g == cells.group_names.end()) {
            std::string groups = "population";
            for (const auto& n : cells.group_names) groups += ", " + n;
            throw config_error("--weight: unknown population group '" + req.weight + "' (use " + groups + ")");
        }
        p.weight = cells.groups[static_cast<std::size_t>(g - cells.group_names.begin())];
    }
    p.covered_by_existing = covered_by_existing;
    p.existing_cost = existing.value;
    p.threshold = threshold;
    p.horizon = horizon;
    p.k = req.k;
    p.target_share = req.target_share;
    siting::Options o = req.solver;
    o.threads = req.threads;
    SiteSummary summary;
    summary.candidates = cand.position_m.size();
    summary.table_pairs = table.entry_count();
    summary.result = siting::solve(p, o);

    siting::ProposalContext ctx;
    ctx.kind = req.kind;
    ctx.weight = req.weight;
    ctx.unit = coverage::cost_unit_name(method.unit());
    ctx.threshold = threshold;
    const io::Layer layer = siting::proposals_layer(summary.result, cand.sites, ctx);
    nlohmann::json j = siting::result_json(summary.result, cand.sites, ctx);
    j["method"] = method.name();
    j["candidates"] = summary.candidates;
    j["candidate_source"] = from_gaps ? "gaps" : req.candidates_path.empty() || req.candidates_path == "grid" ? "grid" : req.candidates_path;
    j["cost_pairs"] = summary.table_pairs;
    j["study"] = s.name;
    {
        io::StagedOutputs out(req.out_dir);
        io::WriteOptions wo;
        wo.layer_name = layer.name;
        wo.geometry_kind = layer.geometry_kind;
        io::write_vector(out.staging_path("proposals.geojson"), layer.fields, layer.features, wo);
        io::write_text_atomic(out.staging_path("site.json"), j.dump(2) + "\n");
        out.commit();
    }
    log << "kepu15 site: " << s.name << ", " << summary.candidates << " candidates, " << summary.table_pairs
        << " cell-candidate pairs within " << limit << " " << ctx.unit << " (" << method.name() << ")\n";
    log << siting::proposals_table(summary.result, cand.sites, ctx);
    log << "  outputs in " << req.out_dir << " (proposals.geojson, site.json)\n";
    return summary;
}

}  // namespace kepu15::commands
