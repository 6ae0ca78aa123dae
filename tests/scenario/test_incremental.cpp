#include "kepu15/scenario/incremental.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <random>

using namespace kepu15;
using namespace kepu15::scenario;

namespace {

struct Points {
    std::vector<double> x, y;
};

// Cells x facilities within `limit`, cost = Euclidean distance.
coverage::CostTable table(const Points& cells, const Points& fac, double limit) {
    std::vector<std::uint32_t> o, d;
    std::vector<double> c;
    for (std::size_t i = 0; i < cells.x.size(); ++i) {
        for (std::size_t j = 0; j < fac.x.size(); ++j) {
            const double dist = std::hypot(cells.x[i] - fac.x[j], cells.y[i] - fac.y[j]);
            if (dist > limit) continue;
            o.push_back(static_cast<std::uint32_t>(i));
            d.push_back(static_cast<std::uint32_t>(j));
            c.push_back(dist);
        }
    }
    return coverage::cost_table_from_triplets(cells.x.size(), fac.x.size(), coverage::CostUnit::minutes, limit, o, d, c);
}

}  // namespace

TEST_CASE("incremental additions, removals and threshold changes equal a full recomputation", "[scenario]") {
    for (std::uint32_t seed : {11U, 12U, 13U, 14U, 15U}) {
        INFO("seed " << seed);
        std::mt19937 rng(seed);
        std::uniform_real_distribution<double> u(0, 20);
        std::uniform_int_distribution<int> w(1, 50);
        const double limit = 5.0;
        Points cells, fac;
        std::vector<double> weight;
        for (int i = 0; i < 300; ++i) {
            cells.x.push_back(u(rng));
            cells.y.push_back(u(rng));
            weight.push_back(w(rng));
        }
        for (int j = 0; j < 25; ++j) {
            fac.x.push_back(u(rng));
            fac.y.push_back(u(rng));
        }
        const auto baseline = table(cells, fac, limit);
        double threshold = 3.0;
        IncrementalNearest inc(baseline, weight, threshold);
        Points all = fac;
        std::vector<std::uint8_t> active(fac.x.size(), 1);
        for (int step = 0; step < 120; ++step) {
            const int op = std::uniform_int_distribution<int>(0, 9)(rng);
            if (op < 4) {  // add a facility at a random point: its reach as one search would give it
                const double x = u(rng), y = u(rng);
                std::vector<coverage::CostEntry> reach;
                for (std::size_t i = 0; i < cells.x.size(); ++i) {
                    const double dist = std::hypot(cells.x[i] - x, cells.y[i] - y);
                    if (dist <= limit) reach.push_back({static_cast<std::uint32_t>(i), dist});
                }
                REQUIRE(inc.add(reach) == all.x.size());
                all.x.push_back(x);
                all.y.push_back(y);
                active.push_back(1);
            } else if (op < 7) {  // remove one (sometimes an already removed one: a no-op)
                const auto f = std::uniform_int_distribution<std::uint32_t>(0, static_cast<std::uint32_t>(all.x.size() - 1))(rng);
                inc.remove(f);
                active[f] = 0;
            } else if (op < 9) {  // attribute change that brings a facility back into its kind
                const auto f = std::uniform_int_distribution<std::uint32_t>(0, static_cast<std::uint32_t>(all.x.size() - 1))(rng);
                inc.restore(f);
                active[f] = 1;
            } else {  // threshold override
                threshold = std::uniform_real_distribution<double>(1, limit)(rng);
                inc.set_threshold(threshold);
            }
            const auto full = nearest_from_table(table(cells, all, limit), active);
            REQUIRE(inc.nearest().facility == full.facility);
            for (std::size_t i = 0; i < cells.x.size(); ++i) {
                if (full.facility[i] < 0) {
                    REQUIRE(std::isnan(inc.nearest().cost[i]));
                } else {
                    REQUIRE(inc.nearest().cost[i] == full.cost[i]);
                }
            }
            double covered = 0.0;
            for (std::size_t i = 0; i < cells.x.size(); ++i) {
                if (full.cost[i] <= threshold) covered += weight[i];
            }
            REQUIRE(inc.covered_weight() == covered);  // integer weights: exact
        }
    }
}

TEST_CASE("incremental evaluation reports the cells it touched", "[scenario]") {
    // Cells at x = 0, 1, 2, 3; one facility at 0 reaching cells 0..2 within the limit 2.
    const Points cells{{0, 1, 2, 3}, {0, 0, 0, 0}};
    const Points fac{{0}, {0}};
    const auto t = table(cells, fac, 2.0);
    IncrementalNearest inc(t, {1, 1, 1, 1}, 1.0);
    REQUIRE(inc.covered_weight() == 2);
    REQUIRE(inc.take_touched().empty());
    const std::vector<coverage::CostEntry> reach{{2, 1.0}, {3, 0.0}};  // a new facility at x = 3
    REQUIRE(inc.add(reach) == 1);
    REQUIRE(inc.covered_weight() == 4);
    REQUIRE(inc.take_touched() == std::vector<std::uint32_t>{2, 3});
    inc.remove(0);
    REQUIRE(inc.nearest().facility == std::vector<std::int32_t>{-1, -1, 1, 1});
    REQUIRE(inc.covered_weight() == 2);
    REQUIRE(inc.take_touched() == std::vector<std::uint32_t>{0, 1});
}
