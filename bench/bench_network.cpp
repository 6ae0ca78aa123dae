// Network search benchmark: one bounded 15-minute multi-source search per profile on a seeded
// road-like graph (~160,000 nodes, ~540,000 arcs over 30 x 30 km, 300 facilities), single thread.
// Prints node/arc counts and the median/min time over the repetitions, for kepu15's search and a
// plain binary-heap (std::priority_queue) Dijkstra baseline. Run through scripts/bench-network.sh.
// Usage: bench_network [repetitions] [seed]   DEFAULT: 20 repetitions, seed 20240615.
#include "road_grid.hpp"

#include "kepu15/huge_pages.hpp"
#include "kepu15/network/graph.hpp"
#include "kepu15/network/road_network.hpp"
#include "kepu15/routing/dijkstra.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <queue>
#include <random>
#include <string>
#include <vector>

using namespace kepu15;
using network::NodeId;
using network::Profile;

namespace {

constexpr std::size_t facility_count = 300;
constexpr std::uint32_t cutoff_ms = 15 * 60 * 1000;

// Textbook Dijkstra: binary heap with lazy deletion, fresh arrays per search.
std::vector<std::uint32_t> baseline_dijkstra(const network::Graph& g, const std::vector<routing::Source>& sources,
                                             std::uint32_t cutoff) {
    std::vector<std::uint32_t> dist(g.node_count(), routing::unreached);
    using Entry = std::pair<std::uint32_t, NodeId>;
    std::priority_queue<Entry, std::vector<Entry>, std::greater<>> heap;
    for (const auto& s : sources) {
        if (s.start_ms <= cutoff && s.start_ms < dist[s.node]) {
            dist[s.node] = s.start_ms;
            heap.push({s.start_ms, s.node});
        }
    }
    while (!heap.empty()) {
        const auto [d, u] = heap.top();
        heap.pop();
        if (d != dist[u]) continue;
        for (std::uint32_t a = g.first_out[u]; a < g.first_out[u + 1]; ++a) {
            const std::uint64_t c = std::uint64_t{d} + g.weight_ms[a];
            const NodeId v = g.head[a];
            if (c <= cutoff && c < dist[v]) {
                dist[v] = static_cast<std::uint32_t>(c);
                heap.push({dist[v], v});
            }
        }
    }
    return dist;
}

struct Timing {
    double median_ms;
    double min_ms;
};

Timing time_it(int repetitions, const std::function<void()>& fn) {
    std::vector<double> t;
    for (int i = 0; i < repetitions; ++i) {
        const auto start = std::chrono::steady_clock::now();
        fn();
        const auto stop = std::chrono::steady_clock::now();
        t.push_back(std::chrono::duration<double, std::milli>(stop - start).count());
    }
    std::sort(t.begin(), t.end());
    const std::size_t m = t.size() / 2;
    const double median = t.size() % 2 == 1 ? t[m] : (t[m - 1] + t[m]) / 2.0;
    return {median, t.front()};
}

}  // namespace

int main(int argc, char** argv) {
    kepu15::use_huge_page_heap();  // as the kepu15 executable does
    const int repetitions = argc > 1 ? std::max(1, std::atoi(argv[1])) : 20;
    const std::uint32_t seed = argc > 2 ? static_cast<std::uint32_t>(std::strtoul(argv[2], nullptr, 10)) : 20240615U;

    const auto t0 = std::chrono::steady_clock::now();
    const network::RoadNetwork net = bench::make_road_grid(seed);
    const auto t1 = std::chrono::steady_clock::now();
    std::printf("bench_network: seed %u, %d repetitions, cutoff 15 min, %zu facilities, single thread\n", seed,
                repetitions, facility_count);
    std::printf("road network: %zu nodes, %zu edges (generated in %.0f ms)\n", net.nodes_m.size(), net.edges.size(),
                std::chrono::duration<double, std::milli>(t1 - t0).count());

    std::mt19937_64 rng(seed + 1);
    std::uniform_int_distribution<NodeId> pick(0, static_cast<NodeId>(net.nodes_m.size() - 1));
    std::uniform_int_distribution<std::uint32_t> off_road_ms(0, 60000);  // up to 1 min walk to the road
    std::vector<routing::Source> sources;
    for (std::size_t i = 0; i < facility_count; ++i) {
        sources.push_back({pick(rng), off_road_ms(rng), static_cast<std::uint32_t>(i)});
    }

    std::printf("%-8s %8s %8s %9s | %-22s | %-22s | %-22s\n", "profile", "nodes", "arcs", "reached",
                "DijkstraSearch med/min", "one-off search med/min", "binary heap med/min");
    bool all_agree = true;
    for (const Profile p : network::all_profiles) {
        const auto tb0 = std::chrono::steady_clock::now();
        const network::Graph g = network::build_graph(net, p);
        const auto tb1 = std::chrono::steady_clock::now();
        routing::DijkstraSearch search(g);
        std::size_t reached = 0;
        const Timing reuse = time_it(repetitions, [&] {
            const auto& r = search.run(sources, cutoff_ms);
            reached = static_cast<std::size_t>(
                std::count_if(r.cost_ms.begin(), r.cost_ms.end(), [](std::uint32_t c) { return c != routing::unreached; }));
        });
        const Timing oneoff = time_it(repetitions, [&] { (void)routing::multi_source_dijkstra(g, sources, cutoff_ms); });
        std::vector<std::uint32_t> base;
        const Timing baseline = time_it(repetitions, [&] { base = baseline_dijkstra(g, sources, cutoff_ms); });
        const bool agree = base == search.run(sources, cutoff_ms).cost_ms;
        all_agree = all_agree && agree;
        std::printf("%-8s %8zu %8zu %9zu | %9.2f / %-9.2f ms | %9.2f / %-9.2f ms | %9.2f / %-9.2f ms%s  (graph built in %.0f ms)\n",
                    network::profile_name(p), g.node_count(), g.arc_count(), reached, reuse.median_ms, reuse.min_ms,
                    oneoff.median_ms, oneoff.min_ms, baseline.median_ms, baseline.min_ms, agree ? "" : "  COSTS DIFFER",
                    std::chrono::duration<double, std::milli>(tb1 - tb0).count());
    }
    std::printf("costs equal to the baseline on every node: %s\n", all_agree ? "yes" : "NO");
    return all_agree ? 0 : 1;
}
