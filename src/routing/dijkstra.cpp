#include "kepu15/routing/dijkstra.hpp"

#include "kepu15/error.hpp"

#include <bit>
#include <string>

namespace kepu15::routing {

namespace {

// Largest cost a node may carry: `unreached` itself is the sentinel.
constexpr std::uint32_t max_cutoff_ms = unreached - 1;

}  // namespace

DijkstraSearch::DijkstraSearch(const network::Graph& graph) : m_graph(&graph) {
    const std::size_t n = graph.node_count();
    m_result.cost_ms.assign(n, unreached);
    m_result.label.assign(n, no_source);
}

// Radix heap (Ahuja, Mehlhorn, Orlin, Tarjan 1990): costs are integers popped in non-decreasing
// order, so an entry lives in the bucket of the highest bit in which its cost differs from the
// last minimum `last` (bucket 0: equal to it). When bucket 0 runs dry the lowest non-empty bucket
// is split around its minimum; each entry moves down at most 32 times. Entries are pushed again
// whenever a node's cost strictly improves; stale ones (cost above the node's current cost) are
// dropped, so every node is settled exactly once. On the benchmark graph it is 1.5-1.7 times as
// fast as a binary or 4-ary heap, which measured no faster than std::priority_queue
// (scripts/bench-network.sh).
const SearchResult& DijkstraSearch::run(const std::vector<Source>& sources, std::uint32_t cutoff_ms) {
    return run_impl<true>(sources, cutoff_ms);
}

const SearchResult& DijkstraSearch::run_costs(const std::vector<Source>& sources, std::uint32_t cutoff_ms) {
    return run_impl<false>(sources, cutoff_ms);
}

template <bool kLabels>
const SearchResult& DijkstraSearch::run_impl(const std::vector<Source>& sources, std::uint32_t cutoff_ms) {
    const network::Graph& g = *m_graph;
    const std::size_t n = g.node_count();
    if (m_result.cost_ms.size() != n) {  // graph grew or shrank since construction
        m_result.cost_ms.assign(n, unreached);
        m_result.label.assign(n, no_source);
        m_touched.clear();
    }
    std::uint32_t* const cost = m_result.cost_ms.data();
    std::uint32_t* const label = m_result.label.data();
    if (m_labelled) {
        for (const network::NodeId v : m_touched) {
            cost[v] = unreached;
            label[v] = no_source;
        }
    } else {
        for (const network::NodeId v : m_touched) cost[v] = unreached;
    }
    m_labelled = kLabels;
    m_touched.clear();
    m_heap.clear();
    m_buckets.resize(33);
    for (auto& b : m_buckets) b.clear();
    if (cutoff_ms > max_cutoff_ms) cutoff_ms = max_cutoff_ms;

    std::uint32_t last = 0;
    std::size_t pending = 0;  // entries in all buckets
    const auto push = [&](std::uint32_t c, network::NodeId v) {
        if (c == last) {
            m_heap.push_back({c, v});
        } else {
            m_buckets[32 - std::countl_zero(c ^ last)].push_back({c, v});
        }
        ++pending;
    };

    for (std::size_t s = 0; s < sources.size(); ++s) {
        const Source& src = sources[s];
        if (src.node >= n) {
            throw input_error("dijkstra: source " + std::to_string(s) + " is node " + std::to_string(src.node) +
                              " but the graph has " + std::to_string(n) + " nodes");
        }
        if (src.start_ms > cutoff_ms || src.start_ms >= cost[src.node]) continue;
        if (cost[src.node] == unreached) m_touched.push_back(src.node);
        cost[src.node] = src.start_ms;
        if constexpr (kLabels) label[src.node] = src.label;
        push(src.start_ms, src.node);
    }

    const std::uint32_t* const first_out = g.first_out.data();
    const network::NodeId* const head = g.head.data();
    const std::uint32_t* const weight = g.weight_ms.data();
    while (pending > 0) {
        if (m_heap.empty()) {
            std::size_t i = 1;
            while (m_buckets[i].empty()) ++i;
            std::vector<HeapEntry>& bucket = m_buckets[i];
            std::uint32_t lowest = unreached;
            for (const HeapEntry& e : bucket) {
                if (e.cost == cost[e.node] && e.cost < lowest) lowest = e.cost;
            }
            pending -= bucket.size();
            if (lowest != unreached) {
                last = lowest;
                for (const HeapEntry& e : bucket) {
                    if (e.cost == cost[e.node]) push(e.cost, e.node);  // lands in a bucket below i
                }
            }
            bucket.clear();
            continue;
        }
        const HeapEntry top = m_heap.back();
        m_heap.pop_back();
        --pending;
        const network::NodeId u = top.node;
        if (top.cost != cost[u]) continue;  // stale entry
        [[maybe_unused]] const std::uint32_t lu = kLabels ? label[u] : no_source;
        const std::uint64_t cu = top.cost;
        for (std::uint32_t a = first_out[u], end = first_out[u + 1]; a < end; ++a) {
            const std::uint64_t c = cu + weight[a];
            const network::NodeId v = head[a];
            if (c > cutoff_ms || c >= cost[v]) continue;
            if (cost[v] == unreached) m_touched.push_back(v);
            cost[v] = static_cast<std::uint32_t>(c);
            if constexpr (kLabels) label[v] = lu;
            push(static_cast<std::uint32_t>(c), v);
        }
    }
    return m_result;
}

SearchResult multi_source_dijkstra(const network::Graph& graph, const std::vector<Source>& sources,
                                   std::uint32_t cutoff_ms) {
    DijkstraSearch search(graph);
    return search.run(sources, cutoff_ms);  // copies the buffers out of the one-off search
}

}  // namespace kepu15::routing
