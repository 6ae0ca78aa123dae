#include "kepu15/siting/detail/benefit.hpp"

#include "kepu15/parallel.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <numeric>
#include <queue>

namespace kepu15::siting::detail {

namespace {

// Chunks for parallel loops: a few per thread so uneven columns balance.
std::size_t chunk_count(std::size_t n, unsigned threads) {
    return std::min<std::size_t>(n, std::max<std::size_t>(1, static_cast<std::size_t>(threads) * 8));
}

template <class F>
void parallel_chunks(std::size_t n, unsigned threads, F&& f) {
    const std::size_t chunks = chunk_count(n, threads);
    if (chunks == 0) return;
    parallel_for(chunks, threads, [&](std::size_t c) { f(n * c / chunks, n * (c + 1) / chunks, c); });
}

// Gain of candidate j given the current per-row values.
double gain_of(const BenefitInstance& inst, std::uint32_t j, const std::vector<double>& value) {
    double g = 0.0;
    for (std::uint64_t e = inst.col_first[j]; e < inst.col_first[j + 1]; ++e) {
        const double d = inst.col_benefit[e] - value[inst.col_row[e]];
        if (d > 0) g += d;
    }
    return g;
}

void add_site(const BenefitInstance& inst, std::uint32_t j, std::vector<double>& value) {
    for (std::uint64_t e = inst.col_first[j]; e < inst.col_first[j + 1]; ++e) {
        double& v = value[inst.col_row[e]];
        v = std::max(v, inst.col_benefit[e]);
    }
}

// Lazy greedy; `stop(f)` ends it once the value reaches what is wanted.
template <class Stop>
std::vector<std::uint32_t> lazy_greedy(const BenefitInstance& inst, std::size_t k, unsigned threads, Stop stop) {
    std::vector<double> value(inst.row_count(), 0.0);
    std::vector<double> gain(inst.candidate_count, 0.0);
    parallel_chunks(inst.candidate_count, threads, [&](std::size_t b, std::size_t e, std::size_t) {
        for (std::size_t j = b; j < e; ++j) gain[j] = gain_of(inst, static_cast<std::uint32_t>(j), value);
    });
    // Max-heap on gain; ties go to the smaller candidate id so runs are reproducible.
    using Entry = std::pair<double, std::int64_t>;  // (gain, -candidate)
    std::priority_queue<Entry> heap;
    for (std::size_t j = 0; j < inst.candidate_count; ++j) {
        if (gain[j] > 0) heap.emplace(gain[j], -static_cast<std::int64_t>(j));
    }
    std::vector<std::uint32_t> sites;
    double f = 0.0;
    while (sites.size() < k && !heap.empty() && !stop(f)) {
        const auto top = heap.top();
        heap.pop();
        const auto j = static_cast<std::uint32_t>(-top.second);
        const double g = gain_of(inst, j, value);
        if (g <= 0) continue;
        // Submodularity: gains only shrink, so a fresh gain still at least the next stale one wins.
        if (heap.empty() || g >= heap.top().first) {
            sites.push_back(j);
            add_site(inst, j, value);
            f += g;
        } else {
            heap.emplace(g, top.second);
        }
    }
    return sites;
}

}  // namespace

std::size_t BenefitInstance::useful_candidates() const {
    std::size_t n = 0;
    for (std::size_t j = 0; j < candidate_count; ++j) n += col_first[j + 1] > col_first[j] ? 1 : 0;
    return n;
}

double BenefitInstance::total_reachable() const {
    double f = 0.0;
    for (std::size_t r = 0; r < row_count(); ++r) {
        double best = 0.0;
        for (std::uint64_t e = row_first[r]; e < row_first[r + 1]; ++e) best = std::max(best, row_benefit[e]);
        f += best;
    }
    return f;
}

void BenefitInstance::build_columns() {
    col_first.assign(candidate_count + 1, 0);
    for (auto j : row_candidate) ++col_first[j + 1];
    for (std::size_t j = 0; j < candidate_count; ++j) col_first[j + 1] += col_first[j];
    col_row.resize(row_candidate.size());
    col_benefit.resize(row_candidate.size());
    std::vector<std::uint64_t> next(col_first.begin(), col_first.end() - 1);
    for (std::size_t r = 0; r < row_count(); ++r) {
        for (std::uint64_t e = row_first[r]; e < row_first[r + 1]; ++e) {
            const auto k = next[row_candidate[e]]++;
            col_row[k] = static_cast<std::uint32_t>(r);
            col_benefit[k] = row_benefit[e];
        }
    }
}

double value_of(const BenefitInstance& inst, const std::vector<std::uint32_t>& sites) {
    std::vector<double> value(inst.row_count(), 0.0);
    for (auto j : sites) add_site(inst, j, value);
    return std::accumulate(value.begin(), value.end(), 0.0);
}

std::vector<std::uint32_t> greedy(const BenefitInstance& inst, std::size_t k, unsigned threads) {
    return lazy_greedy(inst, k, threads, [](double) { return false; });
}

std::vector<std::uint32_t> greedy_until(const BenefitInstance& inst, double required, unsigned threads) {
    return lazy_greedy(inst, inst.candidate_count, threads, [required](double f) { return f >= required; });
}

double interchange(const BenefitInstance& inst, std::vector<std::uint32_t>& sites, unsigned threads) {
    const std::size_t k = sites.size();
    const std::size_t rows = inst.row_count();
    if (k == 0) return 0.0;
    constexpr std::int32_t none = -1;
    std::vector<std::int32_t> position(inst.candidate_count, none);  // candidate -> index in sites
    for (std::size_t p = 0; p < k; ++p) position[sites[p]] = static_cast<std::int32_t>(p);
    // Per row: best and second-best benefit among the chosen sites (0 = nothing), and the owner
    // (position) of the best.
    std::vector<double> v1(rows, 0.0), v2(rows, 0.0);
    std::vector<std::int32_t> o1(rows, none);
    auto refresh_row = [&](std::size_t r) {
        double b1 = 0.0, b2 = 0.0;
        std::int32_t owner = none;
        for (std::uint64_t e = inst.row_first[r]; e < inst.row_first[r + 1]; ++e) {
            const std::int32_t p = position[inst.row_candidate[e]];
            if (p == none) continue;
            const double b = inst.row_benefit[e];
            if (b > b1) {
                b2 = b1;
                b1 = b;
                owner = p;
            } else if (b > b2) {
                b2 = b;
            }
        }
        v1[r] = b1;
        v2[r] = b2;
        o1[r] = owner;
    };
    parallel_chunks(rows, threads, [&](std::size_t b, std::size_t e, std::size_t) {
        for (std::size_t r = b; r < e; ++r) refresh_row(r);
    });
    double f = std::accumulate(v1.begin(), v1.end(), 0.0);

    struct Move {
        double profit = 0.0;
        std::uint32_t candidate = 0;
        std::int32_t position = none;
    };
    const std::size_t max_passes = 20 * k + 100;
    std::vector<double> loss(k);
    for (std::size_t pass = 0; pass < max_passes; ++pass) {
        // loss[p]: what removing site p alone costs (its rows fall back to their second best).
        std::fill(loss.begin(), loss.end(), 0.0);
        for (std::size_t r = 0; r < rows; ++r) {
            if (o1[r] != none) loss[static_cast<std::size_t>(o1[r])] += v1[r] - v2[r];
        }
        const auto cheapest = static_cast<std::int32_t>(std::min_element(loss.begin(), loss.end()) - loss.begin());
        const std::size_t chunks = chunk_count(inst.candidate_count, threads);
        std::vector<Move> best(chunks);
        parallel_chunks(inst.candidate_count, threads, [&](std::size_t b, std::size_t e, std::size_t c) {
            std::vector<double> extra(k, 0.0);
            std::vector<std::int32_t> touched;
            Move local;
            for (std::size_t j = b; j < e; ++j) {
                if (position[j] != none || inst.col_first[j + 1] == inst.col_first[j]) continue;
                double gain = 0.0;
                for (std::uint64_t x = inst.col_first[j]; x < inst.col_first[j + 1]; ++x) {
                    const std::uint32_t r = inst.col_row[x];
                    const double bj = inst.col_benefit[x];
                    if (bj > v1[r]) gain += bj - v1[r];
                    // Rows whose best site would be the one removed: c softens the fall.
                    if (o1[r] != none && bj > v2[r]) {
                        if (extra[static_cast<std::size_t>(o1[r])] == 0.0) touched.push_back(o1[r]);
                        extra[static_cast<std::size_t>(o1[r])] += std::min(v1[r], bj) - v2[r];
                    }
                }
                std::int32_t out = cheapest;
                double delta = -loss[static_cast<std::size_t>(cheapest)];
                for (auto p : touched) {
                    const double d = extra[static_cast<std::size_t>(p)] - loss[static_cast<std::size_t>(p)];
                    if (d > delta) {
                        delta = d;
                        out = p;
                    }
                    extra[static_cast<std::size_t>(p)] = 0.0;
                }
                touched.clear();
                const double profit = gain + delta;
                if (profit > local.profit) local = {profit, static_cast<std::uint32_t>(j), out};
            }
            best[c] = local;
        });
        Move move;
        for (const auto& m : best) {
            if (m.profit > move.profit) move = m;
        }
        // Relative tolerance so rounding never cycles two equivalent swaps.
        if (move.position == none || move.profit <= 1e-9 * std::max(1.0, f)) break;
        const std::uint32_t old = sites[static_cast<std::size_t>(move.position)];
        position[old] = none;
        position[move.candidate] = move.position;
        sites[static_cast<std::size_t>(move.position)] = move.candidate;
        for (std::uint32_t j : {old, move.candidate}) {
            for (std::uint64_t x = inst.col_first[j]; x < inst.col_first[j + 1]; ++x) refresh_row(inst.col_row[x]);
        }
        f = std::accumulate(v1.begin(), v1.end(), 0.0);
    }
    return f;
}

double lagrangian_upper_bound(const BenefitInstance& inst, std::size_t k, const std::vector<std::uint32_t>& sites,
                              double lower, int iterations, double target_gap, unsigned threads) {
    const std::size_t rows = inst.row_count();
    const std::size_t n = inst.candidate_count;
    std::vector<double> lambda(rows, 0.0);
    for (auto j : sites) add_site(inst, j, lambda);
    // Scale of each row (its largest benefit): rows of very different weight move in proportion.
    std::vector<double> scale(rows, 0.0);
    for (std::size_t r = 0; r < rows; ++r) {
        for (std::uint64_t e = inst.row_first[r]; e < inst.row_first[r + 1]; ++e) {
            scale[r] = std::max(scale[r], inst.row_benefit[e]);
        }
    }
    std::vector<double> column(n, 0.0);
    std::vector<std::uint32_t> order(n);
    std::vector<double> g(rows);
    double best = std::numeric_limits<double>::infinity();
    double mu = 2.0;
    int since_improvement = 0;
    for (int it = 0; it < iterations; ++it) {
        // L(lambda) = sum_r lambda_r + the k largest positive column sums of (b_rj - lambda_r)+.
        parallel_chunks(n, threads, [&](std::size_t b, std::size_t e, std::size_t) {
            for (std::size_t j = b; j < e; ++j) column[j] = gain_of(inst, static_cast<std::uint32_t>(j), lambda);
        });
        std::iota(order.begin(), order.end(), 0U);
        const std::size_t take = std::min(k, n);
        std::nth_element(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(take), order.end(),
                         [&](std::uint32_t a, std::uint32_t b) { return column[a] > column[b]; });
        double value = std::accumulate(lambda.begin(), lambda.end(), 0.0);
        std::fill(g.begin(), g.end(), 1.0);
        for (std::size_t q = 0; q < take; ++q) {
            const std::uint32_t j = order[q];
            if (column[j] <= 0) continue;
            value += column[j];
            for (std::uint64_t x = inst.col_first[j]; x < inst.col_first[j + 1]; ++x) {
                if (inst.col_benefit[x] > lambda[inst.col_row[x]]) g[inst.col_row[x]] -= 1.0;
            }
        }
        if (!std::isfinite(best) || value < best - 1e-12 * std::max(1.0, best)) {
            best = value;
            since_improvement = 0;
        } else if (++since_improvement >= 10) {
            mu /= 2;
            since_improvement = 0;
        }
        if (best - lower <= target_gap * std::max(best, 1e-300) || mu < 1e-6) break;
        double norm = 0.0;
        for (std::size_t r = 0; r < rows; ++r) {
            if (lambda[r] <= 0 && g[r] > 0) g[r] = 0;  // projection onto lambda >= 0
            norm += scale[r] * g[r] * g[r];
        }
        if (norm <= 0) break;  // zero subgradient: L is at its minimum
        const double step = mu * (value - lower) / norm;
        for (std::size_t r = 0; r < rows; ++r) lambda[r] = std::max(0.0, lambda[r] - step * scale[r] * g[r]);
    }
    // A bound below a known solution can only come from rounding.
    return std::max(best, lower);
}

std::vector<std::pair<std::uint32_t, double>> order_of_choice(const BenefitInstance& inst,
                                                              const std::vector<std::uint32_t>& sites) {
    std::vector<double> value(inst.row_count(), 0.0);
    std::vector<std::uint32_t> left = sites;
    std::vector<std::pair<std::uint32_t, double>> out;
    while (!left.empty()) {
        std::size_t best = 0;
        double best_gain = -1.0;
        for (std::size_t q = 0; q < left.size(); ++q) {
            const double g = gain_of(inst, left[q], value);
            if (g > best_gain || (g == best_gain && left[q] < left[best])) {
                best_gain = g;
                best = q;
            }
        }
        out.emplace_back(left[best], best_gain);
        add_site(inst, left[best], value);
        left.erase(left.begin() + static_cast<std::ptrdiff_t>(best));
    }
    return out;
}

}  // namespace kepu15::siting::detail
