// Candidate sites for `kepu15 site` when the planner has no layer of them: a regular grid clipped
// to populated land. The population grid is cut into square blocks of `spacing_m`; each block that
// holds a populated cell gets one candidate, at the populated cell nearest the block's centre (so
// candidates sit where people live, never in a lake, and at most one per block).
#pragma once

#include "kepu15/coverage/gap_patches.hpp"
#include "kepu15/geo/geometry.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace kepu15::coverage {

struct CandidateGridOptions {
    double spacing_m = 500.0;      // DEFAULT: 500 m between candidates (about 7 minutes' walk)
    double cell_m = 100.0;         // size of a population cell. DEFAULT: 100 m
    double min_population = 0.0;   // DEFAULT: 0; cells with less are not populated land here
};

// Indices (into the cell arrays) of the cells that host a candidate, increasing.
// The block size is spacing_m / cell_m cells, rounded, at least 1. Ties between cells equally near
// the block centre go to the lower row, then the lower column.
// REQUIRES: col, row, population have the same length; (col, row) distinct; spacing_m, cell_m > 0.
std::vector<std::uint32_t> candidate_grid(std::span<const std::int32_t> col, std::span<const std::int32_t> row,
                                          std::span<const double> population, const CandidateGridOptions& options = {});

// Candidate sites drawn from gap patches (`kepu15 site --candidates gaps`): where people are not
// yet covered. Per patch, in the patches' order (most people first):
//   1. its centre: the populated cell of the patch nearest the population-weighted mean of its cell
//      centres (ties: lowest index), so a candidate stands where the patch's people are;
//   2. when the patch spans more than one block of the candidate grid (blocks of
//      options.spacing_m), one more per block as candidate_grid picks it among the patch's cells
//      (the populated cell nearest the block centre), unless that is the centre cell already.
struct GapCandidate {
    std::uint32_t cell = 0;   // index into the cell arrays
    std::uint32_t patch = 0;  // index into patches.patches
    bool centre = false;      // rule 1 (else rule 2)
};

// REQUIRES: col, row, centre_m, population sized alike; patches built from the same cells.
std::vector<GapCandidate> gap_candidates(std::span<const std::int32_t> col, std::span<const std::int32_t> row,
                                         std::span<const Point> centre_m, std::span<const double> population,
                                         const GapPatches& patches, const CandidateGridOptions& options = {});

}  // namespace kepu15::coverage
