// Reach-table benchmark: every facility within 15 minutes' walk of every populated cell on the
// seeded ~160,000-node road-like graph of bench_network (bench/road_grid.hpp), 300 facilities,
// cell centres on a 100 m grid (90,000 cells over 30 x 30 km), one thread. Snapping is done once
// before timing (it is shared with the nearest-facility search in a run). Prints the median and
// minimum time of routing::reach_table over the repetitions, the entry count, and checks that the
// minimum per cell equals routing::travel_times. Run through scripts/bench-reach.sh.
// Usage: bench_reach [repetitions] [seed] [threads]   DEFAULT: 11 repetitions, seed 20240615, 1 thread.
#include "road_grid.hpp"

#include "kepu15/huge_pages.hpp"
#include "kepu15/network/graph.hpp"
#include "kepu15/network/snap.hpp"
#include "kepu15/routing/network_coverage.hpp"
#include "kepu15/routing/reach_table.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

using namespace kepu15;

namespace {

constexpr std::size_t facility_count = 300;
constexpr double limit_minutes = 15.0;
constexpr double cell_m = 100.0;

// CPU time of the calling thread: on a shared machine wall time includes waiting for a core.
double thread_cpu_ms() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

double median_of(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t m = v.size() / 2;
    return v.size() % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2.0;
}

double ms_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
    kepu15::use_huge_page_heap();  // as the kepu15 executable does
    const int repetitions = argc > 1 ? std::max(1, std::atoi(argv[1])) : 11;
    const std::uint32_t seed =
        argc > 2 ? static_cast<std::uint32_t>(std::strtoul(argv[2], nullptr, 10)) : 20240615U;
    const unsigned threads = argc > 3 ? static_cast<unsigned>(std::max(1, std::atoi(argv[3]))) : 1U;

    auto t0 = std::chrono::steady_clock::now();
    const network::RoadNetwork net = bench::make_road_grid(seed);
    const network::Graph walk =
        network::build_graph(net, network::Profile::walk, network::Direction::reverse);
    std::printf("bench_reach: seed %u, %d repetitions, %u thread(s), walk %.0f min, %zu facilities\n", seed,
                repetitions, threads, limit_minutes, facility_count);
    std::printf("road network: %zu nodes, %zu edges, walk graph %zu arcs (%.0f ms)\n", net.nodes_m.size(),
                net.edges.size(), walk.arc_count(), ms_since(t0));

    t0 = std::chrono::steady_clock::now();
    const network::Snapper snapper(net, network::Profile::walk, 500.0);
    const double side_m = bench::grid_side * bench::spacing_m;
    std::mt19937_64 rng(seed + 1);
    std::uniform_real_distribution<double> coord(0.0, side_m - bench::spacing_m);
    std::vector<std::optional<network::Snap>> facilities;
    for (std::size_t i = 0; i < facility_count; ++i)
        facilities.push_back(snapper.snap({coord(rng), coord(rng)}));
    std::vector<std::optional<network::Snap>> cells;
    for (double y = cell_m / 2; y < side_m - bench::spacing_m; y += cell_m) {
        for (double x = cell_m / 2; x < side_m - bench::spacing_m; x += cell_m)
            cells.push_back(snapper.snap({x, y}));
    }
    std::printf("snapped %zu facilities and %zu cells (%.0f ms, not timed below)\n", facilities.size(),
                cells.size(), ms_since(t0));

    std::vector<double> times;
    std::vector<double> cpu_times;
    coverage::CostTable table;
    for (int r = 0; r < repetitions; ++r) {
        t0 = std::chrono::steady_clock::now();
        const double c0 = thread_cpu_ms();
        table = routing::reach_table(net, network::Profile::walk, walk, facilities, cells, limit_minutes, 4.5,
                                     threads);
        cpu_times.push_back(thread_cpu_ms() - c0);
        times.push_back(ms_since(t0));
    }
    const double median = median_of(times);
    const double min_ms = *std::min_element(times.begin(), times.end());
    std::size_t cells_reached = 0;
    for (std::size_t i = 0; i < table.origin_count; ++i) cells_reached += table.of(i).empty() ? 0 : 1;
    std::printf("reach table: %zu entries (%.1f MB), %zu of %zu cells reach a facility\n",
                table.entry_count(),
                static_cast<double>(table.entry_count() * sizeof(coverage::CostEntry) +
                                    table.first.size() * sizeof(std::uint64_t)) /
                    1e6,
                cells_reached, table.origin_count);
    std::printf(
        "reach_table wall median %.2f ms, min %.2f ms; CPU time median %.2f ms%s (target < 100 ms on one "
        "core)\n",
        median, min_ms, median_of(cpu_times), threads > 1 ? " (calling thread only)" : "");

    t0 = std::chrono::steady_clock::now();
    routing::NetworkCoverageOptions opt;
    opt.cutoff_minutes = limit_minutes;
    const auto nearest = routing::travel_times(net, network::Profile::walk, walk, facilities, cells, opt);
    const double nearest_ms = ms_since(t0);
    bool agree = true;
    for (std::size_t i = 0; i < cells.size(); ++i) {
        const auto row = table.of(i);
        if (nearest[i].access != routing::Access::reached) {
            agree = agree && row.empty();
            continue;
        }
        double best = 1e300;
        for (const auto& e : row) best = std::min(best, e.cost);
        agree = agree && best == nearest[i].minutes;
    }
    std::printf("travel_times (nearest only, multi-source) %.2f ms; minimum per cell equal: %s\n", nearest_ms,
                agree ? "yes" : "NO");
    return agree ? 0 : 1;
}
