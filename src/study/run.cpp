#include "kepu15/study/run.hpp"

#include "kepu15/coverage/crowfly.hpp"
#include "kepu15/error.hpp"
#include "kepu15/geo/crs.hpp"
#include "kepu15/geo/polygon_ops.hpp"
#include "kepu15/geo/grid_mask.hpp"
#include "kepu15/io/polygonize.hpp"
#include "kepu15/network/graph.hpp"
#include "kepu15/network/read_network.hpp"
#include "kepu15/network/snap.hpp"
#include "kepu15/parallel.hpp"
#include "kepu15/report/outputs.hpp"
#include "kepu15/routing/network_coverage.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <iomanip>
#include <limits>
#include <optional>
#include <ostream>

namespace kepu15::study {

namespace {

using network::Profile;
using SnapList = std::vector<std::optional<network::Snap>>;

network::RoadNetwork read_network(const NetworkSpec& spec, const geo::Transformer& to_working) {
    network::LineNetworkOptions opt;
    opt.read = spec.read;
    opt.speed_field = spec.speed_field;
    opt.class_field = spec.class_field;
    opt.oneway_field = spec.oneway_field;
    opt.walk_field = spec.walk_field;
    opt.bike_field = spec.bike_field;
    opt.snap_tolerance_m = spec.snap_tolerance_m;
    return network::read_network(spec.path, opt, to_working, spec.speeds);
}

// Service areas are the reached street parts drawn on a grid of study.isochrone_cell_m cells and
// widened by one cell on each side (a corridor of about 1.5 cells, 75 m at the default 50 m), then
// polygonized: the streets reached and the land beside them, with holes where blocks are not reached.
// Buffering every segment with GEOS gave the same shapes but took seconds per area.
constexpr int service_area_radius_cells = 1;

// True when the two profiles may use the same edges (in at least one direction each).
bool same_usable_edges(const network::RoadNetwork& net, Profile a, Profile b) {
    const auto ia = static_cast<std::size_t>(a);
    const auto ib = static_cast<std::size_t>(b);
    for (const auto& e : net.edges) {
        const bool ua = e.forward_kmh[ia] > 0.0F || e.backward_kmh[ia] > 0.0F;
        const bool ub = e.forward_kmh[ib] > 0.0F || e.backward_kmh[ib] > 0.0F;
        if (ua != ub) return false;
    }
    return true;
}

// Snaps of every populated cell and facility, per profile. Profiles allowed on exactly the same
// edges (walk and elderly) snap identically: snapping runs once per distinct edge set, in chunks of
// cells so that both threads stay busy.
class SnapTable {
public:
    SnapTable(const network::RoadNetwork& net, const std::vector<Profile>& profiles, const Inputs& in,
              double max_snap_m, unsigned threads)
        : m_source(profiles.size()), m_cells(profiles.size()),
          m_facilities(profiles.size(), std::vector<SnapList>(in.facilities.size())) {
        std::vector<std::size_t> distinct;
        for (std::size_t p = 0; p < profiles.size(); ++p) {
            m_source[p] = p;
            for (std::size_t q : distinct) {
                if (same_usable_edges(net, profiles[p], profiles[q])) {
                    m_source[p] = q;
                    break;
                }
            }
            if (m_source[p] == p) distinct.push_back(p);
        }
        std::vector<std::unique_ptr<network::Snapper>> snappers(profiles.size());
        parallel_for(distinct.size(), threads, [&](std::size_t i) {
            const std::size_t p = distinct[i];
            snappers[p] = std::make_unique<network::Snapper>(net, profiles[p], max_snap_m);
        });
        constexpr std::size_t chunk = 4096;
        const std::size_t chunks = (in.cells.size() + chunk - 1) / chunk;
        for (std::size_t p : distinct) m_cells[p].resize(in.cells.size());
        // Per distinct profile: `chunks` tasks of cells, then one task for the facilities.
        parallel_for(distinct.size() * (chunks + 1), threads, [&](std::size_t task) {
            const std::size_t p = distinct[task / (chunks + 1)];
            const std::size_t c = task % (chunks + 1);
            if (c == chunks) {
                for (std::size_t k = 0; k < in.facilities.size(); ++k) {
                    for (const Point& f : in.facilities[k].position_m) m_facilities[p][k].push_back(snappers[p]->snap(f));
                }
                return;
            }
            const std::size_t end = std::min(in.cells.size(), (c + 1) * chunk);
            for (std::size_t i = c * chunk; i < end; ++i) m_cells[p][i] = snappers[p]->snap(in.cells.centre_m[i]);
        });
    }

    // Snaps of the populated cells for profile index p (study order).
    [[nodiscard]] const SnapList& cells(std::size_t p) const { return m_cells[m_source[p]]; }
    // Snaps of the facilities of each kind for profile index p.
    [[nodiscard]] const std::vector<SnapList>& facilities(std::size_t p) const { return m_facilities[m_source[p]]; }

private:
    std::vector<std::size_t> m_source;  // profile whose snaps profile p shares
    std::vector<SnapList> m_cells;
    std::vector<std::vector<SnapList>> m_facilities;
};

void compute_network(const Study& study, StudyResult& result, unsigned threads, Timings& timings) {
    const NetworkSpec& spec = *study.network;
    const Inputs& in = result.inputs;
    timings.start("read network");
    const geo::Transformer to_working(geo::wgs84, in.working_crs);
    network::RoadNetwork net;
    try {
        net = read_network(spec, to_working);
    } catch (...) {
        rethrow_with_context("road network");
    }
    result.network_nodes = net.nodes_m.size();
    result.network_edges = net.edges.size();

    const auto& profiles = study.profiles;
    timings.start("build graph");
    std::vector<network::Graph> graphs(profiles.size());
    // Reverse graphs: one search from the facilities over reversed arcs gives every home's time *to*
    // its nearest facility (one-way streets count in the direction residents travel).
    parallel_for(profiles.size(), threads, [&](std::size_t p) {
        graphs[p] = network::build_graph(net, profiles[p], network::Direction::reverse);
    });

    timings.start("snap");
    const SnapTable snaps(net, profiles, in, spec.max_snap_m, threads);
    for (std::size_t k = 0; k < in.facilities.size(); ++k) {
        std::size_t unsnapped = 0;
        for (const auto& s : snaps.facilities(0)[k]) unsnapped += s ? 0 : 1;
        if (unsnapped > 0) {
            warn(in.facilities[k].source + ": " + std::to_string(unsnapped) + " facilities have no road within " +
                 std::to_string(static_cast<int>(spec.max_snap_m)) + " m (" + network::profile_name(profiles[0]) +
                 " network); they cannot be reached by network");
        }
    }

    timings.start("search");
    const std::size_t kinds = in.facilities.size();
    const std::size_t first = result.measures.size();
    result.measures.resize(first + kinds * profiles.size());
    parallel_for(kinds * profiles.size(), threads, [&](std::size_t task) {
        const std::size_t k = task / profiles.size();
        const std::size_t p = task % profiles.size();
        routing::NetworkCoverageOptions opt;
        opt.cutoff_minutes = study.minutes_for(study.facilities[k]);
        opt.off_road_kmh = spec.speeds.off_road_kmh(profiles[p]);
        const auto times = routing::travel_times(net, profiles[p], graphs[p], snaps.facilities(p)[k],
                                               snaps.cells(p), opt);
        coverage::Measure m;
        m.kind = in.facilities[k].kind;
        m.method = network::profile_name(profiles[p]);
        m.threshold = opt.cutoff_minutes;
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
                    m.covered[i] = times[i].minutes <= opt.cutoff_minutes ? 1 : 0;
                    break;
                case routing::Access::no_road_access:
                    m.no_road_access[i] = 1;
                    break;
                case routing::Access::beyond_cutoff:
                    break;
            }
        }
        result.measures[first + task] = std::move(m);
    });

    if (study.isochrones && !study.isochrone_minutes.empty()) {
        timings.start("service areas");
        const auto& bands = study.isochrone_minutes;
        const std::size_t tasks = kinds * profiles.size() * bands.size();
        std::vector<ServiceArea> areas(tasks);
        parallel_for(tasks, threads, [&](std::size_t task) {
            const std::size_t b = task % bands.size();
            const std::size_t p = (task / bands.size()) % profiles.size();
            const std::size_t k = task / (bands.size() * profiles.size());
            const auto parts = routing::reached_edge_parts(net, profiles[p], graphs[p], snaps.facilities(p)[k],
                                                           bands[b], spec.speeds.off_road_kmh(profiles[p]));
            ServiceArea& a = areas[task];
            a.kind = in.facilities[k].kind;
            a.profile = network::profile_name(profiles[p]);
            a.minutes = bands[b];
            a.shape_m = io::polygonize(geo::rasterize_lines(parts, study.isochrone_cell_m, service_area_radius_cells));
        });
        result.service_areas = std::move(areas);
    }
}

std::string pick_primary_method(const Study& study) {
    if (study.uses(Method::network)) {
        for (Profile p : study.profiles) {
            if (p == Profile::walk) return "walk";
        }
        return network::profile_name(study.profiles.front());
    }
    return "crowfly";
}

}  // namespace

StudyResult compute_study(const Study& study, unsigned threads, Timings& timings) {
    StudyResult result;
    timings.start("read");
    result.inputs = load_inputs(study);
    const Inputs& in = result.inputs;

    if (study.uses(Method::crowfly)) {
        timings.start("crowfly search");
        result.measures.resize(in.facilities.size());
        parallel_for(in.facilities.size(), threads, [&](std::size_t k) {
            result.measures[k] = coverage::crowfly_coverage(in.facilities[k].kind, in.cells.centre_m,
                                                            in.facilities[k].position_m,
                                                            study.radius_for(study.facilities[k]));
        });
    }
    if (study.uses(Method::network)) compute_network(study, result, threads, timings);

    timings.start("aggregate");
    result.primary_method = pick_primary_method(study);
    result.by_unit = coverage::aggregate(in.cells.unit, in.units.size(), in.cells.population, in.cells.groups,
                                         result.measures);
    result.by_village = coverage::aggregate(in.cells.village, in.villages.size(), in.cells.population,
                                            in.cells.groups, result.measures);
    timings.stop();
    return result;
}

StudyResult run_study(const Study& study, const RunOptions& options, std::ostream& log) {
    Timings timings;
    StudyResult result = compute_study(study, options.threads, timings);
    timings.start("write");
    {
        io::StagedOutputs outputs(options.out_dir);
        report::write_study_outputs(study, result, outputs, options.threads);
        outputs.commit();
    }
    timings.stop();
    const auto& r = result.by_unit.region;
    log << "kepu15: " << study.name << ": " << result.inputs.cells.size() << " populated cells, population "
        << std::fixed << std::setprecision(0) << r.population << ", " << result.inputs.units.size() << " units, "
        << result.inputs.villages.size() << " villages\n";
    for (std::size_t m = 0; m < result.measures.size(); ++m) {
        const auto& me = result.measures[m];
        log << "  " << std::left << std::setw(18) << me.key() << " covered " << std::right << std::setw(5)
            << std::setprecision(1) << 100.0 * r.share(m) << " %  (" << (me.is_network() ? "" : "")
            << std::setprecision(0) << me.threshold << (me.is_network() ? " min)" : " m)") << '\n';
    }
    log << "  outputs in " << io::redact_connection(options.out_dir) << '\n';
    if (options.timings) {
        double total = 0;
        for (const auto& [name, s] : timings.stages()) {
            log << "  time " << std::left << std::setw(16) << name << std::right << std::setprecision(3) << s << " s\n";
            total += s;
        }
        log << "  time " << std::left << std::setw(16) << "total" << std::right << std::setprecision(3) << total
            << " s\n";
    }
    return result;
}

}  // namespace kepu15::study
