#include "kepu15/siting/solve.hpp"

#include "kepu15/siting/detail/benefit.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <sstream>

namespace kepu15::siting {

namespace {

using detail::BenefitInstance;

// Demand already served before any new site: the given flags, else existing cost <= threshold.
bool covered_before(const Problem& p, std::size_t i) {
    if (!p.covered_by_existing.empty()) return p.covered_by_existing[i] != 0;
    if (!p.existing_cost.empty()) return p.existing_cost[i] <= p.threshold;
    return false;
}

// Cost to the nearest existing facility, capped at the horizon (NaN = none within reach).
double capped_existing(const Problem& p, std::size_t i) {
    if (p.existing_cost.empty()) return p.horizon;
    const double c = p.existing_cost[i];
    return std::isnan(c) ? p.horizon : std::min(c, p.horizon);
}

// Covering models: demand rows = not-yet-covered origins with weight, merged when the same
// candidates cover them (on a grid most cells share their set with neighbours, so the instance
// shrinks several-fold); benefit = the row's total weight.
BenefitInstance covering_instance(const Problem& p) {
    const auto& t = *p.costs;
    std::vector<std::uint32_t> origins;
    std::vector<std::uint64_t> hash(t.origin_count, 0);
    for (std::size_t i = 0; i < t.origin_count; ++i) {
        if (p.weight[i] <= 0 || covered_before(p, i)) continue;
        std::uint64_t h = 1469598103934665603ULL;
        bool any = false;
        for (const auto& e : t.of(i)) {
            if (e.cost > p.threshold) continue;
            h = (h ^ e.destination) * 1099511628211ULL;
            any = true;
        }
        if (!any) continue;
        hash[i] = h;
        origins.push_back(static_cast<std::uint32_t>(i));
    }
    auto covering = [&](std::uint32_t i) {
        std::vector<std::uint32_t> s;
        for (const auto& e : t.of(i)) {
            if (e.cost <= p.threshold) s.push_back(e.destination);
        }
        return s;
    };
    std::sort(origins.begin(), origins.end(), [&](std::uint32_t a, std::uint32_t b) {
        if (hash[a] != hash[b]) return hash[a] < hash[b];
        return a < b;
    });
    BenefitInstance inst;
    inst.candidate_count = t.destination_count;
    inst.uniform_rows = true;
    // Within one hash value, compare sets exactly (collisions are possible, merely rare).
    std::size_t a = 0;
    while (a < origins.size()) {
        std::size_t b = a;
        while (b < origins.size() && hash[origins[b]] == hash[origins[a]]) ++b;
        std::vector<std::pair<std::vector<std::uint32_t>, double>> groups;
        for (std::size_t q = a; q < b; ++q) {
            auto s = covering(origins[q]);
            auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == s; });
            if (it == groups.end()) {
                groups.emplace_back(std::move(s), p.weight[origins[q]]);
            } else {
                it->second += p.weight[origins[q]];
            }
        }
        for (auto& [s, w] : groups) {
            for (auto j : s) {
                inst.row_candidate.push_back(j);
                inst.row_benefit.push_back(w);
            }
            inst.row_first.push_back(inst.row_candidate.size());
        }
        a = b;
    }
    inst.build_columns();
    return inst;
}

// p-median as cost saved: row = origin, benefit = weight x (capped existing cost - pair cost).
BenefitInstance median_instance(const Problem& p, double& base_total) {
    const auto& t = *p.costs;
    BenefitInstance inst;
    inst.candidate_count = t.destination_count;
    base_total = 0.0;
    for (std::size_t i = 0; i < t.origin_count; ++i) {
        const double w = p.weight[i];
        const double cap = capped_existing(p, i);
        base_total += w * cap;
        if (w <= 0) continue;
        const auto before = inst.row_candidate.size();
        for (const auto& e : t.of(i)) {
            if (e.cost < cap) {
                inst.row_candidate.push_back(e.destination);
                inst.row_benefit.push_back(w * (cap - e.cost));
            }
        }
        if (inst.row_candidate.size() > before) inst.row_first.push_back(inst.row_candidate.size());
    }
    inst.build_columns();
    return inst;
}

bool use_exact(const BenefitInstance& inst, const Options& o, std::string& why) {
    std::ostringstream s;
    const std::size_t pairs = inst.pair_count();
    const std::size_t useful = inst.useful_candidates();
    switch (o.solver) {
        case SolverChoice::exact: why = "exact solver asked for"; return true;
        case SolverChoice::heuristic: why = "heuristic asked for"; return false;
        case SolverChoice::automatic: break;
    }
    const bool small = pairs <= o.exact_max_pairs && useful <= o.exact_max_candidates;
    s << (small ? "exact: " : "heuristic: ") << pairs << " demand-candidate pairs and " << useful
      << " useful candidates (exact when at most " << o.exact_max_pairs << " and " << o.exact_max_candidates << ")";
    why = s.str();
    return small;
}

void fill_before_after(const Problem& p, std::span<const std::uint32_t> sites, Result& r) {
    const auto& t = *p.costs;
    std::vector<std::uint8_t> open(t.destination_count, 0);
    for (auto j : sites) open[j] = 1;
    r.total_weight = r.covered_before = r.covered_after = 0.0;
    double cost_before = 0.0, cost_after = 0.0;
    for (std::size_t i = 0; i < t.origin_count; ++i) {
        const double w = p.weight[i];
        r.total_weight += w;
        const bool before = covered_before(p, i);
        bool after = before;
        const double cap = capped_existing(p, i);
        double best = cap;
        for (const auto& e : t.of(i)) {
            if (!open[e.destination]) continue;
            if (e.cost <= p.threshold) after = true;
            best = std::min(best, e.cost);
        }
        if (before) r.covered_before += w;
        if (after) r.covered_after += w;
        cost_before += w * cap;
        cost_after += w * best;
    }
    const double nan = std::numeric_limits<double>::quiet_NaN();
    r.mean_cost_before = r.total_weight > 0 ? cost_before / r.total_weight : nan;
    r.mean_cost_after = r.total_weight > 0 ? cost_after / r.total_weight : nan;
    switch (p.model) {
        case Model::mclp: r.objective = r.covered_after - r.covered_before; break;
        case Model::lscp: r.objective = static_cast<double>(sites.size()); break;
        case Model::p_median: r.objective = cost_after; break;
    }
}

double relative(double a, double b) { return b > 0 ? std::max(0.0, a / b) : 0.0; }

// Covering with at most k sites, heuristically, then its Lagrangian bound.
struct Heuristic {
    std::vector<std::uint32_t> sites;
    double value = 0.0;
    double bound = 0.0;
};
Heuristic max_benefit_heuristic(const BenefitInstance& inst, std::size_t k, const Options& o, bool with_bound) {
    Heuristic h;
    h.sites = detail::greedy(inst, k, o.threads);
    h.value = detail::interchange(inst, h.sites, o.threads);
    if (with_bound) {
        h.bound = detail::lagrangian_upper_bound(inst, k, h.sites, h.value, o.bound_iterations, o.bound_target_gap,
                                                 o.threads);
    }
    return h;
}

void solve_lscp(const Problem& p, const BenefitInstance& inst, const Options& o, bool exact, Result& r,
                std::vector<std::uint32_t>& sites) {
    const double total = r.total_weight;
    const double tol = 1e-9 * std::max(1.0, total);
    double required = p.target_share * total - r.covered_before;
    const double reach = inst.total_reachable();
    r.best_reachable_share = total > 0 ? (r.covered_before + reach) / total : 1.0;
    std::ostringstream note;
    if (required <= tol) {
        note << "the target share " << p.target_share << " is already met by the existing facilities";
        r.note = note.str();
        r.bound = 0;
        r.optimal = true;
        return;
    }
    if (required > reach + tol) {
        r.target_reached = false;
        note << "target share " << p.target_share << " cannot be reached: every useful candidate together gives "
             << r.best_reachable_share << "; solved for that best reachable share instead";
        r.note = note.str();
        required = reach;
    }
    required -= tol;
    if (exact) {
        const auto s = detail::cbc_min_sites(inst, required, o.exact_time_limit_s);
        sites = s.sites;
        r.bound = std::ceil(s.bound - 1e-6);
        r.optimal = s.optimal;
        if (!s.optimal && !r.note.empty()) r.note += "; ";
        if (!s.optimal) r.note += "CBC stopped at its time limit before proving optimality";
        return;
    }
    sites = detail::greedy_until(inst, required, o.threads);
    // Fewer sites with interchange: try m - 1 while that still meets the target.
    while (sites.size() > 1) {
        auto fewer = detail::greedy(inst, sites.size() - 1, o.threads);
        if (detail::interchange(inst, fewer, o.threads) < required) break;
        sites = std::move(fewer);
    }
    // Lower bound: the smallest k whose covering upper bound reaches the requirement (the bound is
    // monotone in k, so a binary search suffices).
    std::size_t lo = 1, hi = sites.size();
    while (lo < hi) {
        const std::size_t mid = (lo + hi) / 2;
        auto g = detail::greedy(inst, mid, o.threads);
        const double v = detail::value_of(inst, g);
        const double ub = detail::lagrangian_upper_bound(inst, mid, g, v, o.bound_iterations, 0.0, o.threads);
        if (ub >= required) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    r.bound = static_cast<double>(lo);
    r.optimal = lo == sites.size();
}

}  // namespace

const char* solver_name(Solver s) {
    return s == Solver::exact ? "exact (CBC branch and bound)" : "heuristic (lazy greedy + Teitz-Bart interchange)";
}

Result evaluate(const Problem& p, std::span<const std::uint32_t> sites) {
    validate(p);
    Result r;
    r.model = p.model;
    fill_before_after(p, sites, r);
    for (auto j : sites) r.sites.push_back({j, 0.0});
    return r;
}

Result solve(const Problem& p, const Options& o) {
    validate(p);
    Result r;
    r.model = p.model;
    fill_before_after(p, {}, r);
    double base_total = 0.0;
    const BenefitInstance inst = p.model == Model::p_median ? median_instance(p, base_total) : covering_instance(p);
    std::string why;
    const bool exact = use_exact(inst, o, why);
    r.solver = exact ? Solver::exact : Solver::heuristic;
    std::vector<std::uint32_t> sites;
    double bound_f = 0.0;  // bound on f for mclp / p-median
    if (p.model == Model::lscp) {
        solve_lscp(p, inst, o, exact, r, sites);
    } else if (exact) {
        const auto s = detail::cbc_max_benefit(inst, p.k, o.exact_time_limit_s);
        sites = s.sites;
        bound_f = s.bound;
        r.optimal = s.optimal;
        if (!s.optimal) r.note = "CBC stopped at its time limit before proving optimality";
    } else {
        const auto h = max_benefit_heuristic(inst, p.k, o, true);
        sites = h.sites;
        bound_f = h.bound;
    }
    // The exact solver may open sites that add nothing (ties with sites already open): drop them.
    if (p.model != Model::lscp) {
        const auto ordered = detail::order_of_choice(inst, sites);
        sites.clear();
        for (const auto& [j, gain] : ordered) {
            if (gain > 0) sites.push_back(j);
        }
    }
    if (p.model != Model::lscp && sites.size() < p.k) {
        if (!r.note.empty()) r.note += "; ";
        r.note += "only " + std::to_string(sites.size()) + " candidate sites add anything (K = " + std::to_string(p.k) + ")";
    }
    // Order of choice and marginals, the same for both solvers.
    for (const auto& [j, gain] : detail::order_of_choice(inst, sites)) r.sites.push_back({j, gain});
    std::vector<std::uint32_t> chosen;
    for (const auto& s : r.sites) chosen.push_back(s.candidate);
    const double bound_keep = r.bound;
    const bool optimal_keep = r.optimal;
    const std::string note_keep = r.note;
    const bool reached = r.target_reached;
    const double reachable = r.best_reachable_share;
    fill_before_after(p, chosen, r);
    r.bound = bound_keep;
    r.note = note_keep;
    r.target_reached = reached;
    r.best_reachable_share = reachable;
    switch (p.model) {
        case Model::mclp:
            r.bound = std::max(bound_f, r.objective);
            r.gap = relative(r.bound - r.objective, r.bound);
            break;
        case Model::p_median:
            r.bound = std::min(base_total - bound_f, r.objective);
            r.gap = relative(r.objective - r.bound, r.objective);
            break;
        case Model::lscp:
            r.gap = relative(r.objective - r.bound, r.objective);
            break;
    }
    r.optimal = optimal_keep || r.gap <= 1e-9;
    if (r.optimal) r.gap = 0.0;
    r.note = why + (r.note.empty() ? "" : "; " + r.note);
    return r;
}

}  // namespace kepu15::siting
