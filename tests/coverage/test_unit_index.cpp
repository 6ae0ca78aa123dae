#include "kepu15/coverage/unit_index.hpp"

#include <catch2/catch.hpp>

#include <random>

using kepu15::MultiPolygon;
using kepu15::Point;
using kepu15::Polygon;
using kepu15::coverage::UnitIndex;

namespace {
MultiPolygon square(double x0, double y0, double x1, double y1) { return {kepu15::box_polygon(x0, y0, x1, y1)}; }
}  // namespace

TEST_CASE("points are assigned to the polygon that contains them", "[coverage]") {
    //  y
    //  10 +-----+-----+
    //     |  A  |  B  |      A = unit 0, B = unit 1, C = unit 2 (L-shape with a hole)
    //   5 +-----+-----+
    //     |    C      |
    //   0 +-----------+ x=10
    MultiPolygon c{Polygon{{{0, 0}, {10, 0}, {10, 5}, {0, 5}, {0, 0}}, {{{4, 1}, {6, 1}, {6, 3}, {4, 3}, {4, 1}}}}};
    const UnitIndex index({square(0, 5, 5, 10), square(5, 5, 10, 10), c});
    REQUIRE(index.size() == 3);
    REQUIRE(index.locate({2, 7}) == 0U);
    REQUIRE(index.locate({7, 7}) == 1U);
    REQUIRE(index.locate({2, 2}) == 2U);
    REQUIRE_FALSE(index.locate({5, 2}).has_value());   // inside the hole of C
    REQUIRE_FALSE(index.locate({11, 2}).has_value());  // outside everything
    // On the shared edge of A and B: the lower index wins, so the point is counted once.
    REQUIRE(index.locate({5, 7}) == 0U);
    REQUIRE(index.locate({2, 5}) == 0U);
    const auto all = index.locate_all({{2, 7}, {5, 2}, {9, 1}});
    REQUIRE(all == std::vector<std::int32_t>{0, -1, 2});
}

TEST_CASE("point-in-polygon assignment agrees with a brute-force ray cast on a seeded grid", "[coverage]") {
    // A concave star-like polygon and its complement square split.
    Polygon star;
    const double pi = 3.14159265358979323846;
    for (int i = 0; i < 16; ++i) {
        const double r = (i % 2 == 0) ? 100.0 : 40.0;
        const double a = 2 * pi * i / 16;
        star.outer.push_back({r * std::cos(a), r * std::sin(a)});
    }
    star.outer.push_back(star.outer.front());
    const UnitIndex index({MultiPolygon{star}});
    const auto ray_cast = [&](Point p) {
        bool inside = false;
        const auto& r = star.outer;
        for (std::size_t i = 0, j = r.size() - 2; i + 1 < r.size(); j = i++) {
            if ((r[i].y > p.y) != (r[j].y > p.y) &&
                p.x < (r[j].x - r[i].x) * (p.y - r[i].y) / (r[j].y - r[i].y) + r[i].x) {
                inside = !inside;
            }
        }
        return inside;
    };
    std::mt19937_64 rng(2021);
    std::uniform_real_distribution<double> d(-120.0, 120.0);
    std::size_t inside = 0;
    for (int i = 0; i < 20000; ++i) {
        const Point p{d(rng), d(rng)};
        const bool expected = ray_cast(p);
        CAPTURE(p.x, p.y);
        REQUIRE(index.locate(p).has_value() == expected);
        inside += expected ? 1 : 0;
    }
    REQUIRE(inside > 1000);
}
