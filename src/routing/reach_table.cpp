#include "kepu15/routing/reach_table.hpp"

#include "kepu15/parallel.hpp"
#include "kepu15/routing/detail/snap_legs.hpp"
#include "kepu15/routing/dijkstra.hpp"

#include <algorithm>
#include <span>
#include <unordered_map>

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

// Per node, the points that leave their edge through it (CSR).
struct PointsByNode {
    std::vector<std::uint32_t> first;
    std::vector<PointLeg> legs;
};

struct Reached {
    std::uint32_t point;
    std::uint32_t ms;
};

// Per facility, the points within the limit with their integer milliseconds, handed to
// emit(facility, std::span<const Reached>) in increasing facility order on the calling thread;
// each list sorted by point when `sorted` (ascending point order is what summing a facility's
// catchment in the same order as compute_access needs). With one thread nothing is stored
// between facilities: the list lives in a buffer reused for the next one.
template <class Emit>
void reached_by_facility(const network::RoadNetwork& network, network::Profile profile,
                         const network::Graph& reverse_graph, const std::vector<std::optional<Snap>>& facility_snaps,
                         const std::vector<std::optional<Snap>>& point_snaps, double limit_minutes,
                         double off_road_kmh, unsigned threads, bool sorted, Emit&& emit) {
    check_reverse_graph(network, reverse_graph);
    check_off_road_speed(off_road_kmh);
    const auto p = static_cast<std::size_t>(profile);
    const std::uint32_t cutoff = cutoff_ms_of(limit_minutes);
    const std::size_t node_count = network.nodes_m.size();

    // Facilities: their edge, offset and off-road leg (validated before any thread starts).
    struct FacilityAt {
        const RoadEdge* edge = nullptr;
        network::EdgeId edge_id = 0;
        double offset_m = 0.0;
        std::uint32_t off_road_ms = 0;
    };
    std::vector<FacilityAt> fac(facility_snaps.size());
    std::unordered_map<network::EdgeId, std::vector<PointOnEdge>> on_facility_edge;
    for (std::size_t f = 0; f < facility_snaps.size(); ++f) {
        if (!facility_snaps[f]) continue;
        const Snap& s = *facility_snaps[f];
        const RoadEdge& e = edge_of(network, s, "facility", f);
        fac[f] = {&e, s.edge, clamped_offset(e, s), travel_ms(s.off_road_m, off_road_kmh)};
        on_facility_edge.try_emplace(s.edge);
    }

    // Points: per node the points leaving through it; per facility edge the points inside it.
    PointsByNode by_node;
    by_node.first.assign(node_count + 1, 0);
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
            ++by_node.first[exits[k].node + 1];
        }
        if (inside_edge(e, q)) {
            if (const auto it = on_facility_edge.find(s.edge); it != on_facility_edge.end()) {
                it->second.push_back({point, q, off_ms});
            }
        }
    }
    for (std::size_t v = 0; v < node_count; ++v) by_node.first[v + 1] += by_node.first[v];
    by_node.legs.resize(legs.size());
    {
        std::vector<std::uint32_t> next(by_node.first.begin(), by_node.first.end() - 1);
        for (const auto& [v, leg] : legs) by_node.legs[next[v]++] = leg;
    }
    legs = {};

    // One bounded search per facility; each worker keeps its search buffers and a per-point best.
    const std::size_t workers =
        std::max<std::size_t>(1, std::min<std::size_t>(threads, facility_snaps.size()));
    std::vector<std::vector<Reached>> per_facility(workers > 1 ? facility_snaps.size() : 0);
    parallel_for(workers, static_cast<unsigned>(workers), [&](std::size_t w) {
        DijkstraSearch search(reverse_graph);
        std::vector<std::uint32_t> best(point_snaps.size(), unreached);
        std::vector<std::uint32_t> touched;
        std::vector<Source> sources;
        std::vector<Reached> scratch;
        for (std::size_t f = w; f < fac.size(); f += workers) {
            std::vector<Reached>& out = workers > 1 ? per_facility[f] : scratch;
            out.clear();
            const FacilityAt& at = fac[f];
            if (at.edge == nullptr) {
                if (workers == 1) emit(f, std::span<const Reached>(out));
                continue;
            }
            sources.clear();
            append_facility_sources(*at.edge, at.offset_m, at.off_road_ms, p, static_cast<std::uint32_t>(f),
                                    sources);
            const auto consider = [&](std::uint32_t point, std::uint64_t ms) {
                if (ms > cutoff) return;
                if (best[point] == unreached) touched.push_back(point);
                if (ms < best[point]) best[point] = static_cast<std::uint32_t>(ms);
            };
            const std::uint32_t* cost = search.run(sources, cutoff).cost_ms.data();
            for (const NodeId v : search.reached()) {
                const std::uint64_t cv = cost[v];
                for (std::uint32_t k = by_node.first[v], end = by_node.first[v + 1]; k < end; ++k) {
                    consider(by_node.legs[k].point, cv + by_node.legs[k].leg_ms);
                }
            }
            // Points on the facility's own edge may reach it without passing a node.
            const FacilityOnEdge here{static_cast<std::uint32_t>(f), at.offset_m, at.off_road_ms};
            const float fwd = at.edge->forward_kmh[p];
            const float bwd = at.edge->backward_kmh[p];
            for (const PointOnEdge& pt : on_facility_edge.at(at.edge_id)) {
                if (const auto ms = same_edge_ms(here, pt.offset_m, fwd, bwd))
                    consider(pt.point, *ms + pt.off_road_ms);
            }
            out.reserve(touched.size());
            if (sorted && touched.size() * 16 > best.size()) {
                // Many points: one pass over all of them is cheaper than sorting the touched ones.
                for (std::uint32_t point = 0; point < best.size(); ++point) {
                    if (best[point] == unreached) continue;
                    out.push_back({point, best[point]});
                    best[point] = unreached;
                }
            } else {
                if (sorted) std::sort(touched.begin(), touched.end());
                for (const std::uint32_t point : touched) {
                    out.push_back({point, best[point]});
                    best[point] = unreached;
                }
            }
            touched.clear();
            if (workers == 1) emit(f, std::span<const Reached>(out));
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

void for_each_catchment(const network::RoadNetwork& network, network::Profile profile,
                        const network::Graph& reverse_graph, const std::vector<std::optional<Snap>>& facility_snaps,
                        const std::vector<std::optional<Snap>>& point_snaps, double limit_minutes,
                        double off_road_kmh, const CatchmentVisitor& visit) {
    std::vector<coverage::CostEntry> entries;
    reached_by_facility(network, profile, reverse_graph, facility_snaps, point_snaps, limit_minutes, off_road_kmh, 1,
                        true, [&](std::size_t f, std::span<const Reached> reached) {
                            entries.clear();
                            for (const Reached& r : reached) {
                                entries.push_back({r.point, static_cast<double>(r.ms) / ms_per_minute});
                            }
                            visit(f, std::span<const coverage::CostEntry>(entries));
                        });
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
