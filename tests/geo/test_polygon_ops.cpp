#include "kepu15/geo/polygon_ops.hpp"

#include "kepu15/error.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>
#include <thread>

using kepu15::area;
using kepu15::box_polygon;
using kepu15::LineString;
using kepu15::MultiPolygon;
using kepu15::Point;
using kepu15::Polygon;
using kepu15::Ring;
using namespace kepu15::geo;

namespace {

double perimeter(const Ring& ring) {
    double p = 0.0;
    for (std::size_t i = 0; i + 1 < ring.size(); ++i) p += kepu15::distance(ring[i], ring[i + 1]);
    return p;
}

// Even-odd ray casting, the textbook oracle.
bool inside_ring(const Ring& ring, Point p) {
    bool in = false;
    for (std::size_t i = 0, j = ring.size() - 1; i < ring.size(); j = i++) {
        const Point a = ring[i];
        const Point b = ring[j];
        if ((a.y > p.y) != (b.y > p.y) && p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x) in = !in;
    }
    return in;
}


std::vector<Polygon> grid_cells(int nx, int ny, double size) {
    std::vector<Polygon> cells;
    for (int j = 0; j < ny; ++j) {
        for (int i = 0; i < nx; ++i) cells.push_back(box_polygon(i * size, j * size, (i + 1) * size, (j + 1) * size));
    }
    return cells;
}

}  // namespace

TEST_CASE("make_valid splits a bow-tie into its two triangles", "[geo]") {
    //  (0,2)  (2,2)
    //     \  /
    //      \/      the ring crosses itself at (1,1)
    //      /\       .
    //  (0,0)  (2,0)
    const MultiPolygon bowtie{Polygon{{{0, 0}, {2, 2}, {2, 0}, {0, 2}, {0, 0}}, {}}};
    CHECK_FALSE(is_valid(bowtie));
    CHECK_THAT(invalid_reason(bowtie), Catch::Contains("Self-intersection"));
    const MultiPolygon fixed = make_valid(bowtie);
    CHECK(is_valid(fixed));
    CHECK(invalid_reason(fixed).empty());
    CHECK(fixed.size() == 2);
    CHECK(area(fixed) == Approx(2.0).epsilon(1e-12));
}

TEST_CASE("make_valid throws when nothing polygonal remains", "[geo]") {
    const MultiPolygon flat{Polygon{{{0, 0}, {1, 0}, {2, 0}, {0, 0}}, {}}};
    CHECK_FALSE(is_valid(flat));
    CHECK_THROWS_AS(make_valid(flat), kepu15::geometry_error);
    const MultiPolygon too_few{Polygon{{{0, 0}, {1, 0}, {0, 0}}, {}}};
    CHECK_THAT(invalid_reason(too_few), Catch::Contains("Too few points"));
    const MultiPolygon nan_ring{Polygon{{{0, 0}, {1, 0}, {1, NAN}, {0, 0}}, {}}};
    CHECK_THAT(invalid_reason(nan_ring), Catch::Contains("Non-finite"));
    CHECK_THROWS_AS(make_valid(nan_ring), kepu15::geometry_error);
}

TEST_CASE("union of a 3x3 block of squares is one square of area 9 without interior edges", "[geo]") {
    const MultiPolygon u = union_all(grid_cells(3, 3, 1.0));
    REQUIRE(u.size() == 1);
    CHECK(u[0].holes.empty());
    CHECK(area(u) == Approx(9.0).epsilon(1e-12));
    // An interior edge would add length or put a vertex strictly inside the square.
    CHECK(perimeter(u[0].outer) == Approx(12.0).epsilon(1e-12));
    for (const Point p : u[0].outer) {
        const bool on_boundary = p.x == 0.0 || p.x == 3.0 || p.y == 0.0 || p.y == 3.0;
        CHECK(on_boundary);
    }
    CHECK(is_valid(u));
}

TEST_CASE("union of a ring of 8 squares keeps its hole", "[geo]") {
    std::vector<Polygon> cells;
    for (const Polygon& c : grid_cells(3, 3, 1.0)) {
        if (c.outer[0] != Point{1.0, 1.0}) cells.push_back(c);
    }
    REQUIRE(cells.size() == 8);
    const MultiPolygon u = union_all(cells);
    REQUIRE(u.size() == 1);
    REQUIRE(u[0].holes.size() == 1);
    CHECK(std::abs(kepu15::signed_area(u[0].holes[0])) == Approx(1.0).epsilon(1e-12));
    CHECK(area(u) == Approx(8.0).epsilon(1e-12));
}

TEST_CASE("union handles overlaps, T-junctions and multipolygon inputs", "[geo]") {
    // Overlapping squares: not a coverage, so the general union runs. 4 + 4 - 1 = 7.
    const MultiPolygon overlap = union_all(std::vector<Polygon>{box_polygon(0, 0, 2, 2), box_polygon(1, 1, 3, 3)});
    REQUIRE(overlap.size() == 1);
    CHECK(area(overlap) == Approx(7.0).epsilon(1e-12));

    // A 2x2 square beside two 1x1 squares: the shared edge is split on one side only.
    const MultiPolygon t = union_all(
        std::vector<Polygon>{box_polygon(0, 0, 2, 2), box_polygon(2, 0, 3, 1), box_polygon(2, 1, 3, 2)});
    REQUIRE(t.size() == 1);
    CHECK(t[0].holes.empty());
    CHECK(area(t) == Approx(6.0).epsilon(1e-12));
    CHECK(perimeter(t[0].outer) == Approx(10.0).epsilon(1e-12));

    // Exact duplicates (the same cell twice) count once.
    const MultiPolygon dup = union_all(std::vector<Polygon>{box_polygon(0, 0, 1, 1), box_polygon(0, 0, 1, 1)});
    REQUIRE(dup.size() == 1);
    CHECK(area(dup) == Approx(1.0).epsilon(1e-12));

    // Disjoint parts stay separate; an empty input gives an empty result.
    const MultiPolygon two = union_all(std::vector<MultiPolygon>{{box_polygon(0, 0, 1, 1)}, {box_polygon(5, 5, 6, 6)}});
    CHECK(two.size() == 2);
    CHECK(area(two) == Approx(2.0).epsilon(1e-12));
    CHECK(union_all(std::vector<Polygon>{}).empty());
}

TEST_CASE("union of 90,000 grid cells with a lake dissolves to one polygon with one hole", "[geo]") {
    // 300 x 300 cells of 100 m, minus a 20 x 10 block of cells (a lake) in the middle.
    std::vector<Polygon> cells;
    for (int j = 0; j < 300; ++j) {
        for (int i = 0; i < 300; ++i) {
            if (i >= 100 && i < 120 && j >= 150 && j < 160) continue;
            cells.push_back(box_polygon(i * 100.0, j * 100.0, (i + 1) * 100.0, (j + 1) * 100.0));
        }
    }
    const MultiPolygon u = union_all(cells);
    REQUIRE(u.size() == 1);
    REQUIRE(u[0].holes.size() == 1);
    CHECK(area(u) == Approx(30000.0 * 30000.0 - 2000.0 * 1000.0).epsilon(1e-12));
    CHECK(std::abs(kepu15::signed_area(u[0].holes[0])) == Approx(2000.0 * 1000.0).epsilon(1e-12));
}

TEST_CASE("intersection and difference areas", "[geo]") {
    const MultiPolygon a{box_polygon(0, 0, 2, 2)};
    const MultiPolygon b{box_polygon(1, 1, 3, 3)};
    CHECK(area(intersection(a, b)) == Approx(1.0).epsilon(1e-12));
    CHECK(area(difference(a, b)) == Approx(3.0).epsilon(1e-12));
    CHECK(area(difference(b, a)) == Approx(3.0).epsilon(1e-12));
    // Touching along an edge: the intersection is a line, which is not polygonal.
    CHECK(intersection(a, MultiPolygon{box_polygon(2, 0, 4, 2)}).empty());
    // Difference that punches a hole.
    const MultiPolygon holed = difference(MultiPolygon{box_polygon(0, 0, 10, 10)}, MultiPolygon{box_polygon(4, 4, 6, 6)});
    REQUIRE(holed.size() == 1);
    CHECK(holed[0].holes.size() == 1);
    CHECK(area(holed) == Approx(96.0).epsilon(1e-12));
    // An invalid input (bow-tie) is repaired rather than rejected: two triangles of area 1,
    // of which the square [0,1]x[0,2] holds half of each.
    const MultiPolygon bowtie{Polygon{{{0, 0}, {2, 2}, {2, 0}, {0, 2}, {0, 0}}, {}}};
    CHECK(area(intersection(bowtie, MultiPolygon{box_polygon(0, 0, 1, 2)})) == Approx(1.0).epsilon(1e-12));
}

TEST_CASE("point_on_surface lies inside a U-shape", "[geo]") {
    //  +--+  +--+     (0,3) (1,3)  (2,3) (3,3)
    //  |  |  |  |
    //  |  +--+  |     the notch [1,2]x[1,3] is outside; the centroid (1.5, ~1.2) is in it
    //  +--------+     (0,0)            (3,0)
    const Ring u{{0, 0}, {3, 0}, {3, 3}, {2, 3}, {2, 1}, {1, 1}, {1, 3}, {0, 3}, {0, 0}};
    const Point p = point_on_surface(MultiPolygon{Polygon{u, {}}});
    CHECK(inside_ring(u, p));
    CHECK_FALSE((p.x > 1.0 && p.x < 2.0 && p.y > 1.0));
    CHECK_THROWS_AS(point_on_surface(MultiPolygon{}), kepu15::geometry_error);
}

TEST_CASE("open rings are closed on the way in", "[geo]") {
    const MultiPolygon open{Polygon{{{0, 0}, {4, 0}, {4, 4}, {0, 4}}, {}}};
    CHECK(is_valid(open));
    const MultiPolygon u = union_all(std::vector<MultiPolygon>{open});
    REQUIRE(u.size() == 1);
    CHECK(u[0].outer.front() == u[0].outer.back());
    CHECK(area(u) == Approx(16.0).epsilon(1e-12));
}

TEST_CASE("polygon operations run concurrently on two threads", "[geo]") {
    // Each thread unions its own grid and intersects its own squares; a shared GEOS context or
    // error slot would corrupt one of them (run under the sanitizer build to see races).
    double area_a = 0.0;
    double area_b = 0.0;
    std::size_t holes_b = 0;
    std::thread ta([&] {
        for (int r = 0; r < 5; ++r) area_a = area(union_all(grid_cells(60, 50, 10.0)));
    });
    std::thread tb([&] {
        for (int r = 0; r < 5; ++r) {
            // A 12 x 12 square minus a 8 x 8 square in its middle: a frame with one hole.
            const auto b = difference({kepu15::box_polygon(-1, -1, 11, 11)}, {kepu15::box_polygon(1, 1, 9, 9)});
            area_b = area(b);
            holes_b = b.empty() ? 0 : b[0].holes.size();
        }
    });
    ta.join();
    tb.join();
    CHECK(area_a == Approx(600.0 * 500.0).epsilon(1e-12));
    CHECK(holes_b == 1);
    CHECK(area_b == Approx(144.0 - 64.0).epsilon(1e-12));
}
