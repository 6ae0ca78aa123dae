// A sparse origin -> destination cost table: the common currency of accessibility (2SFCA, gravity)
// and siting (covering, p-median), as in PySAL `access` and spopt. Per origin (a populated cell, a
// demand point) it lists every destination (a facility, a candidate site) whose cost is within
// `limit`, in minutes (network) or metres (crow-fly). Nearest-facility minutes are one summary of
// such a table; every pair beyond `limit` is absent, never stored as infinity.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

namespace kepu15::coverage {

enum class CostUnit : std::uint8_t { metres, minutes };

inline const char* cost_unit_name(CostUnit u) { return u == CostUnit::metres ? "m" : "min"; }

struct CostEntry {
    std::uint32_t destination = 0;
    double cost = 0.0;
};

// CSR by origin: the entries of origin i are entries[first[i] .. first[i + 1]), sorted by
// destination id; a destination appears at most once per origin.
struct CostTable {
    std::size_t origin_count = 0;
    std::size_t destination_count = 0;
    CostUnit unit = CostUnit::minutes;
    double limit = std::numeric_limits<double>::infinity();  // every pair with cost <= limit is present
    std::vector<std::uint64_t> first{0};                     // size origin_count + 1
    std::vector<CostEntry> entries;

    [[nodiscard]] std::span<const CostEntry> of(std::size_t origin) const {
        return {entries.data() + first[origin], entries.data() + first[origin + 1]};
    }
    [[nodiscard]] std::size_t entry_count() const { return entries.size(); }
};

// Builds a table from unordered triplets (origin, destination, cost). Entries above `limit` are
// dropped. REQUIRES: ids in range, finite non-negative costs, no duplicate (origin, destination)
// pair (callers that read files check these and name the row).
CostTable cost_table_from_triplets(std::size_t origin_count, std::size_t destination_count, CostUnit unit,
                                   double limit, std::vector<std::uint32_t> origin,
                                   std::vector<std::uint32_t> destination, std::vector<double> cost);

// The same pairs keyed by destination (origins become destinations): per facility, the cells
// within reach.
CostTable transpose(const CostTable& table);

}  // namespace kepu15::coverage
