// compute_access_searched (catchments searched in parallel, each once, added in supply order) and
// the scores continued from a baseline's (compute_access_by_supply_from): equal to the last bit to
// compute_access on random tables, on any number of threads and however few catchments are held.
#include "kepu15/access/searched.hpp"
#include "kepu15/error.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>

using namespace kepu15;
using access::Decay;
using access::Method;

namespace {

void same_bits(const std::vector<double>& a, const std::vector<double>& b) {
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        CAPTURE(i);
        if (std::isnan(a[i])) {
            CHECK(std::isnan(b[i]));
        } else {
            CHECK(a[i] == b[i]);
        }
    }
}

// Random catchments in whole milliseconds (up to 20 minutes), per supply sorted by demand id.
struct Catchments {
    std::size_t demands = 0;
    std::vector<std::vector<access::CompactEntry>> of;  // per supply
    // The pairs of supplies [first, end) as a table keyed by demand point (costs in minutes).
    [[nodiscard]] coverage::CostTable by_demand(std::size_t first, std::size_t end) const {
        std::vector<std::uint32_t> o, d;
        std::vector<double> c;
        for (std::size_t j = first; j < end; ++j) {
            for (const auto& e : of[j]) {
                o.push_back(e.demand);
                d.push_back(static_cast<std::uint32_t>(j - first));
                c.push_back(static_cast<double>(e.cost_units) / 60000.0);
            }
        }
        return coverage::cost_table_from_triplets(demands, end - first, coverage::CostUnit::minutes, 20.0, o, d, c);
    }
    [[nodiscard]] access::SearchedCatchments searched(std::size_t first, std::size_t end,
                                                      std::atomic<int>* searches = nullptr) const {
        access::SearchedCatchments s;
        s.supply_count = end - first;
        s.demand_count = demands;
        s.limit = 20.0;
        s.make_search = [this, first, searches]() -> access::CatchmentSearchFn {
            return [this, first, searches](std::size_t j, std::vector<access::CompactEntry>& scratch)
                       -> std::span<const access::CompactEntry> {
                if (searches != nullptr) ++*searches;
                // Odd supplies from storage (as a cache gives them), even ones through the scratch list.
                if (j % 2 == 1) return of[first + j];
                scratch = of[first + j];
                return scratch;
            };
        };
        return s;
    }
};

Catchments random_catchments(std::mt19937& rng, std::size_t demands, std::size_t supplies) {
    Catchments c;
    c.demands = demands;
    c.of.resize(supplies);
    std::uniform_int_distribution<std::uint32_t> ms(0, 20 * 60000);
    for (auto& list : c.of) {
        const auto keep = rng() % 4;  // some supplies reach nobody
        for (std::uint32_t i = 0; i < demands; ++i) {
            if (keep == 0 || rng() % 3 == 0) continue;
            // Some costs exactly on a zone boundary (5, 10, 15 min) or on the catchment.
            // and a millisecond either side (the integer zone bounds of compute_access_searched).
            const std::uint32_t cost =
                rng() % 10 == 0 ? 5 * 60000 * (1 + rng() % 3) + rng() % 3 - 1 : ms(rng);
            list.push_back({i, cost});
        }
    }
    return c;
}

access::AccessOptions options(Method m, Decay d) {
    access::AccessOptions o;
    o.method = m;
    o.decay = d;
    o.catchment = 15.0;
    return o;
}

const std::pair<Method, Decay> every_method[] = {{Method::two_step, Decay::none},
                                                 {Method::enhanced, Decay::stepped},
                                                 {Method::enhanced, Decay::gaussian},
                                                 {Method::gravity, Decay::power}};

}  // namespace

TEST_CASE("compute_access_searched equals compute_access to the last bit, each catchment searched once",
          "[access]") {
    for (const std::uint32_t seed : {1U, 2U, 3U}) {
        INFO("seed " << seed);
        std::mt19937 rng(seed);
        const std::size_t demands = 300;
        const std::size_t supplies = 23;
        const Catchments c = random_catchments(rng, demands, supplies);
        std::vector<double> pop(demands);
        for (auto& p : pop) p = rng() % 5 == 0 ? 0.0 : static_cast<double>(rng() % 50000) / 100.0;
        std::vector<double> cap(supplies);
        for (auto& x : cap) x = static_cast<double>(rng() % 40);
        const auto table = c.by_demand(0, supplies);
        for (const auto& [m, dec] : every_method) {
            CAPTURE(access::method_name(m), access::decay_name(dec));
            for (const double catchment : {15.0, 13.7}) {  // zone bounds on and between whole milliseconds
            CAPTURE(catchment);
            auto opt = options(m, dec);
            opt.catchment = catchment;
            const auto expected = access::compute_access(table, pop, cap, opt);
            for (const unsigned threads : {1U, 2U, 3U, 8U}) {
                for (const std::size_t held : {std::size_t{1}, std::size_t{4}}) {
                    CAPTURE(threads, held);
                    std::atomic<int> searches{0};
                    access::SearchedOptions so;
                    so.threads = threads;
                    so.held_per_thread = held;
                    const auto got =
                        access::compute_access_searched(c.searched(0, supplies, &searches), pop, cap, opt, so);
                    CHECK(searches == static_cast<int>(supplies));
                    same_bits(got.access, expected.access);
                    same_bits(got.ratio, expected.ratio);
                    same_bits(got.catchment_demand, expected.catchment_demand);
                }
            }
            }
        }
    }
}

TEST_CASE("supplies appended to a baseline: scores continued from the baseline's equal the full sums to the last bit",
          "[access]") {
    // A_i over supplies 0..n-1 in order is A_i over the first b continued with the rest, and the
    // first b supplies' V_j and R_j depend on their own catchments only.
    for (const std::uint32_t seed : {7U, 8U, 9U}) {
        INFO("seed " << seed);
        std::mt19937 rng(seed);
        const std::size_t demands = 250;
        const std::size_t supplies = 17;
        const std::size_t base = 11;
        const Catchments c = random_catchments(rng, demands, supplies);
        std::vector<double> pop(demands);
        for (auto& p : pop) p = rng() % 5 == 0 ? 0.0 : static_cast<double>(rng() % 50000) / 100.0;
        std::vector<double> cap(supplies);
        for (auto& x : cap) x = static_cast<double>(1 + rng() % 40);
        const std::vector<double> base_cap(cap.begin(), cap.begin() + base);
        const std::vector<double> added_cap(cap.begin() + base, cap.end());
        for (const auto& [m, dec] : every_method) {
            CAPTURE(access::method_name(m), access::decay_name(dec));
            const auto opt = options(m, dec);
            const auto full = access::compute_access(c.by_demand(0, supplies), pop, cap, opt);
            const auto before = access::compute_access(c.by_demand(0, base), pop, base_cap, opt);
            same_bits(before.ratio, std::vector<double>(full.ratio.begin(), full.ratio.begin() + base));
            same_bits(before.catchment_demand,
                      std::vector<double>(full.catchment_demand.begin(), full.catchment_demand.begin() + base));
            // Network path: the added sites searched, their shares added to the baseline's scores.
            access::SearchedOptions so;
            so.threads = 2;
            so.start_access = before.access;
            const auto searched = access::compute_access_searched(c.searched(base, supplies), pop, added_cap, opt, so);
            same_bits(searched.access, full.access);
            same_bits(searched.ratio, std::vector<double>(full.ratio.begin() + base, full.ratio.end()));
            // Crow-fly path: the added sites' table keyed by supply.
            const auto by_supply = coverage::transpose(c.by_demand(base, supplies));
            const auto continued = access::compute_access_by_supply_from(by_supply, pop, added_cap, opt, before.access);
            same_bits(continued.access, full.access);
            same_bits(continued.catchment_demand,
                      std::vector<double>(full.catchment_demand.begin() + base, full.catchment_demand.end()));
            // Without a start: the added sites alone, as compute_access_by_supply.
            const auto alone = access::compute_access_by_supply_from(by_supply, pop, added_cap, opt, {});
            same_bits(alone.access, access::compute_access_by_supply(by_supply, pop, added_cap, opt).access);
        }
    }
}

TEST_CASE("compute_access_searched: wrong sizes are refused and a failing search stops every thread",
          "[access]") {
    std::mt19937 rng(5);
    const Catchments c = random_catchments(rng, 40, 30);
    const std::vector<double> pop(40, 10.0);
    const std::vector<double> cap(30, 1.0);
    const auto opt = options(Method::enhanced, Decay::stepped);
    access::SearchedOptions so;
    so.threads = 2;
    const std::vector<double> short_start(39, 0.0);
    so.start_access = short_start;
    CHECK_THROWS_AS(access::compute_access_searched(c.searched(0, 30), pop, cap, opt, so), input_error);
    CHECK_THROWS_AS(access::compute_access_by_supply_from(coverage::transpose(c.by_demand(0, 30)), pop, cap, opt,
                                                          short_start),
                    input_error);
    so.start_access = {};
    CHECK_THROWS_AS(access::compute_access_searched(c.searched(0, 30), std::vector<double>(39, 1.0), cap, opt, so),
                    input_error);
    auto failing = c.searched(0, 30);
    failing.make_search = []() -> access::CatchmentSearchFn {
        return [](std::size_t j, std::vector<access::CompactEntry>& scratch) -> std::span<const access::CompactEntry> {
            scratch.clear();
            if (j == 13) throw std::runtime_error("search 13 failed");
            return scratch;
        };
    };
    for (const unsigned threads : {1U, 2U, 4U}) {
        so.threads = threads;
        so.held_per_thread = 1;
        CHECK_THROWS_WITH(access::compute_access_searched(failing, pop, cap, opt, so), "search 13 failed");
    }
}
