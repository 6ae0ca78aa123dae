#include "kepu15/coverage/aggregate.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <bit>
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

namespace {

// Bit-for-bit equality of two doubles (NaN equals NaN).
bool same_bits(double a, double b) { return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b) || (std::isnan(a) && std::isnan(b)); }

void require_same_totals(const kepu15::coverage::Totals& a, const kepu15::coverage::Totals& b) {
    REQUIRE(same_bits(a.population, b.population));
    REQUIRE(a.covered.size() == b.covered.size());
    for (std::size_t m = 0; m < a.covered.size(); ++m) {
        CAPTURE(m);
        REQUIRE(same_bits(a.covered[m], b.covered[m]));
        REQUIRE(same_bits(a.no_road_access[m], b.no_road_access[m]));
        REQUIRE(same_bits(a.stats[m].mean, b.stats[m].mean));
        REQUIRE(same_bits(a.stats[m].median, b.stats[m].median));
        REQUIRE(same_bits(a.stats[m].p90, b.stats[m].p90));
        REQUIRE(same_bits(a.stats[m].unreached_population, b.stats[m].unreached_population));
        for (std::size_t g = 0; g < a.group_mean[m].size(); ++g) {
            REQUIRE(same_bits(a.group_mean[m][g], b.group_mean[m][g]));
            REQUIRE(same_bits(a.covered_groups[m][g], b.covered_groups[m][g]));
        }
    }
    REQUIRE(a.covered_any.size() == b.covered_any.size());
    for (std::size_t k = 0; k < a.covered_any.size(); ++k) REQUIRE(same_bits(a.covered_any[k], b.covered_any[k]));
}

// Random cells for the oracles: fractional populations with zeros, values with many ties (a few
// distinct values) or all distinct, NaN for unreached, cells outside every unit.
struct RandomCells {
    std::vector<std::int32_t> unit, village;
    std::vector<double> pop;
    std::vector<std::vector<double>> groups;
    std::vector<Measure> measures;
};

RandomCells random_cells(std::mt19937& rng, std::size_t n, std::size_t units, std::size_t villages, std::size_t groups) {
    const double nan = std::nan("");
    RandomCells c;
    c.unit.resize(n);
    c.village.resize(n);
    c.pop.resize(n);
    c.groups.assign(groups, std::vector<double>(n));
    for (std::size_t i = 0; i < n; ++i) {
        c.unit[i] = static_cast<std::int32_t>(rng() % (units + 1)) - 1;
        // Villages in runs of cells, as on a raster read row by row.
        c.village[i] = i > 0 && rng() % 4 != 0 ? c.village[i - 1] : static_cast<std::int32_t>(rng() % (villages + 1)) - 1;
        c.pop[i] = rng() % 5 == 0 ? 0.0 : static_cast<double>(rng() % 1000) / 7.0;
        for (auto& g : c.groups) g[i] = c.pop[i] * static_cast<double>(rng() % 10) / 10.0;
    }
    const char* methods[] = {"crowfly", "walk", "bike", "walk"};
    for (std::size_t k = 0; k < 4; ++k) {
        Measure m = measure(k == 3 ? "other" : "k", methods[k], std::vector<std::uint8_t>(n, 0));
        const bool ties = k % 2 == 0;
        if (m.is_network()) m.no_road_access.assign(n, 0);
        for (std::size_t i = 0; i < n; ++i) {
            const auto r = rng();
            if (r % 6 == 0) {
                m.value[i] = nan;
                if (m.is_network() && r % 12 == 0) m.no_road_access[i] = 1;
            } else {
                m.value[i] = ties ? static_cast<double>(rng() % 9) * 2.5 : std::ldexp(static_cast<double>(rng() % 100000), -10);
            }
            if (rng() % 50 == 0) m.value[i] = 0.0;
            m.covered[i] = std::isfinite(m.value[i]) && m.value[i] <= 10.0 ? 1 : 0;
        }
        c.measures.push_back(std::move(m));
    }
    return c;
}

}  // namespace

TEST_CASE("the radix sort of reached cells equals a stable sort by value", "[coverage]") {
    using kepu15::coverage::detail::ReachedCell;
    using kepu15::coverage::detail::sort_by_key;
    std::vector<ReachedCell> scratch;
    for (unsigned seed = 1; seed <= 40; ++seed) {
        CAPTURE(seed);
        std::mt19937_64 rng(seed);
        const std::size_t n = seed <= 3 ? seed - 1 : rng() % 6000;
        std::vector<ReachedCell> items(n);
        for (std::size_t i = 0; i < n; ++i) {
            double v = 0.0;
            switch (seed % 5) {
                case 0: v = static_cast<double>(rng() % 7); break;                    // few values, many ties
                case 1: v = std::ldexp(static_cast<double>(rng() % 1000000), -14); break;  // minutes
                case 2: v = std::ldexp(static_cast<double>(rng() % 1000), static_cast<int>(rng() % 200) - 100); break;  // every magnitude
                case 3: v = rng() % 3 == 0 ? 0.0 : 30.0 + std::ldexp(static_cast<double>(rng() % 64), -40); break;  // zeros, near ties
                default: v = std::bit_cast<double>(rng() >> 2); break;                 // any non-negative double
            }
            items[i] = {std::bit_cast<std::uint64_t>(v), static_cast<double>(i), {static_cast<std::uint32_t>(i), 0}};
        }
        auto expected = items;
        std::stable_sort(expected.begin(), expected.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
        sort_by_key(items, scratch);
        REQUIRE(items.size() == expected.size());
        for (std::size_t i = 0; i < n; ++i) {
            REQUIRE(items[i].key == expected[i].key);
            REQUIRE(items[i].slot[0] == expected[i].slot[0]);  // ties in input order
        }
    }
}

TEST_CASE("aggregating by two partitions at once equals aggregating by each, bit for bit", "[coverage]") {
    using kepu15::coverage::Partition;
    for (unsigned seed = 1; seed <= 12; ++seed) {
        CAPTURE(seed);
        std::mt19937 rng(seed);
        const std::size_t groups = seed % 5;  // 0-3 groups: the fixed-size paths; 4: the general one
        const auto c = random_cells(rng, 200 + rng() % 3000, 1 + rng() % 8, 1 + rng() % 60, groups);
        const Partition parts[2] = {{c.unit, 1 + static_cast<std::size_t>(*std::max_element(c.unit.begin(), c.unit.end()))},
                                    {c.village, 1 + static_cast<std::size_t>(*std::max_element(c.village.begin(), c.village.end()))}};
        const auto both = aggregate(parts, c.pop, c.groups, c.measures, 2);
        for (std::size_t p = 0; p < 2; ++p) {
            const std::vector<std::int32_t> of(parts[p].unit_of_cell.begin(), parts[p].unit_of_cell.end());
            const auto one = aggregate(of, parts[p].unit_count, c.pop, c.groups, c.measures, 1);
            REQUIRE(both[p].methods.size() == one.methods.size());
            REQUIRE(both[p].units.size() == one.units.size());
            require_same_totals(both[p].region, one.region);
            for (std::size_t u = 0; u < one.units.size(); ++u) require_same_totals(both[p].units[u], one.units[u]);
        }
    }
}

TEST_CASE("weighted median and p90 per unit equal a brute force by sorting, ties and zero weights included",
          "[coverage]") {
    const double nan = std::nan("");
    for (unsigned seed = 1; seed <= 12; ++seed) {
        CAPTURE(seed);
        std::mt19937 rng(seed);
        auto c = random_cells(rng, 100 + rng() % 2000, 1 + rng() % 5, 1 + rng() % 40, 2);
        // Whole-number weights: every cumulative sum is exact, whatever the order of equal values.
        for (auto& w : c.pop) w = std::round(w);
        const kepu15::coverage::Partition parts[2] = {{c.unit, 6}, {c.village, 41}};
        const auto aggs = aggregate(parts, c.pop, c.groups, c.measures, 2);
        for (std::size_t p = 0; p < 2; ++p) {
            for (std::size_t m = 0; m < c.measures.size(); ++m) {
                for (std::size_t u = 0; u <= parts[p].unit_count; ++u) {
                    // Brute force: the unit's (value, weight) sorted by value, the unreached last.
                    std::vector<std::pair<double, double>> vw;
                    double total = 0.0;
                    for (std::size_t i = 0; i < c.pop.size(); ++i) {
                        if (u < parts[p].unit_count && parts[p].unit_of_cell[i] != static_cast<std::int32_t>(u)) continue;
                        total += c.pop[i];
                        if (std::isfinite(c.measures[m].value[i])) vw.emplace_back(c.measures[m].value[i], c.pop[i]);
                    }
                    std::sort(vw.begin(), vw.end());
                    const auto quantile = [&](double q) {
                        double acc = 0.0;
                        for (const auto& [v, w] : vw) {
                            acc += w;
                            if (acc >= q * total - 1e-9 * total) return v;
                        }
                        return nan;
                    };
                    const auto& t = u < parts[p].unit_count ? aggs[p].units[u] : aggs[p].region;
                    CAPTURE(p, m, u, total);
                    REQUIRE(same_bits(t.stats[m].median, total > 0 ? quantile(0.5) : nan));
                    REQUIRE(same_bits(t.stats[m].p90, total > 0 ? quantile(0.9) : nan));
                }
            }
        }
    }
}

TEST_CASE("re-aggregating the changed measures equals a full aggregation, bit for bit", "[coverage]") {
    using kepu15::coverage::Aggregation;
    using kepu15::coverage::Partition;
    for (unsigned seed = 1; seed <= 8; ++seed) {
        CAPTURE(seed);
        std::mt19937 rng(seed);
        const auto before = random_cells(rng, 300 + rng() % 2000, 4, 30, 2);
        auto after = before;
        // Measure 1 (walk) and 3 (walk, another kind) change; 0 and 2 stay.
        for (std::size_t m : {std::size_t{1}, std::size_t{3}}) {
            for (std::size_t i = 0; i < after.pop.size(); ++i) {
                if (rng() % 3 != 0) continue;
                after.measures[m].value[i] = static_cast<double>(rng() % 40) / 4.0;
                after.measures[m].covered[i] = after.measures[m].value[i] <= 10.0 ? 1 : 0;
            }
        }
        const Partition parts[2] = {{before.unit, 4}, {before.village, 30}};
        auto aggs = aggregate(parts, before.pop, before.groups, before.measures, 2);
        Aggregation* ptrs[2] = {&aggs[0], &aggs[1]};
        const std::size_t changed[2] = {1, 3};
        kepu15::coverage::reaggregate(ptrs, parts, after.pop, after.groups, after.measures, changed, 2);
        const auto full = aggregate(parts, after.pop, after.groups, after.measures, 1);
        for (std::size_t p = 0; p < 2; ++p) {
            require_same_totals(aggs[p].region, full[p].region);
            for (std::size_t u = 0; u < full[p].units.size(); ++u) require_same_totals(aggs[p].units[u], full[p].units[u]);
        }
    }
}
