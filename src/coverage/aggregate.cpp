#include "kepu15/coverage/aggregate.hpp"

#include "kepu15/parallel.hpp"

#include <algorithm>
#include <array>
#include <bit>
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

// A reached cell for the quantile sweep: its value's bit pattern (monotonic for doubles >= 0), its
// weight and its unit slot. Packed so that the sweep in value order reads memory sequentially.
struct Reached {
    std::uint64_t key;
    double weight;
    std::uint32_t slot;
};

// LSD radix sort by key, 8 bits a pass (256 output streams stay in cache), skipping passes whose
// digit is the same everywhere.
void sort_by_key(std::vector<Reached>& items) {
    std::vector<Reached> tmp(items.size());
    std::array<std::uint32_t, 257> count{};
    for (int shift = 0; shift < 64; shift += 8) {
        count.fill(0U);
        for (const Reached& r : items) ++count[((r.key >> shift) & 0xFFU) + 1];
        if (std::find(count.begin(), count.end(), static_cast<std::uint32_t>(items.size())) != count.end()) continue;
        for (std::size_t d = 0; d < 256; ++d) count[d + 1] += count[d];
        for (const Reached& r : items) tmp[count[(r.key >> shift) & 0xFFU]++] = r;
        items.swap(tmp);
    }
}

// Per measure (in parallel): means in one sequential pass, quantiles in one pass over the reached
// cells in increasing value; fills every unit's and the region's statistics and group means.
void add_value_stats(Aggregation& agg, const std::vector<std::int32_t>& unit_of_cell,
                     const std::vector<double>& population, const std::vector<std::vector<double>>& groups,
                     const std::vector<Measure>& measures, unsigned threads) {
    const std::size_t units = agg.units.size();
    const auto slot_of = [&](std::size_t i) {
        return unit_of_cell[i] >= 0 ? static_cast<std::uint32_t>(unit_of_cell[i]) : static_cast<std::uint32_t>(units + 1);
    };
    parallel_for(measures.size(), threads, [&](std::size_t m) {
        const auto& v = measures[m].value;
        // Slot u for unit u, slot `units` for the region, units + 1 for cells outside every unit.
        std::vector<double> total(units + 2, 0.0);
        for (std::size_t u = 0; u < units; ++u) total[u] = agg.units[u].population;
        total[units] = agg.region.population;
        std::vector<double> cum(units + 2, 0.0);
        std::vector<double> sum(units + 2, 0.0);
        std::vector<std::vector<double>> gsum(groups.size(), std::vector<double>(units + 2, 0.0));
        std::vector<std::vector<double>> gw(groups.size(), std::vector<double>(units + 2, 0.0));
        std::vector<Reached> reached;
        reached.reserve(v.size());
        for (std::size_t i = 0; i < v.size(); ++i) {
            if (!std::isfinite(v[i])) continue;
            const std::uint32_t slot = slot_of(i);
            const double w = population[i];
            for (std::size_t s : {static_cast<std::size_t>(slot), units}) {
                cum[s] += w;
                sum[s] += v[i] * w;
                for (std::size_t g = 0; g < groups.size(); ++g) {
                    gsum[g][s] += v[i] * groups[g][i];
                    gw[g][s] += groups[g][i];
                }
            }
            reached.push_back({std::bit_cast<std::uint64_t>(std::max(0.0, v[i])), w, slot});
        }
        sort_by_key(reached);
        std::vector<double> acc(units + 2, 0.0);
        std::vector<double> median(units + 2, nan);
        std::vector<double> p90(units + 2, nan);
        for (const Reached& r : reached) {
            const double value = std::bit_cast<double>(r.key);
            for (std::size_t s : {static_cast<std::size_t>(r.slot), units}) {
                acc[s] += r.weight;
                const double tol = 1e-9 * total[s];
                if (std::isnan(median[s]) && acc[s] >= 0.5 * total[s] - tol) median[s] = value;
                if (std::isnan(p90[s]) && acc[s] >= 0.9 * total[s] - tol) p90[s] = value;
            }
        }
        for (std::size_t slot = 0; slot <= units; ++slot) {
            Totals& t = slot < units ? agg.units[slot] : agg.region;
            ValueStats& st = t.stats[m];
            st.mean = cum[slot] > 0.0 ? sum[slot] / cum[slot] : nan;
            st.median = total[slot] > 0.0 ? median[slot] : nan;
            st.p90 = total[slot] > 0.0 ? p90[slot] : nan;
            st.unreached_population = std::max(0.0, total[slot] - cum[slot]);
            for (std::size_t g = 0; g < groups.size(); ++g) {
                t.group_mean[m][g] = gw[g][slot] > 0.0 ? gsum[g][slot] / gw[g][slot] : nan;
            }
        }
    });
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
                      const std::vector<Measure>& measures, unsigned threads) {
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

    // Each pass below writes only its own measure's (or method's) slots, so passes run in parallel.
    const auto targets_of = [&](std::size_t i, Totals* out[2]) {
        const std::int32_t u = unit_of_cell[i];
        assert(u < static_cast<std::int32_t>(unit_count));
        out[0] = &agg.region;
        out[1] = u >= 0 ? &agg.units[static_cast<std::size_t>(u)] : nullptr;
    };
    for (std::size_t i = 0; i < unit_of_cell.size(); ++i) {
        Totals* targets[2];
        targets_of(i, targets);
        for (Totals* t : targets) {
            if (t == nullptr) continue;
            t->population += population[i];
            for (std::size_t g = 0; g < groups.size(); ++g) t->group_population[g] += groups[g][i];
        }
    }
    parallel_for(measures.size() + agg.methods.size(), threads, [&](std::size_t task) {
        if (task < measures.size()) {
            const Measure& me = measures[task];
            const bool network = !me.no_road_access.empty();
            for (std::size_t i = 0; i < unit_of_cell.size(); ++i) {
                const bool covered = me.covered[i] != 0;
                const bool no_road = network && me.no_road_access[i] != 0;
                if (!covered && !no_road) continue;
                Totals* targets[2];
                targets_of(i, targets);
                for (Totals* t : targets) {
                    if (t == nullptr) continue;
                    if (covered) {
                        t->covered[task] += population[i];
                        for (std::size_t g = 0; g < groups.size(); ++g) t->covered_groups[task][g] += groups[g][i];
                    }
                    if (no_road) t->no_road_access[task] += population[i];
                }
            }
            return;
        }
        const std::size_t k = task - measures.size();
        std::vector<const Measure*> of_method;
        for (std::size_t m = 0; m < measures.size(); ++m) {
            if (method_of[m] == k) of_method.push_back(&measures[m]);
        }
        for (std::size_t i = 0; i < unit_of_cell.size(); ++i) {
            bool any = false;
            for (const Measure* me : of_method) any = any || me->covered[i] != 0;
            if (!any) continue;
            Totals* targets[2];
            targets_of(i, targets);
            for (Totals* t : targets) {
                if (t != nullptr) t->covered_any[k] += population[i];
            }
        }
    });

    add_value_stats(agg, unit_of_cell, population, groups, measures, threads);
    return agg;
}

}  // namespace kepu15::coverage
