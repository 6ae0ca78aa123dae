#include "kepu15/commands/compare.hpp"

#include "kepu15/coverage/crowfly.hpp"
#include "kepu15/error.hpp"
#include "kepu15/geo/crs.hpp"
#include "kepu15/geo/polygon_ops.hpp"
#include "kepu15/io/csv_table.hpp"
#include "kepu15/io/layer.hpp"
#include "kepu15/io/output_folder.hpp"
#include "kepu15/io/sink.hpp"
#include "kepu15/io/vector_reader.hpp"
#include "kepu15/parallel.hpp"
#include "kepu15/pipeline/evaluate.hpp"
#include "kepu15/pipeline/prepared.hpp"
#include "kepu15/pipeline/result.hpp"
#include "kepu15/report/equity.hpp"
#include "kepu15/report/outputs.hpp"
#include "kepu15/routing/network_coverage.hpp"
#include "kepu15/scenario/scenario.hpp"
#include "kepu15/study/inputs.hpp"
#include "kepu15/study/study.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iomanip>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <span>
#include <sstream>
#include <utility>

#if defined(__linux__)
#include <sys/resource.h>
#endif
#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace kepu15::commands {

namespace {

namespace fs = std::filesystem;

// What the compare step costs the system: page faults (first touches of memory), system time and
// the heap's growth, read before and after the step. Why: on a virtual machine a first touch can
// cost far more than the same touch of memory the process already has (docs/performance.md
// "Compare with access").
struct MemoryCounters {
    double user_ms = 0, system_ms = 0;
    long minor_faults = 0;
    double heap_mb = 0;    // bytes the heap has from the system (mallinfo2().arena)
    double in_use_mb = 0;  // bytes allocated and not freed (mallinfo2().uordblks)
    double resident_mb = 0;  // anonymous memory the process has touched (RssAnon of /proc/self/status)
    double free_mb = 0;      // freed memory in the heap below its top (mallinfo2().fordblks - keepcost)
    static MemoryCounters now() {
        MemoryCounters c;
#if defined(__linux__)
        if (std::FILE* f = std::fopen("/proc/self/status", "r")) {
            char line[256];
            while (std::fgets(line, sizeof line, f) != nullptr) {
                long kb = 0;
                if (std::sscanf(line, "RssAnon: %ld kB", &kb) == 1) {
                    c.resident_mb = static_cast<double>(kb) / 1024;
                }
            }
            std::fclose(f);
        }
        rusage u{};
        ::getrusage(RUSAGE_SELF, &u);
        const auto ms = [](const timeval& t) {
            return 1e3 * static_cast<double>(t.tv_sec) + 1e-3 * static_cast<double>(t.tv_usec);
        };
        c.user_ms = ms(u.ru_utime);
        c.system_ms = ms(u.ru_stime);
        c.minor_faults = u.ru_minflt;
#endif
#if defined(__GLIBC__)
        const auto m = ::mallinfo2();
        c.heap_mb = static_cast<double>(m.arena) / (1 << 20);
        c.in_use_mb = static_cast<double>(m.uordblks) / (1 << 20);
        c.free_mb = static_cast<double>(m.fordblks - m.keepcost) / (1 << 20);
#endif
        return c;
    }
};

std::string at_line(const scenario::Scenario& sc, int line) { return sc.file + ":" + std::to_string(line); }

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

// The baseline study with the scenario's extra kinds ([[facilities]] with `from` and a filter):
// both sides of the comparison evaluate them; the study file itself is not changed.
study::Study with_extra_kinds(study::Study s, const scenario::Scenario& sc) {
    for (const auto& k : sc.kinds) {
        const study::FacilityLayer* from = nullptr;
        for (const auto& f : s.facilities) {
            if (f.kind == k.kind) {
                throw config_error(at_line(sc, k.line) + ": [[facilities]] kind '" + k.kind +
                                   "' is already a kind of the baseline study " + s.file);
            }
            if (f.kind == k.from) from = &f;
        }
        if (from == nullptr) {
            std::string kinds;
            for (const auto& f : s.facilities) kinds += (kinds.empty() ? "" : ", ") + f.kind;
            throw config_error(at_line(sc, k.line) + ": [[facilities]] from = '" + k.from +
                               "': the baseline study has no such kind (it has " + kinds + ")");
        }
        study::FacilityLayer f = *from;
        f.kind = k.kind;
        f.label = k.label;
        f.radius_m = k.radius_m ? k.radius_m : from->radius_m;
        f.minutes = k.minutes ? k.minutes : from->minutes;
        if (!f.source.read.attribute_filter.empty()) {
            throw config_error(at_line(sc, k.line) + ": kind '" + k.from +
                               "' has an OGR SQL filter string; an extra kind reads an unfiltered layer");
        }
        f.select = from->select;
        for (const auto& [field, value] : k.filter) {
            study::FieldEquals cond{field, 0.0};
            if (const auto* b = std::get_if<bool>(&value)) cond.value = *b ? 1.0 : 0.0;
            else if (const auto* d = std::get_if<double>(&value)) cond.value = *d;
            else cond.value = std::get<std::string>(value);
            f.select.push_back(std::move(cond));
        }
        s.facilities.push_back(std::move(f));
    }
    return s;
}

std::size_t kind_index(const std::vector<study::FacilitySet>& sets, const std::string& kind, const std::string& where) {
    for (std::size_t k = 0; k < sets.size(); ++k) {
        if (sets[k].kind == kind) return k;
    }
    throw config_error(where + ": unknown facility kind '" + kind + "'");
}

// [[change]] attributes as edits of the layer the named kind reads.
std::vector<study::FacilityEdit> attribute_edits(const scenario::Scenario& sc, const study::Study& st) {
    std::vector<study::FacilityEdit> edits;
    for (const auto& c : sc.changes) {
        if (c.attributes.empty()) continue;
        const study::FacilityLayer* spec = nullptr;
        for (const auto& f : st.facilities) {
            if (f.kind == c.kind) spec = &f;
        }
        if (spec == nullptr) throw config_error(at_line(sc, c.line) + ": unknown facility kind '" + c.kind + "'");
        for (const auto& id : c.ids) {
            for (const auto& [field, value] : c.attributes) {
                study::FacilityEdit e;
                e.path = spec->source.path;
                e.layer = spec->source.read.layer;
                e.id = id;
                e.field = field;
                if (const auto* b = std::get_if<bool>(&value)) e.value = std::int64_t{*b ? 1 : 0};
                else if (const auto* d = std::get_if<double>(&value)) {
                    if (std::floor(*d) == *d && std::abs(*d) < 9e15) e.value = static_cast<std::int64_t>(*d);
                    else e.value = *d;
                } else e.value = std::get<std::string>(value);
                e.origin = at_line(sc, c.line) + ": [[change]] kind '" + c.kind + "'";
                edits.push_back(std::move(e));
            }
        }
    }
    return edits;
}

// Transformers from each CRS the scenario uses to the working CRS and WGS84, made once (making a
// PROJ transformation takes tens of milliseconds).
class Projections {
public:
    explicit Projections(std::string working_crs) : m_working(std::move(working_crs)) {}
    const std::pair<geo::Transformer, geo::Transformer>& from(const std::string& crs) {
        auto it = m_cache.find(crs);
        if (it == m_cache.end()) {
            it = m_cache.emplace(crs, std::make_pair(geo::Transformer(crs, m_working), geo::Transformer(crs, geo::wgs84))).first;
        }
        return it->second;
    }
    const geo::Transformer& to_working_from_wgs84() {
        if (!m_wgs84) m_wgs84.emplace(geo::wgs84, m_working);
        return *m_wgs84;
    }

private:
    std::string m_working;
    std::optional<geo::Transformer> m_wgs84;
    std::map<std::string, std::pair<geo::Transformer, geo::Transformer>> m_cache;
};

void add_point(study::FacilitySet& set, Projections& proj, Point p, const std::string& crs,
               const std::string& id, const std::string& name, double capacity) {
    if (crs == geo::wgs84) {
        set.position_m.push_back(proj.to_working_from_wgs84().forward(p));
        set.position_lonlat.push_back(p);
    } else {
        const auto& [to_working, to_wgs84] = proj.from(crs);
        set.position_m.push_back(to_working.forward(p));
        set.position_lonlat.push_back(to_wgs84.forward(p));
    }
    set.id.push_back(id);
    set.name.push_back(name);
    set.capacity.push_back(capacity);
    set.unit.push_back(-1);
}

// The baseline's facilities with the scenario's edits: kinds reading a layer with attribute changes
// re-read (their filters re-applied), then removals, capacities and additions.
// REQUIRES: check_ids passed.
std::vector<study::FacilitySet> scenario_facilities(const pipeline::PreparedStudy& prepared, const scenario::Scenario& sc,
                                                    Projections& proj, Diagnostics& diag) {
    std::vector<study::FacilitySet> sets = prepared.inputs.facilities;
    const auto edits = attribute_edits(sc, prepared.study);
    if (!edits.empty()) {
        study::Study edited = prepared.study;
        edited.facilities.clear();
        std::vector<std::size_t> which;
        for (std::size_t k = 0; k < prepared.study.facilities.size(); ++k) {
            const auto& f = prepared.study.facilities[k];
            const bool touched = std::any_of(edits.begin(), edits.end(), [&](const study::FacilityEdit& e) {
                return e.path == f.source.path && e.layer == f.source.read.layer;
            });
            if (!touched) continue;
            edited.facilities.push_back(f);
            which.push_back(k);
        }
        auto reread = study::load_facility_sets(edited, prepared.inputs, diag, edits);
        for (std::size_t i = 0; i < which.size(); ++i) sets[which[i]] = std::move(reread[i]);
    }
    for (const auto& r : sc.removals) {
        auto& set = sets[kind_index(sets, r.kind, sc.file)];
        for (const auto& id : r.ids) {
            const auto it = std::find(set.id.begin(), set.id.end(), id);
            if (it == set.id.end()) {
                throw config_error(at_line(sc, r.line) + ": removes " + r.kind + " '" + id +
                                   "', which the scenario's attribute changes took out of the kind");
            }
            const auto i = it - set.id.begin();
            set.position_m.erase(set.position_m.begin() + i);
            set.position_lonlat.erase(set.position_lonlat.begin() + i);
            set.id.erase(set.id.begin() + i);
            set.name.erase(set.name.begin() + i);
            set.capacity.erase(set.capacity.begin() + i);
            set.unit.erase(set.unit.begin() + i);
        }
    }
    for (const auto& c : sc.changes) {
        if (!c.capacity) continue;
        auto& set = sets[kind_index(sets, c.kind, sc.file)];
        for (const auto& id : c.ids) {
            const auto it = std::find(set.id.begin(), set.id.end(), id);
            if (it == set.id.end()) {
                throw config_error(at_line(sc, c.line) + ": changes the capacity of " + c.kind + " '" + id +
                                   "', which is not in the kind after the scenario's attribute changes");
            }
            set.capacity[static_cast<std::size_t>(it - set.id.begin())] = *c.capacity;
        }
    }
    for (const auto& p : sc.add_points) {
        add_point(sets[kind_index(sets, p.kind, sc.file)], proj, {p.x, p.y}, p.crs, p.id, p.name,
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
            add_point(set, proj, f.geometry.points[0], geo::wgs84, idf >= 0 ? v(idf) : l.kind + "_" + std::to_string(f.fid),
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
            if (kind.empty()) throw config_error(at_line(sc, pr.line) + ": " + layer.where() + " has no 'kind' field; give kind = \"...\"");
            if (f.geometry.points.empty()) throw input_error(layer.where() + ", row " + std::to_string(f.fid) + ": not a point");
            const std::string id = "proposal_" + (idf >= 0 ? io::as_text(f.values[static_cast<std::size_t>(idf)]) : std::to_string(f.fid));
            add_point(sets[kind_index(sets, kind, sc.file)], proj, f.geometry.points[0], geo::wgs84, id,
                      namef >= 0 ? io::as_text(f.values[static_cast<std::size_t>(namef)]) : "", std::nan(""));
            ++taken;
        }
    }
    return sets;
}

// ---- incremental evaluation ----

// How one kind's facilities changed: each scenario facility is matched to a baseline facility with
// the same id and position, or is new.
struct KindChange {
    std::vector<std::int32_t> base_of;  // per scenario facility: its baseline index, -1 when added
    std::vector<std::uint32_t> added;   // scenario indices of the added facilities
    std::size_t removed = 0;            // baseline facilities with no match
    bool capacity_changed = false;
    bool reordered = false;             // matched facilities in another order (per-facility outputs move)
    [[nodiscard]] bool facilities_changed() const { return removed > 0 || !added.empty(); }
    [[nodiscard]] bool any() const { return facilities_changed() || capacity_changed || reordered; }
};

bool same_capacity(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

KindChange diff(const study::FacilitySet& before, const study::FacilitySet& after) {
    std::map<std::tuple<std::string, double, double>, std::vector<std::int32_t>> by_key;
    for (std::size_t j = before.id.size(); j-- > 0;) {
        by_key[{before.id[j], before.position_m[j].x, before.position_m[j].y}].push_back(static_cast<std::int32_t>(j));
    }
    KindChange c;
    c.base_of.assign(after.id.size(), -1);
    std::size_t matched = 0;
    for (std::size_t j = 0; j < after.id.size(); ++j) {
        auto it = by_key.find({after.id[j], after.position_m[j].x, after.position_m[j].y});
        if (it == by_key.end() || it->second.empty()) {
            c.added.push_back(static_cast<std::uint32_t>(j));
            continue;
        }
        const std::int32_t b = it->second.back();
        it->second.pop_back();
        c.base_of[j] = b;
        if (b != static_cast<std::int32_t>(j)) c.reordered = true;
        ++matched;
        if (!same_capacity(before.capacity[static_cast<std::size_t>(b)], after.capacity[j])) c.capacity_changed = true;
    }
    c.removed = before.id.size() - matched;
    return c;
}

// Scenario index of each baseline facility (-1: removed).
std::vector<std::int32_t> scenario_index(const KindChange& c, std::size_t base_count) {
    std::vector<std::int32_t> out(base_count, -1);
    for (std::size_t j = 0; j < c.base_of.size(); ++j) {
        if (c.base_of[j] >= 0) out[static_cast<std::size_t>(c.base_of[j])] = static_cast<std::int32_t>(j);
    }
    return out;
}

std::vector<Point> positions(const study::FacilitySet& set, const std::vector<std::uint32_t>& which) {
    std::vector<Point> out;
    out.reserve(which.size());
    for (auto j : which) out.push_back(set.position_m[j]);
    return out;
}

// Crow-fly measure of a kind whose scenario only adds facilities: the baseline's nearest distance or
// the nearest added site's, whichever is smaller (the same per-pair distance a full search finds).
coverage::Measure crowfly_added(const coverage::Measure& base, const study::FacilitySet& after, const KindChange& c,
                                const std::vector<Point>& cells_m, std::size_t base_count) {
    const auto to_scenario = scenario_index(c, base_count);
    const coverage::Measure fresh = coverage::crowfly_coverage(base.kind, cells_m, positions(after, c.added), base.threshold.value);
    coverage::Measure m = base;
    for (std::size_t i = 0; i < m.value.size(); ++i) {
        if (m.facility[i] >= 0) m.facility[i] = to_scenario[static_cast<std::size_t>(m.facility[i])];
        if (fresh.facility[i] >= 0 && (!std::isfinite(m.value[i]) || fresh.value[i] < m.value[i])) {
            m.value[i] = fresh.value[i];
            m.facility[i] = static_cast<std::int32_t>(c.added[static_cast<std::size_t>(fresh.facility[i])]);
        }
        m.covered[i] = std::isfinite(m.value[i]) && m.value[i] <= m.threshold.value ? 1 : 0;
    }
    return m;
}

// Network measure of a kind whose scenario only adds facilities: one bounded search from the added
// sites, merged with the baseline's times. Times are whole milliseconds, so the minimum of the two
// is exactly what one search from every facility gives. The baseline's measure is copied and only
// the cells an added site reaches sooner are rewritten, as pipeline::network_measure writes them.
coverage::Measure network_added(const pipeline::PreparedStudy& prepared, std::size_t p, const coverage::Measure& base,
                                const pipeline::SnapList& added_snaps, const KindChange& c, std::size_t base_count) {
    const pipeline::PreparedNetwork& net = *prepared.network;
    routing::NetworkCoverageOptions opt;
    opt.cutoff_minutes = prepared.study.horizon_minutes;
    opt.off_road_kmh = net.off_road_kmh(p);
    const auto fresh = routing::travel_times(net.roads(), net.profiles()[p], net.reverse_graph(p), added_snaps,
                                             net.cell_snaps(p), opt);
    coverage::Measure m = base;
    if (c.reordered) {
        const auto to_scenario = scenario_index(c, base_count);
        for (auto& f : m.facility) {
            if (f >= 0) f = to_scenario[static_cast<std::size_t>(f)];
        }
    }
    const double threshold = base.threshold.value;
    for (std::size_t i = 0; i < fresh.size(); ++i) {
        const auto& f = fresh[i];
        // A cell without road access has none from any site (the cells' snaps are the same).
        if (f.access != routing::Access::reached || base.no_road_access[i]) continue;
        if (std::isfinite(m.value[i]) && !(f.minutes < m.value[i])) continue;
        m.value[i] = f.minutes;
        m.facility[i] = static_cast<std::int32_t>(c.added[f.facility]);
        // Covered to the hundredth of a minute, as pipeline::network_measure decides it.
        m.covered[i] = std::round(f.minutes * 100.0) / 100.0 <= threshold ? 1 : 0;
    }
    return m;
}

std::size_t profile_index(const pipeline::PreparedNetwork& net, network::Profile profile) {
    std::size_t p = 0;
    while (net.profiles()[p] != profile) ++p;
    return p;
}

// Per measure of an evaluation made by evaluate_incremental: whether its values (measure) and its
// access scores differ from the baseline's.
struct Changed {
    std::vector<std::uint8_t> measure, access;
};

struct IncrementalStats {
    std::size_t measures_reused = 0, measures_merged = 0, measures_recomputed = 0, access_recomputed = 0;
    std::size_t access_added = 0;  // of access_recomputed: from the added sites only
    std::size_t catchments_released = 0;  // the baseline's catchments the scenario does not read
};

// The scenario's evaluation from the baseline's: a kind whose facilities did not change keeps its
// measures; a kind that only gained facilities is searched from the added sites alone and merged;
// a kind that lost facilities is searched again from all of its facilities. Access is computed
// again for every kind whose facilities or capacities changed. Service areas are not computed
// (as in the baseline evaluation of compare).
// What the scenario keeps is moved out of `base`, not copied (a copy is 12 MB of memory for the
// bundled study's 10 kept measures): afterwards the measures and access of the kinds whose
// facilities did not change have empty per-cell arrays in `base` (their kind, method and
// threshold stay), and so have the access of kinds that did not change at all.
// REQUIRES: `base` evaluated on `prepared` with the same kinds, without service areas, its
// outputs already written.
pipeline::Evaluation evaluate_incremental(const pipeline::PreparedStudy& prepared, pipeline::Evaluation& base,
                                          std::vector<study::FacilitySet> after, unsigned threads,
                                          IncrementalStats& stats, Changed& changed) {
    const std::size_t kinds = after.size();
    pipeline::Evaluation ev;
    ev.facilities = std::move(after);
    ev.measures.resize(base.measures.size());
    std::vector<KindChange> changes(kinds);
    for (std::size_t k = 0; k < kinds; ++k) changes[k] = diff(base.facilities[k], ev.facilities[k]);
    const pipeline::PreparedNetwork* net = prepared.network.get();
    // Snaps of the scenario's facilities: the baseline's where matched, new ones for added sites.
    std::vector<std::vector<pipeline::SnapList>> added_snaps;  // [profile][kind]
    if (net != nullptr) {
        const std::size_t profiles = net->profiles().size();
        ev.facility_snaps.assign(profiles, std::vector<pipeline::SnapList>(kinds));
        added_snaps.assign(profiles, std::vector<pipeline::SnapList>(kinds));
        for (std::size_t p = 0; p < profiles; ++p) {
            for (std::size_t k = 0; k < kinds; ++k) {
                const KindChange& c = changes[k];
                if (!c.facilities_changed()) {
                    ev.facility_snaps[p][k] = base.facility_snaps[p][k];
                    continue;
                }
                added_snaps[p][k] = net->snap(p, positions(ev.facilities[k], c.added));
                auto& snaps = ev.facility_snaps[p][k];
                snaps.resize(ev.facilities[k].id.size());
                for (std::size_t j = 0; j < snaps.size(); ++j) {
                    if (c.base_of[j] >= 0) snaps[j] = base.facility_snaps[p][k][static_cast<std::size_t>(c.base_of[j])];
                }
                for (std::size_t a = 0; a < c.added.size(); ++a) snaps[c.added[a]] = added_snaps[p][k][a];
            }
        }
    }
    // Access computed again per measure: appended (a kind that only gained facilities, appended
    // after the baseline's in the same order with the same capacities: the baseline's ratios kept,
    // the new sites' shares added, equal to the last bit to a full recomputation) or in full.
    enum class Redo : std::uint8_t { none, appended, full };
    std::vector<Redo> redo_access(base.measures.size(), Redo::none);
    if (!base.access.empty()) {
        for (std::size_t m = 0; m < base.measures.size(); ++m) {
            const KindChange& c = changes[kind_index(ev.facilities, base.measures[m].kind, "compare")];
            if (!c.any()) continue;
            const bool appended = c.removed == 0 && !c.capacity_changed && !c.reordered && !c.added.empty();
            redo_access[m] = appended ? Redo::appended : Redo::full;
        }
    }
    // The scenario is evaluated once: of the baseline's catchments it reads only those of the
    // measures whose access it computes in full. The others go back to the heap now, before the
    // scenario's arrays are allocated, so that these reuse memory the process has touched instead
    // of fresh pages (a first touch costs far more than a reuse; docs/performance.md).
    if (prepared.catchments != nullptr) {
        std::vector<pipeline::CatchmentCache::Key> read;
        for (std::size_t m = 0; m < base.measures.size(); ++m) {
            if (redo_access[m] != Redo::full) continue;
            const auto keys =
                pipeline::catchment_keys(prepared, ev.facilities, ev.facility_snaps, base.measures[m]);
            read.insert(read.end(), keys.begin(), keys.end());
        }
        stats.catchments_released = prepared.catchments->release_all_but(read);
    }
    const auto& cells = prepared.inputs.cells;
    parallel_for(base.measures.size(), threads, [&](std::size_t m) {
        coverage::Measure& bm = base.measures[m];
        const std::size_t k = kind_index(ev.facilities, bm.kind, "compare");
        const KindChange& c = changes[k];
        const std::size_t base_count = base.facilities[k].id.size();
        if (!c.facilities_changed()) {
            coverage::Measure& kept = ev.measures[m];
            kept.kind = bm.kind;
            kept.method = bm.method;
            kept.threshold = bm.threshold;
            kept.value = std::move(bm.value);
            kept.facility = std::move(bm.facility);
            kept.covered = std::move(bm.covered);
            kept.no_road_access = std::move(bm.no_road_access);
            if (c.reordered) {
                const auto to_scenario = scenario_index(c, base_count);
                for (auto& f : kept.facility) {
                    if (f >= 0) f = to_scenario[static_cast<std::size_t>(f)];
                }
            }
            return;
        }
        if (!bm.is_network()) {
            ev.measures[m] = c.removed == 0 ? crowfly_added(bm, ev.facilities[k], c, cells.centre_m, base_count)
                                            : coverage::crowfly_coverage(bm.kind, cells.centre_m,
                                                                         ev.facilities[k].position_m, bm.threshold.value);
            return;
        }
        const std::size_t p = profile_index(*net, bm.method.profile);
        if (c.removed == 0) {
            ev.measures[m] = network_added(prepared, p, bm, added_snaps[p][k], c, base_count);
            return;
        }
        routing::NetworkCoverageOptions opt;
        opt.cutoff_minutes = prepared.study.horizon_minutes;
        opt.off_road_kmh = net->off_road_kmh(p);
        const auto times = routing::travel_times(net->roads(), net->profiles()[p], net->reverse_graph(p),
                                                 ev.facility_snaps[p][k], net->cell_snaps(p), opt);
        ev.measures[m] = pipeline::network_measure(bm.kind, net->profiles()[p], bm.threshold.value, times);
    });
    changed.measure.assign(base.measures.size(), 0);
    changed.access.assign(base.measures.size(), 0);
    for (std::size_t m = 0; m < base.measures.size(); ++m) {
        const auto& bm = base.measures[m];
        const KindChange& c = changes[kind_index(ev.facilities, bm.kind, "compare")];
        changed.measure[m] = c.facilities_changed() ? 1 : 0;
        changed.access[m] = c.any() ? 1 : 0;
        if (!c.facilities_changed()) ++stats.measures_reused;
        else if (c.removed == 0) ++stats.measures_merged;
        else ++stats.measures_recomputed;
    }
    if (!base.access.empty()) {
        ev.access.resize(base.access.size());
        std::vector<std::size_t> redo;
        for (std::size_t m = 0; m < base.measures.size(); ++m) {
            if (redo_access[m] != Redo::none) {
                redo.push_back(m);
                stats.access_added += redo_access[m] == Redo::appended ? 1 : 0;
            } else {
                ev.access[m] = std::move(base.access[m]);
            }
        }
        stats.access_recomputed = redo.size();
        // A network measure searches on every thread itself; the crow-fly ones run side by side.
        std::vector<std::size_t> crowfly;
        const auto redo_one = [&](std::size_t m, unsigned t) {
            ev.access[m] = redo_access[m] == Redo::appended
                               ? pipeline::access_measure_appended(prepared, ev, m, base.access[m], t)
                               : pipeline::access_measure(prepared, ev, m, t);
        };
        for (const std::size_t m : redo) {
            if (ev.measures[m].is_network()) {
                redo_one(m, threads);
            } else {
                crowfly.push_back(m);
            }
        }
        parallel_for(crowfly.size(), threads, [&](std::size_t i) { redo_one(crowfly[i], 1); });
    }
    return ev;
}

nlohmann::json num(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

// Equity of one measure as summary.json gives it (report/equity.hpp), with the baseline's horizon
// for both sides; `urban` from report::urban_of_cells (the same cells on both sides).
nlohmann::json equity_json(const pipeline::StudyResult& r, std::size_t m, double horizon,
                           std::span<const std::int8_t> urban) {
    return report::equity_json(r, report::measure_equity(r, m, horizon, urban));
}

// Cells covered in `after` but not `before`, dissolved per measure, of the measures with
// changed[m] (the others are the same on both sides).
io::Layer change_layer(const std::string& name, const pipeline::StudyResult& before, const pipeline::StudyResult& after,
                       const std::vector<std::uint8_t>& changed, bool gained) {
    const auto& in = before.inputs();
    io::Layer layer;
    layer.name = name;
    layer.fields = {{"kind", io::FieldType::string},
                    {"method", io::FieldType::string},
                    {"population", io::FieldType::real},
                    {"cells", io::FieldType::integer}};
    const study::CellGeometry geom(in.cells, geo::wgs84);
    for (std::size_t m = 0; m < before.measures().size(); ++m) {
        if (!changed[m]) continue;
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

// The scenario's added facilities (ids new to their kind, from [[add]], layers or proposals) as the
// `sites` layer of the scenario run folder: `kepu15 render` draws them as proposed sites (拟建设施点).
io::Layer sites_layer(const pipeline::StudyResult& before, const pipeline::StudyResult& after) {
    io::Layer layer;
    layer.name = "sites";
    layer.geometry_kind = io::GeometryKind::point;
    layer.fields = {{"kind", io::FieldType::string}, {"id", io::FieldType::string}, {"name", io::FieldType::string}};
    for (const auto& fs : after.facilities()) {
        std::set<std::string> known;
        for (const auto& b : before.facilities()) {
            if (b.kind == fs.kind) known.insert(b.id.begin(), b.id.end());
        }
        for (std::size_t i = 0; i < fs.id.size(); ++i) {
            if (known.count(fs.id[i]) > 0) continue;
            io::OutputFeature f;
            f.geometry.kind = io::GeometryKind::point;
            f.geometry.points = {fs.position_lonlat[i]};
            f.values = {fs.kind, fs.id[i], fs.name[i]};
            layer.features.push_back(std::move(f));
        }
    }
    return layer;
}

struct Row {
    std::string level, code, name, kind, method, key;
    double population, before_pop, after_pop, before_share, after_share, before_mean, after_mean;
};

io::FieldValue value_or_null(double v) { return std::isfinite(v) ? io::FieldValue(v) : io::FieldValue(); }

// compare.csv through the shared Excel-friendly table format (UTF-8 with BOM, bilingual headers,
// whole persons, percentages with one decimal).
io::CsvTable compare_table(const std::vector<Row>& rows) {
    using K = io::CsvColumnKind;
    io::CsvTable t;
    t.columns = {{"level", "层级", K::text},
                 {"code", "代码", K::text},
                 {"name", "名称", K::text},
                 {"kind", "设施类型", K::text},
                 {"method", "方式", K::text},
                 {"measure", "指标", K::text},
                 {"population", "人口", K::persons},
                 {"covered_before", "现状覆盖人口", K::persons},
                 {"covered_after", "方案覆盖人口", K::persons},
                 {"covered_change", "覆盖人口变化", K::persons},
                 {"share_before_pct", "现状覆盖率(%)", K::percent, 1},
                 {"share_after_pct", "方案覆盖率(%)", K::percent, 1},
                 {"share_change_pct", "覆盖率变化(百分点)", K::percent, 1},
                 {"mean_before", "现状平均距离或时间", K::number, 1},
                 {"mean_after", "方案平均距离或时间", K::number, 1}};
    for (const auto& r : rows) {
        t.rows.push_back({r.level, r.code, r.name, r.kind, r.method, r.key, r.population, r.before_pop, r.after_pop,
                          r.after_pop - r.before_pop, value_or_null(r.before_share), value_or_null(r.after_share),
                          value_or_null(r.after_share - r.before_share), value_or_null(r.before_mean),
                          value_or_null(r.after_mean)});
    }
    return t;
}

// A run folder inside the compare output: its manifest.json also lists the layers the caller adds
// (newly_covered, lost_coverage), so the viewer draws them.
class RunFolder final : public io::Sink {
public:
    RunFolder(std::unique_ptr<io::Sink> inner, std::vector<std::string> extra_files)
        : m_inner(std::move(inner)), m_extra(std::move(extra_files)) {}
    void add_layer(const io::Layer& layer) override { m_inner->add_layer(layer); }
    void add_file(const std::string& name, const std::string& content) override {
        if (name != "manifest.json" || m_extra.empty()) return m_inner->add_file(name, content);
        auto j = nlohmann::json::parse(content);
        auto files = j["files"].get<std::vector<std::string>>();
        files.insert(files.end(), m_extra.begin(), m_extra.end());
        std::sort(files.begin(), files.end());
        j["files"] = files;
        m_inner->add_file(name, j.dump(2) + "\n");
    }
    std::string file_path(const std::string& name) override { return m_inner->file_path(name); }
    void commit() override { m_inner->commit(); }
    [[nodiscard]] std::string describe() const override { return m_inner->describe(); }

private:
    std::unique_ptr<io::Sink> m_inner;
    std::vector<std::string> m_extra;
};

// One run folder (`baseline` or `scenario`) written complete inside the compare output's staging
// folder; the lock file its own output folder leaves beside it is removed.
void write_run_folder(io::OutputFolder& out, const std::string& name, const pipeline::StudyResult& result,
                      const std::vector<const io::Layer*>& extra, const report::ReportOptions& options,
                      unsigned threads, Diagnostics& diag) {
    io::SinkOptions so;
    so.working_crs = result.inputs().working_crs;
    so.threads = threads;
    const std::string dir = (fs::path(out.staging_dir()) / name).string();
    {
        std::vector<std::string> names;
        for (const auto* l : extra) names.push_back(l->name + ".geojson");
        RunFolder sink(io::open_sink(dir, so), names);
        report::write_study_outputs(result, sink, threads, options, diag);
        for (const auto* l : extra) sink.add_layer(*l);
        sink.commit();
    }
    std::error_code ec;
    fs::remove(fs::path(out.staging_dir()) / ("." + name + ".kepu15-lock"), ec);
}

}  // namespace

void run_compare(const CompareRequest& req, std::ostream& log, Diagnostics& diag) {
    if (req.out_dir.empty()) throw config_error("compare: --out is required");
    const scenario::Scenario sc = scenario::load_scenario(req.scenario);
    const study::Study base = with_extra_kinds(study::load_study(req.baseline), sc);
    if (fs::weakly_canonical(sc.baseline) != fs::weakly_canonical(base.file)) {
        diag.warn(sc.file + ": its baseline is " + sc.baseline + ", compared here with " + base.file);
    }
    Timings timings;
    pipeline::PreparedStudy prepared = pipeline::prepare(base, req.threads, diag, timings);
    // The baseline's evaluation stores every access catchment it searches; the scenario's reads
    // those of the facilities it keeps and searches only the new ones.
    prepared.catchments = std::make_unique<pipeline::CatchmentCache>();
    std::map<std::string, std::set<std::string>> ids;
    for (const auto& set : prepared.inputs.facilities) ids[set.kind].insert(set.id.begin(), set.id.end());
    scenario::check_ids(sc, ids);
    pipeline::EvaluateOptions eo;
    eo.service_areas = false;
    pipeline::StudyResult before = pipeline::summarise(
        prepared, pipeline::evaluate(prepared, prepared.inputs.facilities, eo, req.threads, diag, timings), req.threads);

    // The scenario is evaluated once: its new catchments are searched, not stored.
    prepared.catchments->set_storing(false);

    // Equity of the baseline (part of preparing the comparison, like the baseline's evaluation).
    const auto horizon_of = [&](const coverage::Measure& me) {
        return me.is_network() ? base.horizon_minutes : 3 * me.threshold.value;
    };
    const std::vector<std::int8_t> urban = report::urban_of_cells(before);
    std::vector<nlohmann::json> equity_before(before.measures().size());
    parallel_for(before.measures().size(), req.threads, [&](std::size_t m) {
        equity_before[m] = equity_json(before, m, horizon_of(before.measures()[m]), urban);
    });

    // The scenario's CRS transformations, made while loading (PROJ takes tens of milliseconds each).
    Projections projections(prepared.inputs.working_crs);
    projections.to_working_from_wgs84();
    for (const auto& p : sc.add_points) {
        if (p.crs != geo::wgs84) projections.from(p.crs);
    }

    // The baseline's run folder, written (staged) before the scenario is evaluated: the incremental
    // evaluation then takes the arrays of what the scenario keeps from the baseline instead of
    // copying them, and its arrays reuse the memory the writing freed rather than fresh pages.
    io::OutputFolder out(req.out_dir);
    report::ReportOptions ro;
    ro.cells_vector = req.cells_vector;
    write_run_folder(out, "baseline", before, {}, ro, req.threads, diag);

    // The compare step proper: the scenario's facilities, evaluated against the prepared baseline.
    const auto started = std::chrono::steady_clock::now();
    const std::clock_t started_cpu = std::clock();  // the process's CPU time (every thread)
    const MemoryCounters counters_before = req.timings ? MemoryCounters::now() : MemoryCounters{};
    const auto ms_since = [](std::chrono::steady_clock::time_point t) {
        return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
    };
    auto facilities = scenario_facilities(prepared, sc, projections, diag);
    const double facilities_ms = ms_since(started);
    // Threshold or speed overrides change the study: prepare it again (inputs read twice) and
    // evaluate in full. Otherwise only what the edits touch is evaluated again.
    std::optional<pipeline::PreparedStudy> changed;
    const bool incremental = req.incremental && sc.overrides.empty();
    IncrementalStats stats;
    std::optional<pipeline::StudyResult> after_result;
    if (!sc.overrides.empty()) changed.emplace(pipeline::prepare(apply_overrides(base, sc), req.threads, diag, timings));
    const pipeline::PreparedStudy& target = changed ? *changed : prepared;
    const auto evaluating = std::chrono::steady_clock::now();
    Changed changed_measures;
    pipeline::Evaluation after_ev =
        incremental ? evaluate_incremental(target, before.evaluation, std::move(facilities), req.threads, stats,
                                           changed_measures)
                    : pipeline::evaluate(target, std::move(facilities), eo, req.threads, diag, timings);
    const double evaluate_ms = ms_since(evaluating);
    const auto summarising = std::chrono::steady_clock::now();
    if (incremental) {
        after_result.emplace(pipeline::summarise_changes(target, before, std::move(after_ev),
                                                         {changed_measures.measure, changed_measures.access}, req.threads));
    } else {
        after_result.emplace(pipeline::summarise(target, std::move(after_ev), req.threads));
    }
    const double summarise_ms = ms_since(summarising);
    const pipeline::StudyResult& after = *after_result;

    // Equity of the measures that changed, one task each (the cells' urban flags read again only
    // when the scenario prepared the study again).
    std::vector<nlohmann::json> equity_after(before.measures().size());
    {
        const std::vector<std::int8_t> urban_after =
            changed ? report::urban_of_cells(after) : std::vector<std::int8_t>{};
        std::vector<std::size_t> redo;
        for (std::size_t m = 0; m < before.measures().size(); ++m) {
            if (!incremental || changed_measures.measure[m]) redo.push_back(m);
        }
        parallel_for(redo.size(), req.threads, [&](std::size_t t) {
            const std::size_t m = redo[t];
            equity_after[m] =
                equity_json(after, m, horizon_of(after.measures()[m]), changed ? urban_after : urban);
        });
    }
    const auto& in = prepared.inputs;
    std::vector<Row> rows;
    rows.reserve(before.measures().size() * (1 + in.units.size() + in.villages.size()));
    nlohmann::json j;
    j["baseline"] = base.file;
    j["scenario"] = sc.file;
    j["name"] = sc.name;
    j["description"] = sc.description;
    j["folders"] = {{"baseline", "baseline/"}, {"scenario", "scenario/"}};
    for (std::size_t m = 0; m < before.measures().size(); ++m) {
        const auto& me = before.measures()[m];
        const std::string method = me.method.name(), key = me.key();
        auto add = [&](const std::string& level, const std::string& code, const std::string& name,
                       const coverage::Totals& a, const coverage::Totals& b) {
            rows.push_back({level, code, name, me.kind, method, key, a.population, a.covered[m],
                            b.covered[m], a.share(m), b.share(m), a.stats[m].mean, b.stats[m].mean});
        };
        add("region", "ALL", base.name, before.by_unit.region, after.by_unit.region);
        for (std::size_t u = 0; u < in.units.size(); ++u) {
            add("town", in.units[u].code, in.units[u].name, before.by_unit.units[u], after.by_unit.units[u]);
        }
        for (std::size_t v = 0; v < in.villages.size(); ++v) {
            add("village", in.villages[v].code, in.villages[v].name, before.by_village.units[v], after.by_village.units[v]);
        }
        const bool same = incremental && !changed_measures.measure[m];
        j["equity"][me.key()] = {{"before", equity_before[m]},
                                 {"after", same ? equity_before[m] : std::move(equity_after[m])}};
    }
    const auto compared = std::chrono::steady_clock::now();
    const double compare_ms = std::chrono::duration<double, std::milli>(compared - started).count();
    const double compare_cpu_ms = 1e3 * static_cast<double>(std::clock() - started_cpu) / CLOCKS_PER_SEC;
    const MemoryCounters counters_after = req.timings ? MemoryCounters::now() : MemoryCounters{};
    // An incremental evaluation moved the measures it kept out of `before` (they are the same on
    // both sides: nothing gained or lost there).
    const std::vector<std::uint8_t> all_changed(before.measures().size(), 1);
    const std::vector<std::uint8_t>& measure_changed = incremental ? changed_measures.measure : all_changed;
    const io::Layer gained = change_layer("newly_covered", before, after, measure_changed, true);
    const io::Layer lost = change_layer("lost_coverage", before, after, measure_changed, false);
    const double layers_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - compared).count();

    for (const auto& r : rows) {
        j["rows"].push_back({{"level", r.level}, {"code", r.code}, {"name", r.name}, {"kind", r.kind},
                             {"method", r.method}, {"measure", r.key}, {"population", num(r.population)},
                             {"covered_before", num(r.before_pop)}, {"covered_after", num(r.after_pop)},
                             {"share_before", num(r.before_share)}, {"share_after", num(r.after_share)},
                             {"share_change", num(r.after_share - r.before_share)}, {"mean_before", num(r.before_mean)},
                             {"mean_after", num(r.after_mean)}});
    }
    for (const auto* l : {&gained, &lost}) {
        double pop = 0;
        for (const auto& f : l->features) pop += std::get<double>(f.values[2]);
        j[l->name + "_population"] = pop;
    }
    {
        const io::CsvTable table = compare_table(rows);
        io::write_text_atomic(out.path_for("compare.json"), j.dump(2) + "\n");
        io::write_text_atomic(out.path_for("compare.csv"), io::format_csv_table(table));
        io::write_text_atomic(out.path_for("compare.csvt"), io::csv_table_types(table));
        for (const auto* l : {&gained, &lost}) {
            io::WriteOptions wo;
            wo.layer_name = l->name;
            io::write_vector(out.path_for(l->name + ".geojson"), l->fields, l->features, wo);
        }
        const io::Layer sites = sites_layer(before, after);
        std::vector<const io::Layer*> extra{&gained, &lost};
        if (!sites.features.empty()) extra.push_back(&sites);
        write_run_folder(out, "scenario", after, extra, ro, req.threads, diag);
        out.commit();
    }
    log << "kepu15 compare: " << sc.name << " against " << base.name << "\n";
    for (const auto& r : rows) {
        if (r.level != "region") continue;
        log << "  " << std::left << std::setw(18) << r.key << std::right << std::fixed << std::setprecision(1) << std::setw(6)
            << 100 * r.before_share << " % -> " << std::setw(5) << 100 * r.after_share << " %  (" << std::showpos
            << 100 * (r.after_share - r.before_share) << std::noshowpos << " points)\n";
    }
    log << "  scenario evaluated and compared in " << std::setprecision(1) << compare_ms << " ms (CPU "
        << compare_cpu_ms << " ms; facilities "
        << facilities_ms << " ms, evaluation " << evaluate_ms << " ms, summaries " << summarise_ms << " ms; "
        << (incremental ? "incremental: " + std::to_string(stats.measures_reused) + " measures kept, " +
                              std::to_string(stats.measures_merged) + " merged from added sites, " +
                              std::to_string(stats.measures_recomputed) + " searched again, " +
                              std::to_string(stats.access_recomputed) + " access scores recomputed, " +
                              std::to_string(stats.access_added) + " of them from the added sites alone, " +
                              std::to_string(stats.catchments_released) + " baseline catchments released"
                        : std::string(sc.overrides.empty() ? "full evaluation" : "full evaluation: threshold or speed overrides"))
        << "); newly covered and lost areas dissolved in " << layers_ms << " ms\n";
    const MemoryCounters& c0 = counters_before;
    const MemoryCounters& c1 = counters_after;
    if (req.timings) {
        log << "  compare step: user " << c1.user_ms - c0.user_ms << " ms, system " << c1.system_ms - c0.system_ms
            << " ms, " << c1.minor_faults - c0.minor_faults << " page faults; heap " << c0.heap_mb << " -> "
            << c1.heap_mb << " MB, in use " << c0.in_use_mb << " -> " << c1.in_use_mb << " MB, resident "
            << c0.resident_mb << " -> " << c1.resident_mb << " MB, free below the heap's top " << c0.free_mb
            << " -> " << c1.free_mb << " MB\n";
    }
    log << "  outputs in " << req.out_dir
        << " (compare.json, compare.csv, newly_covered.geojson, lost_coverage.geojson, baseline/, scenario/)\n";
}

}  // namespace kepu15::commands
