#include "kepu15/coverage/cost_table.hpp"

#include <algorithm>
#include <cassert>

namespace kepu15::coverage {

CostTable cost_table_from_triplets(std::size_t origin_count, std::size_t destination_count, CostUnit unit,
                                   double limit, std::vector<std::uint32_t> origin,
                                   std::vector<std::uint32_t> destination, std::vector<double> cost) {
    assert(origin.size() == destination.size() && origin.size() == cost.size());
    CostTable t;
    t.origin_count = origin_count;
    t.destination_count = destination_count;
    t.unit = unit;
    t.limit = limit;
    t.first.assign(origin_count + 1, 0);
    for (std::size_t k = 0; k < origin.size(); ++k) {
        assert(origin[k] < origin_count && destination[k] < destination_count);
        if (cost[k] <= limit) ++t.first[origin[k] + 1];
    }
    for (std::size_t i = 0; i < origin_count; ++i) t.first[i + 1] += t.first[i];
    t.entries.resize(t.first[origin_count]);
    std::vector<std::uint64_t> next(t.first.begin(), t.first.end() - 1);
    for (std::size_t k = 0; k < origin.size(); ++k) {
        if (cost[k] <= limit) t.entries[next[origin[k]]++] = {destination[k], cost[k]};
    }
    for (std::size_t i = 0; i < origin_count; ++i) {
        std::sort(t.entries.begin() + static_cast<std::ptrdiff_t>(t.first[i]),
                  t.entries.begin() + static_cast<std::ptrdiff_t>(t.first[i + 1]),
                  [](const CostEntry& a, const CostEntry& b) { return a.destination < b.destination; });
    }
    return t;
}

CostTable transpose(const CostTable& table) {
    CostTable t;
    t.origin_count = table.destination_count;
    t.destination_count = table.origin_count;
    t.unit = table.unit;
    t.limit = table.limit;
    t.first.assign(t.origin_count + 1, 0);
    for (const auto& e : table.entries) ++t.first[e.destination + 1];
    for (std::size_t i = 0; i < t.origin_count; ++i) t.first[i + 1] += t.first[i];
    t.entries.resize(table.entries.size());
    std::vector<std::uint64_t> next(t.first.begin(), t.first.end() - 1);
    // Origins are visited in increasing order, so each new row comes out sorted by destination.
    for (std::size_t o = 0; o < table.origin_count; ++o) {
        for (const auto& e : table.of(o)) t.entries[next[e.destination]++] = {static_cast<std::uint32_t>(o), e.cost};
    }
    return t;
}

}  // namespace kepu15::coverage
