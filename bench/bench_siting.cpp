// Siting benchmark: choose 40 sites from 2,000 candidates over ~88,000 demand cells with a
// realistic sparse cost table (walk, 15 minutes), as on the bundled Kunshan study. The map is
// synthetic and seeded: 100 m cells over 31 x 30 km, population in town clusters, 250 existing
// facilities; walking minutes = straight-line distance x a per-pair detour factor (1.2-1.6) at
// 4.5 km/h, kept up to 15 minutes, so each cell reaches a few candidates.
// Usage: bench_siting [threads] [seed] [--exact]   (DEFAULT: 2 threads, seed 20251201)
#include "kepu15/huge_pages.hpp"
#include "kepu15/scenario/incremental.hpp"
#include "kepu15/siting/solve.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

using namespace kepu15;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// A deterministic detour factor per (cell, site) pair.
double detour(std::uint64_t a, std::uint64_t b) {
    std::uint64_t h = a * 0x9E3779B97F4A7C15ULL ^ (b + 0x632BE59BD9B4E019ULL);
    h ^= h >> 31;
    h *= 0xBF58476D1CE4E5B9ULL;
    h ^= h >> 29;
    return 1.2 + 0.4 * static_cast<double>(h % 10000) / 10000.0;
}

struct Map {
    std::vector<double> x, y, pop;
};

Map make_map(std::mt19937_64& rng) {
    const int width = 310, height = 300;
    // Town centres with their sizes (cells of radius), then a rural background.
    std::uniform_real_distribution<double> ux(0, width * 100.0), uy(0, height * 100.0), u01(0, 1);
    struct Town {
        double x, y, r, peak;
    };
    std::vector<Town> towns;
    for (int t = 0; t < 22; ++t) towns.push_back({ux(rng), uy(rng), 800 + 2500 * u01(rng), 80 + 250 * u01(rng)});
    Map m;
    for (int r = 0; r < height; ++r) {
        for (int c = 0; c < width; ++c) {
            const double x = (c + 0.5) * 100, y = (r + 0.5) * 100;
            double p = 0;
            for (const auto& t : towns) {
                const double d2 = ((x - t.x) * (x - t.x) + (y - t.y) * (y - t.y)) / (t.r * t.r);
                p += t.peak * std::exp(-d2);
            }
            p += 4 * u01(rng);
            if (u01(rng) < 0.05) p = 0;  // water, fields
            if (p < 0.6) continue;
            m.x.push_back(x);
            m.y.push_back(y);
            m.pop.push_back(std::round(p * 10) / 10);
        }
    }
    return m;
}

// Minutes from every cell to every point within `limit`, through a 1 km bucket grid.
coverage::CostTable minutes_table(const Map& m, const std::vector<double>& px, const std::vector<double>& py,
                                  double limit) {
    const double kmh = 4.5, max_m = limit * kmh * 1000 / 60 / 1.2;
    const double bucket = 1000;
    const int bw = 32, bh = 31;
    std::vector<std::vector<std::uint32_t>> buckets(static_cast<std::size_t>(bw * bh));
    for (std::size_t j = 0; j < px.size(); ++j) {
        buckets[static_cast<std::size_t>(static_cast<int>(py[j] / bucket) * bw + static_cast<int>(px[j] / bucket))].push_back(
            static_cast<std::uint32_t>(j));
    }
    std::vector<std::uint32_t> o, d;
    std::vector<double> c;
    for (std::size_t i = 0; i < m.x.size(); ++i) {
        const int bx = static_cast<int>(m.x[i] / bucket), by = static_cast<int>(m.y[i] / bucket);
        for (int yy = by - 1; yy <= by + 1; ++yy) {
            for (int xx = bx - 1; xx <= bx + 1; ++xx) {
                if (xx < 0 || yy < 0 || xx >= bw || yy >= bh) continue;
                for (auto j : buckets[static_cast<std::size_t>(yy * bw + xx)]) {
                    const double dist = std::hypot(m.x[i] - px[j], m.y[i] - py[j]);
                    if (dist > max_m) continue;
                    const double minutes = dist * detour(i, j) / (kmh * 1000 / 60);
                    if (minutes > limit) continue;
                    o.push_back(static_cast<std::uint32_t>(i));
                    d.push_back(j);
                    c.push_back(minutes);
                }
            }
        }
    }
    return coverage::cost_table_from_triplets(m.x.size(), px.size(), coverage::CostUnit::minutes, limit, o, d, c);
}

void print(const char* label, const siting::Result& r, double secs) {
    std::printf("%-34s %7.3f s  %-9s sites %3zu  objective %12.1f  bound %12.1f  gap %.4f %%  share %.4f -> %.4f  mean %.2f -> %.2f min\n",
                label, secs, r.solver == siting::Solver::exact ? "exact" : "heuristic", r.sites.size(), r.objective,
                r.bound, 100 * r.gap, r.share_before(), r.share_after(), r.mean_cost_before, r.mean_cost_after);
    if (!r.note.empty()) std::printf("%-34s note: %s\n", "", r.note.c_str());
}

}  // namespace

int main(int argc, char** argv) {
    kepu15::use_huge_page_heap();  // as the kepu15 executable does
    unsigned threads = 2;
    std::uint64_t seed = 20251201;
    bool exact = false;
    int positional = 0;
    for (int a = 1; a < argc; ++a) {
        if (std::strcmp(argv[a], "--exact") == 0) {
            exact = true;
        } else if (positional++ == 0) {
            threads = static_cast<unsigned>(std::stoul(argv[a]));
        } else {
            seed = std::stoull(argv[a]);
        }
    }
    std::mt19937_64 rng(seed);
    auto t0 = std::chrono::steady_clock::now();
    const Map m = make_map(rng);
    // Candidates and existing facilities on populated cells, more where more people live.
    std::discrete_distribution<std::size_t> by_pop(m.pop.begin(), m.pop.end());
    std::uniform_int_distribution<std::size_t> any(0, m.x.size() - 1);
    std::vector<double> cx, cy, ex, ey;
    for (int j = 0; j < 2000; ++j) {
        const std::size_t i = j % 2 == 0 ? by_pop(rng) : any(rng);
        cx.push_back(m.x[i]);
        cy.push_back(m.y[i]);
    }
    for (int e = 0; e < 250; ++e) {
        const std::size_t i = by_pop(rng);
        ex.push_back(m.x[i]);
        ey.push_back(m.y[i]);
    }
    const auto table = minutes_table(m, cx, cy, 15.0);
    const auto existing = minutes_table(m, ex, ey, 15.0);
    siting::Problem p;
    p.costs = &table;
    p.weight = m.pop;
    p.threshold = 15.0;
    p.horizon = 15.0;
    p.k = 40;
    p.existing_cost.assign(m.x.size(), std::nan(""));
    for (std::size_t i = 0; i < m.x.size(); ++i) {
        for (const auto& e : existing.of(i)) p.existing_cost[i] = std::isnan(p.existing_cost[i]) ? e.cost : std::min(p.existing_cost[i], e.cost);
    }
    double total = 0;
    for (double w : m.pop) total += w;
    std::printf("seed %llu, threads %u: %zu demand cells (%.0f people), 2000 candidates, 250 existing facilities\n",
                static_cast<unsigned long long>(seed), threads, m.x.size(), total);
    std::printf("cost table: %zu pairs within 15 min (%.2f per cell), built in %.2f s\n", table.entry_count(),
                static_cast<double>(table.entry_count()) / static_cast<double>(m.x.size()), seconds_since(t0));

    siting::Options o;
    o.threads = threads;
    o.solver = siting::SolverChoice::heuristic;
    for (auto model : {siting::Model::mclp, siting::Model::p_median}) {
        p.model = model;
        t0 = std::chrono::steady_clock::now();
        const auto r = siting::solve(p, o);
        print(model == siting::Model::mclp ? "MCLP K=40 (heuristic + bound)" : "p-median K=40 (heuristic + bound)", r,
              seconds_since(t0));
    }
    p.model = siting::Model::lscp;
    p.target_share = 0.80;
    t0 = std::chrono::steady_clock::now();
    const auto lscp = siting::solve(p, o);
    print("LSCP 80 % (heuristic + bound)", lscp, seconds_since(t0));
    // The automatic size rule on sub-areas (demand outside a square window weighs nothing, so the
    // reduced instance shrinks): which solver it picks, and how long CBC takes there.
    o.solver = siting::SolverChoice::automatic;
    p.model = siting::Model::mclp;
    p.k = 10;
    for (double window_km : {4.0, 8.0, 12.0, 16.0, 20.0}) {
        siting::Problem sub = p;
        for (std::size_t i = 0; i < m.x.size(); ++i) {
            if (m.x[i] > window_km * 1000 + 10000 || m.y[i] > window_km * 1000 + 10000 || m.x[i] < 10000 || m.y[i] < 10000) {
                sub.weight[i] = 0;
            }
        }
        t0 = std::chrono::steady_clock::now();
        const auto r = siting::solve(sub, o);
        char label[64];
        std::snprintf(label, sizeof label, "MCLP K=10, %.0f x %.0f km (automatic)", window_km, window_km);
        print(label, r, seconds_since(t0));
    }
    p.k = 40;
    {
        // A scenario adding 50 facilities (the first 50 candidates, their reach taken from the
        // candidate table as the new sites' searches would give it) and removing 10, evaluated
        // incrementally against the loaded baseline.
        const auto reach = coverage::transpose(table);
        t0 = std::chrono::steady_clock::now();
        scenario::IncrementalNearest inc(existing, m.pop, 15.0);
        const double load_s = seconds_since(t0);
        const double before = inc.covered_weight();
        t0 = std::chrono::steady_clock::now();
        for (std::uint32_t j = 0; j < 50; ++j) inc.add(reach.of(j));
        for (std::uint32_t f = 0; f < 10; ++f) inc.remove(f * 7);
        const auto touched = inc.take_touched();
        const double secs = seconds_since(t0);
        std::printf("%-34s %7.4f s  (baseline state built once in %.3f s) %zu cells touched, covered share %.4f -> %.4f\n",
                    "scenario +50 / -10, incremental", secs, load_s, touched.size(), before / total, inc.covered_weight() / total);
    }
    if (exact) {
        o.solver = siting::SolverChoice::exact;
        o.exact_time_limit_s = 120;
        p.model = siting::Model::mclp;
        t0 = std::chrono::steady_clock::now();
        const auto r = siting::solve(p, o);
        print("MCLP K=40 (CBC)", r, seconds_since(t0));
    }
    return 0;
}
