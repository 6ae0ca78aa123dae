// Capacity-aware access (access::compute_access's measures) from catchments that are searched, not
// stored: one search per supply, run in parallel, each catchment used once. V_j and R_j of supply j
// depend on j's own catchment only, so a supply's search gives its ratio at once; the scores
// A_i = sum_j R_j w(d_ij) are then added per demand point in increasing supply order, so the
// results are equal to the last bit to compute_access on the same pairs.
// The searches run in parallel; whoever finishes one adds every catchment that is next in supply
// order while the others search on, so a pair is added soon after it was written (from cache),
// and only a few catchments per thread are held at once (a pair as its demand id and decay
// weight, w(d) computed once per pair): memory stays that of a few catchments, however many
// supplies and pairs (a province-size run holds no table of its pairs).
#pragma once

#include "kepu15/access/fca.hpp"

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

namespace kepu15::access {

// One pair of a supply's catchment: a demand point and its cost in integer units (e.g.
// milliseconds); the cost is cost_units / SearchedCatchments::units_per_cost.
struct CompactEntry {
    std::uint32_t demand;
    std::uint32_t cost_units;
};

// A search of one supply's catchment, for one thread: returns every demand point within `limit` of
// the supply, sorted by demand id, each once; either in `scratch` (which it may overwrite) or in
// storage that stays valid and unchanged during compute_access_searched (a cache of catchments).
using CatchmentSearchFn =
    std::function<std::span<const CompactEntry>(std::size_t supply, std::vector<CompactEntry>& scratch)>;

struct SearchedCatchments {
    std::size_t supply_count = 0;
    std::size_t demand_count = 0;
    coverage::CostUnit unit = coverage::CostUnit::minutes;
    double limit = 0.0;                // every pair with cost <= limit is produced
    double units_per_cost = 60000.0;   // DEFAULT: milliseconds per minute
    // Called once per thread (on the calling thread, before any search); each function is then
    // used by one thread at a time.
    std::function<CatchmentSearchFn()> make_search;
};

struct SearchedOptions {
    unsigned threads = 1;
    std::size_t held_per_thread = 4;  // DEFAULT: catchments searched ahead and held, per thread
    // Scores to add to (one per demand point), e.g. the baseline's when only supplies were added
    // after the baseline's: A_i then continues the baseline's sum. DEFAULT: empty, start from 0.
    std::span<const double> start_access;
};

// The same checks and errors as compute_access; input_error when start_access has the wrong size.
// REQUIRES: demand.size() == catchments.demand_count, capacity.size() == catchments.supply_count.
AccessResult compute_access_searched(const SearchedCatchments& catchments, std::span<const double> demand,
                                     std::span<const double> capacity, const AccessOptions& options,
                                     const SearchedOptions& searched = {});

// compute_access_by_supply (catchments keyed by supply) with the scores added to `start_access`
// instead of 0: for supplies appended to a set whose scores are start_access, equal to the last
// bit to computing the whole set again. Empty start_access: compute_access_by_supply.
AccessResult compute_access_by_supply_from(const coverage::CostTable& catchments, std::span<const double> demand,
                                           std::span<const double> capacity, const AccessOptions& options,
                                           std::span<const double> start_access);

}  // namespace kepu15::access
