// Capacity-aware accessibility from a cost table: two-step floating catchment area (2SFCA), its
// enhanced variants with stepped or Gaussian distance decay, and gravity-type access with a
// competition term. Plain core: demand per origin, capacity per destination, costs within a
// catchment; no files.
//
// All methods share one form (Wang 2012 shows 2SFCA is a special case of the gravity model):
//   step 1, per supply j:   V_j = sum_k P_k w(d_kj)            (catchment demand, "catchment_pop")
//                           R_j = S_j / V_j                     (supply-to-demand ratio, "ratio")
//   step 2, per demand i:   A_i = sum_j R_j w(d_ij)            (access score, "access")
// over the pairs with d <= d0 (the catchment); P_k = demand (population) at origin k, S_j =
// capacity of supply j (DEFAULT 1 per facility), d = cost (minutes or metres). A_i is supply per
// person (e.g. seats per resident); sum_i P_i A_i = sum of S_j over supplies with V_j > 0 (every
// unit of supply is shared out), so scores of different methods stay comparable.
// The weight w(d) is what distinguishes the methods:
// - 2SFCA (Luo & Wang 2003, Environment and Planning B 30(6) 865-884): w(d) = 1 for d <= d0.
// - E2SFCA, stepped (Luo & Qi 2009, Health & Place 15(4) 1100-1107): the catchment is split into
//   equal zones with weights W_r; DEFAULT 3 zones (0-5, 5-10, 10-15 min of a 15-min catchment,
//   scaled to any d0) with W = 1.00, 0.68, 0.22 (Luo & Qi's Gaussian-derived weights). Zone r
//   holds (r-1) d0/n < d <= r d0/n; d = 0 is in zone 1.
// - E2SFCA, Gaussian (Dai 2010, Health & Place 16(5) 1038-1052):
//   w(d) = (exp(-1/2 (d/d0)^2) - exp(-1/2)) / (1 - exp(-1/2)), 1 at d = 0 falling to 0 at d0.
// - Gravity (Joseph & Bantock 1982, Social Science & Medicine 16(1) 85-90; competition term of
//   Shen 1998, Environment and Planning B 25(3) 345-365; Wang 2012, Annals of the AAG 102(5)
//   1104-1112): w(d) = (max(d, d_min) / d_min)^-beta, DEFAULT beta = 1, d_min = d0 / 15 (1 min of
//   a 15-min catchment); costs below d_min count as d_min so a facility at distance 0 does not
//   take infinite weight. Scaling w by a constant does not change A_i; this scaling makes V_j
//   read as persons (a person within d_min counts fully).
#pragma once

#include "kepu15/coverage/cost_table.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace kepu15::access {

enum class Method : std::uint8_t { two_step, enhanced, gravity };  // "2sfca", "e2sfca", "gravity"
enum class Decay : std::uint8_t { none, stepped, gaussian, power };

const char* method_name(Method m);
const char* decay_name(Decay d);
std::optional<Method> parse_method(const std::string& name);
std::optional<Decay> parse_decay(const std::string& name);
// The decay a method uses when none is asked for: 2sfca none, e2sfca stepped, gravity power.
Decay default_decay(Method m);

struct AccessOptions {
    Method method = Method::two_step;
    Decay decay = Decay::none;  // must suit the method: 2sfca none; e2sfca stepped or gaussian; gravity power
    double catchment = 15.0;    // d0, in the cost table's unit (minutes or metres). DEFAULT: 15
    std::vector<double> step_weights{1.00, 0.68, 0.22};  // stepped: one weight per equal zone (Luo & Qi 2009)
    double beta = 1.0;                                   // gravity: distance-decay exponent. DEFAULT: 1
    std::optional<double> min_cost;                      // gravity: d_min. DEFAULT: catchment / 15
};

// Throws config_error for a method/decay mismatch, catchment <= 0 or not finite, no step weights
// or a weight outside [0, 1], beta < 0, min_cost <= 0.
void check_options(const AccessOptions& options);

// w(d) for 0 <= d <= catchment (0 beyond). REQUIRES: check_options(options) passed.
double decay_weight(const AccessOptions& options, double cost);

struct AccessResult {
    std::vector<double> access;            // per origin: A_i (0 when no supply is within reach)
    std::vector<double> catchment_demand;  // per destination: V_j (decay-weighted demand within d0)
    std::vector<double> ratio;             // per destination: R_j = S_j / V_j; NaN when V_j = 0
};

// Pairs of `costs` beyond options.catchment are ignored.
// REQUIRES: demand.size() == costs.origin_count, capacity.size() == costs.destination_count.
// Throws config_error (bad options, catchment beyond costs.limit: the table would miss pairs) and
// input_error (negative or non-finite demand or capacity, naming its index).
AccessResult compute_access(const coverage::CostTable& costs, std::span<const double> demand,
                            std::span<const double> capacity, const AccessOptions& options);

// The same measure from the table keyed the other way: origins are the supplies, destinations the
// demand points (each supply's catchment, sorted by demand id), as routing::reach_table_by_facility
// builds it. Equal to the last bit to compute_access(coverage::transpose(catchments), ...) and
// faster: no per-demand table. Same checks and errors.
// REQUIRES: demand.size() == catchments.destination_count, capacity.size() == catchments.origin_count.
AccessResult compute_access_by_supply(const coverage::CostTable& catchments, std::span<const double> demand,
                                      std::span<const double> capacity, const AccessOptions& options);

// The catchments produced on demand instead of stored (e.g. by searching again per facility):
// for_each(visit) must call visit(j, entries) for every supply j in increasing order, entries
// sorted by demand id with costs in `unit`; it is called twice (step 1, then step 2).
struct CatchmentSource {
    using Visitor = std::function<void(std::size_t supply, std::span<const coverage::CostEntry> entries)>;
    std::size_t supply_count = 0;
    std::size_t demand_count = 0;
    coverage::CostUnit unit = coverage::CostUnit::minutes;
    double limit = 0.0;  // every pair with cost <= limit is produced
    std::function<void(const Visitor&)> for_each;
};
AccessResult compute_access_by_supply(const CatchmentSource& catchments, std::span<const double> demand,
                                      std::span<const double> capacity, const AccessOptions& options);

// Demand-weighted mean of a per-origin score per unit (village, 区镇): sum P_i A_i / sum P_i over
// the origins with unit_of[i] == u; NaN for a unit without demand. unit_of[i] < 0: in no unit.
std::vector<double> weighted_mean_by_unit(std::span<const double> score, std::span<const double> demand,
                                          std::span<const std::int32_t> unit_of, std::size_t unit_count);

}  // namespace kepu15::access
