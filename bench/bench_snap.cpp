// Snapping benchmark: 160,000 homes (seeded uniform points) onto the seeded ~160,000-node road-like
// graph of bench_network (bench/road_grid.hpp), walk profile, max_snap_m 500. Prints the time to
// build the snapping index and the median / minimum time to snap every home (Snapper::snap_all, as
// pipeline::prepare snaps cells) on 1 and on `threads` threads, and checks 2,000 homes against an
// exhaustive scan of every segment. Run through scripts/bench-snap.sh.
// Usage: bench_snap [repetitions] [seed] [threads]   DEFAULT: 21 repetitions, seed 20240615, 2 threads.
#include "road_grid.hpp"

#include "kepu15/huge_pages.hpp"
#include "kepu15/network/snap.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>
#include <vector>

using namespace kepu15;

namespace {

constexpr std::size_t home_count = 160'000;
constexpr double max_snap_m = 500.0;

double median_of(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t m = v.size() / 2;
    return v.size() % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2.0;
}

// CPU time of the whole process: on a shared machine wall time includes waiting for a core.
double process_cpu_ms() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

double ms_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}


}  // namespace

int main(int argc, char** argv) {
    kepu15::use_huge_page_heap();  // as the kepu15 executable does
    const int repetitions = argc > 1 ? std::max(1, std::atoi(argv[1])) : 21;
    const std::uint32_t seed =
        argc > 2 ? static_cast<std::uint32_t>(std::strtoul(argv[2], nullptr, 10)) : 20240615U;
    const unsigned threads = argc > 3 ? static_cast<unsigned>(std::max(1, std::atoi(argv[3]))) : 2U;

    const network::RoadNetwork net = bench::make_road_grid(seed);
    std::printf("bench_snap: seed %u, %d repetitions, %zu homes, walk, max_snap_m %.0f\n", seed, repetitions,
                home_count, max_snap_m);
    std::printf("road network: %zu nodes, %zu edges\n", net.nodes_m.size(), net.edges.size());

    auto t0 = std::chrono::steady_clock::now();
    const double index_cpu0 = process_cpu_ms();
    const network::Snapper snapper(net, network::Profile::walk, max_snap_m);
    std::printf("snapping index (components + segment grid): %.1f ms wall, %.1f ms CPU\n", ms_since(t0),
                process_cpu_ms() - index_cpu0);

    const double side_m = bench::grid_side * bench::spacing_m;
    std::mt19937_64 rng(seed + 2);
    std::uniform_real_distribution<double> coord(-100.0, side_m + 100.0);
    std::vector<Point> homes(home_count);
    for (Point& p : homes) p = {coord(rng), coord(rng)};

    std::vector<std::optional<network::Snap>> snaps(home_count);
    for (const unsigned t : {1U, threads}) {
        std::vector<double> times;
        std::vector<double> cpu;
        for (int r = 0; r < repetitions; ++r) {
            t0 = std::chrono::steady_clock::now();
            const double c0 = process_cpu_ms();
            snaps = snapper.snap_all(homes, t);
            cpu.push_back(process_cpu_ms() - c0);
            times.push_back(ms_since(t0));
        }
        std::printf("snap %zu homes on %u thread(s): wall median %.1f ms, min %.1f ms; CPU median %.1f ms%s\n",
                    home_count, t, median_of(times), *std::min_element(times.begin(), times.end()), median_of(cpu),
                    t > 1 ? " (target < 100 ms wall on 2 cores)" : "");
        if (t == threads) break;
    }
    std::size_t unsnapped = 0;
    for (const auto& s : snaps) unsnapped += s ? 0 : 1;
    std::printf("homes without a road within %.0f m: %zu\n", max_snap_m, unsnapped);

    // Exhaustive check of a sample: the nearest usable segment (the grid graph is one component).
    std::size_t mismatches = 0;
    for (std::size_t i = 0; i < homes.size(); i += home_count / 2000) {
        const Point p = homes[i];
        double best = max_snap_m + 1.0;
        for (const auto& e : net.edges) {
            if (e.forward_kmh[0] == 0.0F && e.backward_kmh[0] == 0.0F) continue;
            for (std::size_t k = 0; k + 1 < e.geometry_m.size(); ++k) {
                const Point a = e.geometry_m[k];
                const Point b = e.geometry_m[k + 1];
                const double vx = b.x - a.x;
                const double vy = b.y - a.y;
                const double len2 = vx * vx + vy * vy;
                const double t =
                    len2 > 0.0 ? std::clamp(((p.x - a.x) * vx + (p.y - a.y) * vy) / len2, 0.0, 1.0) : 0.0;
                best = std::min(best, distance(p, {a.x + t * vx, a.y + t * vy}));
            }
        }
        const bool none = best > max_snap_m;
        if (none != !snaps[i] || (!none && snaps[i]->off_road_m != best)) ++mismatches;
    }
    std::printf("exhaustive check of 2,000 homes: %s\n", mismatches == 0 ? "all equal" : "MISMATCH");
    return mismatches == 0 ? 0 : 1;
}
