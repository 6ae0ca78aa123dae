#include "kepu15/error.hpp"
#include "kepu15/siting/solve.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>

using namespace kepu15;
using namespace kepu15::siting;

namespace {

// Cost = |x_origin - x_candidate| on a line (minutes), every pair up to `limit`.
coverage::CostTable line_table(const std::vector<double>& origin_x, const std::vector<double>& candidate_x, double limit) {
    std::vector<std::uint32_t> o, d;
    std::vector<double> c;
    for (std::size_t i = 0; i < origin_x.size(); ++i) {
        for (std::size_t j = 0; j < candidate_x.size(); ++j) {
            o.push_back(static_cast<std::uint32_t>(i));
            d.push_back(static_cast<std::uint32_t>(j));
            c.push_back(std::abs(origin_x[i] - candidate_x[j]));
        }
    }
    return coverage::cost_table_from_triplets(origin_x.size(), candidate_x.size(), coverage::CostUnit::minutes, limit,
                                              o, d, c);
}

std::vector<std::uint32_t> ids(const Result& r) {
    std::vector<std::uint32_t> out;
    for (const auto& s : r.sites) out.push_back(s.candidate);
    std::sort(out.begin(), out.end());
    return out;
}

// The tiny map, drawn:
//
//   x:        0    1    2  2.5  3    4    5
//   cells:    c0   c1   c2      c3   c4   c5          weights 10 20 30 40 50 60
//   sites:    A              B                 C      (C at x = 5 beside the existing facility E)
//   existing:                                  E      (covers c5 within 1 minute)
struct TinyMap {
    std::vector<double> cell_x{0, 1, 2, 3, 4, 5};
    std::vector<double> site_x{0, 2.5, 5};
    coverage::CostTable table = line_table(cell_x, site_x, 10.0);
    Problem problem(Model m) const {
        Problem p;
        p.model = m;
        p.costs = &table;
        p.weight = {10, 20, 30, 40, 50, 60};
        p.threshold = 1.0;
        p.horizon = 10.0;
        p.covered_by_existing = {0, 0, 0, 0, 0, 1};
        for (double x : cell_x) p.existing_cost.push_back(std::abs(x - 5.0));
        return p;
    }
};

const SolverChoice both[] = {SolverChoice::exact, SolverChoice::heuristic};

}  // namespace

TEST_CASE("maximal covering on the tiny map picks the hand-computed sites", "[siting]") {
    // Newly covered weight within 1 min: A covers c0,c1 (30), B covers c2,c3 (70), C covers c4 (50;
    // c5 is already covered).
    const TinyMap map;
    for (auto solver : both) {
        Options o;
        o.solver = solver;
        auto p = map.problem(Model::mclp);
        p.k = 1;
        auto r = solve(p, o);
        REQUIRE(ids(r) == std::vector<std::uint32_t>{1});
        REQUIRE(r.objective == Approx(70));
        REQUIRE(r.covered_before == Approx(60));
        REQUIRE(r.covered_after == Approx(130));
        REQUIRE(r.total_weight == Approx(210));
        REQUIRE(r.optimal);
        p.k = 2;
        r = solve(p, o);
        REQUIRE(ids(r) == std::vector<std::uint32_t>{1, 2});
        REQUIRE(r.objective == Approx(120));
        // Order of choice: B first (70), then C (50).
        REQUIRE(r.sites[0].candidate == 1);
        REQUIRE(r.sites[0].marginal == Approx(70));
        REQUIRE(r.sites[1].candidate == 2);
        REQUIRE(r.sites[1].marginal == Approx(50));
        REQUIRE(r.share_after() == Approx(180.0 / 210.0));
        REQUIRE(r.gap == 0.0);
        REQUIRE(r.solver == (solver == SolverChoice::exact ? Solver::exact : Solver::heuristic));
    }
}

TEST_CASE("set covering on the tiny map needs the hand-computed number of sites", "[siting]") {
    const TinyMap map;
    for (auto solver : both) {
        Options o;
        o.solver = solver;
        auto p = map.problem(Model::lscp);
        p.target_share = 0.6;  // 126 of 210: 60 existing + B's 70
        auto r = solve(p, o);
        REQUIRE(ids(r) == std::vector<std::uint32_t>{1});
        REQUIRE(r.objective == 1);
        REQUIRE(r.target_reached);
        REQUIRE(r.optimal);
        p.target_share = 1.0;  // every cell: A, B and C
        r = solve(p, o);
        REQUIRE(ids(r) == std::vector<std::uint32_t>{0, 1, 2});
        REQUIRE(r.share_after() == Approx(1.0));
        REQUIRE(r.bound == 3);
        p.target_share = 0.2;  // already met by the existing facility
        r = solve(p, o);
        REQUIRE(r.sites.empty());
        REQUIRE(r.note.find("already met") != std::string::npos);
    }
}

TEST_CASE("an unreachable covering target says so and returns the best reachable share", "[siting]") {
    // A seventh cell far away (x = 20, weight 10) that no candidate reaches within 1 minute.
    const std::vector<double> cells{0, 1, 2, 3, 4, 5, 20};
    const auto table = line_table(cells, {0, 2.5, 5}, 30.0);
    Problem p;
    p.model = Model::lscp;
    p.costs = &table;
    p.weight = {10, 20, 30, 40, 50, 60, 10};
    p.threshold = 1.0;
    p.covered_by_existing = {0, 0, 0, 0, 0, 1, 0};
    p.target_share = 0.99;
    for (auto solver : both) {
        Options o;
        o.solver = solver;
        const auto r = solve(p, o);
        REQUIRE_FALSE(r.target_reached);
        REQUIRE(r.best_reachable_share == Approx(210.0 / 220.0));
        REQUIRE(r.share_after() == Approx(210.0 / 220.0));
        REQUIRE(ids(r) == std::vector<std::uint32_t>{0, 1, 2});
        REQUIRE(r.note.find("cannot be reached") != std::string::npos);
    }
}

TEST_CASE("p-median on the tiny map minimises weighted minutes as computed by hand", "[siting]") {
    // Existing minutes |x - 5|: 5 4 3 2 1 0, weighted total 350. Savings with A: 50+60+30 = 140;
    // with B: 25+50+75+60 = 210; with C: 0. So B, total 140.
    const TinyMap map;
    for (auto solver : both) {
        Options o;
        o.solver = solver;
        auto p = map.problem(Model::p_median);
        p.k = 1;
        const auto r = solve(p, o);
        REQUIRE(ids(r) == std::vector<std::uint32_t>{1});
        REQUIRE(r.objective == Approx(140));
        REQUIRE(r.mean_cost_before == Approx(350.0 / 210.0));
        REQUIRE(r.mean_cost_after == Approx(140.0 / 210.0));
        REQUIRE(r.sites[0].marginal == Approx(210));
        REQUIRE(r.optimal);
    }
}

TEST_CASE("K larger than the candidates and other bad problems are config errors", "[siting]") {
    const TinyMap map;
    auto p = map.problem(Model::mclp);
    p.k = 4;
    REQUIRE_THROWS_WITH(solve(p), Catch::Contains("K = 4 is larger than the 3 candidate sites"));
    p.k = 0;
    REQUIRE_THROWS_AS(solve(p), config_error);
    p = map.problem(Model::lscp);
    p.target_share = 1.5;
    REQUIRE_THROWS_WITH(solve(p), Catch::Contains("target share must be in (0, 1]"));
    p = map.problem(Model::p_median);
    p.horizon = 20;  // the table holds pairs up to 10 only
    REQUIRE_THROWS_WITH(solve(p), Catch::Contains("up to the horizon"));
    p = map.problem(Model::mclp);
    p.weight.pop_back();
    REQUIRE_THROWS_AS(solve(p), config_error);
    p = map.problem(Model::mclp);
    p.weight[2] = -1;
    REQUIRE_THROWS_WITH(solve(p), Catch::Contains("weight of demand cell 2"));
}

namespace {

struct Random {
    std::vector<double> ox, oy, cx, cy;
    coverage::CostTable table;
    Problem problem;
};

// Random points in a 10 x 10 square: 40 demand cells, `m` candidates, 3 existing facilities;
// cost = Euclidean distance, kept up to the horizon 6.
Random random_instance(std::uint32_t seed, std::size_t m, Model model) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> u(0, 10);
    std::uniform_int_distribution<int> w(0, 100);
    Random r;
    const std::size_t n = 40;
    for (std::size_t i = 0; i < n; ++i) {
        r.ox.push_back(u(rng));
        r.oy.push_back(u(rng));
    }
    for (std::size_t j = 0; j < m; ++j) {
        r.cx.push_back(u(rng));
        r.cy.push_back(u(rng));
    }
    std::vector<double> ex, ey;
    for (int e = 0; e < 3; ++e) {
        ex.push_back(u(rng));
        ey.push_back(u(rng));
    }
    const double horizon = 6.0;
    std::vector<std::uint32_t> o, d;
    std::vector<double> c;
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = 0; j < m; ++j) {
            o.push_back(static_cast<std::uint32_t>(i));
            d.push_back(static_cast<std::uint32_t>(j));
            c.push_back(std::hypot(r.ox[i] - r.cx[j], r.oy[i] - r.cy[j]));
        }
    }
    r.table = coverage::cost_table_from_triplets(n, m, coverage::CostUnit::minutes, horizon, o, d, c);
    r.problem.model = model;
    r.problem.threshold = 2.0;
    r.problem.horizon = horizon;
    for (std::size_t i = 0; i < n; ++i) {
        r.problem.weight.push_back(w(rng));
        double best = std::numeric_limits<double>::infinity();
        for (int e = 0; e < 3; ++e) best = std::min(best, std::hypot(r.ox[i] - ex[e], r.oy[i] - ey[e]));
        r.problem.existing_cost.push_back(best);
    }
    return r;
}

// Every subset of {0..m-1} of size k, as a bit mask.
template <class F>
void for_each_subset(std::size_t m, std::size_t k, F&& f) {
    for (std::uint32_t mask = 0; mask < (1U << m); ++mask) {
        if (static_cast<std::size_t>(__builtin_popcount(mask)) != k) continue;
        std::vector<std::uint32_t> s;
        for (std::uint32_t j = 0; j < m; ++j) {
            if (mask & (1U << j)) s.push_back(j);
        }
        f(s);
    }
}

}  // namespace

TEST_CASE("maximal covering and p-median match exhaustive enumeration on random instances", "[siting]") {
    for (std::uint32_t seed = 1; seed <= 30; ++seed) {
        for (Model model : {Model::mclp, Model::p_median}) {
            const std::size_t m = 8 + seed % 5;
            auto inst = random_instance(seed, m, model);
            inst.problem.costs = &inst.table;
            inst.problem.k = 1 + seed % 4;
            INFO("seed " << seed << ", model " << model_name(model) << ", " << m << " candidates, K = " << inst.problem.k);
            const bool maximise = model == Model::mclp;
            double best = maximise ? -1.0 : std::numeric_limits<double>::infinity();
            for_each_subset(m, inst.problem.k, [&](const std::vector<std::uint32_t>& s) {
                const double v = evaluate(inst.problem, s).objective;
                best = maximise ? std::max(best, v) : std::min(best, v);
            });
            Options o;
            o.solver = SolverChoice::exact;
            const auto exact = solve(inst.problem, o);
            REQUIRE(exact.objective == Approx(best).margin(1e-6));
            REQUIRE(exact.optimal);
            // The reported figures are those of the returned sites.
            std::vector<std::uint32_t> chosen = ids(exact);
            REQUIRE(evaluate(inst.problem, chosen).objective == Approx(exact.objective));
            o.solver = SolverChoice::heuristic;
            const auto h = solve(inst.problem, o);
            if (maximise) {
                REQUIRE(h.objective <= best + 1e-6);
                REQUIRE(h.bound >= best - 1e-6);
                REQUIRE(h.gap == Approx(h.bound > 0 ? (h.bound - h.objective) / h.bound : 0.0).margin(1e-9));
            } else {
                REQUIRE(h.objective >= best - 1e-6);
                REQUIRE(h.bound <= best + 1e-6);
                REQUIRE(h.gap == Approx((h.objective - h.bound) / h.objective).margin(1e-9));
            }
            REQUIRE(h.sites.size() <= inst.problem.k);
        }
    }
}

TEST_CASE("set covering matches exhaustive enumeration on random instances", "[siting]") {
    for (std::uint32_t seed = 101; seed <= 130; ++seed) {
        const std::size_t m = 8 + seed % 5;
        auto inst = random_instance(seed, m, Model::lscp);
        inst.problem.costs = &inst.table;
        inst.problem.target_share = 0.5 + 0.05 * (seed % 10);
        INFO("seed " << seed << ", " << m << " candidates, target " << inst.problem.target_share);
        const auto all = evaluate(inst.problem, [&] {
            std::vector<std::uint32_t> v(m);
            for (std::uint32_t j = 0; j < m; ++j) v[j] = j;
            return v;
        }());
        const double total = all.total_weight;
        const double want = std::min(inst.problem.target_share * total, all.covered_after) - 1e-9 * total;
        std::size_t fewest = 0;
        if (all.covered_before < want) {
            for (std::size_t k = 1; k <= m && fewest == 0; ++k) {
                for_each_subset(m, k, [&](const std::vector<std::uint32_t>& s) {
                    if (fewest == 0 && evaluate(inst.problem, s).covered_after >= want) fewest = k;
                });
            }
        }
        Options o;
        o.solver = SolverChoice::exact;
        const auto exact = solve(inst.problem, o);
        REQUIRE(exact.sites.size() == fewest);
        REQUIRE(exact.covered_after >= want);
        REQUIRE(exact.target_reached == (inst.problem.target_share * total <= all.covered_after + 1e-9 * total));
        o.solver = SolverChoice::heuristic;
        const auto h = solve(inst.problem, o);
        REQUIRE(h.sites.size() >= fewest);
        REQUIRE(h.covered_after >= want);
        REQUIRE(h.bound <= static_cast<double>(fewest));
    }
}

TEST_CASE("the heuristic's Lagrangian bound is valid and tight on a larger random instance", "[siting]") {
    // 40 cells x 60 candidates is beyond enumeration; CBC gives the optimum instead.
    for (std::uint32_t seed : {7U, 8U, 9U}) {
        INFO("seed " << seed);
        auto inst = random_instance(seed, 60, Model::mclp);
        inst.problem.costs = &inst.table;
        inst.problem.k = 5;
        Options o;
        o.solver = SolverChoice::exact;
        const auto exact = solve(inst.problem, o);
        REQUIRE(exact.optimal);
        o.solver = SolverChoice::heuristic;
        const auto h = solve(inst.problem, o);
        REQUIRE(h.objective <= exact.objective + 1e-6);
        REQUIRE(h.bound >= exact.objective - 1e-6);
    }
}

#include "kepu15/siting/proposals.hpp"

TEST_CASE("proposals layer, table and JSON carry the order of choice and running shares", "[siting]") {
    const TinyMap map;
    auto p = map.problem(Model::mclp);
    p.k = 2;
    const auto r = solve(p);
    CandidateSites sites;
    sites.id = {"A", "B", "C"};
    sites.name = {"甲", "乙", "丙"};
    sites.position_lonlat = {{120.0, 31.0}, {120.1, 31.0}, {120.2, 31.0}};
    sites.town_name = {"玉山镇", "周市镇", "陆家镇"};
    sites.village_name = {"", "村1", ""};
    ProposalContext ctx;
    ctx.kind = "venue";
    ctx.threshold = 1;
    const auto layer = proposals_layer(r, sites, ctx);
    REQUIRE(layer.name == "proposals");
    REQUIRE(layer.features.size() == 2);
    REQUIRE(layer.fields[7].name == "covered_share");
    const auto& first = layer.features[0].values;
    REQUIRE(std::get<std::int64_t>(first[0]) == 1);
    REQUIRE(std::get<std::string>(first[1]) == "B");
    REQUIRE(std::get<std::string>(first[3]) == "venue");
    REQUIRE(std::get<double>(first[6]) == Approx(70));
    REQUIRE(std::get<double>(first[7]) == Approx(130.0 / 210.0));  // 60 before + 70
    REQUIRE(std::holds_alternative<std::monostate>(first[8]));      // no town code given
    REQUIRE(std::get<double>(layer.features[1].values[7]) == Approx(180.0 / 210.0));
    REQUIRE(layer.features[1].geometry.points[0].x == 120.2);
    const std::string table = proposals_table(r, sites, ctx);
    REQUIRE(table.find("covered share 28.6 % -> 85.7 %") != std::string::npos);
    REQUIRE(table.find("周市镇 / 村1") != std::string::npos);
    const auto j = result_json(r, sites, ctx);
    REQUIRE(j["sites"][1]["site_id"] == "C");
    REQUIRE(j["share_after"].get<double>() == Approx(180.0 / 210.0));
    REQUIRE(j["optimal"] == true);
}

TEST_CASE("a K beyond the useful candidates returns the useful ones and says so", "[siting]") {
    // A fourth candidate 100 minutes away adds nothing.
    const auto table = line_table({0, 1, 2, 3, 4, 5}, {0, 2.5, 5, 100}, 10.0);
    Problem p;
    p.model = Model::mclp;
    p.costs = &table;
    p.weight = {10, 20, 30, 40, 50, 60};
    p.threshold = 1.0;
    p.k = 4;
    for (auto solver : both) {
        Options o;
        o.solver = solver;
        const auto r = solve(p, o);
        REQUIRE(ids(r) == std::vector<std::uint32_t>{0, 1, 2});
        REQUIRE(r.objective == Approx(210));
        REQUIRE(r.note.find("only 3 candidate sites add anything (K = 4)") != std::string::npos);
    }
}

TEST_CASE("weights choose the site: elderly weights move the covering choice", "[siting]") {
    // Same map, weights concentrated on c0 and c1 (where A covers): A becomes the best single site.
    const TinyMap map;
    auto p = map.problem(Model::mclp);
    p.k = 1;
    p.weight = {50, 40, 3, 3, 4, 6};
    for (auto solver : both) {
        Options o;
        o.solver = solver;
        REQUIRE(ids(solve(p, o)) == std::vector<std::uint32_t>{0});
    }
}
