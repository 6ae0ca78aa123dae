#include "kepu15/coverage/aggregate.hpp"

#include "kepu15/parallel.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <cmath>
#include <limits>
#include <memory>
#include <mutex>
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

// The figures one task writes, per slot: every partition's units, then one slot per partition for
// the cells outside its units, then the region. Accumulators of a slot lie side by side.
struct Slots {
    std::vector<std::uint32_t> of_cell;  // [cell * partitions + p]
    std::vector<std::size_t> first;      // first slot of partition p; first[P] = the region
    std::size_t count = 0;               // slots in all
    std::size_t partitions = 0;
    std::vector<double> total;           // population per slot

    Slots(std::span<const Partition> parts, const std::vector<double>& population) {
        partitions = parts.size();
        const std::size_t n = population.size();
        for (const auto& p : parts) {
            first.push_back(count);
            count += p.unit_count + 1;
        }
        first.push_back(count);  // the region
        ++count;
        of_cell.resize(n * partitions);
        for (std::size_t i = 0; i < n; ++i) {
            for (std::size_t p = 0; p < partitions; ++p) {
                const std::int32_t u = parts[p].unit_of_cell[i];
                assert(u < static_cast<std::int32_t>(parts[p].unit_count));
                of_cell[i * partitions + p] =
                    static_cast<std::uint32_t>(first[p] + (u >= 0 ? static_cast<std::size_t>(u) : parts[p].unit_count));
            }
        }
    }
    [[nodiscard]] std::size_t region() const { return first[partitions]; }
};

// Quantile search of one slot: see measure_figures.
struct Quantiles {
    double acc = 0.0;
    double next = 0.0;  // cumulative population that makes the next quantile
    double t90 = 0.0;
    double median = nan;
    double p90 = nan;

    void step(double weight, std::uint64_t key) {
        acc += weight;
        if (acc >= next) [[unlikely]] {
            if (std::isnan(median)) {
                median = std::bit_cast<double>(key);
                next = t90;
            }
            if (acc >= next) {
                p90 = std::bit_cast<double>(key);
                next = std::numeric_limits<double>::infinity();
            }
        }
    }
};

// Scratch storage of one task, reused by the next task on any thread.
struct Scratch {
    std::vector<double> acc;
    std::vector<Quantiles> quantiles;
    std::vector<detail::ReachedCell> reached, sort;
};

class ScratchPool {
public:
    std::unique_ptr<Scratch> take() {
        const std::lock_guard<std::mutex> lock(m_mutex);
        if (m_free.empty()) return std::make_unique<Scratch>();
        auto s = std::move(m_free.back());
        m_free.pop_back();
        return s;
    }
    void give(std::unique_ptr<Scratch> s) {
        const std::lock_guard<std::mutex> lock(m_mutex);
        m_free.push_back(std::move(s));
    }

private:
    std::mutex m_mutex;
    std::vector<std::unique_ptr<Scratch>> m_free;
};

constexpr std::size_t any_groups = static_cast<std::size_t>(-1);

// The sums of one measure over the cells, in cell order, into `a` (per slot: cum, sum, covered, no
// road access, then per group: value x group, reached group, covered group), and its reached cells
// in cell order. With kG groups known at compile time, the region's sums and each partition's
// current unit's sums stay in local variables while consecutive cells share the unit (a unit's
// cells mostly lie in runs): the same additions in the same order, without a round trip through
// memory per addition.
template <std::size_t kG>
void cell_pass(double* a, const Slots& slots, const std::vector<double>& population,
               const std::vector<std::vector<double>>& groups, const Measure& me,
               std::vector<detail::ReachedCell>& reached_cells) {
    const std::size_t n = population.size();
    const std::size_t P = slots.partitions;
    const std::size_t region = slots.region();
    const bool network = !me.no_road_access.empty();
    const double* v = me.value.data();
    const std::uint8_t* cov = me.covered.data();
    const std::uint8_t* nra = network ? me.no_road_access.data() : nullptr;
    if constexpr (kG == any_groups) {
        const std::size_t G = groups.size();
        const std::size_t stride = 4 + 3 * G;
        for (std::size_t i = 0; i < n; ++i) {
            const double w = population[i];
            const bool covered = cov[i] != 0;
            const bool no_road = network && nra[i] != 0;
            const bool reached = std::isfinite(v[i]);
            const std::uint32_t* of = &slots.of_cell[i * P];
            if (reached) reached_cells.push_back({std::bit_cast<std::uint64_t>(std::max(0.0, v[i])), w, {of[0], of[P - 1]}});
            if (!reached && !covered && !no_road) continue;
            for (std::size_t p = 0; p <= P; ++p) {
                double* t = &a[(p < P ? of[p] : region) * stride];
                if (reached) {
                    t[0] += w;
                    t[1] += v[i] * w;
                    for (std::size_t g = 0; g < G; ++g) {
                        t[4 + 3 * g] += v[i] * groups[g][i];
                        t[5 + 3 * g] += groups[g][i];
                    }
                }
                if (covered) {
                    t[2] += w;
                    for (std::size_t g = 0; g < G; ++g) t[6 + 3 * g] += groups[g][i];
                }
                if (no_road) t[3] += w;
            }
        }
    } else {
        constexpr std::size_t stride = 4 + 3 * kG;
        using Acc = std::array<double, stride>;
        std::array<const double*, kG + 1> gp{};
        for (std::size_t g = 0; g < kG; ++g) gp[g] = groups[g].data();
        Acc reg;
        std::copy_n(&a[region * stride], stride, reg.begin());
        std::array<Acc, 2> loc{};
        constexpr std::uint32_t none = 0xffffffffU;
        std::array<std::uint32_t, 2> cur{none, none};
        const auto add = [&](Acc& t, bool reached, bool covered, bool no_road, double w, double x,
                             const std::array<double, kG + 1>& gv) {
            if (reached) {
                t[0] += w;
                t[1] += x * w;
                for (std::size_t g = 0; g < kG; ++g) {
                    t[4 + 3 * g] += x * gv[g];
                    t[5 + 3 * g] += gv[g];
                }
            }
            if (covered) {
                t[2] += w;
                for (std::size_t g = 0; g < kG; ++g) t[6 + 3 * g] += gv[g];
            }
            if (no_road) t[3] += w;
        };
        for (std::size_t i = 0; i < n; ++i) {
            const double w = population[i];
            const double x = v[i];
            const bool covered = cov[i] != 0;
            const bool no_road = network && nra[i] != 0;
            const bool reached = std::isfinite(x);
            const std::uint32_t* of = &slots.of_cell[i * P];
            if (reached) reached_cells.push_back({std::bit_cast<std::uint64_t>(std::max(0.0, x)), w, {of[0], of[P - 1]}});
            if (!reached && !covered && !no_road) continue;
            std::array<double, kG + 1> gv{};
            for (std::size_t g = 0; g < kG; ++g) gv[g] = gp[g][i];
            add(reg, reached, covered, no_road, w, x, gv);
            for (std::size_t p = 0; p < P; ++p) {
                if (of[p] != cur[p]) {
                    if (cur[p] != none) std::copy_n(loc[p].begin(), stride, &a[cur[p] * stride]);
                    cur[p] = of[p];
                    std::copy_n(&a[cur[p] * stride], stride, loc[p].begin());
                }
                add(loc[p], reached, covered, no_road, w, x, gv);
            }
        }
        std::copy_n(reg.begin(), stride, &a[region * stride]);
        for (std::size_t p = 0; p < P; ++p) {
            if (cur[p] != none) std::copy_n(loc[p].begin(), stride, &a[cur[p] * stride]);
        }
    }
}

// Every figure of measure m, for every partition and the region, in one pass over the cells in
// cell order (each sum adds its cells in that order) and one sweep over the reached cells in
// increasing value.
void measure_figures(std::span<Aggregation* const> aggs, const Slots& slots, const std::vector<double>& population,
                     const std::vector<std::vector<double>>& groups, const Measure& me, std::size_t m,
                     Scratch& scratch) {
    const std::size_t G = groups.size();
    const std::size_t P = slots.partitions;
    // Per slot: cum (reached population), sum (value x population), covered, no road access, then
    // per group: value x group, reached group, covered group.
    const std::size_t stride = 4 + 3 * G;
    auto& a = scratch.acc;
    a.assign(slots.count * stride, 0.0);
    auto& reached_cells = scratch.reached;
    reached_cells.clear();
    const std::size_t region = slots.region();
    switch (G) {
        case 0: cell_pass<0>(a.data(), slots, population, groups, me, reached_cells); break;
        case 1: cell_pass<1>(a.data(), slots, population, groups, me, reached_cells); break;
        case 2: cell_pass<2>(a.data(), slots, population, groups, me, reached_cells); break;
        case 3: cell_pass<3>(a.data(), slots, population, groups, me, reached_cells); break;
        default: cell_pass<any_groups>(a.data(), slots, population, groups, me, reached_cells); break;
    }
    detail::sort_by_key(reached_cells, scratch.sort);
    // Quantile sweep over the reached cells in increasing value: per slot the cumulative reached
    // population, and the next cumulative population that makes a quantile (the median's, then
    // the 90th percentile's, then none). Since 0.5 x total <= 0.9 x total, looking for the 90th
    // percentile only from the median on finds the same cell. The region's state stays local.
    std::vector<Quantiles>& qs = scratch.quantiles;
    qs.assign(slots.count, Quantiles{});
    for (std::size_t s = 0; s < slots.count; ++s) {
        const double total = slots.total[s];
        const double tol = 1e-9 * total;
        qs[s].next = 0.5 * total - tol;
        qs[s].t90 = 0.9 * total - tol;
    }
    Quantiles whole = qs[region];
    for (const detail::ReachedCell& r : reached_cells) {
        qs[r.slot[0]].step(r.weight, r.key);
        if (P > 1) qs[r.slot[1]].step(r.weight, r.key);
        whole.step(r.weight, r.key);
    }
    qs[region] = whole;
    const auto write = [&](Totals& t, std::size_t s) {
        const double* x = &a[s * stride];
        const Quantiles& qu = qs[s];
        const double total = slots.total[s];
        t.covered[m] = x[2];
        t.no_road_access[m] = x[3];
        ValueStats& st = t.stats[m];
        st.mean = x[0] > 0.0 ? x[1] / x[0] : nan;
        st.median = total > 0.0 ? qu.median : nan;
        st.p90 = total > 0.0 ? qu.p90 : nan;
        st.unreached_population = std::max(0.0, total - x[0]);
        for (std::size_t g = 0; g < G; ++g) {
            t.covered_groups[m][g] = x[6 + 3 * g];
            t.group_mean[m][g] = x[5 + 3 * g] > 0.0 ? x[4 + 3 * g] / x[5 + 3 * g] : nan;
        }
    };
    for (std::size_t p = 0; p < P; ++p) {
        Aggregation& agg = *aggs[p];
        for (std::size_t u = 0; u < agg.units.size(); ++u) write(agg.units[u], slots.first[p] + u);
        write(agg.region, region);
    }
}

// Population covered by at least one measure of method k, for every partition and the region.
void any_figures(std::span<Aggregation* const> aggs, const Slots& slots, const std::vector<double>& population,
                 const std::vector<Measure>& measures, std::size_t k, Scratch& scratch) {
    const Aggregation& first = *aggs[0];
    std::vector<const std::uint8_t*> covered;
    for (const auto& me : measures) {
        if (me.method == first.methods[k]) covered.push_back(me.covered.data());
    }
    const std::size_t P = slots.partitions;
    const std::size_t region = slots.region();
    auto& a = scratch.acc;
    a.assign(slots.count, 0.0);
    for (std::size_t i = 0; i < population.size(); ++i) {
        bool any = false;
        for (const std::uint8_t* c : covered) any = any || c[i] != 0;
        if (!any) continue;
        const std::uint32_t* of = &slots.of_cell[i * P];
        a[region] += population[i];
        for (std::size_t p = 0; p < P; ++p) a[of[p]] += population[i];
    }
    for (std::size_t p = 0; p < P; ++p) {
        Aggregation& agg = *aggs[p];
        for (std::size_t u = 0; u < agg.units.size(); ++u) agg.units[u].covered_any[k] = a[slots.first[p] + u];
        agg.region.covered_any[k] = a[region];
    }
}

// The figures of measures `changed` and methods `methods`, on up to `threads` threads: one task per
// measure (the sort makes them the long ones), then one per method.
void fill(std::span<Aggregation* const> aggs, std::span<const Partition> parts, const std::vector<double>& population,
          const std::vector<std::vector<double>>& groups, const std::vector<Measure>& measures,
          std::span<const std::size_t> changed, const std::vector<std::size_t>& methods, unsigned threads) {
    Slots slots(parts, population);
    slots.total.assign(slots.count, 0.0);
    for (std::size_t p = 0; p < parts.size(); ++p) {
        for (std::size_t u = 0; u < parts[p].unit_count; ++u) slots.total[slots.first[p] + u] = aggs[p]->units[u].population;
    }
    slots.total[slots.region()] = aggs[0]->region.population;
    ScratchPool pool;
    parallel_for(changed.size() + methods.size(), threads, [&](std::size_t task) {
        auto scratch = pool.take();
        if (task < changed.size()) {
            measure_figures(aggs, slots, population, groups, measures[changed[task]], changed[task], *scratch);
        } else {
            any_figures(aggs, slots, population, measures, methods[task - changed.size()], *scratch);
        }
        pool.give(std::move(scratch));
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

Aggregation aggregate(const std::vector<std::int32_t>& unit_of_cell, std::size_t unit_count,
                      const std::vector<double>& population, const std::vector<std::vector<double>>& groups,
                      const std::vector<Measure>& measures, unsigned threads) {
    const Partition part{unit_of_cell, unit_count};
    return std::move(aggregate(std::span<const Partition>(&part, 1), population, groups, measures, threads).front());
}

std::vector<Aggregation> aggregate(std::span<const Partition> partitions, const std::vector<double>& population,
                                   const std::vector<std::vector<double>>& groups,
                                   const std::vector<Measure>& measures, unsigned threads) {
    Aggregation proto;
    for (const auto& me : measures) {
        if (std::find(proto.methods.begin(), proto.methods.end(), me.method) == proto.methods.end()) {
            proto.methods.push_back(me.method);
        }
    }
    Totals empty;
    empty.group_population.assign(groups.size(), 0.0);
    empty.covered.assign(measures.size(), 0.0);
    empty.covered_groups.assign(measures.size(), std::vector<double>(groups.size(), 0.0));
    empty.no_road_access.assign(measures.size(), 0.0);
    empty.covered_any.assign(proto.methods.size(), 0.0);
    empty.stats.assign(measures.size(), ValueStats{nan, nan, nan, 0.0});
    empty.group_mean.assign(measures.size(), std::vector<double>(groups.size(), nan));
    proto.region = empty;
    // Population per unit and region, each in cell order.
    for (std::size_t i = 0; i < population.size(); ++i) {
        proto.region.population += population[i];
        for (std::size_t g = 0; g < groups.size(); ++g) proto.region.group_population[g] += groups[g][i];
    }
    std::vector<Aggregation> out;
    std::vector<Aggregation*> aggs;
    out.reserve(partitions.size());
    for (const Partition& part : partitions) {
        Aggregation& agg = out.emplace_back();
        agg.methods = proto.methods;
        agg.region = proto.region;
        agg.units.assign(part.unit_count, empty);
        for (std::size_t i = 0; i < population.size(); ++i) {
            const std::int32_t u = part.unit_of_cell[i];
            assert(u < static_cast<std::int32_t>(part.unit_count));
            if (u < 0) continue;
            Totals& t = agg.units[static_cast<std::size_t>(u)];
            t.population += population[i];
            for (std::size_t g = 0; g < groups.size(); ++g) t.group_population[g] += groups[g][i];
        }
        aggs.push_back(&agg);
    }
    if (partitions.empty()) return out;
    assert(partitions.size() <= 2);  // the sweep carries two slots per cell
    std::vector<std::size_t> all(measures.size());
    std::iota(all.begin(), all.end(), std::size_t{0});
    std::vector<std::size_t> methods(proto.methods.size());
    std::iota(methods.begin(), methods.end(), std::size_t{0});
    fill(aggs, partitions, population, groups, measures, all, methods, threads);
    return out;
}

void reaggregate(std::span<Aggregation* const> aggs, std::span<const Partition> partitions,
                 const std::vector<double>& population, const std::vector<std::vector<double>>& groups,
                 const std::vector<Measure>& measures, std::span<const std::size_t> changed, unsigned threads) {
    assert(aggs.size() == partitions.size());
    if (aggs.empty() || changed.empty()) return;
    std::vector<std::size_t> methods;
    for (std::size_t k = 0; k < aggs[0]->methods.size(); ++k) {
        for (std::size_t m : changed) {
            if (measures[m].method == aggs[0]->methods[k]) {
                methods.push_back(k);
                break;
            }
        }
    }
    fill(aggs, partitions, population, groups, measures, changed, methods, threads);
}

namespace detail {

namespace {

template <class Item>
void sort_items_by_key(std::vector<Item>& items, std::vector<Item>& scratch) {
    const std::size_t n = items.size();
    if (n < 2) return;
    const auto hi = [](const Item& r) { return static_cast<std::uint32_t>(r.key >> 32); };
    std::uint32_t min_hi = hi(items[0]), max_hi = min_hi;
    for (const Item& r : items) {
        min_hi = std::min(min_hi, hi(r));
        max_hi = std::max(max_hi, hi(r));
    }
    // The prefix: the top (at most 24) bits of the upper 32 key bits less their minimum. An LSD
    // radix sort on it (stable; at most 2 passes of at most 12 bits) leaves runs of equal prefix in
    // input order.
    const int range_bits = std::bit_width(max_hi - min_hi);
    const int drop = std::max(0, range_bits - 24);
    const int prefix_bits = range_bits - drop;
    const auto prefix = [&](const Item& r) { return (hi(r) - min_hi) >> drop; };
    const int passes = (prefix_bits + 11) / 12;
    if (passes > 0) {
        scratch.resize(n);
        const int digit = (prefix_bits + passes - 1) / passes;
        const std::size_t buckets = std::size_t{1} << digit;
        const std::uint32_t mask = static_cast<std::uint32_t>(buckets - 1);
        std::vector<std::uint32_t> count(static_cast<std::size_t>(passes) * buckets, 0U);
        for (const Item& r : items) {
            const std::uint32_t h = prefix(r);
            for (int p = 0; p < passes; ++p) ++count[static_cast<std::size_t>(p) * buckets + ((h >> (p * digit)) & mask)];
        }
        Item* a = items.data();
        Item* b = scratch.data();
        for (int p = 0; p < passes; ++p) {
            std::uint32_t* c = &count[static_cast<std::size_t>(p) * buckets];
            const int shift = p * digit;
            if (c[(prefix(a[0]) >> shift) & mask] == n) continue;  // one digit everywhere: no move
            std::uint32_t sum = 0;
            for (std::size_t d = 0; d < buckets; ++d) {
                const std::uint32_t here = c[d];
                c[d] = sum;
                sum += here;
            }
            for (std::size_t k = 0; k < n; ++k) b[c[(prefix(a[k]) >> shift) & mask]++] = a[k];
            std::swap(a, b);
        }
        if (a != items.data()) std::copy(a, a + n, items.data());
    }
    // Runs of equal prefix, still in input order: a stable sort by the whole key.
    const auto less = [](const Item& x, const Item& y) { return x.key < y.key; };
    for (std::size_t i = 0; i < n;) {
        const std::uint32_t here = prefix(items[i]);
        std::size_t j = i + 1;
        while (j < n && prefix(items[j]) == here) ++j;
        const auto first = items.begin() + static_cast<std::ptrdiff_t>(i);
        const auto last = items.begin() + static_cast<std::ptrdiff_t>(j);
        if (j - i > 16) {
            if (!std::is_sorted(first, last, less)) std::stable_sort(first, last, less);
        } else {
            for (std::size_t k = i + 1; k < j; ++k) {
                if (!less(items[k], items[k - 1])) continue;
                const Item x = items[k];
                std::size_t h = k;
                for (; h > i && less(x, items[h - 1]); --h) items[h] = items[h - 1];
                items[h] = x;
            }
        }
        i = j;
    }
}

}  // namespace

void sort_by_key(std::vector<ReachedCell>& items, std::vector<ReachedCell>& scratch) { sort_items_by_key(items, scratch); }
void sort_by_key(std::vector<KeyWeight>& items, std::vector<KeyWeight>& scratch) { sort_items_by_key(items, scratch); }

}  // namespace detail

}  // namespace kepu15::coverage
