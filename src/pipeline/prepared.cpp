#include "kepu15/pipeline/prepared.hpp"

#include "kepu15/error.hpp"
#include "kepu15/geo/crs.hpp"
#include "kepu15/network/read_network.hpp"
#include "kepu15/parallel.hpp"
#include "kepu15/pipeline/memory.hpp"
#include "kepu15/study/loaders.hpp"

#include <algorithm>
#include <functional>
#include <future>

namespace kepu15::pipeline {

namespace {

using network::Profile;

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

}  // namespace

PreparedNetwork::PreparedNetwork(network::RoadNetwork roads, std::vector<Profile> profiles,
                                 const network::ProfileSpeeds& speeds, double max_snap_m,
                                 const std::vector<Point>& cells_m, unsigned threads, Timings& timings)
    : m_roads(std::move(roads)), m_profiles(std::move(profiles)), m_graphs(m_profiles.size()),
      m_max_snap_m(max_snap_m), m_source(m_profiles.size()), m_snap_index(m_profiles.size()),
      m_cell_snaps(m_profiles.size()) {
    timings.start("build graph");
    for (Profile p : m_profiles) m_off_road_kmh.push_back(speeds.off_road_kmh(p));
    parallel_for(m_profiles.size(), threads, [&](std::size_t p) {
        m_graphs[p] = network::build_graph(m_roads, m_profiles[p], network::Direction::reverse);
    });

    timings.start("snap");
    std::vector<std::size_t> distinct;
    for (std::size_t p = 0; p < m_profiles.size(); ++p) {
        m_source[p] = p;
        for (std::size_t q : distinct) {
            if (same_usable_edges(m_roads, m_profiles[p], m_profiles[q])) {
                m_source[p] = q;
                break;
            }
        }
        if (m_source[p] == p) distinct.push_back(p);
    }
    if (distinct.empty()) return;
    // One index for the distinct profiles; its graphs' components are those of the reverse graphs
    // (weak connectivity does not depend on the direction of the arcs).
    std::vector<Profile> indexed;
    std::vector<const network::Graph*> graphs;
    for (std::size_t i = 0; i < distinct.size(); ++i) {
        indexed.push_back(m_profiles[distinct[i]]);
        graphs.push_back(&m_graphs[distinct[i]]);
        m_snap_index[distinct[i]] = i;
    }
    for (std::size_t p = 0; p < m_profiles.size(); ++p) m_snap_index[p] = m_snap_index[m_source[p]];
    m_snapper = std::make_unique<network::Snapper>(m_roads, indexed, m_max_snap_m, 50, graphs);
    // Cells in spatial order, in chunks over the threads, every distinct profile in one pass.
    auto snaps = m_snapper->snap_all_profiles(cells_m, threads);
    for (std::size_t i = 0; i < distinct.size(); ++i) m_cell_snaps[distinct[i]] = std::move(snaps[i]);
}

SnapList PreparedNetwork::snap(std::size_t p, const std::vector<Point>& points_m) const {
    SnapList out;
    out.reserve(points_m.size());
    for (const Point& pt : points_m) out.push_back(m_snapper->snap(pt, m_snap_index[p]));
    return out;
}

PreparedStudy prepare(const study::Study& study, unsigned threads, Diagnostics& diag, Timings& timings) {
    PreparedStudy prepared;
    prepared.study = study;
    const bool network = study.uses(study::Method::network);
    const auto read_roads = [&study](const std::string& working_crs, Diagnostics& d) {
        const study::NetworkSpec& spec = *study.network;
        const geo::Transformer to_working(geo::wgs84, working_crs);
        try {
            network::LineNetworkOptions options = study::line_network_options(spec);
            options.read.diagnostics = &d;
            return network::read_network(spec.path, options, to_working, spec.speeds);
        } catch (...) {
            rethrow_with_context("road network");
        }
    };
    // With a working CRS named by the study, the road network is read on a thread of its own while
    // the other inputs load; its messages follow theirs, and an input error still comes first.
    Diagnostics network_diag;
    std::future<network::RoadNetwork> early_roads;
    if (network && !study.working_crs.empty()) {
        early_roads = std::async(std::launch::async, read_roads, study.working_crs, std::ref(network_diag));
    }
    timings.start("read");
    prepared.inputs = study::load_inputs(study, diag);
    check_memory(study, prepared.inputs.cells.size(), 0);
    if (!network) return prepared;

    timings.start("read network");
    network::RoadNetwork roads =
        early_roads.valid() ? early_roads.get() : read_roads(prepared.inputs.working_crs, network_diag);
    diag.append(network_diag);
    check_memory(study, prepared.inputs.cells.size(), roads.edges.size());
    const study::NetworkSpec& spec = *study.network;
    prepared.network = std::make_unique<PreparedNetwork>(std::move(roads), study.profiles, spec.speeds, spec.max_snap_m,
                                                         prepared.inputs.cells.centre_m, threads, timings);
    timings.stop();
    return prepared;
}

}  // namespace kepu15::pipeline
