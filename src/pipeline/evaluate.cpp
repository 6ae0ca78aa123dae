#include "kepu15/pipeline/evaluate.hpp"

#include "kepu15/access/fca.hpp"
#include "kepu15/coverage/crowfly.hpp"
#include "kepu15/routing/reach_table.hpp"
#include "kepu15/error.hpp"
#include "kepu15/geo/grid_mask.hpp"
#include "kepu15/parallel.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace kepu15::pipeline {

namespace {

// Service areas are the reached street parts drawn on a grid of study.isochrone_cell_m cells and
// widened by one cell on each side (a corridor of about 1.5 cells, 75 m at the default 50 m), then
// polygonized: the streets reached and the land beside them, with holes where blocks are not reached.
// Buffering every segment with GEOS gave the same shapes but took seconds per area.
constexpr int service_area_radius_cells = 1;

// One service area per facility x profile x band (kind, profile, facility, band order), with the
// people inside from one reach table per kind x profile up to the widest band. Facilities without
// a road within max_snap_m get none.
std::vector<ServiceArea> per_facility_service_areas(const PreparedStudy& prepared, const Evaluation& ev,
                                                    unsigned threads) {
    const study::Study& study = prepared.study;
    const PreparedNetwork& net = *prepared.network;
    const auto& cells = prepared.inputs.cells;
    const auto& profiles = net.profiles();
    const auto& bands = study.isochrone_minutes;
    const double widest = *std::max_element(bands.begin(), bands.end());
    struct Task {
        std::size_t area;  // index in `areas` of the first band
        std::size_t profile, kind, facility;
    };
    std::vector<ServiceArea> areas;
    std::vector<Task> tasks;
    for (std::size_t k = 0; k < ev.facilities.size(); ++k) {
        for (std::size_t p = 0; p < profiles.size(); ++p) {
            const auto& snaps = ev.facility_snaps[p][k];
            const std::size_t first = areas.size();
            for (std::size_t f = 0; f < snaps.size(); ++f) {
                if (!snaps[f]) continue;
                tasks.push_back({areas.size(), p, k, f});
                for (double band : bands) {
                    ServiceArea a;
                    a.kind = ev.facilities[k].kind;
                    a.profile = profiles[p];
                    a.minutes = band;
                    a.facility = static_cast<std::int32_t>(f);
                    a.groups.assign(cells.groups.size(), 0.0);
                    areas.push_back(std::move(a));
                }
            }
            if (areas.size() == first) continue;
            // People inside: every (cell, facility) pair within the widest band, once per band it is within.
            const coverage::CostTable table =
                routing::reach_table(net.roads(), profiles[p], net.reverse_graph(p), snaps, net.cell_snaps(p), widest,
                                     net.off_road_kmh(p), threads);
            std::vector<std::size_t> area_of(snaps.size(), 0);  // first area of each snapped facility
            for (std::size_t i = first; i < areas.size(); i += bands.size()) {
                area_of[static_cast<std::size_t>(areas[i].facility)] = i;
            }
            for (std::size_t i = 0; i < cells.size(); ++i) {
                for (const auto& e : table.of(i)) {
                    const double minutes = std::round(e.cost * 100.0) / 100.0;
                    for (std::size_t b = 0; b < bands.size(); ++b) {
                        if (minutes > bands[b]) continue;
                        ServiceArea& a = areas[area_of[e.destination] + b];
                        a.population += cells.population[i];
                        for (std::size_t g = 0; g < cells.groups.size(); ++g) a.groups[g] += cells.groups[g][i];
                    }
                }
            }
        }
    }
    // One search per facility x profile for all bands; its areas are consecutive from task.area.
    parallel_for(tasks.size(), threads, [&](std::size_t t) {
        const Task& task = tasks[t];
        const auto parts = routing::reached_edge_parts_by_band(
            net.roads(), profiles[task.profile], net.reverse_graph(task.profile),
            {ev.facility_snaps[task.profile][task.kind][task.facility]}, bands, net.off_road_kmh(task.profile));
        for (std::size_t b = 0; b < bands.size(); ++b) {
            areas[task.area + b].shape_m =
                geo::polygonize(geo::rasterize_lines(parts[b], study.isochrone_cell_m, service_area_radius_cells));
        }
    });
    return areas;
}

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

    if (options.service_areas && study.isochrones && !study.isochrone_minutes.empty() &&
        study.service_areas_per_facility) {
        timings.start("service areas");
        ev.service_areas = per_facility_service_areas(prepared, ev, threads);
    } else if (options.service_areas && study.isochrones && !study.isochrone_minutes.empty()) {
        timings.start("service areas");
        const auto& bands = study.isochrone_minutes;
        // Areas in kind x profile x band order. One search per kind x profile for all its bands
        // (routing::reached_edge_parts_by_band gives each band's parts as its own search would);
        // then one task per band draws and polygonizes its mask.
        std::vector<ServiceArea> areas(kinds * profiles.size() * bands.size());
        std::vector<std::vector<std::vector<LineString>>> parts(kinds * profiles.size());
        parallel_for(parts.size(), threads, [&](std::size_t task) {
            const std::size_t p = task % profiles.size();
            const std::size_t k = task / profiles.size();
            parts[task] = routing::reached_edge_parts_by_band(net.roads(), profiles[p], net.reverse_graph(p),
                                                              fac_snaps[p][k], bands, net.off_road_kmh(p));
        });
        parallel_for(areas.size(), threads, [&](std::size_t task) {
            const std::size_t b = task % bands.size();
            const std::size_t p = (task / bands.size()) % profiles.size();
            const std::size_t k = task / (bands.size() * profiles.size());
            ServiceArea& a = areas[task];
            a.kind = ev.facilities[k].kind;
            a.profile = profiles[p];
            a.minutes = bands[b];
            auto& lines = parts[task / bands.size()][b];
            a.shape_m = geo::polygonize(geo::rasterize_lines(lines, study.isochrone_cell_m, service_area_radius_cells));
            std::vector<LineString>().swap(lines);  // drawn: free it
        });
        ev.service_areas = std::move(areas);
    }
}

// Per measure: the reach table within the kind's catchment (crow-fly metres, or minutes by the
// measure's profile), then 2SFCA / E2SFCA / gravity with the facilities' capacities (1 when absent).
void evaluate_access(const PreparedStudy& prepared, Evaluation& ev, unsigned threads) {
    const study::Study& study = prepared.study;
    const study::AccessSpec& spec = *study.access;
    const auto& cells = prepared.inputs.cells;
    ev.access.resize(ev.measures.size());
    // The biggest tables first (facilities x catchment area, driving at a typical 40 km/h), so the
    // threads finish together.
    std::vector<double> work(ev.measures.size(), 0.0);
    for (std::size_t m = 0; m < work.size(); ++m) {
        const coverage::Measure& me = ev.measures[m];
        std::size_t k = 0;
        while (ev.facilities[k].kind != me.kind) ++k;
        double reach_m = spec.catchment_m.value_or(study.radius_for(study.facilities[k]));
        if (me.is_network()) {
            const PreparedNetwork& net = *prepared.network;
            std::size_t p = 0;
            while (net.profiles()[p] != me.method.profile) ++p;
            const network::Profile pr = net.profiles()[p];
            const double kmh = pr == network::Profile::drive ? 40.0 : study.network->speeds.constant_kmh(pr);
            reach_m = kmh / 60.0 * 1000.0 * spec.catchment_minutes.value_or(study.minutes_for(study.facilities[k]));
        }
        work[m] = static_cast<double>(ev.facilities[k].position_m.size()) * reach_m * reach_m;
    }
    std::vector<std::size_t> order(work.size());
    for (std::size_t m = 0; m < order.size(); ++m) order[m] = m;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return work[a] > work[b]; });
    parallel_for(ev.measures.size(), threads, [&](std::size_t task) {
        const std::size_t m = order[task];
        ev.access[m] = access_measure(prepared, ev, m);
    });
}

}  // namespace

AccessMeasure access_measure(const PreparedStudy& prepared, const Evaluation& ev, std::size_t m) {
    const study::Study& study = prepared.study;
    const study::AccessSpec& spec = *study.access;
    const auto& cells = prepared.inputs.cells;
    const coverage::Measure& me = ev.measures[m];
    std::size_t k = 0;
    while (ev.facilities[k].kind != me.kind) ++k;
    const study::FacilitySet& fs = ev.facilities[k];
    AccessMeasure a;
    access::AccessOptions opt = spec.options;
    std::vector<double> capacity(fs.capacity.size());
    for (std::size_t j = 0; j < capacity.size(); ++j) capacity[j] = std::isfinite(fs.capacity[j]) ? fs.capacity[j] : 1.0;
    access::AccessResult result;
    if (me.is_network()) {
        const PreparedNetwork& net = *prepared.network;
        std::size_t p = 0;
        while (net.profiles()[p] != me.method.profile) ++p;
        a.catchment = spec.catchment_minutes.value_or(study.minutes_for(study.facilities[k]));
        opt.catchment = a.catchment;
        // The catchments are searched twice (step 1, step 2) rather than stored: the pairs of a
        // 15-minute drive run to millions, and writing them costs more than a second search.
        // Same sums in the same order as compute_access on the reach table: the same bits.
        access::CatchmentSource source;
        source.supply_count = fs.position_m.size();
        source.demand_count = cells.size();
        source.unit = coverage::CostUnit::minutes;
        source.limit = a.catchment;
        source.for_each = [&](const access::CatchmentSource::Visitor& visit) {
            routing::for_each_catchment(net.roads(), net.profiles()[p], net.reverse_graph(p),
                                        ev.facility_snaps[p][k], net.cell_snaps(p), a.catchment,
                                        net.off_road_kmh(p), visit);
        };
        result = access::compute_access_by_supply(source, cells.population, capacity, opt);
    } else {
        a.catchment = spec.catchment_m.value_or(study.radius_for(study.facilities[k]));
        opt.catchment = a.catchment;
        const coverage::CostTable table = coverage::crowfly_reach_table(cells.centre_m, fs.position_m, a.catchment);
        result = access::compute_access(table, cells.population, capacity, opt);
    }
    a.score = std::move(result.access);
    a.catchment_population = std::move(result.catchment_demand);
    a.ratio = std::move(result.ratio);
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
    if (study.access) {
        timings.start("access");
        evaluate_access(prepared, ev, threads);
    }
    timings.stop();
    return ev;
}

}  // namespace kepu15::pipeline
