#include "kepu15/commands/compare.hpp"

#include "kepu15/report/equity.hpp"
#include "kepu15/error.hpp"
#include "kepu15/geo/crs.hpp"
#include "kepu15/geo/polygon_ops.hpp"
#include "kepu15/io/layer.hpp"
#include "kepu15/io/vector_writer.hpp"
#include "kepu15/pipeline/evaluate.hpp"
#include "kepu15/pipeline/prepared.hpp"
#include "kepu15/pipeline/result.hpp"
#include "kepu15/scenario/scenario.hpp"
#include "kepu15/study/study.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <map>
#include <optional>
#include <set>
#include <ostream>
#include <sstream>

namespace kepu15::commands {

namespace {

namespace fs = std::filesystem;

// Threshold and speed overrides change the study itself.
study::Study apply_overrides(study::Study s, const scenario::Scenario& sc) {
    const auto& o = sc.overrides;
    if (o.radius_m) s.radius_m = *o.radius_m;
    if (o.minutes) s.minutes = *o.minutes;
    for (auto& f : s.facilities) {
        const auto it = o.kinds.find(f.kind);
        if (it == o.kinds.end()) continue;
        if (it->second.radius_m) f.radius_m = it->second.radius_m;
        if (it->second.minutes) f.minutes = it->second.minutes;
    }
    if (s.network) {
        if (o.walk_kmh) s.network->speeds.walk_kmh = *o.walk_kmh;
        if (o.elderly_kmh) s.network->speeds.elderly_kmh = *o.elderly_kmh;
        if (o.bike_kmh) s.network->speeds.bike_kmh = *o.bike_kmh;
        if (o.drive_default_kmh) s.network->speeds.drive_default_kmh = *o.drive_default_kmh;
    } else if (o.walk_kmh || o.elderly_kmh || o.bike_kmh || o.drive_default_kmh) {
        throw config_error(sc.file + ": [network.speeds] given, but the baseline study has no [network]");
    }
    return s;
}

std::size_t kind_index(const std::vector<study::FacilitySet>& sets, const std::string& kind, const std::string& where) {
    for (std::size_t k = 0; k < sets.size(); ++k) {
        if (sets[k].kind == kind) return k;
    }
    throw config_error(where + ": unknown facility kind '" + kind + "'");
}

void add_point(study::FacilitySet& set, const std::string& working_crs, Point p, const std::string& crs,
               const std::string& id, const std::string& name, double capacity) {
    const geo::Transformer to_working(crs, working_crs);
    const geo::Transformer to_wgs84(crs, geo::wgs84);
    set.position_m.push_back(to_working.forward(p));
    set.position_lonlat.push_back(to_wgs84.forward(p));
    set.id.push_back(id);
    set.name.push_back(name);
    set.capacity.push_back(capacity);
    set.unit.push_back(-1);
}

// The baseline's facilities with the scenario's edits. REQUIRES: check_ids passed.
std::vector<study::FacilitySet> apply_edits(std::vector<study::FacilitySet> sets, const scenario::Scenario& sc,
                                            const std::string& working_crs) {
    for (const auto& r : sc.removals) {
        auto& set = sets[kind_index(sets, r.kind, sc.file)];
        for (const auto& id : r.ids) {
            const auto i = static_cast<std::size_t>(std::find(set.id.begin(), set.id.end(), id) - set.id.begin());
            set.position_m.erase(set.position_m.begin() + static_cast<std::ptrdiff_t>(i));
            set.position_lonlat.erase(set.position_lonlat.begin() + static_cast<std::ptrdiff_t>(i));
            set.id.erase(set.id.begin() + static_cast<std::ptrdiff_t>(i));
            set.name.erase(set.name.begin() + static_cast<std::ptrdiff_t>(i));
            set.capacity.erase(set.capacity.begin() + static_cast<std::ptrdiff_t>(i));
            set.unit.erase(set.unit.begin() + static_cast<std::ptrdiff_t>(i));
        }
    }
    for (const auto& c : sc.changes) {
        if (!c.attributes.empty()) {
            throw config_error(sc.file + ":" + std::to_string(c.line) +
                               ": attribute changes other than capacity are not applied by compare yet (the study's "
                               "filters are evaluated when its layers are read); add the facilities to the kind instead");
        }
        auto& set = sets[kind_index(sets, c.kind, sc.file)];
        for (const auto& id : c.ids) {
            const auto i = static_cast<std::size_t>(std::find(set.id.begin(), set.id.end(), id) - set.id.begin());
            if (c.capacity) set.capacity[i] = *c.capacity;
        }
    }
    for (const auto& p : sc.add_points) {
        add_point(sets[kind_index(sets, p.kind, sc.file)], working_crs, {p.x, p.y}, p.crs, p.id, p.name,
                  p.capacity.value_or(std::nan("")));
    }
    for (const auto& l : sc.add_layers) {
        auto& set = sets[kind_index(sets, l.kind, sc.file)];
        io::ReadOptions ro;
        ro.layer = l.layer;
        ro.crs = l.crs;
        const auto layer = io::read_vector(l.path, ro);
        const int idf = l.id_field.empty() ? -1 : static_cast<int>(layer.field_index(l.id_field));
        const int namef = l.name_field.empty() ? -1 : static_cast<int>(layer.field_index(l.name_field));
        const int capf = l.capacity_field.empty() ? -1 : static_cast<int>(layer.field_index(l.capacity_field));
        for (const auto& f : layer.features) {
            if (f.geometry.points.empty()) throw input_error(layer.where() + ", row " + std::to_string(f.fid) + ": not a point");
            const auto v = [&](int i) { return io::as_text(f.values[static_cast<std::size_t>(i)]); };
            const double cap = capf >= 0 ? io::as_number(f.values[static_cast<std::size_t>(capf)]).value_or(std::nan("")) : std::nan("");
            add_point(set, working_crs, f.geometry.points[0], geo::wgs84, idf >= 0 ? v(idf) : l.kind + "_" + std::to_string(f.fid),
                      namef >= 0 ? v(namef) : "", cap);
        }
    }
    for (const auto& pr : sc.proposals) {
        const auto layer = io::read_vector(pr.path);
        const int kindf = layer.find_field("kind");
        const int idf = layer.find_field("site_id");
        const int namef = layer.find_field("name");
        std::size_t taken = 0;
        for (const auto& f : layer.features) {
            if (pr.count && taken >= *pr.count) break;
            const std::string kind = !pr.kind.empty() ? pr.kind : kindf >= 0 ? io::as_text(f.values[static_cast<std::size_t>(kindf)]) : "";
            if (kind.empty()) throw config_error(sc.file + ":" + std::to_string(pr.line) + ": " + layer.where() + " has no 'kind' field; give kind = \"...\"");
            if (f.geometry.points.empty()) throw input_error(layer.where() + ", row " + std::to_string(f.fid) + ": not a point");
            const std::string id = "proposal_" + (idf >= 0 ? io::as_text(f.values[static_cast<std::size_t>(idf)]) : std::to_string(f.fid));
            add_point(sets[kind_index(sets, kind, sc.file)], working_crs, f.geometry.points[0], geo::wgs84, id,
                      namef >= 0 ? io::as_text(f.values[static_cast<std::size_t>(namef)]) : "", std::nan(""));
            ++taken;
        }
    }
    return sets;
}

nlohmann::json num(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

// Equity of one measure as summary.json gives it (report/equity.hpp), with the baseline's horizon
// for both sides.
nlohmann::json equity_json(const pipeline::StudyResult& r, std::size_t m, double horizon) {
    return report::equity_json(r, report::measure_equity(r, m, horizon));
}

// Cells covered in `after` but not `before`, dissolved per measure.
io::Layer change_layer(const std::string& name, const pipeline::StudyResult& before, const pipeline::StudyResult& after,
                       bool gained) {
    const auto& in = before.inputs();
    io::Layer layer;
    layer.name = name;
    layer.fields = {{"kind", io::FieldType::string},
                    {"method", io::FieldType::string},
                    {"population", io::FieldType::real},
                    {"cells", io::FieldType::integer}};
    const study::CellGeometry geom(in.cells, geo::wgs84);
    for (std::size_t m = 0; m < before.measures().size(); ++m) {
        const auto& a = before.measures()[m];
        const auto& b = after.measures()[m];
        std::vector<Polygon> parts;
        double pop = 0;
        for (std::size_t i = 0; i < in.cells.size(); ++i) {
            const bool changed = gained ? (!a.covered[i] && b.covered[i]) : (a.covered[i] && !b.covered[i]);
            if (!changed) continue;
            parts.push_back(geom.polygon(in.cells.col[i], in.cells.row[i]));
            pop += in.cells.population[i];
        }
        if (parts.empty()) continue;
        io::OutputFeature f;
        f.geometry.kind = io::GeometryKind::polygon;
        f.geometry.polygons = geo::union_all(parts);
        f.values = {a.kind, a.method.name(), pop, static_cast<std::int64_t>(parts.size())};
        layer.features.push_back(std::move(f));
    }
    return layer;
}

struct Row {
    std::string level, code, name, key;
    double population, before_pop, after_pop, before_share, after_share, before_mean, after_mean;
};

}  // namespace

void run_compare(const CompareRequest& req, std::ostream& log, Diagnostics& diag) {
    if (req.out_dir.empty()) throw config_error("compare: --out is required");
    const scenario::Scenario sc = scenario::load_scenario(req.scenario);
    const study::Study base = study::load_study(req.baseline);
    if (fs::weakly_canonical(sc.baseline) != fs::weakly_canonical(base.file)) {
        diag.warn(sc.file + ": its baseline is " + sc.baseline + ", compared here with " + base.file);
    }
    Timings timings;
    const pipeline::PreparedStudy prepared = pipeline::prepare(base, req.threads, diag, timings);
    std::map<std::string, std::set<std::string>> ids;
    for (const auto& set : prepared.inputs.facilities) ids[set.kind].insert(set.id.begin(), set.id.end());
    scenario::check_ids(sc, ids);
    pipeline::EvaluateOptions eo;
    eo.service_areas = false;
    auto facilities = apply_edits(prepared.inputs.facilities, sc, prepared.inputs.working_crs);
    const pipeline::StudyResult before =
        pipeline::summarise(prepared, pipeline::evaluate(prepared, prepared.inputs.facilities, eo, req.threads, diag, timings));
    // Threshold or speed overrides change the study: prepare it again (inputs read twice).
    std::optional<pipeline::PreparedStudy> changed;
    if (!sc.overrides.empty()) changed.emplace(pipeline::prepare(apply_overrides(base, sc), req.threads, diag, timings));
    const pipeline::PreparedStudy& target = changed ? *changed : prepared;
    const pipeline::StudyResult after =
        pipeline::summarise(target, pipeline::evaluate(target, std::move(facilities), eo, req.threads, diag, timings));

    const auto& in = prepared.inputs;
    std::vector<Row> rows;
    nlohmann::json j;
    j["baseline"] = base.file;
    j["scenario"] = sc.file;
    j["name"] = sc.name;
    for (std::size_t m = 0; m < before.measures().size(); ++m) {
        const auto& me = before.measures()[m];
        auto add = [&](const std::string& level, const std::string& code, const std::string& name,
                       const coverage::Totals& a, const coverage::Totals& b) {
            rows.push_back({level, code, name, me.key(), a.population, a.covered[m], b.covered[m], a.share(m), b.share(m),
                            a.stats[m].mean, b.stats[m].mean});
        };
        add("region", "ALL", base.name, before.by_unit.region, after.by_unit.region);
        for (std::size_t u = 0; u < in.units.size(); ++u) {
            add("town", in.units[u].code, in.units[u].name, before.by_unit.units[u], after.by_unit.units[u]);
        }
        for (std::size_t v = 0; v < in.villages.size(); ++v) {
            add("village", in.villages[v].code, in.villages[v].name, before.by_village.units[v], after.by_village.units[v]);
        }
        const double horizon = me.is_network() ? base.horizon_minutes : 3 * me.threshold.value;
        j["equity"][me.key()] = {{"before", equity_json(before, m, horizon)}, {"after", equity_json(after, m, horizon)}};
    }
    std::ostringstream csv;
    csv << "level,code,name,measure,population,covered_before,covered_after,share_before,share_after,share_change,"
           "mean_before,mean_after\n";
    csv << std::setprecision(10);
    auto cell = [](double v) { return std::isfinite(v) ? (std::ostringstream() << std::setprecision(10) << v).str() : std::string(); };
    for (const auto& r : rows) {
        csv << r.level << ',' << r.code << ',' << '"' << r.name << '"' << ',' << r.key << ',' << cell(r.population) << ','
            << cell(r.before_pop) << ',' << cell(r.after_pop) << ',' << cell(r.before_share) << ',' << cell(r.after_share)
            << ',' << cell(r.after_share - r.before_share) << ',' << cell(r.before_mean) << ',' << cell(r.after_mean) << '\n';
        j["rows"].push_back({{"level", r.level}, {"code", r.code}, {"name", r.name}, {"measure", r.key},
                             {"population", num(r.population)}, {"covered_before", num(r.before_pop)},
                             {"covered_after", num(r.after_pop)}, {"share_before", num(r.before_share)},
                             {"share_after", num(r.after_share)}, {"share_change", num(r.after_share - r.before_share)},
                             {"mean_before", num(r.before_mean)}, {"mean_after", num(r.after_mean)}});
    }
    const io::Layer gained = change_layer("newly_covered", before, after, true);
    const io::Layer lost = change_layer("lost_coverage", before, after, false);
    {
        io::StagedOutputs out(req.out_dir);
        io::write_text_atomic(out.staging_path("compare.json"), j.dump(2) + "\n");
        io::write_text_atomic(out.staging_path("compare.csv"), csv.str());
        for (const auto* l : {&gained, &lost}) {
            io::WriteOptions wo;
            wo.layer_name = l->name;
            io::write_vector(out.staging_path(l->name + ".geojson"), l->fields, l->features, wo);
        }
        out.commit();
    }
    log << "kepu15 compare: " << sc.name << " against " << base.name << "\n";
    for (const auto& r : rows) {
        if (r.level != "region") continue;
        log << "  " << std::left << std::setw(18) << r.key << std::right << std::fixed << std::setprecision(1) << std::setw(6)
            << 100 * r.before_share << " % -> " << std::setw(5) << 100 * r.after_share << " %  (" << std::showpos
            << 100 * (r.after_share - r.before_share) << std::noshowpos << " points)\n";
    }
    log << "  outputs in " << req.out_dir << " (compare.json, compare.csv, newly_covered.geojson, lost_coverage.geojson)\n";
}

}  // namespace kepu15::commands
