// Bounded multi-source Dijkstra on a CSR graph (radix heap: integer ms costs popped in order).
#pragma once

#include "kepu15/network/graph.hpp"

#include <cstdint>
#include <limits>
#include <vector>

namespace kepu15::routing {

inline constexpr std::uint32_t unreached = std::numeric_limits<std::uint32_t>::max();
inline constexpr std::uint32_t no_source = std::numeric_limits<std::uint32_t>::max();

struct Source {
    network::NodeId node = 0;
    std::uint32_t start_ms = 0;  // cost already spent before reaching `node`
    std::uint32_t label = 0;     // caller's id (e.g. facility index), reported per node
};

struct SearchResult {
    std::vector<std::uint32_t> cost_ms;  // per node; `unreached` beyond the cutoff
    std::vector<std::uint32_t> label;    // per node: label of the source it was reached from, or no_source
};

// Every node with cost <= cutoff_ms gets its exact shortest cost from the nearest source (ties:
// the first source popped wins). Nodes beyond the cutoff stay `unreached`.
SearchResult multi_source_dijkstra(const network::Graph& graph, const std::vector<Source>& sources,
                                   std::uint32_t cutoff_ms);

// Reusable search that keeps its buffers between calls (for benchmarks and repeated searches).
class DijkstraSearch {
public:
    explicit DijkstraSearch(const network::Graph& graph);
    const SearchResult& run(const std::vector<Source>& sources, std::uint32_t cutoff_ms);
    // The same costs without the labels (every label stays no_source): for searches that need
    // only the costs (a facility's catchment), one array less written and reset per node.
    const SearchResult& run_costs(const std::vector<Source>& sources, std::uint32_t cutoff_ms);
    // Nodes reached by the last run (cost <= cutoff), in the order they were first reached.
    [[nodiscard]] const std::vector<network::NodeId>& reached() const { return m_touched; }

private:
    template <bool kLabels>
    const SearchResult& run_impl(const std::vector<Source>& sources, std::uint32_t cutoff_ms);
    const network::Graph* m_graph;
    bool m_labelled = false;  // the last run wrote labels (to reset)
    SearchResult m_result;
    std::vector<network::NodeId> m_touched;
    struct HeapEntry {
        std::uint32_t cost;
        network::NodeId node;
    };
    std::vector<HeapEntry> m_heap;                   // radix heap bucket 0: entries at the current minimum
    std::vector<std::vector<HeapEntry>> m_buckets;   // radix heap buckets 1..32 (index 0 unused)
};

}  // namespace kepu15::routing
