#include "kepu15/geo/grid_mask.hpp"
#include "kepu15/geo/lattice_outline.hpp"

#include <catch2/catch.hpp>

using kepu15::LineString;
using kepu15::geo::rasterize_lines;

TEST_CASE("a horizontal line fills one row of cells, widened by the radius", "[geo]") {
    // A 1,000 m line along y = 25 (the middle of a 50 m row) from x = 0 to x = 1000.
    const std::vector<LineString> lines{{{0, 25}, {1000, 25}}};
    const auto thin = rasterize_lines(lines, 50.0, 0);
    // Cells are aligned to multiples of 50 m; the line touches columns [0, 1000] -> 21 cells
    // (x = 1000 lies on the left edge of the 21st cell).
    REQUIRE(thin.count() == 21);
    const auto wide = rasterize_lines(lines, 50.0, 1);
    // One more cell on every side: 23 columns x 3 rows.
    REQUIRE(wide.count() == 23 * 3);
    REQUIRE(wide.min_x == -100.0);
    // The grid leaves (radius + 1) cells of margin around the lines: 25 + 100 rounded up to 150.
    REQUIRE(wide.max_y == 150.0);
}

TEST_CASE("a diagonal line marks every cell it crosses", "[geo]") {
    const auto mask = rasterize_lines({{{1, 1}, {99, 99}}}, 10.0, 0);
    // The diagonal of a 10 x 10 block of 10 m cells crosses the 10 diagonal cells (sampling at a
    // quarter cell can also clip corner neighbours: at most 2 per step between diagonal cells).
    REQUIRE(mask.count() >= 10);
    REQUIRE(mask.count() <= 10 + 2 * 9);
    for (int k = 0; k < 10; ++k) {
        const int col = static_cast<int>((k * 10 + 5 - mask.min_x) / 10);
        const int row = static_cast<int>((mask.max_y - (k * 10 + 5)) / 10);
        REQUIRE(mask.at(col, row) == 1);
    }
}

TEST_CASE("polygonized square loop of streets keeps the block inside as a hole", "[geo]") {
    // A square loop of streets 1 km on a side; cells of 50 m widened by one cell give a ring-shaped
    // corridor 150 m wide whose hole is the unreached block inside.
    const std::vector<LineString> loop{{{25, 25}, {1025, 25}, {1025, 1025}, {25, 1025}, {25, 25}}};
    const auto mask = rasterize_lines(loop, 50.0, 1);
    const auto polygons = kepu15::geo::polygonize(mask);
    REQUIRE(polygons.size() == 1);
    REQUIRE(polygons[0].holes.size() == 1);
    // Outer square: from -50 to 1100 (cells -1..21) = 1150 m; hole: from 100 to 950 = 850 m.
    REQUIRE(kepu15::area(polygons) == Approx(1150.0 * 1150.0 - 850.0 * 850.0));
    REQUIRE(mask.count() * 2500.0 == Approx(kepu15::area(polygons)));
}

TEST_CASE("no lines give an empty mask and no polygons", "[geo]") {
    const auto mask = rasterize_lines({}, 50.0, 1);
    REQUIRE(mask.width == 0);
    REQUIRE(kepu15::geo::polygonize(mask).empty());
}
