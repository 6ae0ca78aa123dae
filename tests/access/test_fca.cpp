// 2SFCA, E2SFCA (stepped, Gaussian) and gravity access on a small hand-computed fixture, every
// intermediate figure (catchment demand V_j, ratio R_j, access A_i) checked.
//
// Fixture (minutes; catchment 15 min):      capacity S:  D0 = 10, D1 = 5, D2 = 7
//   demand P   D0     D1     D2
//   O0  100     3     12     -
//   O1  200     8      -     -      (O1 -> D1 is 20 min: beyond the catchment)
//   O2  300    14      4     -
//   O3   50     -      -     -      (reaches nothing)
// D2 has nobody within reach: its ratio is undefined (NaN) and its supply goes unused.
#include "kepu15/access/fca.hpp"
#include "kepu15/error.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <vector>

using namespace kepu15;
using access::Decay;
using access::Method;

namespace {

coverage::CostTable fixture_costs() {
    return coverage::cost_table_from_triplets(4, 3, coverage::CostUnit::minutes, 30.0, {0, 0, 1, 1, 2, 2},
                                              {0, 1, 0, 1, 0, 1}, {3.0, 12.0, 8.0, 20.0, 14.0, 4.0});
}
const std::vector<double> demand{100, 200, 300, 50};
const std::vector<double> capacity{10, 5, 7};

access::AccessOptions options(Method m, Decay d) {
    access::AccessOptions o;
    o.method = m;
    o.decay = d;
    o.catchment = 15.0;
    return o;
}

void check_close(const std::vector<double>& got, const std::vector<double>& expected) {
    REQUIRE(got.size() == expected.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        CAPTURE(i);
        if (std::isnan(expected[i])) {
            CHECK(std::isnan(got[i]));
        } else {
            CHECK(got[i] == Approx(expected[i]).epsilon(1e-12));
        }
    }
}

// sum_i P_i A_i: every unit of supply with someone in reach is shared out (D0 + D1 = 15).
double shared_supply(const std::vector<double>& access) {
    double s = 0.0;
    for (std::size_t i = 0; i < access.size(); ++i) s += demand[i] * access[i];
    return s;
}

const double undefined = std::nan("");

}  // namespace

TEST_CASE("2SFCA on the fixture: ratios of capacity to catchment population, summed per origin", "[access]") {
    const auto r =
        access::compute_access(fixture_costs(), demand, capacity, options(Method::two_step, Decay::none));
    // V_0 = 100 + 200 + 300 = 600, V_1 = 100 + 300 = 400 (O1 at 20 min is outside), V_2 = 0.
    check_close(r.catchment_demand, {600, 400, 0});
    // R_0 = 10 / 600 = 1/60, R_1 = 5 / 400 = 1/80, R_2 undefined.
    check_close(r.ratio, {1.0 / 60, 1.0 / 80, undefined});
    // A_0 = 1/60 + 1/80 = 7/240, A_1 = 1/60, A_2 = 7/240, A_3 = 0.
    check_close(r.access, {7.0 / 240, 1.0 / 60, 7.0 / 240, 0.0});
    CHECK(shared_supply(r.access) == Approx(15.0).epsilon(1e-12));
}

TEST_CASE("E2SFCA with the default stepped weights 1, 0.68, 0.22 over 0-5, 5-10, 10-15 min", "[access]") {
    const auto o = options(Method::enhanced, Decay::stepped);
    // Weights: 3 min -> 1, 8 -> 0.68, 14 -> 0.22, 12 -> 0.22, 4 -> 1; boundaries belong to the nearer zone.
    CHECK(access::decay_weight(o, 0.0) == 1.0);
    CHECK(access::decay_weight(o, 5.0) == 1.0);
    CHECK(access::decay_weight(o, 5.001) == 0.68);
    CHECK(access::decay_weight(o, 10.0) == 0.68);
    CHECK(access::decay_weight(o, 15.0) == 0.22);
    CHECK(access::decay_weight(o, 15.001) == 0.0);
    const auto r = access::compute_access(fixture_costs(), demand, capacity, o);
    // V_0 = 100 x 1 + 200 x 0.68 + 300 x 0.22 = 100 + 136 + 66 = 302; V_1 = 100 x 0.22 + 300 x 1 = 322.
    check_close(r.catchment_demand, {302, 322, 0});
    check_close(r.ratio, {10.0 / 302, 5.0 / 322, undefined});
    // A_0 = 1 x 10/302 + 0.22 x 5/322; A_1 = 0.68 x 10/302; A_2 = 0.22 x 10/302 + 1 x 5/322.
    check_close(r.access, {10.0 / 302 + 0.22 * 5 / 322, 0.68 * 10 / 302, 0.22 * 10 / 302 + 5.0 / 322, 0.0});
    CHECK(shared_supply(r.access) == Approx(15.0).epsilon(1e-12));

    // The zones scale with the catchment: at 30 min, 8 min is in the first zone (0-10).
    auto wide = o;
    wide.catchment = 30.0;
    CHECK(access::decay_weight(wide, 8.0) == 1.0);
    CHECK(access::decay_weight(wide, 20.0) == 0.68);
    // Custom zones: two halves.
    auto two = o;
    two.step_weights = {1.0, 0.5};
    CHECK(access::decay_weight(two, 7.5) == 1.0);
    CHECK(access::decay_weight(two, 8.0) == 0.5);
}

TEST_CASE("E2SFCA with Gaussian decay (Dai 2010)", "[access]") {
    const auto o = options(Method::enhanced, Decay::gaussian);
    const double e = std::exp(-0.5);
    const auto g = [&](double d) { return (std::exp(-0.5 * (d / 15) * (d / 15)) - e) / (1 - e); };
    CHECK(access::decay_weight(o, 0.0) == Approx(1.0).epsilon(1e-15));
    CHECK(access::decay_weight(o, 15.0) == Approx(0.0).margin(1e-15));
    // exp(-1/2 x (3/15)^2) = exp(-0.02) = 0.98019867; (0.98019867 - 0.60653066) / 0.39346934 = 0.9496750
    CHECK(access::decay_weight(o, 3.0) == Approx(0.949675045).epsilon(1e-8));
    const auto r = access::compute_access(fixture_costs(), demand, capacity, o);
    const double v0 = 100 * g(3) + 200 * g(8) + 300 * g(14);
    const double v1 = 100 * g(12) + 300 * g(4);
    check_close(r.catchment_demand, {v0, v1, 0});
    check_close(r.ratio, {10 / v0, 5 / v1, undefined});
    check_close(r.access,
                {g(3) * 10 / v0 + g(12) * 5 / v1, g(8) * 10 / v0, g(14) * 10 / v0 + g(4) * 5 / v1, 0.0});
    CHECK(shared_supply(r.access) == Approx(15.0).epsilon(1e-12));
}

TEST_CASE("gravity access with the competition term: power decay from d_min = catchment / 15", "[access]") {
    auto o = options(Method::gravity, Decay::power);
    // beta 1, d_min 1 min: w(d) = 1/d for d >= 1, 1 below.
    CHECK(access::decay_weight(o, 0.25) == 1.0);
    CHECK(access::decay_weight(o, 4.0) == 0.25);
    const auto r = access::compute_access(fixture_costs(), demand, capacity, o);
    const double v0 = 100.0 / 3 + 200.0 / 8 + 300.0 / 14;
    const double v1 = 100.0 / 12 + 300.0 / 4;
    check_close(r.catchment_demand, {v0, v1, 0});
    check_close(r.ratio, {10 / v0, 5 / v1, undefined});
    check_close(r.access, {10 / v0 / 3 + 5 / v1 / 12, 10 / v0 / 8, 10 / v0 / 14 + 5 / v1 / 4, 0.0});
    // beta 2, d_min 2 min: w(d) = (2/d)^2.
    o.beta = 2.0;
    o.min_cost = 2.0;
    CHECK(access::decay_weight(o, 4.0) == 0.25);
    CHECK(access::decay_weight(o, 1.0) == 1.0);
}

TEST_CASE("access: pairs beyond the catchment are ignored, and a narrower catchment changes the result",
          "[access]") {
    auto o = options(Method::two_step, Decay::none);
    o.catchment = 10.0;  // keeps O0-D0 (3), O1-D0 (8), O2-D1 (4)
    const auto r = access::compute_access(fixture_costs(), demand, capacity, o);
    check_close(r.catchment_demand, {300, 300, 0});
    check_close(r.ratio, {10.0 / 300, 5.0 / 300, undefined});
    check_close(r.access, {10.0 / 300, 10.0 / 300, 5.0 / 300, 0.0});
}

TEST_CASE("access: a wrong method/decay pair, a catchment beyond the table and bad values are refused",
          "[access]") {
    const auto costs = fixture_costs();
    CHECK_THROWS_AS(
        access::compute_access(costs, demand, capacity, options(Method::two_step, Decay::gaussian)),
        config_error);
    CHECK_THROWS_AS(access::compute_access(costs, demand, capacity, options(Method::gravity, Decay::stepped)),
                    config_error);
    auto wide = options(Method::two_step, Decay::none);
    wide.catchment = 45.0;  // the table holds costs up to 30 only
    CHECK_THROWS_WITH(access::compute_access(costs, demand, capacity, wide), Catch::Contains("limit of 30"));
    auto bad = options(Method::enhanced, Decay::stepped);
    bad.step_weights = {1.0, 1.5};
    CHECK_THROWS_AS(access::compute_access(costs, demand, capacity, bad), config_error);
    CHECK_THROWS_WITH(access::compute_access(costs, demand, std::vector<double>{10, -5, 7},
                                             options(Method::two_step, Decay::none)),
                      Catch::Contains("destination 1"));
    CHECK_THROWS_WITH(access::compute_access(costs, std::vector<double>{100, std::nan(""), 300, 50}, capacity,
                                             options(Method::two_step, Decay::none)),
                      Catch::Contains("origin 1"));
    CHECK_THROWS_AS(access::compute_access(costs, demand, std::vector<double>{10, 5},
                                           options(Method::two_step, Decay::none)),
                    input_error);
}

TEST_CASE("weighted_mean_by_unit: demand-weighted mean access per unit", "[access]") {
    const std::vector<double> score{1.0, 2.0, 4.0, 8.0};
    const std::vector<double> pop{1.0, 3.0, 0.0, 2.0};
    const std::vector<std::int32_t> unit{0, 0, 1, -1};
    const auto m = access::weighted_mean_by_unit(score, pop, unit, 3);
    CHECK(m[0] == Approx((1.0 + 6.0) / 4.0));
    CHECK(std::isnan(m[1]));  // nobody lives there
    CHECK(std::isnan(m[2]));
}

TEST_CASE("access method and decay names round-trip", "[access]") {
    for (const Method m : {Method::two_step, Method::enhanced, Method::gravity}) {
        CHECK(access::parse_method(access::method_name(m)) == m);
    }
    for (const Decay d : {Decay::none, Decay::stepped, Decay::gaussian, Decay::power}) {
        CHECK(access::parse_decay(access::decay_name(d)) == d);
    }
    CHECK_FALSE(access::parse_method("3sfca").has_value());
    CHECK(access::default_decay(Method::enhanced) == Decay::stepped);
}

TEST_CASE("compute_access_by_supply equals compute_access to the last bit on random tables", "[access]") {
    // Same sums in the same order: the catchment table keyed by supply (and the same catchments
    // produced on the fly) give bit-identical scores, ratios and catchment demand.
    const auto same_bits = [](const std::vector<double>& a, const std::vector<double>& b) {
        REQUIRE(a.size() == b.size());
        for (std::size_t i = 0; i < a.size(); ++i) {
            CAPTURE(i);
            if (std::isnan(a[i])) {
                CHECK(std::isnan(b[i]));
            } else {
                CHECK(a[i] == b[i]);
            }
        }
    };
    for (const std::uint32_t seed : {1U, 2U, 3U, 4U, 5U}) {
        INFO("seed " << seed);
        std::mt19937 rng(seed);
        std::uniform_real_distribution<double> cost(0.0, 20.0);
        std::uniform_real_distribution<double> people(0.0, 500.0);
        const std::size_t origins = 200;
        const std::size_t supplies = 12;
        std::vector<std::uint32_t> o;
        std::vector<std::uint32_t> d;
        std::vector<double> c;
        for (std::uint32_t i = 0; i < origins; ++i) {
            for (std::uint32_t j = 0; j < supplies; ++j) {
                if (rng() % 3 == 0) continue;
                o.push_back(i);
                d.push_back(j);
                c.push_back(cost(rng));
            }
        }
        const auto by_origin =
            coverage::cost_table_from_triplets(origins, supplies, coverage::CostUnit::minutes, 20.0, o, d, c);
        const auto by_supply = coverage::transpose(by_origin);
        std::vector<double> pop(origins);
        for (auto& p : pop) p = rng() % 5 == 0 ? 0.0 : people(rng);
        std::vector<double> cap(supplies);
        for (auto& x : cap) x = static_cast<double>(rng() % 40);
        for (const auto& [m, dec] : {std::pair{Method::two_step, Decay::none}, std::pair{Method::enhanced, Decay::stepped},
                                     std::pair{Method::enhanced, Decay::gaussian}, std::pair{Method::gravity, Decay::power}}) {
            CAPTURE(access::method_name(m), access::decay_name(dec));
            const auto opt = options(m, dec);
            const auto expected = access::compute_access(by_origin, pop, cap, opt);
            const auto got = access::compute_access_by_supply(by_supply, pop, cap, opt);
            same_bits(got.access, expected.access);
            same_bits(got.ratio, expected.ratio);
            same_bits(got.catchment_demand, expected.catchment_demand);
            int passes = 0;
            access::CatchmentSource source;
            source.supply_count = supplies;
            source.demand_count = origins;
            source.limit = 20.0;
            source.for_each = [&](const access::CatchmentSource::Visitor& visit) {
                ++passes;
                for (std::size_t j = 0; j < supplies; ++j) visit(j, by_supply.of(j));
            };
            const auto streamed = access::compute_access_by_supply(source, pop, cap, opt);
            CHECK(passes == 2);
            same_bits(streamed.access, expected.access);
            same_bits(streamed.ratio, expected.ratio);
        }
        // Sizes that do not match the table are refused as by compute_access.
        CHECK_THROWS_AS(access::compute_access_by_supply(by_supply, std::vector<double>(origins - 1, 1.0), cap,
                                                         options(Method::two_step, Decay::none)),
                        input_error);
    }
}
