#include "kepu15/coverage/equity.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

using namespace kepu15::coverage;

TEST_CASE("weighted Gini of minutes matches the pairwise definition computed by hand", "[coverage]") {
    // Two equal groups at 0 and 10 minutes: sum |xi - xj| over ordered pairs = 2 * 10, mean 5,
    // G = 20 / (2 * 2^2 * 5) = 0.5.
    REQUIRE(weighted_gini(std::vector<double>{0, 10}, std::vector<double>{1, 1}) == Approx(0.5));
    // Everyone equally far: 0. Nobody travels: 0 (defined, not NaN).
    REQUIRE(weighted_gini(std::vector<double>{7, 7, 7}, std::vector<double>{1, 2, 3}) == Approx(0.0).margin(1e-12));
    REQUIRE(weighted_gini(std::vector<double>{0, 0}, std::vector<double>{1, 1}) == 0.0);
    // Order of input does not matter, and ties are handled.
    REQUIRE(weighted_gini(std::vector<double>{10, 0, 10}, std::vector<double>{0.5, 1, 0.5}) == Approx(0.5));
}

TEST_CASE("equity: urban/rural and group shares, best-worst 区镇 gap, Gini", "[coverage]") {
    // cell:      0     1     2     3
    // pop:     100   100   200   100
    // covered:   1     0     1     0
    // urban:     1     1     0    -1
    // unit:      0     0     1     1
    // minutes:   5    20    10   NaN (charged the 30-minute horizon)
    const std::vector<double> pop{100, 100, 200, 100}, youth{10, 20, 30, 40}, minutes{5, 20, 10, std::nan("")};
    const std::vector<std::uint8_t> covered{1, 0, 1, 0};
    const std::vector<std::int32_t> unit{0, 0, 1, 1};
    const std::vector<std::int8_t> urban{1, 1, 0, -1};
    EquityCells c;
    c.population = pop;
    c.groups = {youth};
    c.covered = covered;
    c.minutes = minutes;
    c.unit = unit;
    c.unit_count = 3;  // unit 2 has nobody and is ignored for best/worst
    c.urban = urban;
    c.horizon = 30;
    const Equity e = equity(c);
    REQUIRE(e.covered_share == Approx(0.6));
    REQUIRE(e.urban_population == 200);
    REQUIRE(e.urban_share == Approx(0.5));
    REQUIRE(e.rural_population == 200);
    REQUIRE(e.rural_share == Approx(1.0));
    REQUIRE(e.group_share == std::vector<double>{0.4});
    REQUIRE(e.best_unit == 1);
    REQUIRE(e.best_share == Approx(200.0 / 300.0));
    REQUIRE(e.worst_unit == 0);
    REQUIRE(e.worst_share == Approx(0.5));
    REQUIRE(e.best_worst_gap == Approx(200.0 / 300.0 - 0.5));
    // Pairwise sum 2 x 1,200,000 over 2 W^2 mu = 2 x 500^2 x 15: 0.32.
    REQUIRE(e.gini_minutes == Approx(0.32));
}

TEST_CASE("equity without urban or rural villages reports NaN shares, not zero", "[coverage]") {
    const std::vector<double> pop{10}, minutes{3};
    const std::vector<std::uint8_t> covered{1};
    const std::vector<std::int32_t> unit{-1};
    const std::vector<std::int8_t> urban{-1};
    EquityCells c;
    c.population = pop;
    c.covered = covered;
    c.minutes = minutes;
    c.unit = unit;
    c.urban = urban;
    const Equity e = equity(c);
    REQUIRE(std::isnan(e.urban_share));
    REQUIRE(std::isnan(e.rural_share));
    REQUIRE(e.best_unit == -1);
    REQUIRE(e.covered_share == 1.0);
}

TEST_CASE("weighted Gini on thousands of cells (radix-sorted) equals the pairwise definition", "[coverage]") {
    for (std::uint32_t seed : {11U, 12U, 13U}) {
        CAPTURE(seed);
        std::mt19937_64 rng(seed);
        std::uniform_real_distribution<double> minutes(0.0, 60.0);
        std::uniform_int_distribution<int> people(0, 40);
        std::vector<double> x(3000), w(3000);
        for (std::size_t i = 0; i < x.size(); ++i) {
            // Ties and the horizon appear as often as in real runs.
            x[i] = i % 7 == 0 ? 60.0 : i % 11 == 0 ? 5.0 : minutes(rng);
            w[i] = people(rng);
        }
        double total = 0, mean = 0, pairs = 0;
        for (std::size_t i = 0; i < x.size(); ++i) {
            total += w[i];
            mean += w[i] * x[i];
            for (std::size_t j = 0; j < x.size(); ++j) pairs += w[i] * w[j] * std::abs(x[i] - x[j]);
        }
        mean /= total;
        REQUIRE(weighted_gini(x, w) == Approx(pairs / (2 * total * total * mean)).epsilon(1e-9));
    }
}

TEST_CASE("weighted Gini on thousands of cells equals the sorted-sum formula with a stable sort, bit for bit",
          "[coverage]") {
    // The radix path must order ties like a stable sort: the cumulative sums, and so the last bits
    // of the Gini, depend on the order of equal values.
    for (unsigned seed = 1; seed <= 6; ++seed) {
        CAPTURE(seed);
        std::mt19937 rng(seed);
        const std::size_t n = 300 + rng() % 5000;
        std::vector<double> x(n), w(n);
        for (std::size_t i = 0; i < n; ++i) {
            x[i] = seed % 2 == 0 ? static_cast<double>(rng() % 13) * 5.0 : static_cast<double>(rng() % 600000) / 10000.0;
            w[i] = rng() % 5 == 0 ? 0.0 : static_cast<double>(rng() % 1000) / 7.0;
        }
        std::vector<std::pair<double, double>> vw;
        double total = 0.0, weighted = 0.0;
        for (std::size_t i = 0; i < n; ++i) {
            if (!(w[i] > 0)) continue;
            vw.emplace_back(x[i], w[i]);
            total += w[i];
            weighted += w[i] * x[i];
        }
        std::stable_sort(vw.begin(), vw.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        double cumulative = 0.0, sum = 0.0;
        for (const auto& [v, wt] : vw) {
            const double before = cumulative;
            cumulative += wt;
            sum += wt * v * (cumulative + before - total);
        }
        const double expected = sum / (total * weighted);
        const double got = kepu15::coverage::weighted_gini(x, w);
        REQUIRE(std::memcmp(&got, &expected, sizeof got) == 0);
    }
}

TEST_CASE("equity's Gini caps minutes at the horizon and charges it to the unreached, bit for bit", "[coverage]") {
    // The capped values are never materialised by equity(): it must give the Gini of the capped
    // copy exactly, ties at the horizon in cell order included.
    for (unsigned seed = 1; seed <= 4; ++seed) {
        CAPTURE(seed);
        std::mt19937 rng(seed);
        const std::size_t n = 400 + rng() % 3000;
        std::vector<double> minutes(n), population(n), capped(n);
        std::vector<std::uint8_t> covered(n);
        std::vector<std::int32_t> unit(n, -1);
        std::vector<std::int8_t> urban(n, -1);
        const double horizon = 45.0;
        for (std::size_t i = 0; i < n; ++i) {
            const unsigned r = rng() % 10;
            minutes[i] = r == 0 ? std::numeric_limits<double>::quiet_NaN()
                                : r == 1 ? 50.0 + static_cast<double>(rng() % 100) : static_cast<double>(rng() % 450000) / 10000.0;
            population[i] = rng() % 6 == 0 ? 0.0 : static_cast<double>(rng() % 1000) / 3.0;
            covered[i] = std::isfinite(minutes[i]) && minutes[i] <= 15.0 ? 1 : 0;
            capped[i] = std::isfinite(minutes[i]) ? std::min(minutes[i], horizon) : horizon;
        }
        kepu15::coverage::EquityCells c;
        c.population = population;
        c.covered = covered;
        c.minutes = minutes;
        c.unit = unit;
        c.urban = urban;
        c.horizon = horizon;
        const double got = kepu15::coverage::equity(c).gini_minutes;
        const double expected = kepu15::coverage::weighted_gini(capped, population);
        REQUIRE(expected > 0.0);
        REQUIRE(std::memcmp(&got, &expected, sizeof got) == 0);
    }
}
