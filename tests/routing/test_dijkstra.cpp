// Bounded multi-source Dijkstra against brute-force oracles (Bellman-Ford and a plain O(n^2)
// Dijkstra) on seeded random graphs, plus the Dijkstra certificate and label checks.
#include "kepu15/error.hpp"
#include "kepu15/network/graph.hpp"
#include "kepu15/routing/dijkstra.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <vector>

using namespace kepu15;
using network::Arc;
using network::Graph;
using routing::Source;
using routing::unreached;

namespace {

constexpr std::uint64_t inf = std::numeric_limits<std::uint64_t>::max();

// Unbounded multi-source costs by Bellman-Ford (relax every arc until nothing changes).
std::vector<std::uint64_t> bellman_ford(std::size_t n, const std::vector<Arc>& arcs, const std::vector<Source>& sources) {
    std::vector<std::uint64_t> d(n, inf);
    for (const Source& s : sources) d[s.node] = std::min<std::uint64_t>(d[s.node], s.start_ms);
    for (std::size_t round = 0; round < n; ++round) {
        bool changed = false;
        for (const Arc& a : arcs) {
            if (d[a.tail] != inf && d[a.tail] + a.weight_ms < d[a.head]) {
                d[a.head] = d[a.tail] + a.weight_ms;
                changed = true;
            }
        }
        if (!changed) break;
    }
    return d;
}

// Textbook Dijkstra without a heap: pick the unsettled node of least cost, O(n^2 + m).
std::vector<std::uint64_t> simple_dijkstra(std::size_t n, const std::vector<Arc>& arcs,
                                           const std::vector<Source>& sources) {
    std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>> out(n);
    for (const Arc& a : arcs) out[a.tail].push_back({a.head, a.weight_ms});
    std::vector<std::uint64_t> d(n, inf);
    std::vector<bool> done(n, false);
    for (const Source& s : sources) d[s.node] = std::min<std::uint64_t>(d[s.node], s.start_ms);
    for (;;) {
        std::size_t u = n;
        for (std::size_t v = 0; v < n; ++v) {
            if (!done[v] && d[v] != inf && (u == n || d[v] < d[u])) u = v;
        }
        if (u == n) break;
        done[u] = true;
        for (const auto& [v, w] : out[u]) d[v] = std::min(d[v], d[u] + w);
    }
    return d;
}

std::vector<std::uint32_t> bounded(const std::vector<std::uint64_t>& d, std::uint32_t cutoff) {
    std::vector<std::uint32_t> out(d.size(), unreached);
    for (std::size_t i = 0; i < d.size(); ++i) {
        if (d[i] <= cutoff) out[i] = static_cast<std::uint32_t>(d[i]);
    }
    return out;
}

struct RandomCase {
    std::size_t n;
    std::vector<Arc> arcs;
    std::vector<Source> sources;
    std::uint32_t cutoff;
};

// Random graph: the last fifth of the nodes form an island with arcs among themselves only and
// no source, so it must stay unreached. Weights are 1..max_weight (no zero weights).
RandomCase random_case(std::uint32_t seed, std::size_t n, std::size_t arcs_per_node, std::uint32_t max_weight) {
    std::mt19937 rng(seed);
    RandomCase rc;
    rc.n = n;
    const std::size_t main_nodes = n < 5 ? n : n - n / 5;
    std::uniform_int_distribution<std::uint32_t> w(1, max_weight);
    const auto node_in = [&](std::size_t lo, std::size_t hi) {
        return static_cast<network::NodeId>(std::uniform_int_distribution<std::size_t>(lo, hi - 1)(rng));
    };
    for (std::size_t i = 0; i < n * arcs_per_node; ++i) {
        if (main_nodes < n && i % 5 == 4) {
            rc.arcs.push_back({node_in(main_nodes, n), node_in(main_nodes, n), w(rng)});
        } else {
            rc.arcs.push_back({node_in(0, main_nodes), node_in(0, main_nodes), w(rng)});
        }
    }
    const std::size_t k = 1 + rng() % 4;
    for (std::size_t i = 0; i < k; ++i) {
        // labels are distinct per source so a label names one source
        rc.sources.push_back({node_in(0, main_nodes), w(rng) / 2, static_cast<std::uint32_t>(100 + i)});
    }
    // Cutoff from "tiny" to "everything": a random fraction of a long path's cost.
    const std::uint32_t scale = max_weight * 4;
    rc.cutoff = static_cast<std::uint32_t>(rng() % (scale + 1));
    if (rng() % 4 == 0) rc.cutoff = unreached;
    return rc;
}

void check_case(const RandomCase& rc, const routing::SearchResult& r) {
    const Graph g = network::graph_from_arcs(rc.n, rc.arcs);
    const auto expected_bf = bounded(bellman_ford(rc.n, rc.arcs, rc.sources), rc.cutoff);
    const auto expected_simple = bounded(simple_dijkstra(rc.n, rc.arcs, rc.sources), rc.cutoff);
    REQUIRE(expected_bf == expected_simple);
    REQUIRE(r.cost_ms.size() == rc.n);
    REQUIRE(r.label.size() == rc.n);
    CHECK(r.cost_ms == expected_bf);

    // Labels: the labelled source really achieves the cost (start + shortest path from it).
    for (std::size_t v = 0; v < rc.n; ++v) {
        if (r.cost_ms[v] == unreached) {
            CHECK(r.label[v] == routing::no_source);
            continue;
        }
        std::vector<Source> own;
        for (const Source& s : rc.sources) {
            if (s.label == r.label[v]) own.push_back(s);
        }
        REQUIRE(own.size() == 1);
        CAPTURE(v, r.label[v]);
        CHECK(bellman_ford(rc.n, rc.arcs, own)[v] == r.cost_ms[v]);
    }
    // Certificate on every arc out of a reached node.
    for (std::uint32_t u = 0; u < rc.n; ++u) {
        if (r.cost_ms[u] == unreached) continue;
        for (std::uint32_t a = g.first_out[u]; a < g.first_out[u + 1]; ++a) {
            const std::uint64_t via = std::uint64_t{r.cost_ms[u]} + g.weight_ms[a];
            const std::uint32_t dv = r.cost_ms[g.head[a]];
            if (via <= rc.cutoff) {
                REQUIRE(dv != unreached);
                CHECK(via >= dv);
            }
        }
    }
}

// Replaces rc's sources with 1-5 random ones among the first 240 nodes, and its cutoff.
void new_sources(RandomCase& rc, std::mt19937& rng) {
    rc.sources.clear();
    const std::size_t k = 1 + rng() % 5;
    for (std::size_t i = 0; i < k; ++i) {
        rc.sources.push_back({static_cast<network::NodeId>(rng() % 240), static_cast<std::uint32_t>(rng() % 50),
                              static_cast<std::uint32_t>(i)});
    }
    rc.cutoff = static_cast<std::uint32_t>(rng() % 400);
}

}  // namespace

TEST_CASE("multi-source Dijkstra equals Bellman-Ford and a plain Dijkstra on random graphs", "[routing]") {
    const std::vector<std::size_t> sizes{1, 2, 7, 30, 120, 400};
    std::uint32_t seed = 20240601;
    for (const std::size_t n : sizes) {
        for (int rep = 0; rep < 12; ++rep, ++seed) {
            const std::uint32_t max_weight = rep % 3 == 0 ? 3 : 1000;  // few distinct weights: many ties
            const RandomCase rc = random_case(seed, n, 1 + rep % 4, max_weight);
            INFO("seed " << seed << ", n " << n << ", arcs " << rc.arcs.size() << ", sources " << rc.sources.size()
                         << ", cutoff " << rc.cutoff);
            const Graph g = network::graph_from_arcs(rc.n, rc.arcs);
            check_case(rc, routing::multi_source_dijkstra(g, rc.sources, rc.cutoff));
        }
    }
}

TEST_CASE("a reused DijkstraSearch resets its buffers between runs", "[routing]") {
    const std::uint32_t seed = 7770001;
    INFO("seed " << seed);
    RandomCase rc = random_case(seed, 300, 3, 100);
    const Graph g = network::graph_from_arcs(rc.n, rc.arcs);
    routing::DijkstraSearch search(g);
    std::mt19937 rng(seed);
    for (int run = 0; run < 20; ++run) {
        CAPTURE(run);
        new_sources(rc, rng);
        check_case(rc, search.run(rc.sources, rc.cutoff));
    }
}

TEST_CASE("Dijkstra on a hand graph: cutoff, start costs and the first source on ties", "[routing]") {
    //   0 --5--> 1 --5--> 2 --5--> 3        4 (isolated)
    //   ^                          |
    //   +------------2-------------+
    const Graph g = network::graph_from_arcs(5, {{0, 1, 5}, {1, 2, 5}, {2, 3, 5}, {3, 0, 2}});
    const auto r = routing::multi_source_dijkstra(g, {{0, 0, 10}, {2, 3, 20}}, 9);
    CHECK(r.cost_ms == std::vector<std::uint32_t>{0, 5, 3, 8, unreached});
    CHECK(r.label == std::vector<std::uint32_t>{10, 10, 20, 20, routing::no_source});

    // Two sources on one node with the same start: the first listed wins; a start beyond the cutoff is ignored.
    const auto tie = routing::multi_source_dijkstra(g, {{1, 4, 1}, {1, 4, 2}, {3, 100, 3}}, 50);
    CHECK(tie.cost_ms == std::vector<std::uint32_t>{16, 4, 9, 14, unreached});
    CHECK(tie.label == std::vector<std::uint32_t>{1, 1, 1, 1, routing::no_source});
    const auto beyond = routing::multi_source_dijkstra(g, {{3, 100, 3}}, 50);
    CHECK(std::count(beyond.cost_ms.begin(), beyond.cost_ms.end(), unreached) == 5);

    // A cutoff of zero keeps only the sources that start at zero.
    const auto zero = routing::multi_source_dijkstra(g, {{2, 0, 7}}, 0);
    CHECK(zero.cost_ms == std::vector<std::uint32_t>{unreached, unreached, 0, unreached, unreached});
}

TEST_CASE("Dijkstra rejects a source outside the graph", "[routing]") {
    const Graph g = network::graph_from_arcs(3, {{0, 1, 1}});
    CHECK_THROWS_AS(routing::multi_source_dijkstra(g, {{3, 0, 0}}, 10), input_error);
    CHECK_THROWS_WITH(routing::multi_source_dijkstra(g, {{0, 0, 0}, {5, 0, 0}}, 10),
                      Catch::Contains("source 1") && Catch::Contains("node 5"));
}

TEST_CASE("Dijkstra stays exact with weights near the 32-bit limit", "[routing]") {
    const std::uint32_t big = 4'000'000'000U;
    const Graph g = network::graph_from_arcs(3, {{0, 1, big}, {1, 2, big}});
    const auto r = routing::multi_source_dijkstra(g, {{0, 0, 0}}, unreached);
    CHECK(r.cost_ms == std::vector<std::uint32_t>{0, big, unreached});  // 8e9 does not fit: beyond any cutoff
}

TEST_CASE("run_costs gives run's costs without labels, alternating with labelled runs on one search", "[routing]") {
    const std::uint32_t seed = 7770002;
    INFO("seed " << seed);
    RandomCase rc = random_case(seed, 300, 3, 100);
    const Graph g = network::graph_from_arcs(rc.n, rc.arcs);
    routing::DijkstraSearch search(g);
    std::mt19937 rng(seed);
    for (int run = 0; run < 30; ++run) {
        CAPTURE(run);
        new_sources(rc, rng);
        if (rng() % 2 == 0) {
            check_case(rc, search.run(rc.sources, rc.cutoff));
            continue;
        }
        const routing::SearchResult& r = search.run_costs(rc.sources, rc.cutoff);
        CHECK(r.cost_ms == bounded(simple_dijkstra(rc.n, rc.arcs, rc.sources), rc.cutoff));
        CHECK(std::count(r.label.begin(), r.label.end(), routing::no_source) == static_cast<std::ptrdiff_t>(rc.n));
    }
}
