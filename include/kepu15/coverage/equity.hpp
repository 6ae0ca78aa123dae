// Equity of one scenario's coverage: who is covered (urban vs rural villages, each population
// group), how far apart the best and worst 区镇 are, and how unequal travel times are.
//
// Gini of population-weighted minutes, with x_i the minutes of cell i (capped at `horizon`; cells
// that reach no facility count as the horizon) and w_i its population, W = sum w_i,
// mu = sum w_i x_i / W:
//     G = sum_i sum_j w_i w_j |x_i - x_j| / (2 W^2 mu)
// computed in O(n log n) after sorting by x, with C_i the cumulative weight up to and including i:
//     G = sum_i w_i x_i (C_i + C_{i-1} - W) / (W * sum_i w_i x_i).
// 0 = everyone equally far; near 1 = a few people carry all the travel time. 0 when mu = 0.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace kepu15::coverage {

struct EquityCells {
    std::span<const double> population;
    std::vector<std::span<const double>> groups;  // [group][cell]
    std::span<const std::uint8_t> covered;        // per cell: 1 covered
    std::span<const double> minutes;              // per cell; NaN = no facility reached
    std::span<const std::int32_t> unit;           // 区镇 index per cell, -1 outside
    std::size_t unit_count = 0;
    std::span<const std::int8_t> urban;  // per cell, from its village: 1 urban, 0 rural, -1 unknown
    double horizon = 60.0;               // minutes charged to cells that reach nothing (Gini only)
};

struct Equity {
    double covered_share = 0.0;      // whole region
    double urban_population = 0.0;
    double urban_share = 0.0;        // NaN when no urban cell
    double rural_population = 0.0;
    double rural_share = 0.0;        // NaN when no rural cell
    std::vector<double> group_share; // per group: covered group members / group members (NaN if none)
    // Among units with population: the best and worst covered share (ties: lower index), and the gap
    // best - worst in share points (0..1). -1 / NaN when no unit has population.
    std::int32_t best_unit = -1;
    std::int32_t worst_unit = -1;
    double best_share = 0.0;
    double worst_share = 0.0;
    double best_worst_gap = 0.0;
    double gini_minutes = 0.0;       // see the formula above
};

// REQUIRES: every span sized like population (groups too); unit in [-1, unit_count).
Equity equity(const EquityCells& cells);

// The Gini formula above on plain values and weights (exposed for tests and other measures).
double weighted_gini(std::span<const double> value, std::span<const double> weight);

}  // namespace kepu15::coverage
