#include "kepu15/coverage/aggregate.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <numeric>

namespace kepu15::coverage {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

// Smallest value whose cumulative weight reaches q * total; the unreached weight sits above every
// value. `sorted` holds (value, weight) pairs of reached cells in increasing value.
double quantile(const std::vector<std::pair<double, double>>& sorted, double total, double q) {
    const double target = q * total;
    double acc = 0.0;
    for (const auto& [v, w] : sorted) {
        acc += w;
        if (acc >= target - 1e-9 * total) return v;
    }
    return nan;
}

}  // namespace

double Totals::share(std::size_t measure) const {
    if (!(population > 0.0)) return nan;
    return covered[measure] / population;
}

double Totals::group_share(std::size_t measure, std::size_t group) const {
    if (!(group_population[group] > 0.0)) return nan;
    return covered_groups[measure][group] / group_population[group];
}

double Totals::any_share(std::size_t method) const {
    if (!(population > 0.0)) return nan;
    return covered_any[method] / population;
}

std::size_t Aggregation::method_index(const Method& m) const {
    return static_cast<std::size_t>(std::find(methods.begin(), methods.end(), m) - methods.begin());
}

ValueStats weighted_stats(std::span<const double> values, std::span<const double> weight) {
    assert(values.size() == weight.size());
    ValueStats s;
    std::vector<std::pair<double, double>> reached;
    double total = 0.0;
    double sum = 0.0;
    double reached_w = 0.0;
    for (std::size_t i = 0; i < values.size(); ++i) {
        const double w = weight[i];
        if (!(w > 0.0)) continue;
        total += w;
        if (std::isfinite(values[i])) {
            reached.emplace_back(values[i], w);
            sum += values[i] * w;
            reached_w += w;
        } else {
            s.unreached_population += w;
        }
    }
    s.mean = reached_w > 0.0 ? sum / reached_w : nan;
    std::sort(reached.begin(), reached.end());
    s.median = total > 0.0 ? quantile(reached, total, 0.5) : nan;
    s.p90 = total > 0.0 ? quantile(reached, total, 0.9) : nan;
    return s;
}

std::vector<double> weighted_mean_by_unit(const std::vector<std::int32_t>& unit_of_cell, std::size_t unit_count,
                                          std::span<const double> weight, std::span<const double> score) {
    std::vector<double> sum(unit_count + 1, 0.0);
    std::vector<double> w(unit_count + 1, 0.0);
    for (std::size_t i = 0; i < unit_of_cell.size(); ++i) {
        if (!std::isfinite(score[i])) continue;
        const std::int32_t u = unit_of_cell[i];
        if (u >= 0) {
            sum[static_cast<std::size_t>(u)] += score[i] * weight[i];
            w[static_cast<std::size_t>(u)] += weight[i];
        }
        sum[unit_count] += score[i] * weight[i];
        w[unit_count] += weight[i];
    }
    for (std::size_t u = 0; u <= unit_count; ++u) sum[u] = w[u] > 0.0 ? sum[u] / w[u] : nan;
    return sum;
}

Aggregation aggregate(const std::vector<std::int32_t>& unit_of_cell, std::size_t unit_count,
                      const std::vector<double>& population, const std::vector<std::vector<double>>& groups,
                      const std::vector<Measure>& measures) {
    Aggregation agg;
    std::vector<std::size_t> method_of(measures.size());
    for (std::size_t m = 0; m < measures.size(); ++m) {
        auto it = std::find(agg.methods.begin(), agg.methods.end(), measures[m].method);
        if (it == agg.methods.end()) it = agg.methods.insert(agg.methods.end(), measures[m].method);
        method_of[m] = static_cast<std::size_t>(it - agg.methods.begin());
    }
    Totals empty;
    empty.group_population.assign(groups.size(), 0.0);
    empty.covered.assign(measures.size(), 0.0);
    empty.covered_groups.assign(measures.size(), std::vector<double>(groups.size(), 0.0));
    empty.no_road_access.assign(measures.size(), 0.0);
    empty.covered_any.assign(agg.methods.size(), 0.0);
    empty.stats.assign(measures.size(), ValueStats{nan, nan, nan, 0.0});
    empty.group_mean.assign(measures.size(), std::vector<double>(groups.size(), nan));
    agg.units.assign(unit_count, empty);
    agg.region = empty;

    std::vector<std::uint8_t> any(agg.methods.size());
    for (std::size_t i = 0; i < unit_of_cell.size(); ++i) {
        const double pop = population[i];
        const std::int32_t u = unit_of_cell[i];
        assert(u < static_cast<std::int32_t>(unit_count));
        Totals* targets[2] = {&agg.region, u >= 0 ? &agg.units[static_cast<std::size_t>(u)] : nullptr};
        std::fill(any.begin(), any.end(), 0);
        for (std::size_t m = 0; m < measures.size(); ++m) {
            if (measures[m].covered[i] != 0) any[method_of[m]] = 1;
        }
        for (Totals* t : targets) {
            if (t == nullptr) continue;
            t->population += pop;
            for (std::size_t g = 0; g < groups.size(); ++g) t->group_population[g] += groups[g][i];
            for (std::size_t m = 0; m < measures.size(); ++m) {
                const Measure& me = measures[m];
                if (me.covered[i] != 0) {
                    t->covered[m] += pop;
                    for (std::size_t g = 0; g < groups.size(); ++g) t->covered_groups[m][g] += groups[g][i];
                }
                if (!me.no_road_access.empty() && me.no_road_access[i] != 0) t->no_road_access[m] += pop;
            }
            for (std::size_t k = 0; k < any.size(); ++k) {
                if (any[k] != 0) t->covered_any[k] += pop;
            }
        }
    }

    // Value statistics: the cells of each unit in one contiguous run (counting sort by unit).
    std::vector<std::size_t> order(unit_of_cell.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return unit_of_cell[a] < unit_of_cell[b]; });
    std::vector<double> values;
    std::vector<double> weights;
    const auto stats_over = [&](std::size_t begin, std::size_t end, Totals& t) {
        for (std::size_t m = 0; m < measures.size(); ++m) {
            const auto& v = measures[m].value;
            values.clear();
            weights.clear();
            for (std::size_t k = begin; k < end; ++k) {
                values.push_back(v[order[k]]);
                weights.push_back(population[order[k]]);
            }
            t.stats[m] = weighted_stats(values, weights);
            for (std::size_t g = 0; g < groups.size(); ++g) {
                double sum = 0.0;
                double w = 0.0;
                for (std::size_t k = begin; k < end; ++k) {
                    const std::size_t i = order[k];
                    if (!std::isfinite(v[i])) continue;
                    sum += v[i] * groups[g][i];
                    w += groups[g][i];
                }
                t.group_mean[m][g] = w > 0.0 ? sum / w : nan;
            }
        }
    };
    std::size_t begin = 0;
    while (begin < order.size()) {
        const std::int32_t u = unit_of_cell[order[begin]];
        std::size_t end = begin;
        while (end < order.size() && unit_of_cell[order[end]] == u) ++end;
        if (u >= 0) stats_over(begin, end, agg.units[static_cast<std::size_t>(u)]);
        begin = end;
    }
    std::iota(order.begin(), order.end(), 0);
    stats_over(0, order.size(), agg.region);
    return agg;
}

}  // namespace kepu15::coverage
