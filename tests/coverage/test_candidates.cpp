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
