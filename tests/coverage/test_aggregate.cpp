#include "kepu15/coverage/aggregate.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using kepu15::coverage::aggregate;
using kepu15::coverage::Measure;

namespace {
Measure measure(const std::string& kind, const std::string& method, std::vector<std::uint8_t> covered) {
    Measure m;
    m.kind = kind;
    m.method = method;
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
    REQUIRE(agg.methods == std::vector<std::string>{"crowfly", "walk"});
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
