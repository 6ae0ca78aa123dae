// Co-located facilities (issue 7: 100,000 facilities at one point made the search linear in the
// duplicates) are merged for the k-d tree; results equal a linear scan and name the first one.
#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "kepu15/coverage/crowfly.hpp"

using namespace kepu15;

TEST_CASE("crow-fly coverage with thousands of co-located facilities equals a linear scan", "[coverage]") {
    std::mt19937 rng(20261201);  // fixed seed
    std::uniform_real_distribution<double> coord(0.0, 5000.0);
    std::vector<Point> facilities(5000, Point{2500.0, 2500.0});  // 5,000 at one point
    facilities.push_back({100.0, 100.0});
    facilities.push_back({100.0, 100.0});
    facilities.push_back({4900.0, 300.0});
    std::vector<Point> cells;
    for (int i = 0; i < 500; ++i) cells.push_back({coord(rng), coord(rng)});
    const auto m = coverage::crowfly_coverage("station", cells, facilities, 1000.0);
    for (std::size_t i = 0; i < cells.size(); ++i) {
        double best = INFINITY;
        std::int32_t best_f = -1;
        for (std::size_t f = 0; f < facilities.size(); ++f) {
            const double d = distance(cells[i], facilities[f]);
            if (d < best) {  // strict: the first of equal ones
                best = d;
                best_f = static_cast<std::int32_t>(f);
            }
        }
        CAPTURE(i);
        CHECK(m.value[i] == Approx(best));
        CHECK(m.facility[i] == best_f);
        CHECK(m.covered[i] == (best <= 1000.0 ? 1 : 0));
    }
}
