// The reach table: per point (a populated cell, a demand point), every facility it reaches within
// a limit, with the minutes (network) or metres (crow-fly). The input of capacity-aware
// accessibility (2SFCA, gravity) and siting; nearest-facility minutes stay on the faster
// multi-source search of travel_times.
#pragma once

#include "kepu15/coverage/cost_table.hpp"
#include "kepu15/geo/geometry.hpp"
#include "kepu15/network/graph.hpp"
#include "kepu15/network/road_network.hpp"
#include "kepu15/network/snap.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

namespace kepu15::routing {

// Origins = points, destinations = facilities, cost in minutes FROM the point TO the facility,
// with exactly the semantics of travel_times (reverse graph, snaps inside edges or at junctions,
// off-road legs at `off_road_kmh`, travel along a shared edge, integer milliseconds): for every
// point, the minimum over its entries equals travel_times' minutes whenever that is within the
// limit. A point or facility without a snap has no entries.
// One bounded search per facility over the reverse graph (buffers reused, only touched nodes
// reset), facilities split over `threads`; memory: the entries plus O(nodes + points) per thread.
// REQUIRES: reverse_graph == network::build_graph(network, profile, network::Direction::reverse).
// Throws input_error (wrong graph, unknown edge) and config_error (negative limit, off-road speed <= 0).
coverage::CostTable reach_table(const network::RoadNetwork& network, network::Profile profile,
                                const network::Graph& reverse_graph,
                                const std::vector<std::optional<network::Snap>>& facility_snaps,
                                const std::vector<std::optional<network::Snap>>& point_snaps,
                                double limit_minutes, double off_road_kmh, unsigned threads = 1);

// The same pairs keyed by facility: origins are the facilities, destinations the points (each
// facility's catchment, sorted by point), equal to coverage::transpose(reach_table(...)) but
// built without the per-point table. What capacity-aware access (access::compute_access_by_supply)
// reads: it sums every catchment in one pass.
coverage::CostTable reach_table_by_facility(const network::RoadNetwork& network, network::Profile profile,
                                            const network::Graph& reverse_graph,
                                            const std::vector<std::optional<network::Snap>>& facility_snaps,
                                            const std::vector<std::optional<network::Snap>>& point_snaps,
                                            double limit_minutes, double off_road_kmh, unsigned threads = 1);

// One point of a facility's catchment in whole milliseconds: 8 bytes, the compact form a caller
// keeps when it holds many catchments at once.
struct ReachedPoint {
    std::uint32_t point;
    std::uint32_t ms;
};

class DijkstraSearch;
struct Source;

// The points' side of catchment searches: per node, the points leaving through it within the
// limit; per edge, the points strictly inside it. It depends only on the points' snaps, the
// profile, the limit and the off-road speed, so one is built per profile and limit and shared by
// the CatchmentSearch of every facility set (pipeline::CatchmentCache keeps them for a prepared
// study). Throws as reach_table.
struct CatchmentPoints;
std::shared_ptr<const CatchmentPoints> catchment_points(const network::RoadNetwork& network, network::Profile profile,
                                                        const network::Graph& reverse_graph,
                                                        const std::vector<std::optional<network::Snap>>& point_snaps,
                                                        double limit_minutes, double off_road_kmh);

// The catchments of a facility set searched one facility at a time, on as many threads as the
// caller likes: the shared part (facilities, per node the points leaving through it) is built once
// by the constructor; each thread takes its own Worker (search buffers and a per-point best,
// O(nodes + points)). Same pairs and minutes as reach_table. `points`, when given, is the points'
// side built by catchment_points from the same network, profile, graph, point snaps, limit and
// off-road speed (null: built here).
// REQUIRES: as reach_table. Throws as reach_table (from the constructor).
class CatchmentSearch {
public:
    CatchmentSearch(const network::RoadNetwork& network, network::Profile profile, const network::Graph& reverse_graph,
                    const std::vector<std::optional<network::Snap>>& facility_snaps,
                    const std::vector<std::optional<network::Snap>>& point_snaps, double limit_minutes,
                    double off_road_kmh, std::shared_ptr<const CatchmentPoints> points = nullptr);
    ~CatchmentSearch();
    [[nodiscard]] std::size_t facility_count() const;
    [[nodiscard]] std::size_t point_count() const;

    struct Index;
    class Worker {
    public:
        explicit Worker(std::shared_ptr<const Index> index);
        Worker(Worker&&) noexcept;
        Worker& operator=(Worker&&) noexcept;
        ~Worker();
        // Facility f's catchment (empty when unsnapped), sorted by point when `sorted` (else in
        // the order reached); valid until the next search of this worker.
        std::span<const ReachedPoint> search(std::size_t facility, bool sorted = true);

    private:
        friend class CatchmentSearch;
        friend class CatchmentWorkers;
        std::shared_ptr<const Index> m_index;
        std::unique_ptr<DijkstraSearch> m_search;
        std::vector<std::uint32_t> m_best;   // per point; `unreached` between searches
        std::vector<std::uint64_t> m_seen;   // per point, one bit: reached by this search
        std::vector<std::uint32_t> m_touched;
        std::vector<ReachedPoint> m_out;
        std::vector<Source> m_sources;
    };
    // One per thread; a Worker must not be shared between threads.
    [[nodiscard]] Worker worker() const;
    // A worker on `spare`'s buffers when `spare` was made for the same reverse graph and point count
    // (a worker of another facility set, profile's graph or limit): no allocation and no page
    // faults, which cost as much as a few drive searches when every measure makes its workers
    // afresh. Otherwise a new worker (`spare` is dropped). The same results either way.
    [[nodiscard]] Worker worker(Worker&& spare) const;

private:
    friend class CatchmentWorkers;
    std::shared_ptr<Index> m_index;
};

// Spare catchment workers kept between the searches of several measures or evaluations (their
// buffers: O(nodes + points) each). Thread-safe.
class CatchmentWorkers {
public:
    // A worker for `search`, on the buffers of a spare one made for the same graph and point count
    // when there is one.
    [[nodiscard]] CatchmentSearch::Worker take(const CatchmentSearch& search);
    // Keeps `worker` as a spare (never throws: called from deleters; dropped when it cannot be kept).
    void give(CatchmentSearch::Worker&& worker) noexcept;

private:
    std::mutex m_mutex;
    std::vector<CatchmentSearch::Worker> m_spare;
};


}  // namespace kepu15::routing
