#include "kepu15/coverage/gap_patches.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <string>

using namespace kepu15::coverage;

namespace {

// Cells from an ASCII map: 'U' uncovered, 'C' covered, '.' unpopulated (not a cell).
struct Map {
    std::vector<std::int32_t> col, row, unit, village;
    std::vector<double> pop, elderly, minutes;
    std::vector<std::uint8_t> covered;
    explicit Map(const std::vector<std::string>& rows) {
        for (std::size_t r = 0; r < rows.size(); ++r) {
            for (std::size_t c = 0; c < rows[r].size(); ++c) {
                const char ch = rows[r][c];
                if (ch == '.') continue;
                col.push_back(static_cast<std::int32_t>(c));
                row.push_back(static_cast<std::int32_t>(r));
                covered.push_back(ch == 'C' ? 1 : 0);
                pop.push_back(10);
                minutes.push_back(20);
                unit.push_back(c < 3 ? 0 : 1);
                village.push_back(static_cast<std::int32_t>(r));
            }
        }
    }
    std::size_t at(int c, int r) const {
        for (std::size_t i = 0; i < col.size(); ++i) {
            if (col[i] == c && row[i] == r) return i;
        }
        throw std::logic_error("no such cell");
    }
    GapCells cells() {
        elderly.clear();
        for (double p : pop) elderly.push_back(0.2 * p);
        GapCells g;
        g.col = col;
        g.row = row;
        g.population = pop;
        g.groups = {elderly};
        g.covered = covered;
        g.minutes = minutes;
        g.unit = unit;
        g.village = village;
        g.cell_area_km2 = 0.01;
        return g;
    }
};

Map example() {
    Map m({"UU.CU",  //
           ".UCCU",  //
           "U..UU"});
    m.pop[m.at(0, 2)] = 5;
    m.pop[m.at(4, 2)] = 40;
    m.minutes[m.at(4, 2)] = std::nan("");
    m.minutes[m.at(3, 2)] = 30;
    return m;
}

}  // namespace

TEST_CASE("gap patches are 4-connected uncovered cells with their people, minutes and units", "[coverage]") {
    Map m = example();
    const auto out = gap_patches(m.cells());
    REQUIRE(out.patches.size() == 3);
    REQUIRE(out.dropped_patches == 0);
    // Most people first: the right-hand patch (10 + 10 + 40 + 10), the top-left one, the lone cell.
    const auto& b = out.patches[0];
    REQUIRE(b.population == 70);
    REQUIRE(b.cells.size() == 4);
    REQUIRE(b.groups[0] == Approx(14));
    REQUIRE(b.area_km2 == Approx(0.04));
    REQUIRE(b.unreached_population == 40);
    REQUIRE(b.mean_minutes == Approx((10 * 20 + 10 * 20 + 10 * 30) / 30.0));
    REQUIRE(b.units == std::vector<std::int32_t>{1});
    REQUIRE(b.villages == std::vector<std::int32_t>{0, 1, 2});
    const auto& a = out.patches[1];
    REQUIRE(a.population == 30);
    REQUIRE(a.cells == std::vector<std::uint32_t>{static_cast<std::uint32_t>(m.at(0, 0)), static_cast<std::uint32_t>(m.at(1, 0)),
                                                  static_cast<std::uint32_t>(m.at(1, 1))});
    REQUIRE(a.mean_minutes == Approx(20));
    REQUIRE(a.units == std::vector<std::int32_t>{0});
    REQUIRE(out.patches[2].population == 5);
}

TEST_CASE("8-connectivity joins cells touching at a corner", "[coverage]") {
    Map m = example();
    GapPatchOptions o;
    o.connectivity = Connectivity::eight;
    const auto out = gap_patches(m.cells(), o);
    REQUIRE(out.patches.size() == 2);
    REQUIRE(out.patches[0].population == 70);
    REQUIRE(out.patches[1].population == 35);  // top-left patch + the corner cell (0, 2)
    REQUIRE(out.patches[1].villages == std::vector<std::int32_t>{0, 1, 2});
}

TEST_CASE("the minimum-population filter drops slivers and counts them", "[coverage]") {
    Map m = example();
    GapPatchOptions o;
    o.min_population = 6;
    const auto out = gap_patches(m.cells(), o);
    REQUIRE(out.patches.size() == 2);
    REQUIRE(out.dropped_patches == 1);
    REQUIRE(out.dropped_population == 5);
    // Population is conserved: kept + dropped = every uncovered person.
    REQUIRE(out.patches[0].population + out.patches[1].population + out.dropped_population == 105);
}

TEST_CASE("a patch that reaches no facility has undefined mean minutes", "[coverage]") {
    Map m({"U"});
    m.minutes[0] = std::nan("");
    const auto out = gap_patches(m.cells());
    REQUIRE(out.patches.size() == 1);
    REQUIRE(std::isnan(out.patches[0].mean_minutes));
    REQUIRE(out.patches[0].unreached_population == 10);
}

TEST_CASE("a patch's main 区镇 is the one holding most of its people", "[coverage]") {
    Map m({"UUU"});  // units: columns 0-2 -> unit 0, so widen the map with a unit-1 cell
    m.unit = {0, 1, 1};
    m.pop = {50, 10, 10};
    auto out = gap_patches(m.cells());
    REQUIRE(out.patches[0].units == std::vector<std::int32_t>{0, 1});
    REQUIRE(out.patches[0].main_unit == 0);  // 50 against 20
    m.pop = {10, 10, 10};
    out = gap_patches(m.cells());
    REQUIRE(out.patches[0].main_unit == 1);  // 10 against 20
}

TEST_CASE("a shared cell grid gives the same patches as a grid built per call", "[coverage]") {
    Map m = example();
    const auto cells = m.cells();
    const CellGrid grid(cells.col, cells.row);
    REQUIRE(grid.at(0, 0) == static_cast<std::int64_t>(m.at(0, 0)));
    REQUIRE(grid.at(2, 0) == -1);   // unpopulated
    REQUIRE(grid.at(-5, 9) == -1);  // outside the box
    const auto a = gap_patches(cells, {}, &grid);
    const auto b = gap_patches(cells);
    REQUIRE(a.patches.size() == b.patches.size());
    for (std::size_t k = 0; k < a.patches.size(); ++k) REQUIRE(a.patches[k].cells == b.patches[k].cells);
}

// ---- cell_outline ------------------------------------------------------------------------------

namespace {

struct Cells {
    std::vector<std::int32_t> col, row;
    std::vector<std::uint32_t> all;
};

// '#' cells of an ASCII map (column = x, row = y).
Cells cells_of(const std::vector<std::string>& rows) {
    Cells c;
    for (std::size_t r = 0; r < rows.size(); ++r) {
        for (std::size_t x = 0; x < rows[r].size(); ++x) {
            if (rows[r][x] != '#') continue;
            c.all.push_back(static_cast<std::uint32_t>(c.col.size()));
            c.col.push_back(static_cast<std::int32_t>(x));
            c.row.push_back(static_cast<std::int32_t>(r));
        }
    }
    return c;
}

// Ray casting over every ring (exterior and holes): inside an odd number of rings.
bool inside(const kepu15::MultiPolygon& mp, double x, double y) {
    bool in = false;
    const auto ring_test = [&](const kepu15::Ring& ring) {
        for (std::size_t i = 0, j = ring.size() - 2; i + 1 < ring.size(); j = i++) {
            const auto& a = ring[i];
            const auto& b = ring[j];
            if ((a.y > y) != (b.y > y) && x < (b.x - a.x) * (y - a.y) / (b.y - a.y) + a.x) in = !in;
        }
    };
    for (const auto& p : mp) {
        ring_test(p.outer);
        for (const auto& h : p.holes) ring_test(h);
    }
    return in;
}

// No vertex repeats inside a ring (only the closing one): rings never touch themselves.
bool simple(const kepu15::Ring& ring) {
    std::set<std::pair<double, double>> seen;
    for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
        if (!seen.emplace(ring[i].x, ring[i].y).second) return false;
    }
    return ring.front() == ring.back();
}

}  // namespace

TEST_CASE("cell outline: an L of four cells is one ring of six corners", "[coverage]") {
    const Cells c = cells_of({"##",  //
                              ".#",  //
                              ".#"});
    const auto mp = cell_outline(c.col, c.row, c.all);
    REQUIRE(mp.size() == 1);
    REQUIRE(mp[0].holes.empty());
    // Exterior clockwise in (column, row), i.e. counter-clockwise on a map whose rows run south.
    const kepu15::Ring expected{{0, 0}, {0, 1}, {1, 1}, {1, 3}, {2, 3}, {2, 0}, {0, 0}};
    REQUIRE(mp[0].outer.size() == expected.size());
    REQUIRE(kepu15::signed_area(mp[0].outer) == -4.0);
    // The same ring, possibly starting elsewhere.
    const auto start = std::find(mp[0].outer.begin(), mp[0].outer.end() - 1, kepu15::Point{0, 0});
    REQUIRE(start != mp[0].outer.end() - 1);
    kepu15::Ring rotated(start, mp[0].outer.end() - 1);
    rotated.insert(rotated.end(), mp[0].outer.begin(), start);
    rotated.push_back(rotated.front());
    REQUIRE(rotated == expected);
}

TEST_CASE("cell outline: an enclosed empty cell is a hole, a straight run of cells one edge", "[coverage]") {
    const Cells c = cells_of({"#####",  //
                              "#.###",  //
                              "#####"});
    const auto mp = cell_outline(c.col, c.row, c.all);
    REQUIRE(mp.size() == 1);
    REQUIRE(mp[0].outer.size() == 5);  // a rectangle
    REQUIRE(mp[0].holes.size() == 1);
    REQUIRE(mp[0].holes[0].size() == 5);
    REQUIRE(kepu15::signed_area(mp[0].holes[0]) == 1.0);
    REQUIRE(kepu15::area(mp) == 14.0);
}

TEST_CASE("cell outline: cells touching at a corner stay separate polygons", "[coverage]") {
    const Cells c = cells_of({"#.",  //
                              ".#"});
    const auto mp = cell_outline(c.col, c.row, c.all);
    REQUIRE(mp.size() == 2);
    for (const auto& p : mp) {
        REQUIRE(p.outer.size() == 5);
        REQUIRE(p.holes.empty());
    }
}

TEST_CASE("cell outline: a hole touching the exterior at a corner is its own simple ring", "[coverage]") {
    // The empty cell (1,1) is enclosed except at its corner with the empty (2,2).
    const Cells c = cells_of({"###",  //
                              "#.#",  //
                              "##."});
    const auto mp = cell_outline(c.col, c.row, c.all);
    REQUIRE(mp.size() == 1);
    REQUIRE(mp[0].holes.size() == 1);
    REQUIRE(simple(mp[0].outer));
    REQUIRE(simple(mp[0].holes[0]));
    REQUIRE(kepu15::area(mp) == 7.0);
}

TEST_CASE("cell outline covers exactly its cells on seeded random masks", "[coverage]") {
    for (std::uint32_t seed : {1U, 2U, 3U, 4U, 5U, 6U, 7U, 8U}) {
        CAPTURE(seed);
        std::mt19937 rng(seed);
        std::bernoulli_distribution filled(0.55);
        std::vector<std::string> rows(9, std::string(11, '.'));
        for (auto& r : rows) {
            for (auto& ch : r) ch = filled(rng) ? '#' : '.';
        }
        const Cells c = cells_of(rows);
        const auto mp = cell_outline(c.col, c.row, c.all);
        REQUIRE(kepu15::area(mp) == static_cast<double>(c.all.size()));
        for (const auto& p : mp) {
            REQUIRE(simple(p.outer));
            REQUIRE(kepu15::signed_area(p.outer) < 0);
            for (const auto& h : p.holes) {
                REQUIRE(simple(h));
                REQUIRE(kepu15::signed_area(h) > 0);
            }
        }
        // Every cell centre of the map (and a margin) is inside exactly when the cell is in the set.
        for (int y = -1; y <= 9; ++y) {
            for (int x = -1; x <= 11; ++x) {
                const bool in_set = y >= 0 && y < 9 && x >= 0 && x < 11 && rows[static_cast<std::size_t>(y)][static_cast<std::size_t>(x)] == '#';
                REQUIRE(inside(mp, x + 0.5, y + 0.5) == in_set);
            }
        }
        // One polygon per 4-connected group of cells.
        std::vector<std::uint8_t> covered(c.all.size(), 0);
        std::vector<double> one(c.all.size(), 1.0), nan(c.all.size(), 1.0);
        std::vector<std::int32_t> minus(c.all.size(), -1);
        GapCells g;
        g.col = c.col;
        g.row = c.row;
        g.population = one;
        g.covered = covered;
        g.minutes = nan;
        g.unit = minus;
        g.village = minus;
        REQUIRE(gap_patches(g).patches.size() == mp.size());
    }
}
