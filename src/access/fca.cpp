#include "kepu15/access/fca.hpp"

#include "kepu15/access/searched.hpp"
#include "kepu15/error.hpp"
#include "kepu15/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <limits>

namespace kepu15::access {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

std::string number(double v) {
    std::string s = std::to_string(v);
    while (s.size() > 1 && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
}

}  // namespace

const char* method_name(Method m) {
    switch (m) {
        case Method::two_step:
            return "2sfca";
        case Method::enhanced:
            return "e2sfca";
        case Method::gravity:
            return "gravity";
    }
    return "?";
}

const char* decay_name(Decay d) {
    switch (d) {
        case Decay::none:
            return "none";
        case Decay::stepped:
            return "stepped";
        case Decay::gaussian:
            return "gaussian";
        case Decay::power:
            return "power";
    }
    return "?";
}

std::optional<Method> parse_method(const std::string& name) {
    for (const Method m : {Method::two_step, Method::enhanced, Method::gravity}) {
        if (name == method_name(m)) return m;
    }
    return std::nullopt;
}

std::optional<Decay> parse_decay(const std::string& name) {
    for (const Decay d : {Decay::none, Decay::stepped, Decay::gaussian, Decay::power}) {
        if (name == decay_name(d)) return d;
    }
    return std::nullopt;
}

Decay default_decay(Method m) {
    switch (m) {
        case Method::two_step:
            return Decay::none;
        case Method::enhanced:
            return Decay::stepped;
        case Method::gravity:
            return Decay::power;
    }
    return Decay::none;
}

void check_options(const AccessOptions& o) {
    const bool fits =
        (o.method == Method::two_step && o.decay == Decay::none) ||
        (o.method == Method::enhanced && (o.decay == Decay::stepped || o.decay == Decay::gaussian)) ||
        (o.method == Method::gravity && o.decay == Decay::power);
    if (!fits) {
        throw config_error(std::string("access: method ") + method_name(o.method) + " does not take decay " +
                           decay_name(o.decay) +
                           " (2sfca: none; e2sfca: stepped or gaussian; gravity: power)");
    }
    if (!(o.catchment > 0.0) || !std::isfinite(o.catchment)) {
        throw config_error("access: catchment of " + number(o.catchment) + " must be a positive number");
    }
    if (o.decay == Decay::stepped) {
        if (o.step_weights.empty())
            throw config_error("access: stepped decay needs at least one zone weight");
        for (const double w : o.step_weights) {
            if (!(w >= 0.0 && w <= 1.0))
                throw config_error("access: zone weight " + number(w) + " is outside [0, 1]");
        }
    }
    if (o.decay == Decay::power) {
        if (!(o.beta >= 0.0) || !std::isfinite(o.beta)) {
            throw config_error("access: gravity exponent beta of " + number(o.beta) + " must be >= 0");
        }
        if (o.min_cost && (!(*o.min_cost > 0.0) || !std::isfinite(*o.min_cost))) {
            throw config_error("access: gravity minimum cost of " + number(*o.min_cost) +
                               " must be positive");
        }
    }
}

namespace {

// The 0-based zone of cost d (0 <= d <= d0) under stepped decay; nondecreasing in d.
std::size_t stepped_zone(const AccessOptions& o, double d) {
    const auto n = o.step_weights.size();
    // Zone r (1-based) holds (r-1) d0/n < d <= r d0/n.
    const double r = std::ceil(d * static_cast<double>(n) / o.catchment);
    return r < 1.0 ? 0 : std::min(n - 1, static_cast<std::size_t>(r) - 1);
}

}  // namespace

double decay_weight(const AccessOptions& o, double d) {
    const double d0 = o.catchment;
    if (!(d >= 0.0) || d > d0) return 0.0;
    switch (o.decay) {
        case Decay::none:
            return 1.0;
        case Decay::stepped:
            return o.step_weights[stepped_zone(o, d)];
        case Decay::gaussian: {
            const double edge = std::exp(-0.5);
            const double x = d / d0;
            return (std::exp(-0.5 * x * x) - edge) / (1.0 - edge);
        }
        case Decay::power: {
            const double d_min = o.min_cost.value_or(d0 / 15.0);
            return std::pow(std::max(d, d_min) / d_min, -o.beta);
        }
    }
    return 0.0;
}

namespace {

// The checks shared by both table orientations; `demand_count` and `supply_count` are the table's.
void check_inputs(const coverage::CostTable& costs, std::size_t demand_count, std::size_t supply_count,
                  std::span<const double> demand, std::span<const double> capacity, const AccessOptions& options) {
    check_options(options);
    if (options.catchment > costs.limit) {
        throw config_error("access: catchment of " + number(options.catchment) + " " +
                           coverage::cost_unit_name(costs.unit) + " is beyond the cost table's limit of " +
                           number(costs.limit) + " (pairs between the two are missing)");
    }
    if (demand.size() != demand_count || capacity.size() != supply_count) {
        throw input_error("access: " + std::to_string(demand.size()) + " demand values and " +
                          std::to_string(capacity.size()) + " capacities for a cost table of " +
                          std::to_string(costs.origin_count) + " origins and " +
                          std::to_string(costs.destination_count) + " destinations");
    }
    for (std::size_t i = 0; i < demand.size(); ++i) {
        if (!(demand[i] >= 0.0) || !std::isfinite(demand[i])) {
            throw input_error("access: demand of origin " + std::to_string(i) + " is " + number(demand[i]) +
                              " (must be a finite number >= 0)");
        }
    }
    for (std::size_t j = 0; j < capacity.size(); ++j) {
        if (!(capacity[j] >= 0.0) || !std::isfinite(capacity[j])) {
            throw input_error("access: capacity of destination " + std::to_string(j) + " is " +
                              number(capacity[j]) + " (must be a finite number >= 0)");
        }
    }
}

}  // namespace

AccessResult compute_access(const coverage::CostTable& costs, std::span<const double> demand,
                            std::span<const double> capacity, const AccessOptions& options) {
    check_inputs(costs, costs.origin_count, costs.destination_count, demand, capacity, options);
    AccessResult r;
    r.catchment_demand.assign(costs.destination_count, 0.0);
    // Step 1: decay-weighted demand in each supply's catchment, and the supply-to-demand ratio.
    for (std::size_t i = 0; i < costs.origin_count; ++i) {
        if (demand[i] == 0.0) continue;
        for (const coverage::CostEntry& e : costs.of(i)) {
            if (e.cost <= options.catchment)
                r.catchment_demand[e.destination] += demand[i] * decay_weight(options, e.cost);
        }
    }
    r.ratio.resize(costs.destination_count);
    for (std::size_t j = 0; j < costs.destination_count; ++j) {
        r.ratio[j] = r.catchment_demand[j] > 0.0 ? capacity[j] / r.catchment_demand[j] : nan;
    }
    // Step 2: per origin, the ratios of the supplies within its catchment, weighted again.
    r.access.assign(costs.origin_count, 0.0);
    for (std::size_t i = 0; i < costs.origin_count; ++i) {
        double a = 0.0;
        for (const coverage::CostEntry& e : costs.of(i)) {
            if (e.cost > options.catchment) continue;
            const double rj = r.ratio[e.destination];
            // A supply with no weighted demand contributes nothing (only possible for origins of
            // zero demand or zero weight).
            if (std::isfinite(rj)) a += rj * decay_weight(options, e.cost);
        }
        r.access[i] = a;
    }
    return r;
}

namespace {

// check_inputs for catchments given by supply (searched or listed): their sizes and limit.
template <class Catchments>
void check_catchments(const Catchments& catchments, std::span<const double> demand, std::span<const double> capacity,
                      const AccessOptions& options) {
    coverage::CostTable shape;  // sizes and limit only, for the shared checks
    shape.origin_count = catchments.supply_count;
    shape.destination_count = catchments.demand_count;
    shape.unit = catchments.unit;
    shape.limit = catchments.limit;
    check_inputs(shape, catchments.demand_count, catchments.supply_count, demand, capacity, options);
}

}  // namespace

AccessResult compute_access_by_supply(const CatchmentSource& catchments, std::span<const double> demand,
                                      std::span<const double> capacity, const AccessOptions& options) {
    check_catchments(catchments, demand, capacity, options);
    AccessResult r;
    r.catchment_demand.assign(catchments.supply_count, 0.0);
    r.ratio.assign(catchments.supply_count, nan);
    r.access.assign(catchments.demand_count, 0.0);
    // The same sums as compute_access in the same order (per supply over ascending demand ids, per
    // demand point over ascending supply ids), so the results are equal to the last bit.
    catchments.for_each([&](std::size_t j, std::span<const coverage::CostEntry> entries) {
        double v = 0.0;
        for (const coverage::CostEntry& e : entries) {
            if (e.cost > options.catchment || demand[e.destination] == 0.0) continue;
            v += demand[e.destination] * decay_weight(options, e.cost);
        }
        r.catchment_demand[j] = v;
        r.ratio[j] = v > 0.0 ? capacity[j] / v : nan;
    });
    catchments.for_each([&](std::size_t j, std::span<const coverage::CostEntry> entries) {
        const double rj = r.ratio[j];
        if (!std::isfinite(rj)) return;
        for (const coverage::CostEntry& e : entries) {
            if (e.cost > options.catchment) continue;
            r.access[e.destination] += rj * decay_weight(options, e.cost);
        }
    });
    return r;
}

AccessResult compute_access_by_supply(const coverage::CostTable& catchments, std::span<const double> demand,
                                      std::span<const double> capacity, const AccessOptions& options) {
    CatchmentSource source;
    source.supply_count = catchments.origin_count;
    source.demand_count = catchments.destination_count;
    source.unit = catchments.unit;
    source.limit = catchments.limit;
    source.for_each = [&](const CatchmentSource::Visitor& visit) {
        for (std::size_t j = 0; j < catchments.origin_count; ++j) visit(j, catchments.of(j));
    };
    return compute_access_by_supply(source, demand, capacity, options);
}

namespace {

void check_start(std::span<const double> start_access, std::size_t demand_count) {
    if (!start_access.empty() && start_access.size() != demand_count) {
        throw input_error("access: " + std::to_string(start_access.size()) + " starting scores for " +
                          std::to_string(demand_count) + " demand points");
    }
}

}  // namespace

AccessResult compute_access_by_supply_from(const coverage::CostTable& catchments, std::span<const double> demand,
                                           std::span<const double> capacity, const AccessOptions& options,
                                           std::span<const double> start_access) {
    check_start(start_access, catchments.destination_count);
    AccessResult r = compute_access_by_supply(catchments, demand, capacity, options);
    if (start_access.empty()) return r;
    // The same sums continued from the starting scores, per demand point in increasing supply order.
    r.access.assign(start_access.begin(), start_access.end());
    for (std::size_t j = 0; j < catchments.origin_count; ++j) {
        const double rj = r.ratio[j];
        if (!std::isfinite(rj)) continue;
        for (const coverage::CostEntry& e : catchments.of(j)) {
            if (e.cost > options.catchment) continue;
            r.access[e.destination] += rj * decay_weight(options, e.cost);
        }
    }
    return r;
}

namespace {

// w(units / units_per_cost) of integer costs, equal to decay_weight's: for the decays that are
// constant over zones (none, stepped), the last cost of each zone is found once by bisection of the
// zone formula itself (nondecreasing in the cost), so a pair costs a comparison or two instead of a
// division and a ceil; the other decays call decay_weight.
class UnitDecay {
public:
    UnitDecay(const AccessOptions& o, double units_per_cost) : m_options(o), m_units(units_per_cost) {
        const auto cost = [this](std::uint64_t u) { return static_cast<double>(u) / m_units; };
        // The last unit within the catchment: cost(u) is nondecreasing, so those within form a prefix.
        m_last = last_where(0, [&](std::uint64_t u) { return cost(u) <= m_options.catchment; });
        if (o.decay == Decay::none) {
            m_zone_last = {m_last};
            m_zone_weight = {1.0};
        } else if (o.decay == Decay::stepped) {
            for (std::size_t z = 0; z < o.step_weights.size(); ++z) {
                m_zone_last.push_back(last_where(z == 0 ? 0 : m_zone_last.back(), [&](std::uint64_t u) {
                    return u <= m_last && stepped_zone(m_options, cost(u)) <= z;
                }));
                m_zone_weight.push_back(o.step_weights[z]);
            }
        }
    }
    // False beyond the catchment.
    bool weight(std::uint32_t u, double& w) const {
        if (u > m_last) return false;
        if (m_zone_last.empty()) {
            w = decay_weight(m_options, static_cast<double>(u) / m_units);
            return true;
        }
        std::size_t z = 0;
        while (u > m_zone_last[z]) ++z;
        w = m_zone_weight[z];
        return true;
    }

private:
    // The largest u in [from, 2^32) with pred(u), pred true up to some u and false after; from - 1
    // when pred(from) is false.
    template <class Pred>
    static std::uint64_t last_where(std::uint64_t from, Pred pred) {
        if (!pred(from)) return from == 0 ? 0 : from - 1;  // REQUIRES of callers: pred(0) or from > 0
        std::uint64_t lo = from;                 // pred(lo)
        std::uint64_t hi = std::uint64_t{1} << 32;  // !pred(hi) or out of range
        while (hi - lo > 1) {
            const std::uint64_t mid = lo + (hi - lo) / 2;
            (pred(mid) ? lo : hi) = mid;
        }
        return lo;
    }

    const AccessOptions& m_options;
    double m_units;
    std::uint64_t m_last = 0;
    std::vector<std::uint64_t> m_zone_last;  // per zone, its last unit (none: one zone)
    std::vector<double> m_zone_weight;
};

}  // namespace

AccessResult compute_access_searched(const SearchedCatchments& catchments, std::span<const double> demand,
                                     std::span<const double> capacity, const AccessOptions& options,
                                     const SearchedOptions& searched) {
    check_catchments(catchments, demand, capacity, options);
    check_start(searched.start_access, catchments.demand_count);
    const std::size_t n = catchments.supply_count;
    const std::size_t points = catchments.demand_count;
    const UnitDecay decay(options, catchments.units_per_cost);
    AccessResult r;
    r.catchment_demand.assign(n, 0.0);
    r.ratio.assign(n, nan);
    if (searched.start_access.empty()) {
        r.access.assign(points, 0.0);
    } else {
        r.access.assign(searched.start_access.begin(), searched.start_access.end());
    }
    if (n == 0) return r;
    const std::size_t workers = std::max<std::size_t>(1, std::min<std::size_t>(searched.threads, n));
    std::vector<CatchmentSearchFn> search(workers);
    for (auto& fn : search) fn = catchments.make_search();
    // A ring of catchments searched and not yet added: supply j goes to slot j % ring once j - ring
    // has been added. Whoever finishes a search adds every ready catchment in supply order (one
    // thread at a time), while the others go on searching: the pairs are added soon after they
    // were written, from cache, and no more than `ring` catchments are held at once.
    const std::size_t ring = std::max<std::size_t>(1, searched.held_per_thread) * workers;
    struct Slot {
        std::vector<std::uint32_t> demand;
        std::vector<double> weight;
        bool ready = false;
    };
    std::vector<Slot> slots(ring);
    std::mutex mutex;
    std::condition_variable changed;
    std::size_t next_added = 0;  // every supply below it has been added (under mutex)
    bool adding = false;         // a thread is adding (under mutex)
    bool failed = false;         // a thread threw: the others stop (under mutex)
    std::atomic<std::size_t> claim{0};
    double* access = r.access.data();
    parallel_for(workers, static_cast<unsigned>(workers), [&](std::size_t w) {
        try {
            std::vector<CompactEntry> scratch;
            for (std::size_t j = claim.fetch_add(1); j < n; j = claim.fetch_add(1)) {
                {
                    std::unique_lock<std::mutex> lock(mutex);
                    changed.wait(lock, [&] { return failed || j < next_added + ring; });
                    if (failed) return;
                }
                // Step 1: the catchment, V_j over ascending demand ids (as compute_access sums it), R_j.
                Slot& slot = slots[j % ring];
                slot.demand.clear();
                slot.weight.clear();
                const std::span<const CompactEntry> list = search[w](j, scratch);
                slot.demand.reserve(list.size());
                slot.weight.reserve(list.size());
                double v = 0.0;
                for (const CompactEntry& e : list) {
                    double wt = 0.0;
                    if (!decay.weight(e.cost_units, wt)) continue;
                    slot.demand.push_back(e.demand);
                    slot.weight.push_back(wt);
                    if (demand[e.demand] == 0.0) continue;
                    v += demand[e.demand] * wt;
                }
                r.catchment_demand[j] = v;
                r.ratio[j] = v > 0.0 ? capacity[j] / v : nan;
                std::size_t k = 0;
                {
                    const std::lock_guard<std::mutex> lock(mutex);
                    slot.ready = true;
                    if (adding) continue;
                    adding = true;
                    k = next_added;
                }
                // Step 2: per demand point, R_k w(d_ik) added in increasing supply order.
                for (;;) {
                    {
                        const std::lock_guard<std::mutex> lock(mutex);
                        if (k > next_added) {
                            next_added = k;
                            changed.notify_all();
                        }
                        if (next_added >= n || !slots[next_added % ring].ready) {
                            adding = false;
                            break;
                        }
                    }
                    Slot& ready = slots[k % ring];
                    const double rk = r.ratio[k];
                    if (std::isfinite(rk)) {
                        const std::uint32_t* ids = ready.demand.data();
                        const double* wts = ready.weight.data();
                        for (std::size_t e = 0, end = ready.demand.size(); e < end; ++e) access[ids[e]] += rk * wts[e];
                    }
                    {
                        const std::lock_guard<std::mutex> lock(mutex);
                        ready.ready = false;
                    }
                    ++k;
                }
            }
        } catch (...) {
            {
                const std::lock_guard<std::mutex> lock(mutex);
                failed = true;
            }
            changed.notify_all();
            throw;
        }
    });
    return r;
}

std::vector<double> weighted_mean_by_unit(std::span<const double> score, std::span<const double> demand,
                                          std::span<const std::int32_t> unit_of, std::size_t unit_count) {
    std::vector<double> sum(unit_count, 0.0);
    std::vector<double> weight(unit_count, 0.0);
    for (std::size_t i = 0; i < score.size() && i < demand.size() && i < unit_of.size(); ++i) {
        if (unit_of[i] < 0 || static_cast<std::size_t>(unit_of[i]) >= unit_count) continue;
        if (!(demand[i] > 0.0) || !std::isfinite(score[i])) continue;
        const auto u = static_cast<std::size_t>(unit_of[i]);
        sum[u] += demand[i] * score[i];
        weight[u] += demand[i];
    }
    std::vector<double> out(unit_count, nan);
    for (std::size_t u = 0; u < unit_count; ++u) {
        if (weight[u] > 0.0) out[u] = sum[u] / weight[u];
    }
    return out;
}

}  // namespace kepu15::access
