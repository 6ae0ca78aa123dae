// geo::polygonize / geo::lattice_outline against the mask itself: every cell centre is inside the
// traced polygons exactly when its cell is set, the area is the number of cells, every polygon is
// valid (Boost.Geometry), one polygon per 4-connected region, no collinear vertex, exterior rings
// counter-clockwise on the map. Every mask up to 4 x 4 cells, then random masks (fixed seeds).
#include "kepu15/geo/grid_mask.hpp"
#include "kepu15/geo/lattice_outline.hpp"

#include <boost/geometry.hpp>
#include <catch2/catch.hpp>

#include <random>
#include <string>

namespace bg = boost::geometry;
using kepu15::MultiPolygon;
using kepu15::geo::GridMask;
using BgPoint = bg::model::d2::point_xy<double>;
using BgPolygon = bg::model::polygon<BgPoint, false, true>;  // counter-clockwise exterior, closed
using BgMulti = bg::model::multi_polygon<BgPolygon>;

namespace {

GridMask mask_of(int width, int height, std::vector<std::uint8_t> cells, double cell_m = 1.0, double min_x = 0.0,
                 double max_y = 0.0) {
    GridMask m;
    m.width = width;
    m.height = height;
    m.cell_m = cell_m;
    m.min_x = min_x;
    m.max_y = max_y;
    m.cells = std::move(cells);
    return m;
}

// Draws a mask row by row ('#' set, '.' empty) for failure messages.
std::string drawing(const GridMask& m) {
    std::string s;
    for (int r = 0; r < m.height; ++r) {
        for (int c = 0; c < m.width; ++c) s += m.at(c, r) != 0 ? '#' : '.';
        s += '\n';
    }
    return s;
}

// 4-connected regions by a plain breadth-first search, independent of the tracer.
std::size_t regions(const GridMask& m) {
    std::vector<char> seen(m.cells.size(), 0);
    std::size_t n = 0;
    for (int r0 = 0; r0 < m.height; ++r0) {
        for (int c0 = 0; c0 < m.width; ++c0) {
            if (m.at(c0, r0) == 0 || seen[static_cast<std::size_t>(r0 * m.width + c0)]) continue;
            ++n;
            std::vector<std::pair<int, int>> queue{{c0, r0}};
            seen[static_cast<std::size_t>(r0 * m.width + c0)] = 1;
            for (std::size_t q = 0; q < queue.size(); ++q) {
                const auto [c, r] = queue[q];
                for (const auto& [dc, dr] : {std::pair{1, 0}, {-1, 0}, {0, 1}, {0, -1}}) {
                    const int nc = c + dc, nr = r + dr;
                    if (nc < 0 || nr < 0 || nc >= m.width || nr >= m.height || m.at(nc, nr) == 0) continue;
                    auto& s = seen[static_cast<std::size_t>(nr * m.width + nc)];
                    if (!s) {
                        s = 1;
                        queue.emplace_back(nc, nr);
                    }
                }
            }
        }
    }
    return n;
}

BgMulti to_boost(const MultiPolygon& mp) {
    BgMulti out;
    for (const auto& p : mp) {
        BgPolygon bp;
        for (const auto& v : p.outer) bp.outer().emplace_back(v.x, v.y);
        for (const auto& h : p.holes) {
            bp.inners().emplace_back();
            for (const auto& v : h) bp.inners().back().emplace_back(v.x, v.y);
        }
        out.push_back(std::move(bp));
    }
    return out;
}

bool has_collinear_vertex(const kepu15::Ring& ring) {
    const std::size_t n = ring.size() - 1;  // closed
    for (std::size_t i = 0; i < n; ++i) {
        const auto& a = ring[(i + n - 1) % n];
        const auto& b = ring[i];
        const auto& c = ring[(i + 1) % n];
        if ((b.x - a.x) * (c.y - b.y) - (b.y - a.y) * (c.x - b.x) == 0.0) return true;
    }
    return false;
}

// Every property of the traced polygons that the mask decides; cells of 1 x 1 with the top-left
// corner at (0, 0), so every coordinate is exact.
void check_outline(const GridMask& m) {
    INFO("mask " << m.width << " x " << m.height << ":\n" << drawing(m));
    const MultiPolygon mp = kepu15::geo::polygonize(m);
    REQUIRE(mp.size() == regions(m));
    REQUIRE(kepu15::area(mp) == static_cast<double>(m.count()) * m.cell_m * m.cell_m);
    for (const auto& p : mp) {
        REQUIRE(p.outer.size() >= 5);
        REQUIRE(p.outer.front() == p.outer.back());
        REQUIRE(kepu15::signed_area(p.outer) > 0);  // counter-clockwise on the map
        REQUIRE_FALSE(has_collinear_vertex(p.outer));
        for (const auto& h : p.holes) {
            REQUIRE(h.front() == h.back());
            REQUIRE(kepu15::signed_area(h) < 0);
            REQUIRE_FALSE(has_collinear_vertex(h));
        }
    }
    const BgMulti multi = to_boost(mp);
    std::string why;
    for (const auto& p : multi) {
        INFO(bg::wkt(p));
        REQUIRE(bg::is_valid(p, why));
    }
    INFO(bg::wkt(multi));
    REQUIRE(bg::is_valid(multi, why));
    for (int r = 0; r < m.height; ++r) {
        for (int c = 0; c < m.width; ++c) {
            const BgPoint centre(m.min_x + (c + 0.5) * m.cell_m, m.max_y - (r + 0.5) * m.cell_m);
            INFO("cell " << c << ", " << r);
            REQUIRE(bg::within(centre, multi) == (m.at(c, r) != 0));
        }
    }
}

}  // namespace

TEST_CASE("polygonize covers exactly the set cells of every mask up to 4 x 4", "[geo]") {
    for (int w = 1; w <= 4; ++w) {
        for (int h = 1; h <= 4; ++h) {
            const int n = w * h;
            for (std::uint32_t bits = 0; bits < (1U << n); ++bits) {
                std::vector<std::uint8_t> cells(static_cast<std::size_t>(n));
                for (int i = 0; i < n; ++i) cells[static_cast<std::size_t>(i)] = (bits >> i) & 1U;
                check_outline(mask_of(w, h, std::move(cells)));
            }
        }
    }
}

TEST_CASE("polygonize covers exactly the set cells of random masks up to 24 x 24", "[geo]") {
    for (std::uint32_t seed = 1; seed <= 1500; ++seed) {
        std::mt19937 rng(seed);
        INFO("seed " << seed);
        const int w = std::uniform_int_distribution<int>(1, 24)(rng);
        const int h = std::uniform_int_distribution<int>(1, 24)(rng);
        const double density = std::uniform_real_distribution<double>(0.05, 0.95)(rng);
        std::bernoulli_distribution set(density);
        std::vector<std::uint8_t> cells(static_cast<std::size_t>(w * h));
        for (auto& c : cells) c = set(rng) ? 1 : 0;
        check_outline(mask_of(w, h, std::move(cells), 0.5, -3.0, 7.5));
    }
}

TEST_CASE("polygonize: a checkerboard gives one square per cell", "[geo]") {
    std::vector<std::uint8_t> cells(7 * 5);
    for (int r = 0; r < 5; ++r) {
        for (int c = 0; c < 7; ++c) cells[static_cast<std::size_t>(r * 7 + c)] = (r + c) % 2 == 0 ? 1 : 0;
    }
    const auto m = mask_of(7, 5, cells);
    check_outline(m);
    const auto mp = kepu15::geo::polygonize(m);
    REQUIRE(mp.size() == 18);
    for (const auto& p : mp) {
        REQUIRE(p.outer.size() == 5);
        REQUIRE(p.holes.empty());
    }
}

TEST_CASE("polygonize: a hole touching the exterior at a corner is its own ring", "[geo]") {
    // .##     The empty cell in the middle touches the outside at its top-left corner; the
    // #.#     exterior ring runs round the whole block and the hole is a separate ring sharing
    // ###     one vertex with it (valid OGC geometry; no ring touches itself).
    const auto m = mask_of(3, 3, {0, 1, 1, 1, 0, 1, 1, 1, 1}, 10.0, 100.0, 200.0);
    check_outline(m);
    const auto mp = kepu15::geo::polygonize(m);
    REQUIRE(mp.size() == 1);
    REQUIRE(mp[0].holes.size() == 1);
    REQUIRE(mp[0].holes[0].size() == 5);
    REQUIRE(kepu15::signed_area(mp[0].holes[0]) == -100.0);
    // Exterior: the 3 x 3 block without its top-left cell, six corners.
    REQUIRE(mp[0].outer.size() == 7);
    REQUIRE(kepu15::signed_area(mp[0].outer) == 800.0);
}

TEST_CASE("polygonize: an island inside a hole is its own polygon", "[geo]") {
    // #####
    // #...#
    // #.#.#
    // #...#
    // #####
    std::vector<std::uint8_t> cells(25, 1);
    for (int r = 1; r <= 3; ++r) {
        for (int c = 1; c <= 3; ++c) cells[static_cast<std::size_t>(r * 5 + c)] = 0;
    }
    cells[12] = 1;
    const auto m = mask_of(5, 5, cells, 50.0, 300000.0, 3500000.0);
    check_outline(m);
    const auto mp = kepu15::geo::polygonize(m);
    REQUIRE(mp.size() == 2);
    REQUIRE(mp[0].holes.size() == 1);
    REQUIRE(mp[1].holes.empty());
    // The island's corners in the mask's CRS: column 2 starts at x = 300100, row 2 at y = 3499900.
    const kepu15::Ring island{{300100, 3499850}, {300150, 3499850}, {300150, 3499900}, {300100, 3499900},
                              {300100, 3499850}};
    REQUIRE(kepu15::area(MultiPolygon{mp[1]}) == 2500.0);
    for (const auto& v : island) REQUIRE(std::find(mp[1].outer.begin(), mp[1].outer.end(), v) != mp[1].outer.end());
}

TEST_CASE("lattice_outline maps lattice vertices through the transform", "[geo]") {
    // One cell: (0, 0)-(1, 1) on the lattice, clockwise in (column, row) with the identity.
    const std::vector<std::uint8_t> one{1};
    const auto lattice = kepu15::geo::lattice_outline(one, 1, 1);
    REQUIRE(lattice.size() == 1);
    REQUIRE(kepu15::signed_area(lattice[0].outer) == -1.0);
    const auto mapped = kepu15::geo::lattice_outline(one, 1, 1, {10.0, 2.0, 20.0, -2.0});
    REQUIRE(kepu15::signed_area(mapped[0].outer) == 4.0);
    const auto box = kepu15::bounds(mapped);
    REQUIRE(box.min_x == 10.0);
    REQUIRE(box.max_x == 12.0);
    REQUIRE(box.min_y == 18.0);
    REQUIRE(box.max_y == 20.0);
    REQUIRE(kepu15::geo::lattice_outline(std::vector<std::uint8_t>(6, 0), 3, 2).empty());
}
