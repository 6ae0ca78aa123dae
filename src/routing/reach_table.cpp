#include "kepu15/routing/reach_table.hpp"

#include "kepu15/error.hpp"
#include "kepu15/parallel.hpp"
#include "kepu15/routing/detail/snap_legs.hpp"
#include "kepu15/routing/dijkstra.hpp"

#include <algorithm>
#include <bit>
#include <memory>
#include <optional>
#include <span>
#include <unordered_set>

namespace kepu15::routing {

using network::NodeId;
using network::RoadEdge;
using network::Snap;
using network::travel_ms;
using namespace detail;

namespace {

// A point seen from a node: reaching the node within c ms puts the point within c + leg_ms
// (its way along its edge to the node plus its off-road leg).
struct PointLeg {
    std::uint32_t point;
    std::uint32_t leg_ms;
};

// A point strictly inside an edge that carries a facility.
struct PointOnEdge {
    std::uint32_t point;
    double offset_m;
    std::uint32_t off_road_ms;
};

using Reached = ReachedPoint;

// Per facility, the points within the limit with their integer milliseconds, handed to
// emit(facility, std::span<const Reached>) in increasing facility order on the calling thread;
// each list sorted by point when `sorted`. With one thread nothing is stored between facilities.
template <class Emit>
void reached_by_facility(const network::RoadNetwork& network, network::Profile profile,
                         const network::Graph& reverse_graph, const std::vector<std::optional<Snap>>& facility_snaps,
                         const std::vector<std::optional<Snap>>& point_snaps, double limit_minutes,
                         double off_road_kmh, unsigned threads, bool sorted, Emit&& emit) {
    const CatchmentSearch catchments(network, profile, reverse_graph, facility_snaps, point_snaps, limit_minutes,
                                     off_road_kmh);
    const std::size_t workers =
        std::max<std::size_t>(1, std::min<std::size_t>(threads, facility_snaps.size()));
    std::vector<std::vector<Reached>> per_facility(workers > 1 ? facility_snaps.size() : 0);
    parallel_for(workers, static_cast<unsigned>(workers), [&](std::size_t w) {
        CatchmentSearch::Worker worker = catchments.worker();
        for (std::size_t f = w; f < facility_snaps.size(); f += workers) {
            const std::span<const Reached> reached = worker.search(f, sorted);
            if (workers == 1) {
                emit(f, reached);
            } else {
                per_facility[f].assign(reached.begin(), reached.end());
            }
        }
    });
    if (workers > 1) {
        for (std::size_t f = 0; f < per_facility.size(); ++f) {
            emit(f, std::span<const Reached>(per_facility[f]));
            per_facility[f] = {};
        }
    }
}

}  // namespace

// Per node the points leaving through it within the cutoff (CSR), per edge the points strictly
// inside it (CSR, in point order).
struct CatchmentPoints {
    const network::RoadNetwork* network = nullptr;
    const network::Graph* reverse_graph = nullptr;
    std::size_t profile = 0;
    std::uint32_t cutoff = 0;
    std::size_t point_count = 0;
    std::vector<std::uint32_t> first;  // per node, into legs
    std::vector<PointLeg> legs;
    // Points strictly inside an edge, sorted by edge then point: every edge's, or only those of the
    // edges of the facility set it was built for.
    std::vector<std::pair<network::EdgeId, PointOnEdge>> inside;
};

namespace {

// facility_snaps: keep only the points inside these facilities' edges (null: inside every edge).
std::shared_ptr<const CatchmentPoints> build_catchment_points(const network::RoadNetwork& network,
                                                              network::Profile profile,
                                                              const network::Graph& reverse_graph,
                                                              const std::vector<std::optional<Snap>>& point_snaps,
                                                              double limit_minutes, double off_road_kmh,
                                                              const std::vector<std::optional<Snap>>* facility_snaps) {
    check_reverse_graph(network, reverse_graph);
    check_off_road_speed(off_road_kmh);
    auto out = std::make_shared<CatchmentPoints>();
    CatchmentPoints& ix = *out;
    const auto p = static_cast<std::size_t>(profile);
    ix.network = &network;
    ix.reverse_graph = &reverse_graph;
    ix.profile = p;
    ix.cutoff = cutoff_ms_of(limit_minutes);
    ix.point_count = point_snaps.size();
    const std::uint32_t cutoff = ix.cutoff;
    const std::size_t node_count = network.nodes_m.size();
    ix.first.assign(node_count + 1, 0);
    std::unordered_set<network::EdgeId> facility_edges;
    if (facility_snaps != nullptr) {
        for (const auto& s : *facility_snaps) {
            if (s) facility_edges.insert(s->edge);
        }
    }
    std::vector<std::pair<NodeId, PointLeg>> legs;
    legs.reserve(point_snaps.size() * 2);
    for (std::size_t i = 0; i < point_snaps.size(); ++i) {
        if (!point_snaps[i]) continue;
        const Snap& s = *point_snaps[i];
        const RoadEdge& e = edge_of(network, s, "point", i);
        const double q = clamped_offset(e, s);
        const std::uint32_t off_ms = travel_ms(s.off_road_m, off_road_kmh);
        const auto point = static_cast<std::uint32_t>(i);
        NodeLeg exits[2];
        const int n = point_exits(e, q, p, exits);
        for (int k = 0; k < n; ++k) {
            const std::uint64_t leg = std::uint64_t{exits[k].leg_ms} + off_ms;
            if (leg > cutoff) continue;  // too far from the node to reach anything within the limit
            legs.push_back({exits[k].node, {point, static_cast<std::uint32_t>(leg)}});
            ++ix.first[exits[k].node + 1];
        }
        if (inside_edge(e, q) && (facility_snaps == nullptr || facility_edges.count(s.edge) != 0)) {
            ix.inside.push_back({s.edge, {point, q, off_ms}});
        }
    }
    for (std::size_t v = 0; v < node_count; ++v) ix.first[v + 1] += ix.first[v];
    ix.legs.resize(legs.size());
    std::vector<std::uint32_t> next(ix.first.begin(), ix.first.end() - 1);
    for (const auto& [v, leg] : legs) ix.legs[next[v]++] = leg;
    // Pushed in point order: a stable sort by edge keeps each edge's points in point order.
    std::stable_sort(ix.inside.begin(), ix.inside.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    return out;
}

}  // namespace

std::shared_ptr<const CatchmentPoints> catchment_points(const network::RoadNetwork& network, network::Profile profile,
                                                        const network::Graph& reverse_graph,
                                                        const std::vector<std::optional<Snap>>& point_snaps,
                                                        double limit_minutes, double off_road_kmh) {
    return build_catchment_points(network, profile, reverse_graph, point_snaps, limit_minutes, off_road_kmh, nullptr);
}

// Facilities (their edge, offset and off-road leg) and the points' side: built once, read by
// every worker.
struct CatchmentSearch::Index {
    struct FacilityAt {
        const RoadEdge* edge = nullptr;
        network::EdgeId edge_id = 0;
        double offset_m = 0.0;
        std::uint32_t off_road_ms = 0;
    };
    const network::Graph* reverse_graph = nullptr;
    std::size_t profile = 0;
    std::uint32_t cutoff = 0;
    std::size_t point_count = 0;
    std::vector<FacilityAt> fac;
    std::shared_ptr<const CatchmentPoints> points;
};

CatchmentSearch::CatchmentSearch(const network::RoadNetwork& network, network::Profile profile,
                                 const network::Graph& reverse_graph,
                                 const std::vector<std::optional<Snap>>& facility_snaps,
                                 const std::vector<std::optional<Snap>>& point_snaps, double limit_minutes,
                                 double off_road_kmh, std::shared_ptr<const CatchmentPoints> points)
    : m_index(std::make_shared<Index>()) {
    if (!points) {
        points = build_catchment_points(network, profile, reverse_graph, point_snaps, limit_minutes, off_road_kmh,
                                        &facility_snaps);
    }
    if (points->network != &network || points->reverse_graph != &reverse_graph ||
        points->profile != static_cast<std::size_t>(profile) || points->cutoff != cutoff_ms_of(limit_minutes) ||
        points->point_count != point_snaps.size()) {
        throw config_error("catchment search: the points' index was built for another graph, profile, limit or point set");
    }
    Index& ix = *m_index;
    const auto p = static_cast<std::size_t>(profile);
    ix.reverse_graph = &reverse_graph;
    ix.profile = p;
    ix.cutoff = points->cutoff;
    ix.point_count = point_snaps.size();
    ix.points = std::move(points);
    ix.fac.resize(facility_snaps.size());
    for (std::size_t f = 0; f < facility_snaps.size(); ++f) {
        if (!facility_snaps[f]) continue;
        const Snap& s = *facility_snaps[f];
        const RoadEdge& e = edge_of(network, s, "facility", f);
        ix.fac[f] = {&e, s.edge, clamped_offset(e, s), travel_ms(s.off_road_m, off_road_kmh)};
    }
}

CatchmentSearch::~CatchmentSearch() = default;

std::size_t CatchmentSearch::facility_count() const { return m_index->fac.size(); }
std::size_t CatchmentSearch::point_count() const { return m_index->point_count; }

CatchmentSearch::Worker CatchmentSearch::worker() const { return Worker(m_index); }

CatchmentSearch::Worker::Worker(std::shared_ptr<const Index> index)
    : m_index(std::move(index)),
      m_search(std::make_unique<DijkstraSearch>(*m_index->reverse_graph)),
      m_best(m_index->point_count, unreached),
      m_seen((m_index->point_count + 63) / 64, 0) {}

CatchmentSearch::Worker::Worker(Worker&&) noexcept = default;
CatchmentSearch::Worker& CatchmentSearch::Worker::operator=(Worker&&) noexcept = default;
CatchmentSearch::Worker::~Worker() = default;

CatchmentSearch::Worker CatchmentSearch::worker(Worker&& spare) const {
    // Between searches a worker's buffers are clean (every per-point best `unreached`, the bitmap
    // zero, the search's touched nodes reset by its next run), so only the index changes.
    if (spare.m_index && spare.m_search && spare.m_index->reverse_graph == m_index->reverse_graph &&
        spare.m_index->point_count == m_index->point_count) {
        Worker w(std::move(spare));
        w.m_index = m_index;
        return w;
    }
    return worker();
}

CatchmentSearch::Worker CatchmentWorkers::take(const CatchmentSearch& search) {
    std::optional<CatchmentSearch::Worker> spare;
    {
        const std::lock_guard<std::mutex> lock(m_mutex);
        const CatchmentSearch::Index& want = *search.m_index;
        for (std::size_t i = m_spare.size(); i-- > 0;) {
            const CatchmentSearch::Index& has = *m_spare[i].m_index;
            if (has.reverse_graph == want.reverse_graph && has.point_count == want.point_count) {
                spare.emplace(std::move(m_spare[i]));
                m_spare.erase(m_spare.begin() + static_cast<std::ptrdiff_t>(i));
                break;
            }
        }
    }
    return spare ? search.worker(std::move(*spare)) : search.worker();
}

void CatchmentWorkers::give(CatchmentSearch::Worker&& worker) noexcept {
    try {
        const std::lock_guard<std::mutex> lock(m_mutex);
        m_spare.push_back(std::move(worker));
    } catch (...) {
        // Out of memory or a failed lock: the worker is dropped (its buffers freed), nothing lost.
    }
}

std::span<const ReachedPoint> CatchmentSearch::Worker::search(std::size_t f, bool sorted) {
    const Index& ix = *m_index;
    m_out.clear();
    const Index::FacilityAt& at = ix.fac.at(f);
    if (at.edge == nullptr) return m_out;
    const std::uint32_t cutoff = ix.cutoff;
    std::vector<Source>& sources = m_sources;
    sources.clear();
    append_facility_sources(*at.edge, at.offset_m, at.off_road_ms, ix.profile, static_cast<std::uint32_t>(f),
                            sources);
    std::uint32_t* best = m_best.data();
    std::uint64_t* seen = m_seen.data();
    const auto consider = [&](std::uint32_t point, std::uint64_t ms) {
        if (ms > cutoff) return;
        if (best[point] == unreached) {
            m_touched.push_back(point);
            seen[point >> 6] |= std::uint64_t{1} << (point & 63);
        }
        if (ms < best[point]) best[point] = static_cast<std::uint32_t>(ms);
    };
    const std::uint32_t* cost = m_search->run_costs(sources, cutoff).cost_ms.data();
    const CatchmentPoints& pts = *ix.points;
    const std::uint32_t* first = pts.first.data();
    const PointLeg* legs = pts.legs.data();
    for (const NodeId v : m_search->reached()) {
        const std::uint64_t cv = cost[v];
        for (std::uint32_t k = first[v], end = first[v + 1]; k < end; ++k) consider(legs[k].point, cv + legs[k].leg_ms);
    }
    // Points on the facility's own edge may reach it without passing a node.
    const FacilityOnEdge here{static_cast<std::uint32_t>(f), at.offset_m, at.off_road_ms};
    const float fwd = at.edge->forward_kmh[ix.profile];
    const float bwd = at.edge->backward_kmh[ix.profile];
    const auto on_edge = std::equal_range(
        pts.inside.begin(), pts.inside.end(), std::pair<network::EdgeId, PointOnEdge>{at.edge_id, {}},
        [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto it = on_edge.first; it != on_edge.second; ++it) {
        const PointOnEdge& pt = it->second;
        if (const auto ms = same_edge_ms(here, pt.offset_m, fwd, bwd)) consider(pt.point, *ms + pt.off_road_ms);
    }
    m_out.reserve(m_touched.size());
    if (sorted && m_touched.size() * 256 >= m_best.size()) {
        // Many points: the bitmap of the points seen gives them in order, cheaper than sorting.
        for (std::size_t w = 0; w < m_seen.size(); ++w) {
            std::uint64_t bits = seen[w];
            seen[w] = 0;
            while (bits != 0) {
                const auto point =
                    static_cast<std::uint32_t>(w * 64 + static_cast<std::size_t>(std::countr_zero(bits)));
                bits &= bits - 1;
                m_out.push_back({point, best[point]});
                best[point] = unreached;
            }
        }
    } else {
        if (sorted) std::sort(m_touched.begin(), m_touched.end());
        for (const std::uint32_t point : m_touched) {
            m_out.push_back({point, best[point]});
            best[point] = unreached;
            seen[point >> 6] = 0;
        }
    }
    m_touched.clear();
    return m_out;
}

coverage::CostTable reach_table(const network::RoadNetwork& network, network::Profile profile,
                                const network::Graph& reverse_graph,
                                const std::vector<std::optional<Snap>>& facility_snaps,
                                const std::vector<std::optional<Snap>>& point_snaps, double limit_minutes,
                                double off_road_kmh, unsigned threads) {
    std::vector<std::vector<Reached>> per_facility(facility_snaps.size());
    reached_by_facility(network, profile, reverse_graph, facility_snaps, point_snaps, limit_minutes, off_road_kmh,
                        threads, false, [&](std::size_t f, std::span<const Reached> reached) {
                            per_facility[f].assign(reached.begin(), reached.end());
                        });

    // CSR by origin; facilities are visited in increasing order, so each row is sorted by destination.
    coverage::CostTable table;
    table.origin_count = point_snaps.size();
    table.destination_count = facility_snaps.size();
    table.unit = coverage::CostUnit::minutes;
    table.limit = limit_minutes;
    table.first.assign(table.origin_count + 1, 0);
    for (const auto& reached : per_facility) {
        for (const Reached& r : reached) ++table.first[r.point + 1];
    }
    for (std::size_t i = 0; i < table.origin_count; ++i) table.first[i + 1] += table.first[i];
    table.entries.resize(table.first[table.origin_count]);
    std::vector<std::uint64_t> next(table.first.begin(), table.first.end() - 1);
    for (std::size_t f = 0; f < per_facility.size(); ++f) {
        for (const Reached& r : per_facility[f]) {
            table.entries[next[r.point]++] = {static_cast<std::uint32_t>(f),
                                              static_cast<double>(r.ms) / ms_per_minute};
        }
        per_facility[f] = {};
    }
    return table;
}

coverage::CostTable reach_table_by_facility(const network::RoadNetwork& network, network::Profile profile,
                                            const network::Graph& reverse_graph,
                                            const std::vector<std::optional<Snap>>& facility_snaps,
                                            const std::vector<std::optional<Snap>>& point_snaps,
                                            double limit_minutes, double off_road_kmh, unsigned threads) {
    coverage::CostTable table;
    table.origin_count = facility_snaps.size();
    table.destination_count = point_snaps.size();
    table.unit = coverage::CostUnit::minutes;
    table.limit = limit_minutes;
    table.first.reserve(table.origin_count + 1);
    reached_by_facility(network, profile, reverse_graph, facility_snaps, point_snaps, limit_minutes, off_road_kmh,
                        threads, true, [&](std::size_t, std::span<const Reached> reached) {
                            for (const Reached& r : reached) {
                                table.entries.push_back({r.point, static_cast<double>(r.ms) / ms_per_minute});
                            }
                            table.first.push_back(table.entries.size());
                        });
    return table;
}

}  // namespace kepu15::routing
