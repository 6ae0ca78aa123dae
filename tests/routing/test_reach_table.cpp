// The reach table (every facility within the limit, per point) against hand-computed minutes, a
// per-origin Dijkstra oracle on seeded random networks with one-way streets and mid-edge snaps,
// and travel_times: the minimum of each point's entries equals its nearest-facility minutes.
// Walking at 4.5 km/h: 1 m takes 800 ms; driving at 30 / 36 / 60 km/h: 120 / 100 / 60 ms per metre.
#include "kepu15/coverage/crowfly.hpp"
#include "kepu15/error.hpp"
#include "kepu15/network/graph.hpp"
#include "kepu15/routing/network_coverage.hpp"
#include "kepu15/routing/reach_table.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <queue>
#include <random>
#include <thread>
#include <vector>

using namespace kepu15;
using network::Profile;
using network::Snap;

namespace {

using Speeds = std::array<float, network::profile_count>;  // walk, elderly, bike, drive
constexpr Speeds everyone{4.5F, 2.7F, 15.0F, 30.0F};

void add_edge(network::RoadNetwork& net, network::NodeId from, network::NodeId to, Speeds forward,
              Speeds backward, double length_m) {
    network::RoadEdge e;
    e.from = from;
    e.to = to;
    e.geometry_m = {net.nodes_m[from], net.nodes_m[to]};
    e.length_m = length_m;
    e.forward_kmh = forward;
    e.backward_kmh = backward;
    e.source_id = static_cast<std::int64_t>(net.edges.size());
    net.edges.push_back(std::move(e));
}

Snap snap_at(network::EdgeId edge, double offset_m, double off_road_m) {
    return Snap{edge, offset_m, off_road_m, {}};
}

network::Graph reverse_graph(const network::RoadNetwork& net, Profile p) {
    return network::build_graph(net, p, network::Direction::reverse);
}

// (destination, cost) pairs of one origin.
std::vector<std::pair<std::uint32_t, double>> row(const coverage::CostTable& t, std::size_t origin) {
    std::vector<std::pair<std::uint32_t, double>> out;
    for (const auto& e : t.of(origin)) out.emplace_back(e.destination, e.cost);
    return out;
}

using Row = std::vector<std::pair<std::uint32_t, double>>;

}  // namespace

TEST_CASE("reach_table on map A: every facility within the limit, with its minutes", "[routing]") {
    //   n0 (0,0) ---------- e0 600 m ---------- n1 (600,0) ---- e1 300 m ---- n2 (900,0)  G at n2
    //                 F at 100 m, 30 m off        |
    //                                             e2 150 m
    //                                             n3 (600,-150)
    network::RoadNetwork net;
    net.source = "map A";
    net.nodes_m = {{0, 0}, {600, 0}, {900, 0}, {600, -150}};
    add_edge(net, 0, 1, everyone, everyone, 600.0);
    add_edge(net, 1, 2, everyone, everyone, 300.0);
    add_edge(net, 1, 3, everyone, everyone, 150.0);
    const network::Graph walk = reverse_graph(net, Profile::walk);
    // Facility 0 has no snap; F = 1 (24 s off-road), G = 2 at the junction n2.
    const std::vector<std::optional<Snap>> facilities{std::nullopt, snap_at(0, 100.0, 30.0),
                                                      snap_at(1, 300.0, 0.0)};
    const std::vector<std::optional<Snap>> points{
        snap_at(
            1, 150.0,
            45.0),  // G: 36 s + 150 m on (120 s) = 156 s; F: 36 + 120 back to n1 + 500 m (400) + 24 = 580 s
        snap_at(0, 40.0, 0.0),   // F: 60 m (48 s) + 24 s = 72 s; G: 560 m (448 s) + 300 m (240 s) = 688 s
        snap_at(2, 150.0, 0.0),  // n3: G 150 + 300 m = 360 s; F 150 + 500 m (520 s) + 24 s = 544 s
        std::nullopt,            // no road access: no entries
    };
    const auto t15 = routing::reach_table(net, Profile::walk, walk, facilities, points, 15.0, 4.5);
    CHECK(t15.origin_count == 4);
    CHECK(t15.destination_count == 3);
    CHECK(t15.unit == coverage::CostUnit::minutes);
    CHECK(t15.limit == 15.0);
    CHECK(row(t15, 0) == Row{{1, 580.0 / 60}, {2, 156.0 / 60}});
    CHECK(row(t15, 1) == Row{{1, 72.0 / 60}, {2, 688.0 / 60}});
    CHECK(row(t15, 2) == Row{{1, 544.0 / 60}, {2, 360.0 / 60}});
    CHECK(row(t15, 3).empty());
    // 10 min = 600 s drops only P1 -> G (688 s).
    const auto t10 = routing::reach_table(net, Profile::walk, walk, facilities, points, 10.0, 4.5);
    CHECK(row(t10, 0) == Row{{1, 580.0 / 60}, {2, 156.0 / 60}});
    CHECK(row(t10, 1) == Row{{1, 72.0 / 60}});
    CHECK(row(t10, 2) == Row{{1, 544.0 / 60}, {2, 360.0 / 60}});
    CHECK(t10.entry_count() == 5);
    // The limit is inclusive to the millisecond: 580 s is within 9.6667 min but not 9.66 min.
    CHECK(
        row(routing::reach_table(net, Profile::walk, walk, facilities, points, 580.0 / 60, 4.5), 0).size() ==
        2);
    CHECK(row(routing::reach_table(net, Profile::walk, walk, facilities, points, 9.66, 4.5), 0).size() == 1);
}

TEST_CASE(
    "reach_table: a home downstream of a facility on a one-way street drives round, upstream stays on the "
    "edge",
    "[routing]") {
    //   n0 ---- H0 (200 m) ------ F (600 m) ------ H1 (900 m) ----> n1   e0 1000 m, one-way for cars
    //    \______________ n2 <_____ 2 x 500 m at 50 km/h ____________/
    network::RoadNetwork net;
    net.source = "map B";
    net.nodes_m = {{0, 0}, {1000, 0}, {500, -300}};
    add_edge(net, 0, 1, everyone, {4.5F, 2.7F, 15.0F, 0.0F}, 1000.0);
    add_edge(net, 1, 2, {4.5F, 2.7F, 15.0F, 50.0F}, {4.5F, 2.7F, 15.0F, 50.0F}, 500.0);
    add_edge(net, 2, 0, {4.5F, 2.7F, 15.0F, 50.0F}, {4.5F, 2.7F, 15.0F, 50.0F}, 500.0);
    const network::Graph drive = reverse_graph(net, Profile::drive);
    // H0: 400 m at 30 km/h = 48 s (same edge). H1: 12 s walked + 100 m (12 s) + 2 x 36 s + 600 m (72 s) = 168
    // s.
    const auto t = routing::reach_table(net, Profile::drive, drive, {snap_at(0, 600.0, 0.0)},
                                        {snap_at(0, 200.0, 0.0), snap_at(0, 900.0, 15.0)}, 15.0, 4.5);
    CHECK(row(t, 0) == Row{{0, 48.0 / 60}});
    CHECK(row(t, 1) == Row{{0, 168.0 / 60}});
    const auto t2 = routing::reach_table(net, Profile::drive, drive, {snap_at(0, 600.0, 0.0)},
                                         {snap_at(0, 200.0, 0.0), snap_at(0, 900.0, 15.0)}, 2.0, 4.5);
    CHECK(row(t2, 1).empty());
}

TEST_CASE("reach_table rejects a forward graph, unknown edges and a bad limit", "[routing]") {
    network::RoadNetwork net;
    net.source = "one street";
    net.nodes_m = {{0, 0}, {600, 0}};
    add_edge(net, 0, 1, everyone, everyone, 600.0);
    const network::Graph forward = network::build_graph(net, Profile::walk);
    const network::Graph walk = reverse_graph(net, Profile::walk);
    CHECK_THROWS_WITH(routing::reach_table(net, Profile::walk, forward, {}, {}, 15.0, 4.5),
                      Catch::Contains("reverse graph"));
    CHECK_THROWS_WITH(routing::reach_table(net, Profile::walk, walk, {snap_at(3, 0.0, 0.0)}, {}, 15.0, 4.5),
                      Catch::Contains("facility 0") && Catch::Contains("edge 3"));
    CHECK_THROWS_WITH(
        routing::reach_table(net, Profile::walk, walk, {}, {std::nullopt, snap_at(5, 0.0, 0.0)}, 15.0, 4.5),
        Catch::Contains("point 1"));
    CHECK_THROWS_AS(routing::reach_table(net, Profile::walk, walk, {}, {}, -1.0, 4.5), config_error);
    CHECK_THROWS_AS(routing::reach_table(net, Profile::walk, walk, {}, {}, 15.0, 0.0), config_error);
}

namespace {

// Every snapped position becomes a node of its own (edges split there); arcs in the direction of
// travel. Speeds give whole milliseconds per metre and offsets are whole metres, so splitting an
// edge does not change its rounded time.
struct Expanded {
    std::size_t node_count = 0;
    std::vector<std::vector<std::pair<network::NodeId, std::uint32_t>>> out;  // forward adjacency
    std::map<std::pair<network::EdgeId, double>, network::NodeId> node_at;
};

Expanded expand(const network::RoadNetwork& net, Profile profile, const std::vector<Snap>& positions) {
    const auto p = static_cast<std::size_t>(profile);
    Expanded x;
    x.node_count = net.nodes_m.size();
    std::map<network::EdgeId, std::vector<double>> cuts;
    for (const Snap& s : positions) cuts[s.edge].push_back(s.offset_m);
    std::vector<network::Arc> arcs;
    for (network::EdgeId ei = 0; ei < net.edges.size(); ++ei) {
        const network::RoadEdge& e = net.edges[ei];
        std::vector<double> at = cuts[ei];
        at.push_back(0.0);
        at.push_back(e.length_m);
        std::sort(at.begin(), at.end());
        at.erase(std::unique(at.begin(), at.end()), at.end());
        std::vector<network::NodeId> node(at.size());
        for (std::size_t i = 0; i < at.size(); ++i) {
            node[i] = at[i] == 0.0          ? e.from
                      : at[i] == e.length_m ? e.to
                                            : static_cast<network::NodeId>(x.node_count++);
            x.node_at[{ei, at[i]}] = node[i];
        }
        for (std::size_t i = 0; i + 1 < at.size(); ++i) {
            const double piece = at[i + 1] - at[i];
            if (e.forward_kmh[p] > 0.0F)
                arcs.push_back({node[i], node[i + 1], network::travel_ms(piece, e.forward_kmh[p])});
            if (e.backward_kmh[p] > 0.0F)
                arcs.push_back({node[i + 1], node[i], network::travel_ms(piece, e.backward_kmh[p])});
        }
    }
    x.out.resize(x.node_count);
    for (const auto& a : arcs) x.out[a.tail].emplace_back(a.head, a.weight_ms);
    return x;
}

constexpr std::uint64_t never = std::numeric_limits<std::uint64_t>::max();

// Textbook Dijkstra from one origin, forward: its time to every node.
std::vector<std::uint64_t> dijkstra_from(const Expanded& x, network::NodeId start, std::uint64_t start_ms) {
    std::vector<std::uint64_t> d(x.node_count, never);
    using Entry = std::pair<std::uint64_t, network::NodeId>;
    std::priority_queue<Entry, std::vector<Entry>, std::greater<>> heap;
    d[start] = start_ms;
    heap.push({start_ms, start});
    while (!heap.empty()) {
        const auto [du, u] = heap.top();
        heap.pop();
        if (du != d[u]) continue;
        for (const auto& [v, w] : x.out[u]) {
            if (du + w < d[v]) {
                d[v] = du + w;
                heap.push({d[v], v});
            }
        }
    }
    return d;
}

// Grid of w x h nodes; each neighbour pair joined with probability 4/5 by an edge of 20..300 m.
// Drive speeds per direction from {0, 30, 36, 60} km/h (never both 0); walkers use every edge both ways.
network::RoadNetwork random_network(std::mt19937& rng, std::size_t w, std::size_t h) {
    network::RoadNetwork net;
    net.source = "random grid";
    for (std::size_t j = 0; j < h; ++j) {
        for (std::size_t i = 0; i < w; ++i) net.nodes_m.push_back({100.0 * i, 100.0 * j});
    }
    const std::array<float, 4> drive_kmh{0.0F, 30.0F, 36.0F, 60.0F};
    const auto join = [&](network::NodeId a, network::NodeId b) {
        if (rng() % 5 == 0) return;
        float fwd = drive_kmh[rng() % 4];
        float bwd = drive_kmh[rng() % 4];
        if (fwd == 0.0F && bwd == 0.0F) fwd = 30.0F;
        const bool flip = rng() % 2 == 0;
        add_edge(net, flip ? b : a, flip ? a : b, {4.5F, 2.7F, 15.0F, fwd}, {4.5F, 2.7F, 15.0F, bwd},
                 static_cast<double>(20 + rng() % 281));
    };
    for (std::size_t j = 0; j < h; ++j) {
        for (std::size_t i = 0; i < w; ++i) {
            const auto v = static_cast<network::NodeId>(j * w + i);
            if (i + 1 < w) join(v, v + 1);
            if (j + 1 < h) join(v, static_cast<network::NodeId>(v + w));
        }
    }
    return net;
}

// A snap at a whole metre; one in five at each end of the edge (a junction snap).
Snap random_snap(std::mt19937& rng, const network::RoadNetwork& net, std::uint32_t max_off_road_m) {
    const auto ei = static_cast<network::EdgeId>(rng() % net.edges.size());
    const double len = net.edges[ei].length_m;
    const std::uint32_t r = rng() % 5;
    const double offset = r == 0   ? 0.0
                          : r == 1 ? len
                                   : static_cast<double>(1 + rng() % static_cast<std::uint32_t>(len - 1));
    return snap_at(ei, offset, static_cast<double>(rng() % (max_off_road_m + 1)));
}

}  // namespace

TEST_CASE("reach_table equals a per-origin Dijkstra and its minimum equals travel_times on random networks",
          "[routing]") {
    for (const std::uint32_t seed : {1U, 2U, 3U, 4U, 5U, 6U, 7U, 8U}) {
        INFO("seed " << seed);
        std::mt19937 rng(seed);
        const network::RoadNetwork net = random_network(rng, 7, 6);
        // Several facilities share edges with each other and with points (same-edge travel).
        std::vector<std::optional<Snap>> facilities;
        std::vector<std::optional<Snap>> points;
        for (int i = 0; i < 9; ++i) facilities.push_back(random_snap(rng, net, 40));
        facilities.push_back(std::nullopt);
        for (int i = 0; i < 40; ++i) points.push_back(random_snap(rng, net, 60));
        for (int i = 0; i < 10; ++i) {  // points on facility edges, strictly inside
            const Snap& f = *facilities[static_cast<std::size_t>(i) % 9];
            const double len = net.edges[f.edge].length_m;
            points.push_back(
                snap_at(f.edge, static_cast<double>(1 + rng() % static_cast<std::uint32_t>(len - 1)), 0.0));
        }
        points.push_back(std::nullopt);
        for (const Profile profile : {Profile::walk, Profile::drive}) {
            const double limit = profile == Profile::walk ? 6.0 : 1.5;
            const std::uint64_t cutoff_ms = static_cast<std::uint64_t>(limit * 60000);
            CAPTURE(network::profile_name(profile));
            const network::Graph graph = reverse_graph(net, profile);
            const auto table = routing::reach_table(net, profile, graph, facilities, points, limit, 4.5, 1);
            REQUIRE(table.origin_count == points.size());

            std::vector<Snap> positions;
            for (const auto& s : facilities) {
                if (s) positions.push_back(*s);
            }
            for (const auto& s : points) {
                if (s) positions.push_back(*s);
            }
            const Expanded x = expand(net, profile, positions);
            std::size_t entries = 0;
            for (std::size_t i = 0; i < points.size(); ++i) {
                CAPTURE(i);
                Row expected;
                if (points[i]) {
                    const Snap& ps = *points[i];
                    const auto d = dijkstra_from(x, x.node_at.at({ps.edge, ps.offset_m}),
                                                 network::travel_ms(ps.off_road_m, 4.5));
                    for (std::size_t f = 0; f < facilities.size(); ++f) {
                        if (!facilities[f]) continue;
                        const Snap& fs = *facilities[f];
                        const std::uint64_t df = d[x.node_at.at({fs.edge, fs.offset_m})];
                        if (df == never) continue;
                        const std::uint64_t total = df + network::travel_ms(fs.off_road_m, 4.5);
                        if (total <= cutoff_ms)
                            expected.emplace_back(static_cast<std::uint32_t>(f),
                                                  static_cast<double>(total) / 60000.0);
                    }
                }
                CHECK(row(table, i) == expected);
                entries += expected.size();
            }
            CHECK(table.entry_count() == entries);
            CHECK(entries > points.size());  // the oracle compares real reach, not empty rows

            // The minimum over a point's entries is its nearest-facility time, to the millisecond.
            routing::NetworkCoverageOptions opt;
            opt.cutoff_minutes = limit;
            const auto nearest = routing::travel_times(net, profile, graph, facilities, points, opt);
            for (std::size_t i = 0; i < points.size(); ++i) {
                CAPTURE(i);
                const auto r = table.of(i);
                if (nearest[i].access == routing::Access::reached) {
                    REQUIRE_FALSE(r.empty());
                    const auto best = std::min_element(
                        r.begin(), r.end(), [](const auto& a, const auto& b) { return a.cost < b.cost; });
                    CHECK(best->cost == nearest[i].minutes);
                } else {
                    CHECK(r.empty());
                }
            }

            // Splitting the facilities over threads gives the same table.
            const auto parallel =
                routing::reach_table(net, profile, graph, facilities, points, limit, 4.5, 3);
            CHECK(parallel.first == table.first);
            CHECK(std::equal(parallel.entries.begin(), parallel.entries.end(), table.entries.begin(),
                             table.entries.end(), [](const auto& a, const auto& b) {
                                 return a.destination == b.destination && a.cost == b.cost;
                             }));
        }
    }
}

TEST_CASE("crowfly_reach_table: every facility within the radius, inclusive, against a linear scan",
          "[coverage]") {
    // A 3-4-5 triangle: the facility at (3,4) is exactly 5 m from the origin.
    const auto t = coverage::crowfly_reach_table({{0, 0}, {100, 100}}, {{3, 4}, {6, 0}, {0, 5.5}}, 5.0);
    CHECK(t.unit == coverage::CostUnit::metres);
    CHECK(t.limit == 5.0);
    CHECK(row(t, 0) == Row{{0, 5.0}});
    CHECK(row(t, 1).empty());

    std::mt19937 rng(20261201);
    std::uniform_real_distribution<double> coord(0.0, 1000.0);
    std::vector<Point> pts;
    std::vector<Point> fac;
    for (int i = 0; i < 200; ++i) pts.push_back({coord(rng), coord(rng)});
    for (int i = 0; i < 30; ++i) fac.push_back({coord(rng), coord(rng)});
    const auto r = coverage::crowfly_reach_table(pts, fac, 180.0);
    for (std::size_t i = 0; i < pts.size(); ++i) {
        Row expected;
        for (std::size_t j = 0; j < fac.size(); ++j) {
            const double d = distance(pts[i], fac[j]);
            if (d <= 180.0) expected.emplace_back(static_cast<std::uint32_t>(j), d);
        }
        const Row got = row(r, i);
        REQUIRE(got.size() == expected.size());
        for (std::size_t k = 0; k < got.size(); ++k) {
            CHECK(got[k].first == expected[k].first);
            CHECK(got[k].second == Approx(expected[k].second).epsilon(1e-12));
        }
    }
    CHECK_THROWS_AS(coverage::crowfly_reach_table(pts, fac, -1.0), config_error);
}

TEST_CASE("reach_table_by_facility is the transposed reach_table, row by row",
          "[routing]") {
    // Enough points per facility that both ways of listing a catchment in point order are used:
    // sorting the few touched points and reading the bitmap of the points reached.
    for (const std::uint32_t seed : {11U, 12U, 13U, 14U}) {
        INFO("seed " << seed);
        std::mt19937 rng(seed);
        const network::RoadNetwork net = random_network(rng, 7, 6);
        std::vector<std::optional<Snap>> facilities;
        std::vector<std::optional<Snap>> points;
        for (int i = 0; i < 8; ++i) facilities.push_back(random_snap(rng, net, 40));
        facilities.insert(facilities.begin() + 3, std::nullopt);
        for (int i = 0; i < 300; ++i) points.push_back(random_snap(rng, net, 60));
        points.push_back(std::nullopt);
        for (const Profile profile : {Profile::walk, Profile::drive}) {
            CAPTURE(network::profile_name(profile));
            for (const double limit : profile == Profile::walk ? std::vector<double>{0.5, 6.0}
                                                               : std::vector<double>{0.05, 1.5}) {
                CAPTURE(limit);
                const network::Graph graph = reverse_graph(net, profile);
                const auto by_point = routing::reach_table(net, profile, graph, facilities, points, limit, 4.5, 1);
                const auto expected = coverage::transpose(by_point);
                for (const unsigned threads : {1U, 2U, 3U}) {
                    CAPTURE(threads);
                    const auto by_facility =
                        routing::reach_table_by_facility(net, profile, graph, facilities, points, limit, 4.5, threads);
                    REQUIRE(by_facility.origin_count == facilities.size());
                    CHECK(by_facility.destination_count == points.size());
                    CHECK(by_facility.limit == limit);
                    for (std::size_t f = 0; f < facilities.size(); ++f) {
                        CAPTURE(f);
                        CHECK(row(by_facility, f) == row(expected, f));
                    }
                }
            }
        }
    }
}

TEST_CASE("CatchmentSearch workers on several threads give reach_table's catchments, in point order or not",
          "[routing]") {
    // 3,000 points: a short limit reaches a few of them (listed by sorting the touched points), a
    // long one many (listed from the bitmap of reached points); each thread has its own worker and
    // searches every facility, in another order than its neighbour.
    std::mt19937 rng(21);
    const network::RoadNetwork net = random_network(rng, 7, 6);
    std::vector<std::optional<Snap>> facilities;
    std::vector<std::optional<Snap>> points;
    for (int i = 0; i < 10; ++i) facilities.push_back(random_snap(rng, net, 40));
    facilities.insert(facilities.begin() + 2, std::nullopt);
    for (int i = 0; i < 3000; ++i) points.push_back(random_snap(rng, net, 60));
    points.push_back(std::nullopt);
    const network::Graph graph = reverse_graph(net, Profile::walk);
    for (const double limit : {0.3, 1.0, 6.0}) {
        CAPTURE(limit);
        const auto expected =
            coverage::transpose(routing::reach_table(net, Profile::walk, graph, facilities, points, limit, 4.5, 1));
        const routing::CatchmentSearch search(net, Profile::walk, graph, facilities, points, limit, 4.5);
        REQUIRE(search.facility_count() == facilities.size());
        REQUIRE(search.point_count() == points.size());
        std::vector<std::vector<Row>> got(2, std::vector<Row>(facilities.size()));
        std::vector<std::vector<Row>> unsorted(2, std::vector<Row>(facilities.size()));
        std::vector<std::thread> threads;
        for (std::size_t t = 0; t < 2; ++t) {
            threads.emplace_back([&, t] {
                routing::CatchmentSearch::Worker worker = search.worker();
                for (std::size_t i = 0; i < facilities.size(); ++i) {
                    const std::size_t f = t == 0 ? i : facilities.size() - 1 - i;
                    for (const auto& r : worker.search(f, true)) got[t][f].emplace_back(r.point, r.ms / 60000.0);
                    for (const auto& r : worker.search(f, false)) unsorted[t][f].emplace_back(r.point, r.ms / 60000.0);
                }
            });
        }
        for (auto& th : threads) th.join();
        std::size_t pairs = 0;
        for (std::size_t t = 0; t < 2; ++t) {
            for (std::size_t f = 0; f < facilities.size(); ++f) {
                CAPTURE(t, f);
                CHECK(got[t][f] == row(expected, f));
                std::sort(unsorted[t][f].begin(), unsorted[t][f].end());
                CHECK(unsorted[t][f] == row(expected, f));
                pairs += got[t][f].size();
            }
        }
        CHECK(pairs == 2 * expected.entry_count());
        CHECK(got[0][2].empty());  // the unsnapped facility
    }
}

TEST_CASE("a catchment worker on a spare's buffers gives a fresh worker's catchments", "[routing]") {
    // Spares of another facility set, another limit and another profile's graph: the pool hands a
    // matching spare's buffers over (or makes a new worker), and every catchment equals a fresh
    // worker's, sorted and unsorted.
    std::mt19937 rng(22);
    const network::RoadNetwork net = random_network(rng, 7, 6);
    std::vector<std::optional<Snap>> set_a, set_b, points;
    for (int i = 0; i < 8; ++i) set_a.push_back(random_snap(rng, net, 40));
    for (int i = 0; i < 12; ++i) set_b.push_back(random_snap(rng, net, 40));
    for (int i = 0; i < 3000; ++i) points.push_back(random_snap(rng, net, 60));
    const network::Graph walk = reverse_graph(net, Profile::walk);
    const network::Graph bike = reverse_graph(net, Profile::bike);
    routing::CatchmentWorkers pool;
    for (int round = 0; round < 3; ++round) {
        for (const double limit : {6.0, 0.3, 1.0}) {
            for (const auto* graph : {&walk, &bike}) {
                const Profile profile = graph == &walk ? Profile::walk : Profile::bike;
                for (const auto* set : {&set_a, &set_b}) {
                    CAPTURE(round, limit, profile == Profile::walk, set == &set_a);
                    const routing::CatchmentSearch search(net, profile, *graph, *set, points, limit, 4.5);
                    routing::CatchmentSearch::Worker fresh = search.worker();
                    routing::CatchmentSearch::Worker reused = pool.take(search);
                    for (std::size_t f = 0; f < set->size(); ++f) {
                        CAPTURE(f);
                        const bool sorted = (f + static_cast<std::size_t>(round)) % 2 == 0;
                        const auto a = fresh.search(f, sorted);
                        const std::vector<routing::ReachedPoint> want(a.begin(), a.end());
                        const auto b = reused.search(f, sorted);
                        REQUIRE(b.size() == want.size());
                        for (std::size_t e = 0; e < want.size(); ++e) {
                            CHECK(b[e].point == want[e].point);
                            CHECK(b[e].ms == want[e].ms);
                        }
                    }
                    pool.give(std::move(reused));
                }
            }
        }
    }
}
