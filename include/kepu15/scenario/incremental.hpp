// Incremental evaluation of a scenario for one facility kind x method: the nearest facility and its
// cost per demand cell, kept up to date as facilities are added or removed. Only the cells within
// reach of a changed facility are touched, so comparing a scenario that adds 50 facilities with the
// loaded baseline costs the 50 searches from the new sites plus a few thousand updates, not a new
// run. `nearest_from_table` is the full recomputation it must equal (the tests check it).
#pragma once

#include "kepu15/coverage/cost_table.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace kepu15::scenario {

// Per cell: the nearest active facility (ties: lower facility id) and its cost; -1 / NaN when none
// is within the table's limit.
struct Nearest {
    std::vector<std::int32_t> facility;
    std::vector<double> cost;
};

// Full recomputation over the facilities with active[f] != 0 (empty: all active).
Nearest nearest_from_table(const coverage::CostTable& by_cell, std::span<const std::uint8_t> active = {});

class IncrementalNearest {
public:
    // `by_cell`: origins = demand cells, destinations = the baseline's facilities (ids 0..n-1).
    // `weight`: per cell, for covered_weight(). A cell is covered when cost <= threshold.
    IncrementalNearest(const coverage::CostTable& by_cell, std::vector<double> weight, double threshold);

    // Adds a facility that reaches the cells listed in `reach` (destination = cell id, cost), e.g.
    // one bounded search from the new site. Returns its facility id (baseline count, +1, ...).
    // REQUIRES: cell ids in range, each at most once; costs within the table's limit.
    std::uint32_t add(std::span<const coverage::CostEntry> reach);
    // Removes a facility (baseline or added). Removing one twice is a no-op.
    void remove(std::uint32_t facility);
    // Puts a removed facility back (an attribute change that brings it into a filtered kind).
    void restore(std::uint32_t facility);
    // A new threshold (scenario override): recomputes the covered flags, O(cells).
    void set_threshold(double threshold);

    [[nodiscard]] const Nearest& nearest() const { return m_nearest; }
    [[nodiscard]] bool covered(std::size_t cell) const { return m_nearest.cost[cell] <= m_threshold; }
    [[nodiscard]] double covered_weight() const { return m_covered_weight; }
    [[nodiscard]] std::size_t facility_count() const { return m_active.size(); }
    [[nodiscard]] bool active(std::uint32_t facility) const { return m_active[facility] != 0; }
    // Cells touched since the last call (for newly covered / lost coverage layers), increasing.
    std::vector<std::uint32_t> take_touched();

private:
    void rescan(std::uint32_t cell);
    void set(std::uint32_t cell, std::int32_t facility, double cost);
    void touch(std::uint32_t cell);

    const coverage::CostTable* m_by_cell;
    std::vector<double> m_weight;
    double m_threshold;
    std::vector<std::uint64_t> m_col_first;  // baseline facilities -> cells (transpose)
    std::vector<coverage::CostEntry> m_col;
    std::vector<std::vector<coverage::CostEntry>> m_added_by_cell;   // added facilities per cell
    std::vector<std::vector<coverage::CostEntry>> m_added_reach;     // per added facility: its cells
    std::vector<std::uint8_t> m_active;
    Nearest m_nearest;
    double m_covered_weight = 0.0;
    std::vector<std::uint8_t> m_touched_flag;
    std::vector<std::uint32_t> m_touched;
};

}  // namespace kepu15::scenario
