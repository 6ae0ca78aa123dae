#include "kepu15/coverage/gap_patches.hpp"

#include <catch2/catch.hpp>

#include <cmath>
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
