#include "kepu15/coverage/candidates.hpp"
#include "kepu15/error.hpp"

#include <catch2/catch.hpp>

using namespace kepu15::coverage;

TEST_CASE("candidate grid: one site per populated block, nearest the block centre", "[coverage]") {
    // 6 x 5 raster of 100 m cells, spacing 300 m = blocks of 3 x 3 cells (centre = cell (1, 1) of
    // each block). Populated cells (col,row):
    //   block (0,0): (1,1) the centre, (0,0)         -> (1,1)
    //   block (1,0): (3,0), (5,2) equally far        -> (3,0) (lower row wins the tie)
    //   block (0,1): (0,3)                           -> (0,3)
    //   block (1,1): (4,4) with population 0         -> none
    const std::vector<std::int32_t> col{0, 1, 3, 5, 0, 4};
    const std::vector<std::int32_t> row{0, 1, 0, 2, 3, 4};
    const std::vector<double> pop{5, 5, 5, 5, 5, 0};
    CandidateGridOptions o;
    o.spacing_m = 300;
    o.cell_m = 100;
    REQUIRE(candidate_grid(col, row, pop, o) == std::vector<std::uint32_t>{1, 2, 4});
    // Spacing of one cell: every populated cell is a candidate.
    o.spacing_m = 100;
    REQUIRE(candidate_grid(col, row, pop, o) == std::vector<std::uint32_t>{0, 1, 2, 3, 4});
    // A minimum population keeps sparse cells out.
    o.spacing_m = 300;
    const std::vector<double> pop2{5, 1, 5, 5, 5, 0};
    o.min_population = 2;
    REQUIRE(candidate_grid(col, row, pop2, o) == std::vector<std::uint32_t>{0, 2, 4});
    o.spacing_m = 0;
    REQUIRE_THROWS_AS(candidate_grid(col, row, pop, o), kepu15::config_error);
}

TEST_CASE("candidates from gaps: each patch's weighted centre cell, plus grid points in patches of several blocks",
          "[coverage]") {
    // Cells on a 100 m grid (centre x = 100 col + 50, y = -100 row - 50); patch 0 = cells 0-3 along
    // row 0 (columns 0-3), patch 1 = cell 4 alone.
    const std::vector<std::int32_t> col{0, 1, 2, 3, 7};
    const std::vector<std::int32_t> row{0, 0, 0, 0, 5};
    std::vector<kepu15::Point> centre;
    for (std::size_t i = 0; i < col.size(); ++i) centre.push_back({100.0 * col[i] + 50, -100.0 * row[i] - 50});
    const std::vector<double> pop{10, 0, 10, 60, 7};
    GapPatches patches;
    patches.patches.resize(2);
    patches.patches[0].cells = {0, 1, 2, 3};
    patches.patches[1].cells = {4};
    // Weighted mean x = (10 * 50 + 10 * 250 + 60 * 350) / 80 = 300: cells 2 and 3 are 50 m away;
    // the lower index (2) wins.
    CandidateGridOptions o;
    o.cell_m = 100;
    o.spacing_m = 500;  // blocks of 5 cells: patch 0 lies in one block, so its centre is enough
    auto got = gap_candidates(col, row, centre, pop, patches, o);
    REQUIRE(got.size() == 2);
    REQUIRE(got[0].cell == 2);
    REQUIRE(got[0].patch == 0);
    REQUIRE(got[0].centre);
    REQUIRE(got[1].cell == 4);
    REQUIRE(got[1].patch == 1);
    // Blocks of 2 cells: patch 0 spans blocks {0,1} and {2,3}. Block {0,1}: centre at the boundary
    // between them; only cell 0 is populated -> 0. Block {2,3}: equally near, lower row then lower
    // column -> 2, the centre already.
    o.spacing_m = 200;
    got = gap_candidates(col, row, centre, pop, patches, o);
    REQUIRE(got.size() == 3);
    REQUIRE(got[0].cell == 2);
    REQUIRE(got[1].cell == 0);
    REQUIRE_FALSE(got[1].centre);
    REQUIRE(got[2].cell == 4);
}
