#include "kepu15/access/fca.hpp"
#include "kepu15/pipeline/result.hpp"

#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <random>

using namespace kepu15;

namespace {
bool same_bits(double a, double b) {
    return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b) || (std::isnan(a) && std::isnan(b));
}
}  // namespace

TEST_CASE("access means per unit and region equal access::weighted_mean_by_unit, bit for bit", "[pipeline]") {
    const double nan = std::nan("");
    for (unsigned seed = 1; seed <= 10; ++seed) {
        CAPTURE(seed);
        std::mt19937 rng(seed);
        const std::size_t n = 50 + rng() % 3000;
        const std::size_t units = 1 + rng() % 30;
        const std::size_t groups = seed % 2 == 0 ? 2 : 4;  // 3 weights: the fixed-size path; 5: the general one
        study::PopulationCells cells;
        cells.population.resize(n);
        cells.groups.assign(groups, std::vector<double>(n));
        std::vector<std::int32_t> unit(n);
        std::vector<double> score(n);
        for (std::size_t i = 0; i < n; ++i) {
            unit[i] = i > 0 && rng() % 3 != 0 ? unit[i - 1] : static_cast<std::int32_t>(rng() % (units + 1)) - 1;
            cells.population[i] = rng() % 6 == 0 ? 0.0 : static_cast<double>(rng() % 1000) / 3.0;
            for (auto& g : cells.groups) g[i] = rng() % 4 == 0 ? 0.0 : cells.population[i] * static_cast<double>(rng() % 10) / 9.0;
            score[i] = rng() % 7 == 0 ? nan : static_cast<double>(rng() % 100000) * 1e-7;
        }
        coverage::Aggregation agg;
        agg.units.resize(units);
        for (auto* t : {&agg.region}) {
            t->access_mean.assign(2, 0.0);
            t->group_access.assign(2, std::vector<double>(groups, 0.0));
        }
        for (auto& t : agg.units) {
            t.access_mean.assign(2, 0.0);
            t.group_access.assign(2, std::vector<double>(groups, 0.0));
        }
        pipeline::set_access_means(agg, unit, cells, score, 1);
        const std::vector<std::int32_t> everywhere(n, 0);
        const auto mean = access::weighted_mean_by_unit(score, cells.population, unit, units);
        REQUIRE(same_bits(agg.region.access_mean[1], access::weighted_mean_by_unit(score, cells.population, everywhere, 1)[0]));
        for (std::size_t u = 0; u < units; ++u) REQUIRE(same_bits(agg.units[u].access_mean[1], mean[u]));
        for (std::size_t g = 0; g < groups; ++g) {
            const auto gm = access::weighted_mean_by_unit(score, cells.groups[g], unit, units);
            REQUIRE(same_bits(agg.region.group_access[1][g], access::weighted_mean_by_unit(score, cells.groups[g], everywhere, 1)[0]));
            for (std::size_t u = 0; u < units; ++u) REQUIRE(same_bits(agg.units[u].group_access[1][g], gm[u]));
        }
        REQUIRE(agg.region.access_mean[0] == 0.0);  // measure 0 untouched
    }
}
