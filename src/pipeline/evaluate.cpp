#include "kepu15/pipeline/evaluate.hpp"
#include "kepu15/pipeline/service_areas.hpp"

#include "kepu15/access/fca.hpp"
#include "kepu15/access/searched.hpp"
#include "kepu15/coverage/crowfly.hpp"
#include "kepu15/routing/reach_table.hpp"
#include "kepu15/error.hpp"
#include "kepu15/geo/grid_mask.hpp"
#include "kepu15/parallel.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <span>

namespace kepu15::pipeline {

namespace {

void evaluate_network(const PreparedStudy& prepared, Evaluation& ev, const EvaluateOptions& options,
                      unsigned threads, Diagnostics& diag, Timings& timings) {
    const study::Study& study = prepared.study;
    const PreparedNetwork& net = *prepared.network;
    const auto& profiles = net.profiles();
    const std::size_t kinds = ev.facilities.size();

    timings.start("snap facilities");
    // [profile][kind]; profiles that share snaps share the lists.
    std::vector<std::vector<SnapList>> fac_snaps(profiles.size(), std::vector<SnapList>(kinds));
    parallel_for(profiles.size() * kinds, threads, [&](std::size_t task) {
        const std::size_t p = task / kinds;
        const std::size_t k = task % kinds;
        for (std::size_t q = 0; q < p; ++q) {
            if (net.same_snaps(p, q)) return;  // copied below
        }
        fac_snaps[p][k] = net.snap(p, ev.facilities[k].position_m);
    });
    for (std::size_t p = 0; p < profiles.size(); ++p) {
        for (std::size_t q = 0; q < p; ++q) {
            if (net.same_snaps(p, q)) {
                fac_snaps[p] = fac_snaps[q];
                break;
            }
        }
    }
    ev.facility_snaps = fac_snaps;
    for (std::size_t k = 0; k < kinds; ++k) {
        std::size_t unsnapped = 0;
        for (const auto& s : fac_snaps[0][k]) unsnapped += s ? 0 : 1;
        if (unsnapped > 0) {
            diag.warn(ev.facilities[k].source + ": " + std::to_string(unsnapped) + " facilities have no road within " +
                      std::to_string(static_cast<int>(net.max_snap_m())) + " m (" +
                      network::profile_name(profiles[0]) + " network); they cannot be reached by network");
        }
    }

    timings.start("search");
    const std::size_t first = ev.measures.size();
    ev.measures.resize(first + kinds * profiles.size());
    parallel_for(kinds * profiles.size(), threads, [&](std::size_t task) {
        const std::size_t k = task / profiles.size();
        const std::size_t p = task % profiles.size();
        routing::NetworkCoverageOptions opt;
        opt.cutoff_minutes = study.horizon_minutes;
        opt.off_road_kmh = net.off_road_kmh(p);
        const auto times = routing::travel_times(net.roads(), profiles[p], net.reverse_graph(p), fac_snaps[p][k],
                                                 net.cell_snaps(p), opt);
        ev.measures[first + task] =
            network_measure(ev.facilities[k].kind, profiles[p], study.minutes_for(study.facilities[k]), times);
    });

    if (options.service_areas && wants_service_areas(prepared)) {
        timings.start("service areas");
        ev.service_areas = service_areas(prepared, ev.facilities, ev.facility_snaps, threads);
    }
}

std::shared_ptr<const routing::CatchmentPoints> catchment_points_of(const PreparedStudy& prepared,
                                                                    CatchmentCache& cache, std::size_t p,
                                                                    double catchment) {
    const PreparedNetwork& net = *prepared.network;
    return cache.points(p, catchment, [&] {
        return routing::catchment_points(net.roads(), net.profiles()[p], net.reverse_graph(p), net.cell_snaps(p),
                                         catchment, net.off_road_kmh(p));
    });
}

// True when every catchment of network measure m is in the prepared study's cache (nothing to
// search: its access is only additions).
bool catchments_cached(const PreparedStudy& prepared, const Evaluation& ev, std::size_t m) {
    const CatchmentCache* cache = prepared.catchments.get();
    if (cache == nullptr || !ev.measures[m].is_network()) return false;
    for (const auto& key : catchment_keys(prepared, ev.facilities, ev.facility_snaps, ev.measures[m])) {
        if (cache->find(key) == nullptr) return false;
    }
    return true;
}

// The capacities of a kind's facilities [first, end): 1 where absent.
std::vector<double> capacities(const study::FacilitySet& fs, std::size_t first, std::size_t end) {
    std::vector<double> capacity;
    capacity.reserve(end - first);
    for (std::size_t j = first; j < end; ++j) capacity.push_back(std::isfinite(fs.capacity[j]) ? fs.capacity[j] : 1.0);
    return capacity;
}

// Access of measure m over the kind's facilities [first, end), the scores continuing `start`
// (empty: from 0). With a cache, its catchments are read from it (new ones stored when it stores),
// its points' index and its workers' buffers are the cache's.
AccessMeasure access_of_facilities(const PreparedStudy& prepared, const Evaluation& ev, std::size_t m,
                                   std::size_t first, std::size_t end, std::span<const double> start,
                                   unsigned threads, CatchmentCache* cache) {
    const study::Study& study = prepared.study;
    const study::AccessSpec& spec = *study.access;
    const auto& cells = prepared.inputs.cells;
    const coverage::Measure& me = ev.measures[m];
    std::size_t k = 0;
    while (ev.facilities[k].kind != me.kind) ++k;
    const study::FacilitySet& fs = ev.facilities[k];
    AccessMeasure a;
    access::AccessOptions opt = spec.options;
    const std::vector<double> capacity = capacities(fs, first, end);
    access::AccessResult result;
    if (me.is_network()) {
        const PreparedNetwork& net = *prepared.network;
        std::size_t p = 0;
        while (net.profiles()[p] != me.method.profile) ++p;
        a.catchment = spec.catchment_minutes.value_or(study.minutes_for(study.facilities[k]));
        opt.catchment = a.catchment;
        // One bounded search per facility, in parallel; each catchment gives its facility's ratio
        // and is added to the cells' scores in facility order: the same sums in the same order as
        // compute_access on the reach table, so the same bits. With the prepared study's cache, a
        // catchment searched before is read from it (the same list) and a new one is stored.
        const auto& all_snaps = ev.facility_snaps[p][k];
        const SnapList snaps(all_snaps.begin() + static_cast<std::ptrdiff_t>(first),
                             all_snaps.begin() + static_cast<std::ptrdiff_t>(end));
        std::vector<const std::vector<access::CompactEntry>*> cached(snaps.size(), nullptr);
        std::vector<CatchmentCache::Key> keys;
        bool all_cached = true;
        if (cache != nullptr) {
            keys.resize(snaps.size());
            for (std::size_t j = 0; j < snaps.size(); ++j) {
                if (!snaps[j]) continue;
                keys[j] = CatchmentCache::key(p, a.catchment, *snaps[j]);
                cached[j] = cache->find(keys[j]);
                all_cached = all_cached && cached[j] != nullptr;
            }
        }
        // The search's index (per node, the cells leaving through it) only when something is searched.
        std::optional<routing::CatchmentSearch> search;
        if (cache == nullptr || !all_cached) {
            std::shared_ptr<const routing::CatchmentPoints> points;
            if (cache != nullptr) points = catchment_points_of(prepared, *cache, p, a.catchment);
            search.emplace(net.roads(), net.profiles()[p], net.reverse_graph(p), snaps, net.cell_snaps(p), a.catchment,
                           net.off_road_kmh(p), std::move(points));
        }
        access::SearchedCatchments source;
        source.supply_count = snaps.size();
        source.demand_count = cells.size();
        source.unit = coverage::CostUnit::minutes;
        source.limit = a.catchment;
        source.units_per_cost = 60000.0;  // milliseconds per minute
        source.make_search = [&]() -> access::CatchmentSearchFn {
            // With a cache, the worker is one of its spares (buffers of an earlier measure) and
            // goes back to it when the summation drops this function.
            std::shared_ptr<routing::CatchmentSearch::Worker> worker;
            if (search && cache != nullptr) {
                routing::CatchmentWorkers* spares = &cache->workers();
                worker = std::shared_ptr<routing::CatchmentSearch::Worker>(
                    new routing::CatchmentSearch::Worker(spares->take(*search)),
                    [spares](routing::CatchmentSearch::Worker* w) {
                        spares->give(std::move(*w));
                        delete w;
                    });
            } else if (search) {
                worker = std::make_shared<routing::CatchmentSearch::Worker>(search->worker());
            }
            return [worker, cache, &cached, &keys, &snaps](std::size_t j, std::vector<access::CompactEntry>& scratch)
                       -> std::span<const access::CompactEntry> {
                if (cached[j] != nullptr) return *cached[j];
                if (!snaps[j]) return {};
                // ReachedPoint and CompactEntry are the same pair (point, whole milliseconds).
                const std::span<const routing::ReachedPoint> reached = worker->search(j, true);
                scratch.resize(reached.size());
                for (std::size_t e = 0; e < reached.size(); ++e) scratch[e] = {reached[e].point, reached[e].ms};
                if (cache != nullptr) {
                    if (const auto* stored = cache->insert(keys[j], scratch)) return *stored;
                }
                return scratch;
            };
        };
        access::SearchedOptions so;
        so.threads = threads;
        so.start_access = start;
        result = access::compute_access_searched(source, cells.population, capacity, opt, so);
    } else {
        a.catchment = spec.catchment_m.value_or(study.radius_for(study.facilities[k]));
        opt.catchment = a.catchment;
        const std::vector<Point> positions(fs.position_m.begin() + static_cast<std::ptrdiff_t>(first),
                                           fs.position_m.begin() + static_cast<std::ptrdiff_t>(end));
        const coverage::CostTable table = coverage::crowfly_reach_table(cells.centre_m, positions, a.catchment);
        result = start.empty() ? access::compute_access(table, cells.population, capacity, opt)
                               : access::compute_access_by_supply_from(coverage::transpose(table), cells.population,
                                                                       capacity, opt, start);
    }
    a.score = std::move(result.access);
    a.catchment_population = std::move(result.catchment_demand);
    a.ratio = std::move(result.ratio);
    return a;
}

}  // namespace

std::vector<CatchmentCache::Key> catchment_keys(const PreparedStudy& prepared,
                                                const std::vector<study::FacilitySet>& facilities,
                                                const std::vector<std::vector<SnapList>>& facility_snaps,
                                                const coverage::Measure& me) {
    std::vector<CatchmentCache::Key> keys;
    if (!me.is_network()) return keys;
    std::size_t k = 0;
    while (facilities[k].kind != me.kind) ++k;
    const PreparedNetwork& net = *prepared.network;
    std::size_t p = 0;
    while (net.profiles()[p] != me.method.profile) ++p;
    const study::Study& study = prepared.study;
    const double catchment = study.access->catchment_minutes.value_or(study.minutes_for(study.facilities[k]));
    for (const auto& snap : facility_snaps[p][k]) {
        if (snap) keys.push_back(CatchmentCache::key(p, catchment, *snap));
    }
    return keys;
}

AccessMeasure access_measure(const PreparedStudy& prepared, const Evaluation& ev, std::size_t m, unsigned threads) {
    std::size_t k = 0;
    while (ev.facilities[k].kind != ev.measures[m].kind) ++k;
    return access_of_facilities(prepared, ev, m, 0, ev.facilities[k].position_m.size(), {}, threads,
                                prepared.catchments.get());
}

// Per measure: 2SFCA / E2SFCA / gravity within the kind's catchment (crow-fly metres, or minutes by
// the measure's profile) with the facilities' capacities (1 when absent). A network measure with
// catchments to search uses every thread itself (its catchments searched in parallel), so those
// measures run one after another; the crow-fly measures and the network measures whose catchments
// are all cached (only additions) run side by side, one thread each. A single run has no cache
// (each measure builds its points' index for its own facilities' edges): a cache of the run alone,
// storing nothing but sharing the index per profile and the workers' buffers between measures,
// measured no cheaper (docs/performance.md "Access").
std::vector<AccessMeasure> access_stage(const PreparedStudy& prepared, const Evaluation& ev, unsigned threads) {
    std::vector<AccessMeasure> access(ev.measures.size());
    std::vector<std::size_t> side_by_side;
    for (std::size_t m = 0; m < ev.measures.size(); ++m) {
        if (ev.measures[m].is_network() && !catchments_cached(prepared, ev, m)) {
            access[m] = access_measure(prepared, ev, m, threads);
        } else {
            side_by_side.push_back(m);
        }
    }
    parallel_for(side_by_side.size(), threads, [&](std::size_t i) {
        const std::size_t m = side_by_side[i];
        access[m] = access_measure(prepared, ev, m, 1);
    });
    return access;
}

AccessMeasure access_measure_appended(const PreparedStudy& prepared, const Evaluation& ev, std::size_t m,
                                      const AccessMeasure& base, unsigned threads) {
    std::size_t k = 0;
    while (ev.facilities[k].kind != ev.measures[m].kind) ++k;
    const std::size_t base_count = base.ratio.size();
    const std::size_t count = ev.facilities[k].position_m.size();
    if (base_count > count || base.score.size() != prepared.inputs.cells.size()) {
        throw config_error("access: the baseline's access of " + ev.measures[m].kind + " does not fit the scenario (" +
                           std::to_string(base_count) + " baseline facilities, " + std::to_string(count) + " now)");
    }
    AccessMeasure added =
        access_of_facilities(prepared, ev, m, base_count, count, base.score, threads, prepared.catchments.get());
    AccessMeasure a;
    a.catchment = added.catchment;
    a.score = std::move(added.score);
    a.catchment_population = base.catchment_population;
    a.catchment_population.insert(a.catchment_population.end(), added.catchment_population.begin(),
                                  added.catchment_population.end());
    a.ratio = base.ratio;
    a.ratio.insert(a.ratio.end(), added.ratio.begin(), added.ratio.end());
    return a;
}

coverage::Measure network_measure(const std::string& kind, network::Profile profile, double threshold_minutes,
                                  const std::vector<routing::PointTime>& times) {
    coverage::Measure m;
    m.kind = kind;
    m.method = coverage::Method::network(profile);
    m.threshold = {threshold_minutes, coverage::CostUnit::minutes};
    const std::size_t n = times.size();
    m.value.assign(n, std::numeric_limits<double>::quiet_NaN());
    m.facility.assign(n, -1);
    m.covered.assign(n, 0);
    m.no_road_access.assign(n, 0);
    for (std::size_t i = 0; i < n; ++i) {
        switch (times[i].access) {
            case routing::Access::reached:
                m.value[i] = times[i].minutes;
                m.facility[i] = static_cast<std::int32_t>(times[i].facility);
                // Covered to the hundredth of a minute, the precision of every output: a cell shown
                // at 15.00 minutes is covered by a 15-minute threshold.
                m.covered[i] = std::round(times[i].minutes * 100.0) / 100.0 <= threshold_minutes ? 1 : 0;
                break;
            case routing::Access::no_road_access:
                m.no_road_access[i] = 1;
                break;
            case routing::Access::beyond_cutoff:
                break;
        }
    }
    return m;
}

Evaluation evaluate(const PreparedStudy& prepared, std::vector<study::FacilitySet> facilities,
                    const EvaluateOptions& options, unsigned threads, Diagnostics& diag, Timings& timings) {
    const study::Study& study = prepared.study;
    if (facilities.size() != study.facilities.size()) {
        throw config_error("evaluate: " + std::to_string(facilities.size()) + " facility sets for " +
                           std::to_string(study.facilities.size()) + " kinds of the study");
    }
    Evaluation ev;
    ev.facilities = std::move(facilities);
    const auto& cells = prepared.inputs.cells;
    if (study.uses(study::Method::crowfly)) {
        timings.start("crowfly search");
        ev.measures.resize(ev.facilities.size());
        parallel_for(ev.facilities.size(), threads, [&](std::size_t k) {
            ev.measures[k] = coverage::crowfly_coverage(ev.facilities[k].kind, cells.centre_m,
                                                        ev.facilities[k].position_m,
                                                        study.radius_for(study.facilities[k]));
        });
    }
    if (prepared.network) evaluate_network(prepared, ev, options, threads, diag, timings);
    if (options.after_search) options.after_search(ev);
    if (study.access) {
        timings.start("access");
        ev.access = access_stage(prepared, ev, threads);
    }
    timings.stop();
    return ev;
}

}  // namespace kepu15::pipeline
