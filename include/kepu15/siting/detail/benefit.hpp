// The engine behind every siting model: choose at most K candidates maximising
//     f(S) = sum over demand rows r of max(0, max_{j in S} b_rj)
// with benefits b_rj > 0. Maximal covering is the case b_rj = weight of the row (rows merged when
// they are covered by the same candidates); p-median is b_rj = w_r * (current cost_r - c_rj), the
// cost saved. f is monotone submodular, which makes lazy greedy valid and gives the bounds below.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace kepu15::siting::detail {

struct BenefitInstance {
    std::size_t candidate_count = 0;
    // CSR by demand row: candidates and benefits (candidates sorted).
    std::vector<std::uint64_t> row_first{0};
    std::vector<std::uint32_t> row_candidate;
    std::vector<double> row_benefit;
    // The same pairs by candidate (rows sorted).
    std::vector<std::uint64_t> col_first;
    std::vector<std::uint32_t> col_row;
    std::vector<double> col_benefit;
    bool uniform_rows = false;  // every row's benefits are equal (covering models)

    [[nodiscard]] std::size_t row_count() const { return row_first.size() - 1; }
    [[nodiscard]] std::size_t pair_count() const { return row_candidate.size(); }
    [[nodiscard]] std::size_t useful_candidates() const;  // candidates with at least one pair
    [[nodiscard]] double total_reachable() const;         // f(all candidates)
    // Fills the by-candidate arrays from the by-row ones.
    void build_columns();
};

// f(S). REQUIRES: sites distinct and < candidate_count.
double value_of(const BenefitInstance& inst, const std::vector<std::uint32_t>& sites);

// Lazy greedy (Minoux): at most k sites, stopping early when no candidate adds anything.
std::vector<std::uint32_t> greedy(const BenefitInstance& inst, std::size_t k, unsigned threads);

// Greedy until f(S) >= required (or nothing adds anything).
std::vector<std::uint32_t> greedy_until(const BenefitInstance& inst, double required, unsigned threads);

// Teitz–Bart interchange with best improvement per pass (fast evaluation after Whitaker): swaps one
// chosen site for one other candidate while f grows. Returns f of the final set.
double interchange(const BenefitInstance& inst, std::vector<std::uint32_t>& sites, unsigned threads);

// Upper bound on max f(S) over |S| <= k: the Lagrangian dual of the LP relaxation (relaxing
// sum_j z_rj <= 1), started from the multipliers lambda_r = value of row r under `sites`, where it
// equals the submodular bound f(S) + sum of the k largest marginal gains; subgradient steps only
// lower it. `lower` is f of the best known solution (for the step size and early stop).
double lagrangian_upper_bound(const BenefitInstance& inst, std::size_t k, const std::vector<std::uint32_t>& sites,
                              double lower, int iterations, double target_gap, unsigned threads);

// The sites re-ordered greedily (largest marginal first given the ones before), with marginals.
std::vector<std::pair<std::uint32_t, double>> order_of_choice(const BenefitInstance& inst,
                                                              const std::vector<std::uint32_t>& sites);

struct ExactSolution {
    std::vector<std::uint32_t> sites;
    double objective = 0.0;  // f(S) (max) or number of sites (min sites)
    double bound = 0.0;      // CBC's best possible objective
    bool optimal = false;
    bool feasible = true;
};

// max f(S), |S| <= k, with CBC.
ExactSolution cbc_max_benefit(const BenefitInstance& inst, std::size_t k, double time_limit_s);
// min |S| with f(S) >= required, with CBC. REQUIRES: uniform rows (a covering instance).
ExactSolution cbc_min_sites(const BenefitInstance& inst, double required, double time_limit_s);

}  // namespace kepu15::siting::detail
