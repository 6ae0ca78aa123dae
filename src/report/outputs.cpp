#include "kepu15/report/outputs.hpp"
#include "kepu15/report/detail/values.hpp"

#include "kepu15/access/fca.hpp"
#include "kepu15/report/equity.hpp"
#include "kepu15/report/gaps.hpp"
#include "kepu15/report/manifest.hpp"
#include "kepu15/report/roads_layer.hpp"

#include "kepu15/error.hpp"
#include "kepu15/geo/crs.hpp"
#include "kepu15/geo/polygon_ops.hpp"
#include "kepu15/io/csv_table.hpp"
#include "kepu15/io/raster_writer.hpp"
#include "kepu15/parallel.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <numeric>
#include <sstream>

namespace kepu15::report {

namespace {

using io::FieldDef;
using io::FieldType;
using io::FieldValue;
using io::OutputFeature;
using nlohmann::json;
using pipeline::StudyResult;
using coverage::Method;

using detail::real_or_null;
using detail::round_to;

json number_or_null(double v, double scale) {
    if (!std::isfinite(v)) return nullptr;
    return round_to(v, scale);
}

// Appends the code and name of items[index] (a unit or village), or two nulls for index -1.
template <class Items>
void append_code_and_name(std::vector<FieldValue>& values, const Items& items, std::int32_t index) {
    if (index < 0) {
        values.emplace_back(std::monostate{});
        values.emplace_back(std::monostate{});
        return;
    }
    const auto& item = items[static_cast<std::size_t>(index)];
    values.emplace_back(item.code);
    values.emplace_back(item.name);
}

// Access scores are supply per person (seats, or facilities, per resident): small numbers, kept
// to 1e-9.
constexpr double access_scale = 1e9;
bool has_access(const StudyResult& r) { return !r.evaluation.access.empty(); }

io::FeatureGeometry polygon_geometry(MultiPolygon mp) {
    io::FeatureGeometry g;
    g.kind = io::GeometryKind::polygon;
    g.polygons = std::move(mp);
    return g;
}

// Every layer goes to the sink as plain data; the sink knows the format, the CRS and how the
// outputs appear all at once.
void write_layer(io::Sink& sink, const std::string& name, std::vector<FieldDef> fields,
                 std::vector<OutputFeature> features, io::GeometryKind kind) {
    io::Layer layer;
    layer.name = name;
    layer.fields = std::move(fields);
    layer.features = std::move(features);
    layer.geometry_kind = kind;
    sink.add_layer(layer);
}

// ---- cells.geojson --------------------------------------------------------------------------

void write_cells(const StudyResult& r, io::Sink& outputs) {
    const auto& in = r.inputs();
    const auto& cells = in.cells;
    std::vector<FieldDef> fields{{"cell_id", FieldType::integer},     {"col", FieldType::integer},
                                 {"row", FieldType::integer},         {"population", FieldType::real}};
    for (const auto& g : cells.group_names) fields.push_back({"pop_" + g, FieldType::real});
    for (const char* f : {"town_code", "town_name", "village_code", "village_name"}) {
        fields.push_back({f, FieldType::string});
    }
    std::vector<Method> profiles_with_access;
    for (const auto& m : r.measures()) {
        if (m.is_network()) {
            fields.push_back({m.key() + "_min", FieldType::real});
            if (std::find(profiles_with_access.begin(), profiles_with_access.end(), m.method) ==
                profiles_with_access.end()) {
                profiles_with_access.push_back(m.method);
            }
        } else {
            // The nearest facility's id for crow-fly only: per profile it would add 12 text fields
            // to every cell (a third of the file); `kepu15 coverage --network` gives it per profile.
            fields.push_back({m.key() + "_dist_m", FieldType::real});
            fields.push_back({m.key() + "_id", FieldType::string});
        }
        fields.push_back({m.key() + "_covered", FieldType::integer});
        if (has_access(r)) fields.push_back({m.key() + "_access", FieldType::real});
    }
    for (const auto& p : profiles_with_access) fields.push_back({p.name() + "_no_road_access", FieldType::integer});
    // Per measure: the facility layer of its kind; per profile: a measure that carries its access flags.
    std::vector<const study::FacilitySet*> facility_set;
    for (const auto& m : r.measures()) {
        facility_set.push_back(&*std::find_if(r.facilities().begin(), r.facilities().end(),
                                              [&](const auto& fs) { return fs.kind == m.kind; }));
    }
    std::vector<const coverage::Measure*> access_of;
    for (const auto& p : profiles_with_access) {
        access_of.push_back(&*std::find_if(r.measures().begin(), r.measures().end(),
                                           [&](const auto& me) { return me.method == p; }));
    }

    const study::CellGeometry geometry(cells, geo::wgs84);
    std::vector<OutputFeature> features(cells.size());
    for (std::size_t i = 0; i < cells.size(); ++i) {
        OutputFeature& f = features[i];
        f.geometry.kind = io::GeometryKind::polygon;
        f.geometry.polygons.push_back(geometry.polygon(cells.col[i], cells.row[i]));
        auto& v = f.values;
        v.reserve(fields.size());
        v.emplace_back(static_cast<std::int64_t>(cells.row[i]) * cells.width + cells.col[i]);
        v.emplace_back(static_cast<std::int64_t>(cells.col[i]));
        v.emplace_back(static_cast<std::int64_t>(cells.row[i]));
        v.emplace_back(round_to(cells.population[i], 100));
        for (const auto& g : cells.groups) v.emplace_back(round_to(g[i], 100));
        append_code_and_name(v, in.units, cells.unit[i]);
        append_code_and_name(v, in.villages, cells.village[i]);
        for (std::size_t k = 0; k < r.measures().size(); ++k) {
            const auto& m = r.measures()[k];
            v.push_back(real_or_null(m.value[i], m.is_network() ? 100 : 10));
            if (!m.is_network()) {
                if (m.facility[i] >= 0) {
                    v.emplace_back(facility_set[k]->id[static_cast<std::size_t>(m.facility[i])]);
                } else {
                    v.emplace_back(std::monostate{});
                }
            }
            v.emplace_back(static_cast<std::int64_t>(m.covered[i]));
            if (has_access(r)) v.push_back(real_or_null(r.evaluation.access[k].score[i], access_scale));
        }
        for (const auto* m : access_of) v.emplace_back(static_cast<std::int64_t>(m->no_road_access[i]));
    }
    write_layer(outputs, "cells", fields, features, io::GeometryKind::polygon);
}

// ---- gaps.geojson: report/gaps.cpp ----------------------------------------------------------

// ---- shared by villages, towns.csv and summary.json -------------------------------------------


// Suffix of a measure's value statistics: minutes for network, metres for crow-fly.
std::string stat_unit(const coverage::Measure& m) { return m.is_network() ? "_min" : "_m"; }

// The measure that reports a population group for a kind: the elderly by the elderly profile when
// the study measures it, every group otherwise by the primary method. -1 when the kind has no
// measure by that method.
std::ptrdiff_t group_measure(const StudyResult& r, const std::string& kind, const std::string& group) {
    Method method = r.primary_method;
    if (group == "elderly") {
        for (const auto& m : r.measures()) {
            if (m.kind == kind && m.method == Method::network(network::Profile::elderly)) method = m.method;
        }
    }
    for (std::size_t i = 0; i < r.measures().size(); ++i) {
        if (r.measures()[i].kind == kind && r.measures()[i].method == method) return static_cast<std::ptrdiff_t>(i);
    }
    return -1;
}

// The (kind, group) columns of the unit tables, in the order of the study's kinds and groups: one
// per kind that has a measure for the group (see group_measure).
struct GroupColumn {
    std::string kind;
    std::size_t measure;
    std::size_t group;
};

// The key of a group's columns for one kind: pop_<group>_<kind> (pop_elderly_venue_share), beside the
// group's population pop_<group>. Not <kind>_<group>: a group may share its name with a profile (the
// elderly group and the elderly walking profile), and venue_elderly_share is the measure's column.
std::string group_key(const std::string& kind, const std::string& group) { return "pop_" + group + "_" + kind; }

std::vector<GroupColumn> group_columns_of(const StudyResult& r) {
    const auto& groups = r.inputs().cells.group_names;
    std::vector<GroupColumn> columns;
    for (const auto& f : r.study().facilities) {
        for (std::size_t g = 0; g < groups.size(); ++g) {
            const auto m = group_measure(r, f.kind, groups[g]);
            if (m >= 0) columns.push_back({f.kind, static_cast<std::size_t>(m), g});
        }
    }
    return columns;
}

// Per-unit columns shared by villages.geojson and towns.csv, in one order: per measure covered
// population, share, mean/median/p90; per kind and group the group's share and mean; per method the
// share covered by any kind.
struct UnitColumns {
    std::vector<FieldDef> fields;
    std::function<void(const coverage::Totals&, std::vector<FieldValue>&)> values;
};

UnitColumns unit_columns(const StudyResult& r, const coverage::Aggregation& agg) {
    UnitColumns c;
    const auto& groups = r.inputs().cells.group_names;
    for (const auto& m : r.measures()) {
        const std::string u = stat_unit(m);
        c.fields.push_back({m.key() + "_covered_pop", FieldType::real});
        c.fields.push_back({m.key() + "_share", FieldType::real});
        c.fields.push_back({m.key() + "_mean" + u, FieldType::real});
        c.fields.push_back({m.key() + "_median" + u, FieldType::real});
        c.fields.push_back({m.key() + "_p90" + u, FieldType::real});
        if (has_access(r)) c.fields.push_back({m.key() + "_access", FieldType::real});
    }
    const std::vector<GroupColumn> group_columns = group_columns_of(r);
    for (const auto& gc : group_columns) {
        const std::string key = group_key(gc.kind, groups[gc.group]);
        c.fields.push_back({key + "_share", FieldType::real});
        c.fields.push_back({key + "_mean" + stat_unit(r.measures()[gc.measure]), FieldType::real});
        if (has_access(r)) c.fields.push_back({key + "_access", FieldType::real});
    }
    for (const auto& method : agg.methods) c.fields.push_back({"any_" + method.name() + "_share", FieldType::real});
    c.values = [&r, &agg, group_columns](const coverage::Totals& t, std::vector<FieldValue>& vals) {
        for (std::size_t m = 0; m < r.measures().size(); ++m) {
            const double scale = r.measures()[m].is_network() ? 100 : 10;
            vals.emplace_back(round_to(t.covered[m], 100));
            vals.push_back(real_or_null(t.share(m), 1e6));
            vals.push_back(real_or_null(t.stats[m].mean, scale));
            vals.push_back(real_or_null(t.stats[m].median, scale));
            vals.push_back(real_or_null(t.stats[m].p90, scale));
            if (has_access(r)) vals.push_back(real_or_null(t.access_mean[m], access_scale));
        }
        for (const auto& gc : group_columns) {
            const double scale = r.measures()[gc.measure].is_network() ? 100 : 10;
            vals.push_back(real_or_null(t.group_share(gc.measure, gc.group), 1e6));
            vals.push_back(real_or_null(t.group_mean[gc.measure][gc.group], scale));
            if (has_access(r)) vals.push_back(real_or_null(t.group_access[gc.measure][gc.group], access_scale));
        }
        for (std::size_t k = 0; k < agg.methods.size(); ++k) vals.push_back(real_or_null(t.any_share(k), 1e6));
    };
    return c;
}

// ---- villages.geojson -----------------------------------------------------------------------

// Village indices worst served first: lowest share covered by any kind by the primary method, then
// most people uncovered, then code. Villages without population go last. villages.geojson and
// villages.csv share this order (field `rank`).
std::vector<std::size_t> villages_worst_first(const StudyResult& r) {
    const auto& in = r.inputs();
    const auto& agg = r.by_village;
    const std::size_t primary = agg.method_index(r.primary_method);
    std::vector<std::size_t> order(in.villages.size());
    std::iota(order.begin(), order.end(), 0);
    const auto share_any = [&](std::size_t v) {
        const auto& t = agg.units[v];
        return t.population > 0 ? t.covered_any[primary] / t.population : std::numeric_limits<double>::infinity();
    };
    const auto uncovered = [&](std::size_t v) { return agg.units[v].population - agg.units[v].covered_any[primary]; };
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        const double sa = share_any(a);
        const double sb = share_any(b);
        if (sa != sb) return sa < sb;
        const double ua = uncovered(a);
        const double ub = uncovered(b);
        if (ua != ub) return ua > ub;
        return in.villages[a].code < in.villages[b].code;
    });
    return order;
}

void write_villages(const StudyResult& r, io::Sink& outputs) {
    const auto& in = r.inputs();
    const auto& agg = r.by_village;
    const std::size_t primary = agg.method_index(r.primary_method);
    std::vector<FieldDef> fields{{"rank", FieldType::integer},       {"code", FieldType::string},
                                 {"name", FieldType::string},        {"town_code", FieldType::string},
                                 {"town_name", FieldType::string},   {"urban", FieldType::integer},
                                 {"population", FieldType::real}};
    for (const auto& g : in.cells.group_names) fields.push_back({"pop_" + g, FieldType::real});
    const UnitColumns columns = unit_columns(r, agg);
    fields.insert(fields.end(), columns.fields.begin(), columns.fields.end());
    fields.push_back({"rank_method", FieldType::string});
    fields.push_back({"uncovered_pop", FieldType::real});

    const std::vector<std::size_t> order = villages_worst_first(r);
    std::vector<OutputFeature> features;
    std::int64_t rank = 0;
    for (std::size_t v : order) {
        const auto& vi = in.villages[v];
        const auto& t = agg.units[v];
        OutputFeature f;
        auto& vals = f.values;
        vals.emplace_back(++rank);
        vals.emplace_back(vi.code);
        vals.emplace_back(vi.name);
        vals.emplace_back(vi.town_code);
        vals.emplace_back(vi.town_name);
        vals.push_back(vi.urban >= 0 ? FieldValue(static_cast<std::int64_t>(vi.urban)) : FieldValue(std::monostate{}));
        vals.emplace_back(round_to(t.population, 100));
        for (double g : t.group_population) vals.emplace_back(round_to(g, 100));
        columns.values(t, vals);
        vals.emplace_back(r.primary_method.name());
        vals.emplace_back(round_to(t.population - t.covered_any[primary], 100));
        f.geometry = polygon_geometry(vi.shape_lonlat);
        features.push_back(std::move(f));
    }
    write_layer(outputs, "villages", fields, features, io::GeometryKind::polygon);
}

// ---- towns.csv and villages.csv: tables for Excel (io::format_csv_table) ---------------------

std::string kind_label_zh(const StudyResult& r, const std::string& kind) {
    for (const auto& f : r.study().facilities) {
        if (f.kind == kind && !f.label.empty()) return f.label;
    }
    return kind;
}

// "15", "2.5", "1000".
std::string threshold_text(double v) {
    std::ostringstream s;
    s << v;
    return s.str();
}

// "社区/村科普站步行15分钟", "学校直线距离1000米".
std::string measure_label_zh(const StudyResult& r, const coverage::Measure& m) {
    return kind_label_zh(r, m.kind) + method_label_zh(m.method.name()) + threshold_text(m.threshold.value) +
           (m.is_network() ? "分钟" : "米");
}

// Access scores are supply per person; tables give them per 10,000 residents (每万人), as Chinese
// planning statistics do, with two decimals.
constexpr double access_per = 1e4;

// The columns both tables share, after each row's own identifying columns, in this order:
// population and groups; per method the share covered by any kind; the people covered by no kind
// (primary method); per measure covered persons, covered percent, mean/median/p90 (minutes with one
// decimal, metres whole) and access; per kind and group the group's covered percent, mean and
// access (each group by its own method). docs/exports.md lists them.
struct TableColumns {
    std::vector<io::CsvColumn> columns;
    std::function<void(const coverage::Totals&, std::vector<FieldValue>&)> values;
};

TableColumns table_columns(const StudyResult& r, const coverage::Aggregation& agg) {
    using io::CsvColumnKind;
    TableColumns c;
    auto& cols = c.columns;
    const auto& groups = r.inputs().cells.group_names;
    const std::size_t primary = agg.method_index(r.primary_method);
    cols.push_back({"population", "人口", CsvColumnKind::persons});
    for (const auto& g : groups) cols.push_back({"pop_" + g, group_label_zh(g) + "人口", CsvColumnKind::persons});
    for (const auto& method : agg.methods) {
        cols.push_back({"any_" + method.name() + "_covered_pct", "任一类设施" + method_label_zh(method.name()) + "覆盖率(%)",
                        CsvColumnKind::percent, 1});
    }
    cols.push_back({"uncovered_pop", "未被任一类设施覆盖人口(" + method_label_zh(r.primary_method.name()) + ")",
                    CsvColumnKind::persons});
    const auto stat_columns = [&](const std::string& key, const std::string& prefix_zh, const coverage::Measure& m,
                                  bool all) {
        const bool net = m.is_network();
        const std::string u = stat_unit(m);
        const std::string what = "到" + kind_label_zh(r, m.kind) + method_label_zh(m.method.name()) + (net ? "时间" : "");
        const std::string unit_zh = net ? "(分钟)" : "(米)";
        const int decimals = net ? 1 : 0;
        cols.push_back({key + "_mean" + u, prefix_zh + what + "平均值" + unit_zh, CsvColumnKind::number, decimals});
        if (!all) return;
        cols.push_back({key + "_median" + u, prefix_zh + what + "中位数" + unit_zh, CsvColumnKind::number, decimals});
        cols.push_back({key + "_p90" + u, prefix_zh + what + "第90百分位" + unit_zh, CsvColumnKind::number, decimals});
    };
    const auto access_column = [&](const std::string& key, const std::string& prefix_zh, const coverage::Measure& m) {
        cols.push_back({key + "_access_per_10k",
                        prefix_zh + kind_label_zh(r, m.kind) + method_label_zh(m.method.name()) + "可达性(每万人供给)",
                        CsvColumnKind::number, 2});
    };
    for (const auto& m : r.measures()) {
        const std::string label = measure_label_zh(r, m);
        cols.push_back({m.key() + "_covered_pop", label + "覆盖人口", CsvColumnKind::persons});
        cols.push_back({m.key() + "_covered_pct", label + "覆盖率(%)", CsvColumnKind::percent, 1});
        stat_columns(m.key(), "", m, true);
        if (has_access(r)) access_column(m.key(), "", m);
    }
    const std::vector<GroupColumn> group_columns = group_columns_of(r);
    for (const auto& gc : group_columns) {
        const auto& me = r.measures()[gc.measure];
        const std::string key = group_key(gc.kind, groups[gc.group]);
        const std::string group_zh = group_label_zh(groups[gc.group]);
        cols.push_back({key + "_covered_pct", group_zh + measure_label_zh(r, me) + "覆盖率(%)",
                        io::CsvColumnKind::percent, 1});
        stat_columns(key, group_zh, me, false);
        if (has_access(r)) access_column(key, group_zh, me);
    }
    c.values = [&r, &agg, primary, group_columns](const coverage::Totals& t, std::vector<FieldValue>& vals) {
        vals.emplace_back(t.population);
        for (double g : t.group_population) vals.emplace_back(g);
        for (std::size_t k = 0; k < agg.methods.size(); ++k) vals.emplace_back(t.any_share(k));
        vals.emplace_back(t.population - t.covered_any[primary]);
        for (std::size_t m = 0; m < r.measures().size(); ++m) {
            vals.emplace_back(t.covered[m]);
            vals.emplace_back(t.share(m));
            vals.emplace_back(t.stats[m].mean);
            vals.emplace_back(t.stats[m].median);
            vals.emplace_back(t.stats[m].p90);
            if (has_access(r)) vals.emplace_back(t.access_mean[m] * access_per);
        }
        for (const auto& gc : group_columns) {
            vals.emplace_back(t.group_share(gc.measure, gc.group));
            vals.emplace_back(t.group_mean[gc.measure][gc.group]);
            if (has_access(r)) vals.emplace_back(t.group_access[gc.measure][gc.group] * access_per);
        }
    };
    return c;
}

// ---- towns.geojson --------------------------------------------------------------------------

// 区镇 boundaries for maps, with their population and the share covered by any kind per method.
void write_towns(const StudyResult& r, io::Sink& outputs) {
    const auto& agg = r.by_unit;
    std::vector<FieldDef> fields{{"code", FieldType::string}, {"name", FieldType::string},
                                 {"population", FieldType::real}};
    for (const auto& method : agg.methods) fields.push_back({"any_" + method.name() + "_share", FieldType::real});
    std::vector<OutputFeature> features;
    for (std::size_t u = 0; u < r.inputs().units.size(); ++u) {
        const auto& unit = r.inputs().units[u];
        const auto& t = agg.units[u];
        OutputFeature f;
        f.values = {unit.code, unit.name, round_to(t.population, 100)};
        for (std::size_t k = 0; k < agg.methods.size(); ++k) f.values.push_back(real_or_null(t.any_share(k), 1e6));
        f.geometry = polygon_geometry(unit.shape_lonlat);
        features.push_back(std::move(f));
    }
    write_layer(outputs, "towns", fields, features, io::GeometryKind::polygon);
}

// ---- roads.geojson --------------------------------------------------------------------------

// The study's roads as a map background: `class` is "major" (drive speed of 50 km/h or more),
// "minor" (other drivable roads) or "path" (walking and cycling only). Above
// full_roads_max_edges edges, the major roads only (roads_layer.hpp).
void write_roads(const pipeline::PreparedStudy& prepared, io::Sink& outputs, Diagnostics& diag) {
    const auto& roads = prepared.network->roads();
    const geo::Transformer to_wgs84(prepared.inputs.working_crs, geo::wgs84);
    const auto drive = static_cast<std::size_t>(network::Profile::drive);
    std::vector<FieldDef> fields{{"class", FieldType::string}, {"drive_kmh", FieldType::real}};
    std::vector<OutputFeature> features;
    const std::size_t edge_count = roads.edges.size();
    if (edge_count > full_roads_max_edges) {
        diag.warn("roads.geojson: the network has " + std::to_string(edge_count) + " edges, more than " +
                  std::to_string(full_roads_max_edges) + ": only its major roads (50 km/h or more) are written");
    } else {
        features.reserve(edge_count);
    }
    for (const auto& e : roads.edges) {
        const double kmh = std::max(e.forward_kmh[drive], e.backward_kmh[drive]);
        const RoadClass c = road_class(kmh);
        if (!road_in_output(c, edge_count)) continue;
        OutputFeature f;
        f.values = {road_class_name(c), round_to(kmh, 10)};
        f.geometry.kind = io::GeometryKind::line;
        LineString line = e.geometry_m;
        to_wgs84.forward(std::span<Point>(line));
        f.geometry.lines.push_back(std::move(line));
        features.push_back(std::move(f));
    }
    write_layer(outputs, "roads", fields, features, io::GeometryKind::line);
}

// ---- facilities.geojson ---------------------------------------------------------------------

void write_facilities(const StudyResult& r, io::Sink& outputs) {
    const auto& in = r.inputs();
    std::vector<FieldDef> fields{{"kind", FieldType::string},      {"label", FieldType::string},
                                 {"id", FieldType::string},        {"name", FieldType::string},
                                 {"capacity", FieldType::real},    {"town_code", FieldType::string},
                                 {"town_name", FieldType::string}};
    // With [access]: the catchment population and supply-to-demand ratio of each facility by the
    // primary method (`catchment_pop`, `ratio`) and by every method (`<method>_catchment_pop`, ...).
    const auto& methods = r.by_unit.methods;
    if (has_access(r)) {
        fields.push_back({"catchment_pop", FieldType::real});
        fields.push_back({"ratio", FieldType::real});
        for (const auto& m : methods) {
            fields.push_back({m.name() + "_catchment_pop", FieldType::real});
            fields.push_back({m.name() + "_ratio", FieldType::real});
        }
    }
    const auto measure_of = [&](const std::string& kind, const Method& method) -> std::ptrdiff_t {
        for (std::size_t m = 0; m < r.measures().size(); ++m) {
            if (r.measures()[m].kind == kind && r.measures()[m].method == method) return static_cast<std::ptrdiff_t>(m);
        }
        return -1;
    };
    const auto add_access = [&](std::vector<FieldValue>& values, const std::string& kind, const Method& method,
                                std::size_t i) {
        const auto m = measure_of(kind, method);
        if (m < 0) {
            values.emplace_back(std::monostate{});
            values.emplace_back(std::monostate{});
            return;
        }
        const auto& a = r.evaluation.access[static_cast<std::size_t>(m)];
        values.emplace_back(round_to(a.catchment_population[i], 100));
        values.push_back(real_or_null(a.ratio[i], access_scale));
    };
    std::vector<OutputFeature> features;
    for (const auto& fs : r.facilities()) {
        for (std::size_t i = 0; i < fs.id.size(); ++i) {
            OutputFeature f;
            f.geometry.kind = io::GeometryKind::point;
            f.geometry.points.push_back(fs.position_lonlat[i]);
            f.values = {fs.kind, fs.label, fs.id[i], fs.name[i], real_or_null(fs.capacity[i], 100)};
            append_code_and_name(f.values, in.units, fs.unit[i]);
            if (has_access(r)) {
                add_access(f.values, fs.kind, r.primary_method, i);
                for (const auto& m : methods) add_access(f.values, fs.kind, m, i);
            }
            features.push_back(std::move(f));
        }
    }
    write_layer(outputs, "facilities", fields, features, io::GeometryKind::point);
}

// ---- isochrones.geojson ---------------------------------------------------------------------

// The shapes in WGS84, each distinct vertex transformed once. Service-area rings run along one
// lattice of isochrone_cell_m cells, so bands, profiles and kinds share most vertices (the bundled
// study: 525,000 vertices, 75,000 distinct); a vertex is the same point (the same bits) wherever
// it appears, and PROJ transforms every point on its own, so the result is the same to the bit as
// transforming every vertex.
std::vector<MultiPolygon> to_wgs84_shared_vertices(const std::vector<pipeline::ServiceArea>& areas,
                                                   const geo::Transformer& to_wgs84) {
    std::vector<MultiPolygon> shapes;
    shapes.reserve(areas.size());
    std::size_t vertices = 0;
    for (const auto& a : areas) {
        shapes.push_back(a.shape_m);
        for (const auto& poly : a.shape_m) {
            vertices += poly.outer.size();
            for (const auto& h : poly.holes) vertices += h.size();
        }
    }
    // Open addressing on the coordinates' bits; a slot holds an index into `distinct`.
    constexpr std::uint32_t empty = 0xFFFFFFFFU;
    std::size_t capacity = 1024;
    while (capacity < 2 * vertices) capacity *= 2;
    std::vector<std::uint32_t> slots(capacity, empty);
    std::vector<Point> distinct;
    std::vector<std::uint32_t> index_of_vertex;
    index_of_vertex.reserve(vertices);
    const auto bits = [](double v) { return std::bit_cast<std::uint64_t>(v); };
    const auto visit = [&](const Ring& ring) {
        for (const Point& p : ring) {
            const std::uint64_t x = bits(p.x);
            const std::uint64_t y = bits(p.y);
            std::uint64_t h = (x * 0x9E3779B97F4A7C15ULL) ^ (std::rotl(y * 0xC2B2AE3D27D4EB4FULL, 31));
            h ^= h >> 29;
            std::size_t i = static_cast<std::size_t>(h) & (capacity - 1);
            while (true) {
                if (slots[i] == empty) {
                    slots[i] = static_cast<std::uint32_t>(distinct.size());
                    distinct.push_back(p);
                    break;
                }
                const Point& q = distinct[slots[i]];
                if (bits(q.x) == x && bits(q.y) == y) break;
                i = (i + 1) & (capacity - 1);
            }
            index_of_vertex.push_back(slots[i]);
        }
    };
    for (const auto& shape : shapes) {
        for (const auto& poly : shape) {
            visit(poly.outer);
            for (const auto& h : poly.holes) visit(h);
        }
    }
    to_wgs84.forward(std::span<Point>(distinct));
    std::size_t next = 0;
    const auto place = [&](Ring& ring) {
        for (Point& p : ring) p = distinct[index_of_vertex[next++]];
    };
    for (auto& shape : shapes) {
        for (auto& poly : shape) {
            place(poly.outer);
            for (auto& h : poly.holes) place(h);
        }
    }
    return shapes;
}

// Per kind (DEFAULT): kind, profile, minutes, area_km2. Per facility (service_areas =
// "per-facility"): also facility_id, facility_name, population and pop_<group> inside (the cells
// whose travel time to the facility is within the minutes).
void write_isochrones(const pipeline::PreparedStudy& prepared, const std::vector<study::FacilitySet>& facilities,
                      const std::vector<pipeline::ServiceArea>& service_areas, io::Sink& outputs) {
    const geo::Transformer to_wgs84(prepared.inputs.working_crs, geo::wgs84);
    const bool per_facility = prepared.study.service_areas_per_facility;
    std::vector<FieldDef> fields{{"kind", FieldType::string},
                                 {"profile", FieldType::string},
                                 {"minutes", FieldType::real},
                                 {"area_km2", FieldType::real}};
    if (per_facility) {
        fields.push_back({"facility_id", FieldType::string});
        fields.push_back({"facility_name", FieldType::string});
        fields.push_back({"population", FieldType::real});
        for (const auto& g : prepared.inputs.cells.group_names) fields.push_back({"pop_" + g, FieldType::real});
    }
    std::vector<MultiPolygon> shapes = to_wgs84_shared_vertices(service_areas, to_wgs84);
    std::vector<OutputFeature> features;
    for (std::size_t ai = 0; ai < service_areas.size(); ++ai) {
        const auto& a = service_areas[ai];
        if (a.shape_m.empty()) continue;
        OutputFeature f;
        f.values = {a.kind, std::string(network::profile_name(a.profile)), a.minutes,
                    round_to(area(a.shape_m) / 1e6, 1e4)};
        if (per_facility) {
            const auto& fs = *std::find_if(facilities.begin(), facilities.end(),
                                           [&](const auto& s) { return s.kind == a.kind; });
            const auto i = static_cast<std::size_t>(a.facility);
            f.values.emplace_back(fs.id[i]);
            f.values.emplace_back(fs.name[i]);
            f.values.emplace_back(round_to(a.population, 100));
            for (double g : a.groups) f.values.emplace_back(round_to(g, 100));
        }
        f.geometry = polygon_geometry(std::move(shapes[ai]));
        features.push_back(std::move(f));
    }
    write_layer(outputs, "isochrones", fields, features, io::GeometryKind::polygon);
}

// ---- water.geojson ----------------------------------------------------------------------------

// The study's optional background layer ([layers] water), copied to WGS84 for the map viewer.
void write_water(const study::Study& study, io::Sink& outputs) {
    io::VectorLayer water;
    try {
        water = io::read_vector(study.water_path);
    } catch (...) {
        rethrow_with_context("water layer ([layers] water)");
    }
    std::vector<OutputFeature> features;
    for (auto& f : water.features) {
        if (f.geometry.kind != io::GeometryKind::polygon) continue;
        features.push_back({std::move(f.geometry), std::move(f.values)});
    }
    write_layer(outputs, "water", water.fields, features, io::GeometryKind::polygon);
}

// ---- traveltime_<kind>_<profile>.tif --------------------------------------------------------

std::string raster_name(const coverage::Measure& m) { return "traveltime_" + m.kind + "_" + m.method.name() + ".tif"; }

// Minutes to the nearest facility on the population grid: populated cells reached within the
// horizon carry minutes; other cells are nodata (-9999).
void write_travel_time_raster(const StudyResult& r, const coverage::Measure& m, const std::string& path,
                              unsigned threads) {
    const auto& cells = r.inputs().cells;
    io::RasterOutput out;
    out.crs = cells.raster_crs;
    out.geotransform = cells.geotransform;
    out.width = cells.width;
    out.height = cells.height;
    out.values.assign(static_cast<std::size_t>(cells.width) * static_cast<std::size_t>(cells.height), out.nodata);
    for (std::size_t i = 0; i < cells.size(); ++i) {
        if (!std::isfinite(m.value[i])) continue;
        out.values[static_cast<std::size_t>(cells.row[i]) * static_cast<std::size_t>(cells.width) +
                   static_cast<std::size_t>(cells.col[i])] = static_cast<float>(m.value[i]);
    }
    out.description = "minutes to the nearest " + m.kind + " (" + m.method.name() + ")";
    io::write_raster(path, out, {threads});
}

// ---- summary.json ---------------------------------------------------------------------------

json stats_json(const coverage::Measure& m, const coverage::ValueStats& s) {
    const double scale = m.is_network() ? 100 : 10;
    const std::string u = m.is_network() ? "_min" : "_m";
    return {{"mean" + u, number_or_null(s.mean, scale)},
            {"median" + u, number_or_null(s.median, scale)},
            {"p90" + u, number_or_null(s.p90, scale)},
            {"unreached_population", round_to(s.unreached_population, 100)}};
}

// Access of one measure: the population-weighted mean score of the area; for the region also the
// facilities' catchment populations and the most and least loaded facility.
json access_json(const StudyResult& r, std::size_t m, const coverage::Totals& t) {
    const auto& a = r.evaluation.access[m];
    const auto& spec = *r.study().access;
    json j{{"method", access::method_name(spec.options.method)},
           {"decay", access::decay_name(spec.options.decay)},
           {"catchment", a.catchment},
           {"mean_score", number_or_null(t.access_mean[m], access_scale)}};
    if (&t != &r.by_unit.region) return j;
    const auto& me = r.measures()[m];
    const study::FacilitySet* fs = nullptr;
    for (const auto& f : r.facilities()) {
        if (f.kind == me.kind) fs = &f;
    }
    std::ptrdiff_t lowest = -1;
    std::ptrdiff_t highest = -1;
    std::size_t without_demand = 0;
    for (std::size_t i = 0; i < a.ratio.size(); ++i) {
        if (!std::isfinite(a.ratio[i])) {
            ++without_demand;
            continue;
        }
        if (lowest < 0 || a.ratio[i] < a.ratio[static_cast<std::size_t>(lowest)]) lowest = static_cast<std::ptrdiff_t>(i);
        if (highest < 0 || a.ratio[i] > a.ratio[static_cast<std::size_t>(highest)]) highest = static_cast<std::ptrdiff_t>(i);
    }
    const auto facility = [&](std::ptrdiff_t i) -> json {
        if (i < 0) return nullptr;
        const auto k = static_cast<std::size_t>(i);
        return {{"id", fs->id[k]},
                {"name", fs->name[k]},
                {"catchment_pop", round_to(a.catchment_population[k], 100)},
                {"ratio", number_or_null(a.ratio[k], access_scale)}};
    };
    j["facilities_without_demand"] = without_demand;
    j["most_loaded"] = facility(lowest);
    j["least_loaded"] = facility(highest);
    return j;
}

json kind_entry(const StudyResult& r, const coverage::Totals& t, const std::string& kind,
                const std::vector<std::string>& groups) {
    json entry = json::object();
    json network = json::object();
    for (std::size_t m = 0; m < r.measures().size(); ++m) {
        const auto& me = r.measures()[m];
        if (me.kind != kind) continue;
        json e{{"covered_population", round_to(t.covered[m], 100)}, {"share", number_or_null(t.share(m), 1e6)}};
        json g = json::object();
        for (std::size_t k = 0; k < groups.size(); ++k) {
            g[groups[k]] = {{"population", round_to(t.group_population[k], 100)},
                            {"covered_population", round_to(t.covered_groups[m][k], 100)},
                            {"share", number_or_null(t.group_share(m, k), 1e6)},
                            {me.is_network() ? "mean_min" : "mean_m",
                             number_or_null(t.group_mean[m][k], me.is_network() ? 100 : 10)}};
        }
        e["groups"] = g;
        if (has_access(r)) e["access"] = access_json(r, m, t);
        if (me.is_network()) {
            e["minutes"] = me.threshold.value;
            e["no_road_access_population"] = round_to(t.no_road_access[m], 100);
            e["travel_time"] = stats_json(me, t.stats[m]);
            network[me.method.name()] = e;
        } else {
            e["radius_m"] = me.threshold.value;
            e["distance"] = stats_json(me, t.stats[m]);
            entry["crowfly"] = e;
        }
        if (me.method == r.primary_method) {
            entry["method"] = me.method.name();
            entry["covered_population"] = e["covered_population"];
            entry["share"] = e["share"];
        }
    }
    // Each group by its own method (the elderly by the elderly profile when measured).
    json by_group = json::object();
    for (std::size_t k = 0; k < groups.size(); ++k) {
        const auto m = group_measure(r, kind, groups[k]);
        if (m < 0) continue;
        const auto mi = static_cast<std::size_t>(m);
        const auto& me = r.measures()[mi];
        by_group[groups[k]] = {{"method", me.method.name()},
                               {"share", number_or_null(t.group_share(mi, k), 1e6)},
                               {me.is_network() ? "mean_min" : "mean_m",
                                number_or_null(t.group_mean[mi][k], me.is_network() ? 100 : 10)}};
        if (has_access(r)) by_group[groups[k]]["access"] = number_or_null(t.group_access[mi][k], access_scale);
    }
    if (!by_group.empty()) entry["groups"] = by_group;
    if (!network.empty()) entry["network"] = network;
    return entry;
}

json totals_json(const StudyResult& r, const coverage::Totals& t) {
    const auto& groups = r.inputs().cells.group_names;
    json j;
    j["population"] = round_to(t.population, 100);
    json g = json::object();
    for (std::size_t k = 0; k < groups.size(); ++k) g[groups[k]] = round_to(t.group_population[k], 100);
    j["groups"] = g;
    json kinds = json::object();
    for (const auto& f : r.study().facilities) kinds[f.kind] = kind_entry(r, t, f.kind, groups);
    j["kinds"] = kinds;
    json any = json::object();
    for (std::size_t k = 0; k < r.by_unit.methods.size(); ++k) {
        any[r.by_unit.methods[k].name()] = {{"covered_population", round_to(t.covered_any[k], 100)},
                                            {"share", number_or_null(t.any_share(k), 1e6)}};
    }
    j["any_kind"] = any;
    return j;
}

// summary_json with each measure's equity given (computed on the writers' threads), or computed
// here when `equities` is empty.
json summary_json_of(const StudyResult& r, std::span<const coverage::Equity> equities) {
    const study::Study& study = r.study();
    json j;
    j["study"] = study.name;
    j["generator"] = std::string("kepu15 ") + KEPU15_VERSION;
    j["working_crs"] = r.inputs().working_crs;
    j["primary_method"] = r.primary_method.name();
    json methods = json::array();
    for (const auto& m : r.by_unit.methods) methods.push_back(m.name());
    j["methods"] = methods;
    if (r.prepared->network) j["horizon_minutes"] = study.horizon_minutes;
    j["total_population"] = round_to(r.by_unit.region.population, 100);
    j["populated_cells"] = r.inputs().cells.size();
    json fac = json::object();
    for (std::size_t k = 0; k < r.facilities().size(); ++k) {
        const auto& fs = r.facilities()[k];
        fac[fs.kind] = {{"label", fs.label},
                        {"count", fs.id.size()},
                        {"radius_m", study.radius_for(study.facilities[k])},
                        {"minutes", study.minutes_for(study.facilities[k])}};
    }
    j["facilities"] = fac;
    if (r.prepared->network) {
        j["network"] = {{"nodes", r.prepared->network->roads().nodes_m.size()},
                        {"edges", r.prepared->network->roads().edges.size()}};
    }
    j["region"] = totals_json(r, r.by_unit.region);
    json units = json::array();
    for (std::size_t u = 0; u < r.inputs().units.size(); ++u) {
        json e = totals_json(r, r.by_unit.units[u]);
        e["code"] = r.inputs().units[u].code;
        e["name"] = r.inputs().units[u].name;
        units.push_back(std::move(e));
    }
    j["units"] = units;
    // Per kind x method (measure key): who is covered and how unequal travel is (report/equity.hpp).
    json equity = json::object();
    if (equities.empty()) {
        const std::vector<std::int8_t> urban = urban_of_cells(r);
        for (std::size_t m = 0; m < r.measures().size(); ++m) {
            equity[r.measures()[m].key()] = equity_json(r, measure_equity(r, m, equity_horizon(r, m), urban));
        }
    } else {
        for (std::size_t m = 0; m < r.measures().size(); ++m) equity[r.measures()[m].key()] = equity_json(r, equities[m]);
    }
    j["equity"] = equity;
    return j;
}

}  // namespace

json summary_json(const StudyResult& r) { return summary_json_of(r, {}); }

void write_roads_layer(const pipeline::PreparedStudy& prepared, io::Sink& sink, Diagnostics& diag) {
    write_roads(prepared, sink, diag);
}

void write_water_layer(const study::Study& study, io::Sink& sink) { write_water(study, sink); }

void write_isochrones_layer(const pipeline::PreparedStudy& prepared, const std::vector<study::FacilitySet>& facilities,
                            const std::vector<pipeline::ServiceArea>& service_areas, io::Sink& sink) {
    write_isochrones(prepared, facilities, service_areas, sink);
}

io::CsvTable towns_table(const StudyResult& r) {
    const TableColumns shared = table_columns(r, r.by_unit);
    io::CsvTable table;
    table.columns = {{"town_code", "区镇代码", io::CsvColumnKind::text}, {"town_name", "区镇", io::CsvColumnKind::text}};
    table.columns.insert(table.columns.end(), shared.columns.begin(), shared.columns.end());
    const auto row = [&](const std::string& code, const std::string& name, const coverage::Totals& t) {
        std::vector<FieldValue> vals{code, name};
        shared.values(t, vals);
        table.rows.push_back(std::move(vals));
    };
    for (std::size_t u = 0; u < r.inputs().units.size(); ++u) {
        row(r.inputs().units[u].code, r.inputs().units[u].name, r.by_unit.units[u]);
    }
    row("ALL", "合计", r.by_unit.region);
    return table;
}

io::CsvTable villages_table(const StudyResult& r) {
    const auto& villages = r.inputs().villages;
    const TableColumns shared = table_columns(r, r.by_village);
    io::CsvTable table;
    table.columns = {{"rank", "排名(最差在前)", io::CsvColumnKind::integer},
                     {"village_code", "村/社区代码", io::CsvColumnKind::text},
                     {"village_name", "村/社区", io::CsvColumnKind::text},
                     {"town_code", "区镇代码", io::CsvColumnKind::text},
                     {"town_name", "区镇", io::CsvColumnKind::text},
                     {"urban", "城镇社区(1)或乡村(0)", io::CsvColumnKind::integer}};
    table.columns.insert(table.columns.end(), shared.columns.begin(), shared.columns.end());
    std::int64_t rank = 0;
    for (std::size_t v : villages_worst_first(r)) {
        const auto& vi = villages[v];
        std::vector<FieldValue> vals{++rank, vi.code, vi.name, vi.town_code, vi.town_name};
        vals.push_back(vi.urban >= 0 ? FieldValue(static_cast<std::int64_t>(vi.urban)) : FieldValue(std::monostate{}));
        shared.values(r.by_village.units[v], vals);
        table.rows.push_back(std::move(vals));
    }
    return table;
}

std::string towns_csv(const StudyResult& r) { return io::format_csv_table(towns_table(r)); }

// Per-cell results as one multi-band Cloud-Optimized GeoTIFF on the population grid: one Float32
// band per measure (minutes or metres, nodata where none) named by its field stem. Skipped with a
// warning when the grid is too large to hold (the cell vector layer still has every value).
constexpr double max_cog_bytes = 2e9;

bool write_cells_raster(const study::PopulationCells& cells, std::span<const coverage::Measure> measures,
                        const std::string& path, unsigned threads, Diagnostics& diag) {
    const double bytes = 4.0 * static_cast<double>(cells.width) * static_cast<double>(cells.height) *
                         static_cast<double>(measures.size());
    if (bytes > max_cog_bytes) {
        diag.warn("cells.tif not written: the population grid (" + std::to_string(cells.width) + " x " +
                  std::to_string(cells.height) + " cells) would need " + std::to_string(bytes / 1e9).substr(0, 4) +
                  " GB for " + std::to_string(measures.size()) +
                  " bands; use --cells-vector for per-cell results, or clip the population raster");
        return false;
    }
    io::MultiBandRaster out;
    out.crs = cells.raster_crs;
    out.geotransform = cells.geotransform;
    out.width = cells.width;
    out.height = cells.height;
    const std::size_t n = static_cast<std::size_t>(cells.width) * static_cast<std::size_t>(cells.height);
    for (const auto& m : measures) {
        io::RasterBand band;
        band.description = m.key() + (m.is_network() ? "_min" : "_dist_m");
        band.values.assign(n, out.nodata);
        for (std::size_t i = 0; i < cells.size(); ++i) {
            if (!std::isfinite(m.value[i])) continue;
            band.values[static_cast<std::size_t>(cells.row[i]) * static_cast<std::size_t>(cells.width) +
                        static_cast<std::size_t>(cells.col[i])] = static_cast<float>(m.value[i]);
        }
        out.bands.push_back(std::move(band));
    }
    io::write_cog(path, out, {threads});
    return true;
}

json write_study_outputs(const StudyResult& r, io::Sink& sink, unsigned threads, const ReportOptions& options,
                         Diagnostics& diag) {
    const study::Study& study = r.study();
    const auto by_caller = [&](const char* file) { return options.written_by_caller.count(file) != 0; };
    const bool roads = r.prepared->network != nullptr && study.roads && !by_caller("roads.geojson");
    const bool isochrones = !r.evaluation.service_areas.empty() && !by_caller("isochrones.geojson");
    const bool water = !study.water_path.empty() && !by_caller("water.geojson");
    const bool cells_raster = !by_caller("cells.tif");
    std::map<std::string, std::string> raster_paths;  // taken from the sink up front, in this thread
    if (study.travel_time_rasters) {
        for (const auto& m : r.measures()) {
            if (m.is_network()) raster_paths[raster_name(m)] = sink.file_path(raster_name(m));
        }
    }
    const std::string cells_tif = cells_raster ? sink.file_path("cells.tif") : std::string();
    // manifest.json: what the viewer and `kepu15 render` read (layers as GeoJSON files of a folder).
    std::vector<std::string> files{"gaps.geojson", "villages.geojson", "towns.geojson", "facilities.geojson",
                                   "summary.json", "towns.csv", "towns.csvt", "villages.csv", "villages.csvt",
                                   "cells.tif", "manifest.json"};
    if (options.cells_vector) files.push_back("cells.geojson");
    if (roads || options.roads_added_by_caller) files.push_back("roads.geojson");
    if (!r.evaluation.service_areas.empty()) files.push_back("isochrones.geojson");
    if (!study.water_path.empty()) files.push_back("water.geojson");
    for (const auto& [name, path] : raster_paths) files.push_back(name);
    files.insert(files.end(), options.written_by_caller.begin(), options.written_by_caller.end());
    std::sort(files.begin(), files.end());
    files.erase(std::unique(files.begin(), files.end()), files.end());
    sink.add_file("manifest.json", manifest_json(study, r, files, utc_date_today()).dump(2) + "\n");
    // The tables first, in this thread: they are small, and a CSV folder then knows that towns.csv
    // and villages.csv are the Excel tables (the polygons go beside them as *_geometry.csv).
    sink.add_table("towns", towns_table(r));
    sink.add_table("villages", villages_table(r));
    RunGaps gaps(r);
    json summary;
    // Largest jobs first, so that the last ones to start are short and both threads finish
    // together (CPU of the Kunshan run, perf samples: isochrones 0.2 s, cells.tif 0.1 s, roads and
    // each gap task 0.01-0.06 s; the cell layer, when asked for, is longer than all of them).
    std::vector<std::function<void()>> jobs;
    if (options.cells_vector) jobs.emplace_back([&] { write_cells(r, sink); });
    if (isochrones) {
        jobs.emplace_back([&] { write_isochrones(*r.prepared, r.facilities(), r.evaluation.service_areas, sink); });
    }
    if (cells_raster) jobs.emplace_back([&] { write_cells_raster(r.inputs().cells, r.measures(), cells_tif, threads, diag); });
    // Each measure's equity (a sort of every cell, for the Gini) on its own, for summary.json.
    const std::vector<std::int8_t> urban = urban_of_cells(r);
    std::vector<coverage::Equity> equities(r.measures().size());
    for (std::size_t m = 0; m < r.measures().size(); ++m) {
        jobs.emplace_back([&, m] { equities[m] = measure_equity(r, m, equity_horizon(r, m), urban); });
    }
    for (std::size_t t = 0; t < gaps.task_count(); ++t) jobs.emplace_back([&gaps, t] { gaps.run(t); });
    if (roads) jobs.emplace_back([&] { write_roads(*r.prepared, sink, diag); });
    jobs.emplace_back([&] { write_villages(r, sink); });
    jobs.emplace_back([&] { write_towns(r, sink); });
    jobs.emplace_back([&] { write_facilities(r, sink); });
    for (const auto& m : r.measures()) {
        if (raster_paths.count(raster_name(m)) != 0) {
            jobs.emplace_back([&] { write_travel_time_raster(r, m, raster_paths.at(raster_name(m)), threads); });
        }
    }
    if (water) jobs.emplace_back([&] { write_water(study, sink); });
    parallel_for(jobs.size(), threads, [&](std::size_t i) { jobs[i](); });
    summary = summary_json_of(r, equities);
    for (const auto& [key, value] : options.summary_overrides.items()) summary[key] = value;
    sink.add_layer(gaps.layer());
    summary["gaps"] = gaps.summary();
    sink.add_file("summary.json", summary.dump(2) + "\n");
    return summary;
}

}  // namespace kepu15::report
