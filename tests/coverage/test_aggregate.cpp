#include "kepu15/coverage/aggregate.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <random>

using kepu15::coverage::aggregate;
using kepu15::coverage::Measure;
using kepu15::coverage::Method;
using kepu15::coverage::weighted_stats;

namespace {
Method method_named(const std::string& name) {
    if (name == "crowfly") return Method::crowfly();
    return Method::network(*kepu15::network::parse_profile(name));
}

Measure measure(const std::string& kind, const std::string& method, std::vector<std::uint8_t> covered) {
    Measure m;
    m.kind = kind;
    m.method = method_named(method);
    m.covered = std::move(covered);
    m.value.assign(m.covered.size(), 0.0);
    m.facility.assign(m.covered.size(), 0);
    return m;
}
}  // namespace

TEST_CASE("aggregation sums population and covered population per unit and region", "[coverage]") {
    // 5 cells: units 0,0,1,1,-1 (the last is outside every unit but counts in the region).
    const std::vector<std::int32_t> unit{0, 0, 1, 1, -1};
    const std::vector<double> pop{10, 20, 30, 40, 5};
    const std::vector<std::vector<double>> groups{{1, 2, 3, 4, 0.5}};
    auto a = measure("school", "crowfly", {1, 0, 1, 0, 1});
    auto b = measure("station", "crowfly", {0, 0, 0, 1, 0});
    auto c = measure("school", "walk", {1, 0, 0, 0, 0});
    c.no_road_access = {0, 1, 0, 0, 0};
    const auto agg = aggregate(unit, 2, pop, groups, {a, b, c});
    REQUIRE(agg.methods.size() == 2);
    REQUIRE(agg.methods[0] == Method::crowfly());
    REQUIRE(agg.methods[1] == Method::network(kepu15::network::Profile::walk));
    REQUIRE(agg.method_index(Method::network(kepu15::network::Profile::drive)) == 2);
    REQUIRE(agg.region.population == 105);
    REQUIRE(agg.units[0].population == 30);
    REQUIRE(agg.units[1].population == 70);
    // Population is conserved: units + outside = region.
    REQUIRE(agg.units[0].population + agg.units[1].population + 5 == agg.region.population);
    REQUIRE(agg.units[0].covered == std::vector<double>{10, 0, 10});
    REQUIRE(agg.units[1].covered == std::vector<double>{30, 40, 0});
    REQUIRE(agg.region.covered == std::vector<double>{45, 40, 10});
    REQUIRE(agg.units[1].share(1) == Approx(40.0 / 70.0));
    REQUIRE(agg.region.group_population[0] == Approx(10.5));
    REQUIRE(agg.units[1].covered_groups[0][0] == Approx(3.0));
    REQUIRE(agg.units[0].no_road_access[2] == 20);
    // Covered by any kind, per method: crowfly covers cells 0,2,3,4; walk covers cell 0.
    REQUIRE(agg.region.covered_any == std::vector<double>{10 + 30 + 40 + 5, 10});
    REQUIRE(agg.units[1].covered_any == std::vector<double>{70, 0});
}

TEST_CASE("the share of an empty unit is undefined, not zero", "[coverage]") {
    const auto agg = aggregate({0}, 2, {5}, {}, {measure("x", "crowfly", {1})});
    REQUIRE(agg.units[0].share(0) == 1.0);
    REQUIRE(std::isnan(agg.units[1].share(0)));
}

TEST_CASE("methods are typed: crow-fly and each profile are distinct, names follow the README", "[coverage]") {
    using kepu15::network::Profile;
    REQUIRE(Method::crowfly().name() == "crowfly");
    REQUIRE(Method::network(Profile::elderly).name() == "elderly");
    REQUIRE_FALSE(Method::crowfly() == Method::network(Profile::walk));
    REQUIRE_FALSE(Method::network(Profile::walk) == Method::network(Profile::bike));
    REQUIRE(Method::network(Profile::drive).unit() == kepu15::coverage::CostUnit::minutes);
    REQUIRE(Method::crowfly().unit() == kepu15::coverage::CostUnit::metres);
}

TEST_CASE("weighted travel-time statistics: mean over the reached, quantiles rank the unreached last",
          "[coverage]") {
    const double nan = std::nan("");
    // Hand-computed: values 4 (w 10), 12 (w 30), 20 (w 40), unreached (w 20); total 100.
    // mean over reached = (40 + 360 + 800) / 80 = 15; median: cumulative 10, 40, 80 >= 50 -> 20;
    // p90: 80 < 90, the rest is unreached -> NaN.
    const std::vector<double> v{20, 4, nan, 12};
    const std::vector<double> w{40, 10, 20, 30};
    const auto s = weighted_stats(v, w);
    REQUIRE(s.mean == Approx(15.0));
    REQUIRE(s.median == 20.0);
    REQUIRE(std::isnan(s.p90));
    REQUIRE(s.unreached_population == 20.0);
    // Everybody reached: p90 is the value where the cumulative weight first reaches 90 %.
    const auto all = weighted_stats(std::vector<double>{1, 2, 3}, std::vector<double>{50, 39, 11});
    REQUIRE(all.median == 1.0);  // 50 >= 50
    REQUIRE(all.p90 == 3.0);     // 89 < 90 <= 100
    REQUIRE(all.mean == Approx((50 + 78 + 33) / 100.0));
    // Nobody reached.
    const auto none = weighted_stats(std::vector<double>{nan}, std::vector<double>{5});
    REQUIRE(std::isnan(none.mean));
    REQUIRE(std::isnan(none.median));
}

TEST_CASE("aggregation gives per-unit statistics and group-weighted means", "[coverage]") {
    const double nan = std::nan("");
    const std::vector<std::int32_t> unit{0, 0, 0, 1};
    const std::vector<double> pop{10, 30, 60, 5};
    const std::vector<std::vector<double>> groups{{10, 0, 5, 1}};
    auto m = measure("station", "walk", {1, 0, 0, 1});
    m.value = {5, 20, nan, 2};
    const auto agg = aggregate(unit, 2, pop, groups, {m});
    const auto& s = agg.units[0].stats[0];
    REQUIRE(s.mean == Approx((50 + 600) / 40.0));
    REQUIRE(std::isnan(s.median));  // 60 of 100 unreached
    REQUIRE(s.unreached_population == 60);
    REQUIRE(agg.units[1].stats[0].median == 2.0);
    // Group mean: cells 0 (5 min, weight 10) and 1 (weight 0); cell 2 unreached.
    REQUIRE(agg.units[0].group_mean[0][0] == Approx(5.0));
    REQUIRE(agg.region.group_mean[0][0] == Approx((50 + 2) / 11.0));
    REQUIRE(agg.region.stats[0].mean == Approx((50 + 600 + 10) / 45.0));
}

TEST_CASE("per-unit statistics equal a brute-force weighted computation on random cells", "[coverage]") {
    const double nan = std::nan("");
    for (unsigned seed = 1; seed <= 20; ++seed) {
        CAPTURE(seed);
        std::mt19937 rng(seed);
        const std::size_t n = 50 + rng() % 300;
        const std::size_t units = 1 + rng() % 6;
        std::vector<std::int32_t> unit(n);
        std::vector<double> pop(n);
        std::vector<std::vector<double>> groups(2, std::vector<double>(n));
        Measure m = measure("k", "walk", std::vector<std::uint8_t>(n, 0));
        for (std::size_t i = 0; i < n; ++i) {
            unit[i] = static_cast<std::int32_t>(rng() % (units + 1)) - 1;  // some cells outside every unit
            pop[i] = (rng() % 4 == 0) ? 0.0 : static_cast<double>(rng() % 100) / 4.0;
            groups[0][i] = pop[i] * 0.2;
            groups[1][i] = pop[i] * static_cast<double>(rng() % 10) / 10.0;
            // Few distinct values, so that ties and exact quantile boundaries occur.
            m.value[i] = (rng() % 5 == 0) ? nan : static_cast<double>(rng() % 12) * 2.5;
        }
        const auto agg = aggregate(unit, units, pop, groups, {m}, 2);
        for (std::size_t u = 0; u <= units; ++u) {
            std::vector<double> v;
            std::vector<double> w;
            std::vector<double> g1;
            for (std::size_t i = 0; i < n; ++i) {
                if (u < units && unit[i] != static_cast<std::int32_t>(u)) continue;
                v.push_back(m.value[i]);
                w.push_back(pop[i]);
                g1.push_back(groups[1][i]);
            }
            const auto& t = u < units ? agg.units[u] : agg.region;
            const auto expected = weighted_stats(v, w);
            const auto same = [](double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == Approx(b); };
            CHECK(same(t.stats[0].mean, expected.mean));
            CHECK(same(t.stats[0].median, expected.median));
            CHECK(same(t.stats[0].p90, expected.p90));
            CHECK(t.stats[0].unreached_population == Approx(expected.unreached_population).margin(1e-9));
            double gs = 0.0;
            double gw = 0.0;
            for (std::size_t k = 0; k < v.size(); ++k) {
                if (std::isnan(v[k])) continue;
                gs += v[k] * g1[k];
                gw += g1[k];
            }
            CHECK(same(t.group_mean[0][1], gw > 0 ? gs / gw : nan));
        }
    }
}
