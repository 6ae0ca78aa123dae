#include "kepu15/coverage/equity.hpp"

#include "kepu15/coverage/aggregate.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <numeric>

namespace kepu15::coverage {

namespace {

// The Gini of the cells with weight > 0, valued value(i), by the formula of the header: the totals
// in cell order, the sum in increasing value. Non-negative finite doubles order like their bit
// patterns, so minutes and metres take the stable radix sort of the aggregation (coverage/
// aggregate.hpp: at most 2 passes, several times faster than a comparison sort); anything else,
// and short inputs, take std::sort. The (bit pattern, weight) pairs are built once, in place.
template <class Value>
double gini_of(std::size_t n, Value value, std::span<const double> weight) {
    std::vector<detail::KeyWeight> items(n);
    std::size_t count = 0;
    double total = 0.0, weighted = 0.0;
    bool radix = true;
    for (std::size_t i = 0; i < n; ++i) {
        const double w = weight[i];
        if (!(w > 0)) continue;  // no people: no part in the sums
        const double x = value(i);
        items[count++] = {std::bit_cast<std::uint64_t>(x), w};
        total += w;
        weighted += w * x;
        radix = radix && x >= 0.0 && std::isfinite(x) && !std::signbit(x);
    }
    if (!(total > 0) || !(weighted > 0)) return 0.0;
    items.resize(count);
    if (radix && count > 256) {
        std::vector<detail::KeyWeight> scratch;
        detail::sort_by_key(items, scratch);
    } else {
        std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) {
            return std::bit_cast<double>(a.key) < std::bit_cast<double>(b.key);
        });
    }
    double cumulative = 0.0, sum = 0.0;
    for (const auto& [key, w] : items) {
        const double x = std::bit_cast<double>(key);
        const double before = cumulative;
        cumulative += w;
        sum += w * x * (cumulative + before - total);
    }
    return sum / (total * weighted);
}

}  // namespace

double weighted_gini(std::span<const double> value, std::span<const double> weight) {
    return gini_of(value.size(), [&](std::size_t i) { return value[i]; }, weight);
}

Equity equity(const EquityCells& c) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const std::size_t n = c.population.size();
    Equity e;
    double total = 0.0, covered = 0.0, urban_cov = 0.0, rural_cov = 0.0;
    std::vector<double> unit_pop(c.unit_count, 0.0), unit_cov(c.unit_count, 0.0);
    std::vector<double> group_pop(c.groups.size(), 0.0), group_cov(c.groups.size(), 0.0);
    for (std::size_t i = 0; i < n; ++i) {
        const double pop = c.population[i];
        const bool cov = c.covered[i] != 0;
        total += pop;
        if (cov) covered += pop;
        if (c.urban[i] == 1) {
            e.urban_population += pop;
            if (cov) urban_cov += pop;
        } else if (c.urban[i] == 0) {
            e.rural_population += pop;
            if (cov) rural_cov += pop;
        }
        for (std::size_t g = 0; g < c.groups.size(); ++g) {
            group_pop[g] += c.groups[g][i];
            if (cov) group_cov[g] += c.groups[g][i];
        }
        if (c.unit[i] >= 0) {
            unit_pop[static_cast<std::size_t>(c.unit[i])] += pop;
            if (cov) unit_cov[static_cast<std::size_t>(c.unit[i])] += pop;
        }
    }
    e.covered_share = total > 0 ? covered / total : nan;
    e.urban_share = e.urban_population > 0 ? urban_cov / e.urban_population : nan;
    e.rural_share = e.rural_population > 0 ? rural_cov / e.rural_population : nan;
    for (std::size_t g = 0; g < c.groups.size(); ++g) {
        e.group_share.push_back(group_pop[g] > 0 ? group_cov[g] / group_pop[g] : nan);
    }
    e.best_share = e.worst_share = e.best_worst_gap = nan;
    for (std::size_t u = 0; u < c.unit_count; ++u) {
        if (!(unit_pop[u] > 0)) continue;
        const double s = unit_cov[u] / unit_pop[u];
        if (e.best_unit < 0 || s > e.best_share) {
            e.best_unit = static_cast<std::int32_t>(u);
            e.best_share = s;
        }
        if (e.worst_unit < 0 || s < e.worst_share) {
            e.worst_unit = static_cast<std::int32_t>(u);
            e.worst_share = s;
        }
    }
    if (e.best_unit >= 0) e.best_worst_gap = e.best_share - e.worst_share;
    // Minutes capped at the horizon; cells that reach nothing count as the horizon.
    e.gini_minutes = gini_of(
        n, [&](std::size_t i) { return std::isfinite(c.minutes[i]) ? std::min(c.minutes[i], c.horizon) : c.horizon; },
        c.population);
    return e;
}

}  // namespace kepu15::coverage
