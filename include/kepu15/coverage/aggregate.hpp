// Population, covered population and travel-time statistics per unit (区镇, village) and for the
// whole region.
#pragma once

#include "kepu15/coverage/measure.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace kepu15::coverage {

// Population-weighted statistics of one measure's values (minutes or metres) over the cells of a
// unit. Cells without a value (beyond the horizon, no road access, no facility) count as
// "unreached": the mean is over reached people only; median and 90th percentile rank everybody,
// the unreached as +infinity, so they are NaN (written null) when more than half, or more than a
// tenth, of the people are unreached. The q-quantile is the smallest value v such that the people
// at value <= v make at least q of the unit's population (no interpolation).
struct ValueStats {
    double mean = 0.0;                 // NaN when nobody is reached
    double median = 0.0;               // NaN when the median person is unreached
    double p90 = 0.0;                  // NaN when the 90th-percentile person is unreached
    double unreached_population = 0.0;
};

struct Totals {
    double population = 0.0;
    std::vector<double> group_population;              // per population group
    std::vector<double> covered;                       // per measure
    std::vector<std::vector<double>> covered_groups;   // [measure][group]
    std::vector<double> no_road_access;                // per measure (0 for crowfly)
    std::vector<double> covered_any;                   // per method: covered by at least one kind
    std::vector<ValueStats> stats;                     // per measure
    std::vector<std::vector<double>> group_mean;       // [measure][group]: group-weighted mean of reached values
    // Capacity-aware access (filled when the study has [access]; else empty): population-weighted
    // mean score per measure, and group-weighted per measure and group.
    std::vector<double> access_mean;                   // per measure
    std::vector<std::vector<double>> group_access;     // [measure][group]

    // covered / population, or NaN for an empty unit.
    [[nodiscard]] double share(std::size_t measure) const;
    // covered_groups / group_population, or NaN when the group is absent.
    [[nodiscard]] double group_share(std::size_t measure, std::size_t group) const;
    // covered_any / population, or NaN for an empty unit.
    [[nodiscard]] double any_share(std::size_t method) const;
};

// Method groups for "covered by any kind": measures with the same method form one group.
struct Aggregation {
    std::vector<Method> methods;        // distinct methods in measure order
    std::vector<Totals> units;          // per unit
    Totals region;

    // Index of `m` in methods, or methods.size() when absent.
    [[nodiscard]] std::size_t method_index(const Method& m) const;
};

// REQUIRES: unit_of_cell[i] in [0, unit_count) or -1 (cell not counted in any unit but counted in
// the region); population and every group vector sized like unit_of_cell; every measure sized alike;
// values >= 0 or NaN. Statistics of the measures are computed on up to `threads` threads.
Aggregation aggregate(const std::vector<std::int32_t>& unit_of_cell, std::size_t unit_count,
                      const std::vector<double>& population, const std::vector<std::vector<double>>& groups,
                      const std::vector<Measure>& measures, unsigned threads = 1);

// One way of dividing the cells into units (区镇, villages).
struct Partition {
    std::span<const std::int32_t> unit_of_cell;  // [0, unit_count) or -1 (in no unit)
    std::size_t unit_count = 0;
};

// The same cells and measures aggregated by several partitions at once (a run's 区镇 and villages):
// one pass over the cells per measure serves every partition, and each measure's cells are sorted
// by value once for all of them. Element p equals aggregate() on partitions[p] bit for bit (every
// sum adds the cells in the same order). REQUIRES: as aggregate(), for every partition; at most two
// partitions.
std::vector<Aggregation> aggregate(std::span<const Partition> partitions, const std::vector<double>& population,
                                   const std::vector<std::vector<double>>& groups,
                                   const std::vector<Measure>& measures, unsigned threads = 1);

// Recomputes in place, in aggregations that aggregate() made from the same cells and partitions
// (aggs[p] for partitions[p]), the figures of the measures listed in `changed` and "covered by any
// kind" of their methods, from `measures` (same kinds and methods, in the same order, as the ones
// aggregated). The result equals a full aggregate() of `measures` bit for bit when the other
// measures are unchanged. Used by an incremental summary (kepu15 compare).
void reaggregate(std::span<Aggregation* const> aggs, std::span<const Partition> partitions,
                 const std::vector<double>& population, const std::vector<std::vector<double>>& groups,
                 const std::vector<Measure>& measures, std::span<const std::size_t> changed, unsigned threads = 1);

namespace detail {

// A reached cell in the quantile sweep: its value's bit pattern (ordered like the value for
// doubles >= 0), its weight and its unit slot in (at most) two partitions.
struct ReachedCell {
    std::uint64_t key;
    double weight;
    std::uint32_t slot[2];
};

// A value's bit pattern and its weight (the Gini of coverage/equity.hpp): 16 bytes instead of 24.
struct KeyWeight {
    std::uint64_t key;
    double weight;
};

// Stable sort of `items` by key: an LSD radix sort on the top (at most 24) bits of the upper 32
// key bits less their minimum (at most 2 passes), then a stable sort of each run of equal radix
// digits by the whole key. `scratch` is reused storage. Exposed for tests.
void sort_by_key(std::vector<ReachedCell>& items, std::vector<ReachedCell>& scratch);
void sort_by_key(std::vector<KeyWeight>& items, std::vector<KeyWeight>& scratch);

}  // namespace detail

// Population-weighted statistics of `values` (NaN = unreached) with weights `weight`.
// REQUIRES: values.size() == weight.size(). Exposed for tests.
ValueStats weighted_stats(std::span<const double> values, std::span<const double> weight);

}  // namespace kepu15::coverage
