#include "kepu15/pipeline/result.hpp"

#include "kepu15/parallel.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <limits>

namespace kepu15::pipeline {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

// The 区镇 and the villages, the two partitions every summary aggregates by.
std::array<coverage::Partition, 2> partitions(const PreparedStudy& prepared) {
    const auto& cells = prepared.inputs.cells;
    return {coverage::Partition{cells.unit, prepared.inputs.units.size()},
            coverage::Partition{cells.village, prepared.inputs.villages.size()}};
}

void size_access(coverage::Aggregation& agg, std::size_t measures, std::size_t groups) {
    for (auto* t : {&agg.region}) {
        t->access_mean.assign(measures, 0.0);
        t->group_access.assign(measures, std::vector<double>(groups, 0.0));
    }
    for (auto& t : agg.units) {
        t.access_mean.assign(measures, 0.0);
        t.group_access.assign(measures, std::vector<double>(groups, 0.0));
    }
}

constexpr std::size_t any_weights = static_cast<std::size_t>(-1);

// The sums of access_means (per slot and weight k: sum of w x score, sum of w) in cell order. With
// kW weights known at compile time, the region's sums and each partition's current unit's sums
// stay in local variables while consecutive cells share the unit: the same additions in the same
// order.
template <std::size_t kW>
void access_pass(double* sum, double* weight, const std::vector<std::size_t>& first, std::size_t region,
                 std::span<const coverage::Partition> parts, const study::PopulationCells& cells,
                 const std::vector<double>& score) {
    const std::size_t W = kW == any_weights ? cells.groups.size() + 1 : kW;
    std::vector<const double*> by(W);
    by[0] = cells.population.data();
    for (std::size_t k = 1; k < W; ++k) by[k] = cells.groups[k - 1].data();
    const std::size_t n = std::min(score.size(), cells.size());
    if constexpr (kW == any_weights) {
        for (std::size_t i = 0; i < n; ++i) {
            const double s = score[i];
            if (!std::isfinite(s)) continue;
            for (std::size_t k = 0; k < W; ++k) {
                const double w = by[k][i];
                if (!(w > 0.0)) continue;
                sum[region * W + k] += w * s;
                weight[region * W + k] += w;
                for (std::size_t p = 0; p < parts.size(); ++p) {
                    const std::int32_t u = parts[p].unit_of_cell[i];
                    if (u < 0 || static_cast<std::size_t>(u) >= parts[p].unit_count) continue;
                    const std::size_t at = (first[p] + static_cast<std::size_t>(u)) * W + k;
                    sum[at] += w * s;
                    weight[at] += w;
                }
            }
        }
    } else {
        // Local sums: [0] the region, [1 + p] partition p's current unit (slot cur[p]).
        constexpr std::size_t max_parts = 2;
        assert(parts.size() <= max_parts);
        std::array<std::array<double, kW>, max_parts + 1> ls{}, lw{};
        std::copy_n(&sum[region * kW], kW, ls[0].begin());
        std::copy_n(&weight[region * kW], kW, lw[0].begin());
        constexpr std::size_t none = static_cast<std::size_t>(-1);
        std::array<std::size_t, max_parts> cur{none, none};
        const auto flush = [&](std::size_t p) {
            if (cur[p] == none) return;
            std::copy_n(ls[1 + p].begin(), kW, &sum[cur[p] * kW]);
            std::copy_n(lw[1 + p].begin(), kW, &weight[cur[p] * kW]);
        };
        for (std::size_t i = 0; i < n; ++i) {
            const double s = score[i];
            if (!std::isfinite(s)) continue;
            std::array<double, kW> w;
            bool any = false;
            for (std::size_t k = 0; k < kW; ++k) {
                w[k] = by[k][i];
                any = any || w[k] > 0.0;
            }
            if (!any) continue;
            std::array<bool, max_parts> in{};
            for (std::size_t p = 0; p < parts.size(); ++p) {
                const std::int32_t u = parts[p].unit_of_cell[i];
                in[p] = u >= 0 && static_cast<std::size_t>(u) < parts[p].unit_count;
                if (!in[p]) continue;
                const std::size_t slot = first[p] + static_cast<std::size_t>(u);
                if (slot != cur[p]) {
                    flush(p);
                    cur[p] = slot;
                    std::copy_n(&sum[slot * kW], kW, ls[1 + p].begin());
                    std::copy_n(&weight[slot * kW], kW, lw[1 + p].begin());
                }
            }
            for (std::size_t k = 0; k < kW; ++k) {
                if (!(w[k] > 0.0)) continue;
                ls[0][k] += w[k] * s;
                lw[0][k] += w[k];
                for (std::size_t p = 0; p < parts.size(); ++p) {
                    if (!in[p]) continue;
                    ls[1 + p][k] += w[k] * s;
                    lw[1 + p][k] += w[k];
                }
            }
        }
        std::copy_n(ls[0].begin(), kW, &sum[region * kW]);
        std::copy_n(lw[0].begin(), kW, &weight[region * kW]);
        for (std::size_t p = 0; p < parts.size(); ++p) flush(p);
    }
}

// Population- and group-weighted mean of access `score` per unit of every partition and for the
// region, in one pass over the cells: each weight w (population, then each group) with w > 0 and a
// finite score adds w x score and w to its unit's and the region's sums, in cell order (the sums of
// access::weighted_mean_by_unit, which this replaces for summaries).
void access_means(std::span<coverage::Aggregation* const> aggs, std::span<const coverage::Partition> parts,
                  const study::PopulationCells& cells, const std::vector<double>& score, std::size_t m) {
    const std::size_t G = cells.groups.size();
    const std::size_t W = G + 1;  // weights: population, then groups
    std::vector<std::size_t> first;
    std::size_t slots = 0;
    for (const auto& p : parts) {
        first.push_back(slots);
        slots += p.unit_count;
    }
    const std::size_t region = slots++;
    std::vector<double> sum(slots * W, 0.0), weight(slots * W, 0.0);
    switch (W) {
        case 1: access_pass<1>(sum.data(), weight.data(), first, region, parts, cells, score); break;
        case 2: access_pass<2>(sum.data(), weight.data(), first, region, parts, cells, score); break;
        case 3: access_pass<3>(sum.data(), weight.data(), first, region, parts, cells, score); break;
        case 4: access_pass<4>(sum.data(), weight.data(), first, region, parts, cells, score); break;
        default: access_pass<any_weights>(sum.data(), weight.data(), first, region, parts, cells, score); break;
    }
    const auto mean = [&](std::size_t slot, std::size_t k) {
        return weight[slot * W + k] > 0.0 ? sum[slot * W + k] / weight[slot * W + k] : nan;
    };
    const auto write = [&](coverage::Totals& t, std::size_t slot) {
        t.access_mean[m] = mean(slot, 0);
        for (std::size_t g = 0; g < G; ++g) t.group_access[m][g] = mean(slot, g + 1);
    };
    for (std::size_t p = 0; p < parts.size(); ++p) {
        for (std::size_t u = 0; u < parts[p].unit_count; ++u) write(aggs[p]->units[u], first[p] + u);
        write(aggs[p]->region, region);
    }
}

// The access means of the measures with changed[m] (every measure when `changed` is empty), one
// task per measure.
void add_access(std::span<coverage::Aggregation* const> aggs, std::span<const coverage::Partition> parts,
                const study::PopulationCells& cells, const std::vector<AccessMeasure>& access,
                const std::vector<std::uint8_t>& changed, unsigned threads) {
    std::vector<std::size_t> redo;
    for (std::size_t m = 0; m < access.size(); ++m) {
        if (changed.empty() || changed[m]) redo.push_back(m);
    }
    parallel_for(redo.size(), threads,
                 [&](std::size_t t) { access_means(aggs, parts, cells, access[redo[t]].score, redo[t]); });
}

}  // namespace

void set_access_means(coverage::Aggregation& agg, const std::vector<std::int32_t>& unit_of_cell,
                      const study::PopulationCells& cells, const std::vector<double>& score, std::size_t m) {
    coverage::Aggregation* aggs[1] = {&agg};
    const coverage::Partition part{unit_of_cell, agg.units.size()};
    access_means(aggs, std::span<const coverage::Partition>(&part, 1), cells, score, m);
}

coverage::Method primary_method(const study::Study& study) {
    if (study.uses(study::Method::network)) {
        for (network::Profile p : study.profiles) {
            if (p == network::Profile::walk) return coverage::Method::network(p);
        }
        return coverage::Method::network(study.profiles.front());
    }
    return coverage::Method::crowfly();
}

StudyResult summarise(const PreparedStudy& prepared, Evaluation evaluation, unsigned threads) {
    StudyResult r;
    r.prepared = &prepared;
    r.evaluation = std::move(evaluation);
    r.primary_method = primary_method(prepared.study);
    const auto& cells = prepared.inputs.cells;
    const auto parts = partitions(prepared);
    auto aggs = coverage::aggregate(parts, cells.population, cells.groups, r.evaluation.measures, threads);
    r.by_unit = std::move(aggs[0]);
    r.by_village = std::move(aggs[1]);
    if (!r.evaluation.access.empty()) {
        coverage::Aggregation* both[2] = {&r.by_unit, &r.by_village};
        for (auto* agg : both) size_access(*agg, r.evaluation.access.size(), cells.groups.size());
        add_access(both, parts, cells, r.evaluation.access, {}, threads);
    }
    return r;
}

StudyResult summarise_changes(const PreparedStudy& prepared, const StudyResult& before, Evaluation evaluation,
                              const Changes& changes, unsigned threads) {
    StudyResult r;
    r.prepared = &prepared;
    r.primary_method = primary_method(prepared.study);
    r.by_unit = before.by_unit;
    r.by_village = before.by_village;
    r.evaluation = std::move(evaluation);
    const auto& cells = prepared.inputs.cells;
    const auto parts = partitions(prepared);
    coverage::Aggregation* both[2] = {&r.by_unit, &r.by_village};
    std::vector<std::size_t> redo;
    for (std::size_t m = 0; m < r.evaluation.measures.size(); ++m) {
        if (changes.measure[m]) redo.push_back(m);
    }
    coverage::reaggregate(both, parts, cells.population, cells.groups, r.evaluation.measures, redo, threads);
    if (!r.evaluation.access.empty()) {
        bool any = false;
        for (auto c : changes.access) any = any || c != 0;
        if (any) add_access(both, parts, cells, r.evaluation.access, changes.access, threads);
    }
    return r;
}

}  // namespace kepu15::pipeline
