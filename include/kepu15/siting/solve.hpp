// Solving a siting problem: exactly with COIN-OR CBC when the instance is small enough, else with
// lazy greedy + Teitz–Bart interchange and a Lagrangian bound on the optimum, so the user always
// sees how far from optimal the answer can be.
#pragma once

#include "kepu15/siting/problem.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace kepu15::siting {

enum class SolverChoice : std::uint8_t { automatic, exact, heuristic };
enum class Solver : std::uint8_t { exact, heuristic };

const char* solver_name(Solver s);  // "exact (CBC)", "heuristic (greedy + interchange)"

struct Options {
    // DEFAULT: automatic = exact when the reduced instance has at most `exact_max_pairs` (demand
    // row, candidate) pairs and `exact_max_candidates` useful candidates, else heuristic.
    SolverChoice solver = SolverChoice::automatic;
    std::size_t exact_max_pairs = 20000;      // DEFAULT: 20,000 (CBC proves optimality in ~1 s)
    std::size_t exact_max_candidates = 1000;  // DEFAULT: 1,000
    double exact_time_limit_s = 60.0;         // DEFAULT: 60 s; then CBC's best solution and bound
    unsigned threads = 2;                     // DEFAULT: 2 (heuristic and bound)
    int bound_iterations = 400;               // DEFAULT: 400 Lagrangian subgradient steps at most
    double bound_target_gap = 1e-4;           // DEFAULT: stop the bound early below 0.01 % gap
};

struct Site {
    std::uint32_t candidate = 0;  // destination id in the cost table
    // What this site adds given the sites chosen before it: newly covered weight (covering models)
    // or weight x cost saved (p-median).
    double marginal = 0.0;
};

struct Result {
    Model model = Model::mclp;
    Solver solver = Solver::heuristic;
    std::vector<Site> sites;  // in order of choice (greedy order within the final set)
    // mclp and lscp: newly covered weight; p-median: total weighted cost after (capped at horizon).
    double objective = 0.0;
    // Bound on the optimum of the solved model: an upper bound for mclp (newly covered weight), a
    // lower bound for p-median (total weighted cost) and for lscp (number of sites).
    double bound = 0.0;
    // Relative gap: (bound - objective) / bound for mclp, (objective - bound) / objective for
    // p-median, (sites - bound) / sites for lscp; 0 when proven optimal.
    double gap = 0.0;
    bool optimal = false;  // proven optimal (exact solver finished, or gap closed)

    double total_weight = 0.0;
    double covered_before = 0.0;  // weight within threshold of an existing facility
    double covered_after = 0.0;   // ... of an existing or new one
    // Weighted mean cost to the nearest facility, capped at horizon (NaN when existing_cost is empty
    // and the model is a covering one).
    double mean_cost_before = 0.0;
    double mean_cost_after = 0.0;

    bool target_reached = true;  // lscp: false when even every candidate cannot reach the target
    double best_reachable_share = 1.0;  // lscp: share with every useful candidate open
    std::string note;  // why the solver was chosen, unreachable targets, time limits

    [[nodiscard]] double share_before() const { return total_weight > 0 ? covered_before / total_weight : 0.0; }
    [[nodiscard]] double share_after() const { return total_weight > 0 ? covered_after / total_weight : 0.0; }
};

// Throws config_error when the problem is unusable (see validate).
Result solve(const Problem& p, const Options& options = {});

// Figures of an arbitrary set of new sites (objective, shares, mean cost; solver fields unset).
// The oracle of the tests and the way to score a hand-picked plan.
Result evaluate(const Problem& p, std::span<const std::uint32_t> sites);

}  // namespace kepu15::siting
