#include "kepu15/coverage/crowfly.hpp"
#include "kepu15/coverage/nearest.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <random>

using kepu15::Point;
using kepu15::coverage::NearestIndex;

namespace {
std::vector<Point> random_points(std::mt19937_64& rng, std::size_t n, double extent) {
    std::uniform_real_distribution<double> d(0.0, extent);
    std::vector<Point> pts(n);
    for (auto& p : pts) p = {d(rng), d(rng)};
    return pts;
}
}  // namespace

TEST_CASE("k-d tree nearest equals a linear scan on seeded random points", "[coverage]") {
    for (std::uint64_t seed : {1ULL, 42ULL, 20211125ULL}) {
        CAPTURE(seed);
        std::mt19937_64 rng(seed);
        const auto facilities = random_points(rng, 300, 30000.0);
        const auto queries = random_points(rng, 5000, 30000.0);
        const NearestIndex index(facilities);
        for (const Point& q : queries) {
            double best = std::numeric_limits<double>::infinity();
            for (const Point& f : facilities) best = std::min(best, kepu15::distance(q, f));
            const auto hit = index.nearest(q);
            REQUIRE(hit.distance_m == Approx(best).margin(1e-9));
            REQUIRE(kepu15::distance(q, facilities[hit.index]) == Approx(best).margin(1e-9));
        }
    }
}

TEST_CASE("k-d tree radius query returns exactly the points within the radius, nearest first", "[coverage]") {
    std::mt19937_64 rng(7);
    const auto pts = random_points(rng, 2000, 10000.0);
    const NearestIndex index(pts);
    const Point q{5000.0, 5000.0};
    const double radius = 800.0;
    const auto hits = index.within(q, radius);
    std::size_t expected = 0;
    for (const auto& p : pts) expected += kepu15::distance(p, q) <= radius ? 1 : 0;
    REQUIRE(hits.size() == expected);
    REQUIRE(expected > 0);
    for (std::size_t i = 1; i < hits.size(); ++i) REQUIRE(hits[i - 1].distance_m <= hits[i].distance_m);
    for (const auto& h : hits) REQUIRE(kepu15::distance(pts[h.index], q) <= radius);
}

TEST_CASE("crow-fly coverage flags cells within the radius and names the nearest facility", "[coverage]") {
    // Facilities at (0,0) and (3000,0); cells along the x axis.
    const std::vector<Point> fac{{0, 0}, {3000, 0}};
    const std::vector<Point> cells{{0, 0}, {999.9, 0}, {1000, 0}, {1000.1, 0}, {1600, 0}, {2500, 0}, {1500, 2000}};
    const auto m = kepu15::coverage::crowfly_coverage("station", cells, fac, 1000.0);
    REQUIRE(m.key() == "station");
    REQUIRE_FALSE(m.is_network());
    const std::vector<double> dist{0, 999.9, 1000, 1000.1, 1400, 500, 2500};
    const std::vector<int> nearest{0, 0, 0, 0, 1, 1, 0};
    const std::vector<int> covered{1, 1, 1, 0, 0, 1, 0};
    for (std::size_t i = 0; i < cells.size(); ++i) {
        CAPTURE(i);
        REQUIRE(m.value[i] == Approx(dist[i]).margin(1e-9));
        REQUIRE(m.covered[i] == covered[i]);
        if (i != 6) REQUIRE(m.facility[i] == nearest[i]);  // cell 6 is equidistant
    }
}

TEST_CASE("crow-fly coverage without facilities leaves every cell uncovered", "[coverage]") {
    const auto m = kepu15::coverage::crowfly_coverage("venue", {{1, 1}, {2, 2}}, {}, 1000.0);
    REQUIRE(m.covered == std::vector<std::uint8_t>{0, 0});
    REQUIRE(m.facility == std::vector<std::int32_t>{-1, -1});
    REQUIRE(std::isnan(m.value[0]));
}
