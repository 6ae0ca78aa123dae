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

// Area of a regular polygon with 4 * quadrant_segments sides inscribed in a circle: GEOS' round cap.
double polygonal_circle_area(double r, int quadrant_segments) {
    const int n = 4 * quadrant_segments;
    return 0.5 * n * r * r * std::sin(2.0 * std::numbers::pi / n);
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
    CHECK_THROWS_AS(buffer(nan_ring, 1.0), kepu15::geometry_error);
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

TEST_CASE("buffer_lines of a square loop keeps the hole", "[geo]") {
    // Four segments around the square [0,10]^2, buffered by 1: outer 12x12 with rounded corners,
    // hole 8x8 with sharp corners.
    const std::vector<LineString> loop{{{0, 0}, {10, 0}}, {{10, 0}, {10, 10}}, {{10, 10}, {0, 10}}, {{0, 10}, {0, 0}}};
    const int q = 4;
    const MultiPolygon b = buffer_lines(loop, 1.0, q);
    REQUIRE(b.size() == 1);
    REQUIRE(b[0].holes.size() == 1);
    CHECK(std::abs(kepu15::signed_area(b[0].holes[0])) == Approx(64.0).epsilon(1e-9));
    const double outer = 12.0 * 12.0 - 4.0 + polygonal_circle_area(1.0, q);
    CHECK(std::abs(kepu15::signed_area(b[0].outer)) == Approx(outer).epsilon(1e-9));

    // A single segment: a stadium. A single point: a disc.
    const MultiPolygon seg = buffer_lines({{{0, 0}, {10, 0}}}, 2.0, q);
    CHECK(area(seg) == Approx(40.0 + polygonal_circle_area(2.0, q)).epsilon(1e-9));
    const MultiPolygon dot = buffer_lines({{{5, 5}}}, 2.0, 8);
    CHECK(area(dot) == Approx(polygonal_circle_area(2.0, 8)).epsilon(1e-9));
    CHECK(buffer_lines({}, 1.0).empty());
    CHECK(buffer_lines(loop, 0.0).empty());
}

TEST_CASE("buffer_lines of a street grid gives one polygon with a hole per block", "[geo]") {
    // Streets every 100 m on [0, 6 km]^2, split into 100 m segments and given once per direction
    // (as a two-way road graph would), buffered by 30 m: every block keeps a 40 m x 40 m hole with
    // sharp corners; the outer square has 4 rounded corners.
    const int n = 60;
    const double step = 100.0;
    const double d = 30.0;
    const int q = 4;
    std::vector<LineString> segments;
    for (int k = 0; k <= n; ++k) {
        for (int s = 0; s < n; ++s) {
            const Point h0{s * step, k * step}, h1{(s + 1) * step, k * step};
            const Point v0{k * step, s * step}, v1{k * step, (s + 1) * step};
            segments.push_back({h0, h1});
            segments.push_back({v0, v1});
            segments.push_back({h1, h0});
            segments.push_back({v1, v0});
        }
    }
    REQUIRE(segments.size() == 14640);
    const MultiPolygon b = buffer_lines(segments, d, q);
    REQUIRE(b.size() == 1);
    CHECK(b[0].holes.size() == static_cast<std::size_t>(n * n));
    const double side = n * step + 2 * d;
    const double outer = side * side - 4 * d * d + polygonal_circle_area(d, q);
    const double holes = n * n * (step - 2 * d) * (step - 2 * d);
    CHECK(area(b) == Approx(outer - holes).epsilon(1e-9));
}

TEST_CASE("buffer_lines joins chains, branches and loops like separate buffers would", "[geo]") {
    // A T-junction, a zig-zag chain given as separate segments in mixed directions, a closed loop
    // and a lone point; the union of per-line buffers is the oracle.
    const std::vector<LineString> lines{
        {{0, 0}, {10, 0}}, {{10, 0}, {20, 0}}, {{10, 0}, {10, 10}},                    // T
        {{30, 0}, {35, 5}}, {{40, 0}, {35, 5}}, {{40, 0}, {45, 5}, {50, 0}},            // zig-zag
        {{60, 0}, {70, 0}, {70, 10}}, {{70, 10}, {60, 10}, {60, 0}},                    // loop
        {{80, 80}},                                                                      // point
        {{0, 0}, {10, 0}},                                                               // duplicate
    };
    std::vector<MultiPolygon> separate;
    for (const LineString& l : lines) separate.push_back(buffer_lines({l}, 2.0, 8));
    const MultiPolygon oracle = union_all(separate);
    const MultiPolygon merged = buffer_lines(lines, 2.0, 8);
    CHECK(merged.size() == 4);
    CHECK(area(merged) == Approx(area(oracle)).epsilon(1e-3));
    // Symmetric difference is only the sliver where round joins and caps approximate the circle
    // differently.
    CHECK(area(difference(merged, oracle)) + area(difference(oracle, merged)) < 1e-4 * area(oracle));
    // The loop keeps its hole (6x6 inside a 10x10 loop buffered by 2).
    std::size_t holes = 0;
    for (const Polygon& p : merged) holes += p.holes.size();
    CHECK(holes == 1);
}

TEST_CASE("buffer of a polygon grows and shrinks it", "[geo]") {
    const MultiPolygon sq{box_polygon(0, 0, 10, 10)};
    CHECK(area(buffer(sq, -1.0)) == Approx(64.0).epsilon(1e-12));
    CHECK(area(buffer(sq, 1.0, 8)) == Approx(100.0 + 40.0 + polygonal_circle_area(1.0, 8)).epsilon(1e-9));
    CHECK(buffer(sq, -6.0).empty());
}

TEST_CASE("simplify drops near-collinear vertices and keeps holes", "[geo]") {
    // A 10x10 square whose bottom edge wiggles by 0.01, with a 2x2 hole.
    const MultiPolygon wiggly{Polygon{{{0, 0}, {2.5, 0.01}, {5, 0}, {7.5, -0.01}, {10, 0}, {10, 10}, {0, 10}, {0, 0}},
                                      {{{4, 4}, {4, 6}, {6, 6}, {6, 4}, {4, 4}}}}};
    const MultiPolygon s = simplify(wiggly, 0.1);
    REQUIRE(s.size() == 1);
    CHECK(s[0].outer.size() == 5);
    REQUIRE(s[0].holes.size() == 1);
    CHECK(area(s) == Approx(96.0).epsilon(1e-12));
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
    // Each thread unions its own grid and buffers its own lines; a shared GEOS context or error
    // slot would corrupt one of them (run under the sanitizer build to see races).
    double area_a = 0.0;
    double area_b = 0.0;
    std::size_t holes_b = 0;
    std::thread ta([&] {
        for (int r = 0; r < 5; ++r) area_a = area(union_all(grid_cells(60, 50, 10.0)));
    });
    std::thread tb([&] {
        for (int r = 0; r < 5; ++r) {
            const auto b = buffer_lines({{{0, 0}, {10, 0}, {10, 10}, {0, 10}, {0, 0}}}, 1.0, 4);
            area_b = area(b);
            holes_b = b.empty() ? 0 : b[0].holes.size();
        }
    });
    ta.join();
    tb.join();
    CHECK(area_a == Approx(600.0 * 500.0).epsilon(1e-12));
    CHECK(holes_b == 1);
    CHECK(area_b == Approx(144.0 - 4.0 + polygonal_circle_area(1.0, 4) - 64.0).epsilon(1e-9));
}
