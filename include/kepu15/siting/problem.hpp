// A facility-siting problem on a cost table: which candidate sites to open, given demand and the
// facilities that already exist. Three classic models (Church & ReVelle 1974; Toregas et al. 1971;
// Hakimi 1964), all on plain data: the table's origins are demand cells, its destinations candidate
// sites. See docs/siting.md for the formulas.
#pragma once

#include "kepu15/coverage/cost_table.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace kepu15::siting {

enum class Model : std::uint8_t {
    mclp,      // maximal covering: K new sites covering the most not-yet-covered weight
    lscp,      // set covering: the fewest new sites bringing the covered share to a target
    p_median,  // K new sites minimising weighted cost to the nearest facility (existing or new)
};

const char* model_name(Model m);                        // "mclp", "lscp", "p-median"
std::optional<Model> parse_model(std::string_view s);   // accepts the names above and "pmedian"

struct Problem {
    Model model = Model::mclp;
    // Origins = demand cells, destinations = candidate sites. REQUIRES: non-null, and its `limit`
    // at least `threshold` (covering models) or `horizon` (p-median), so no relevant pair is missing.
    const coverage::CostTable* costs = nullptr;
    std::vector<double> weight;  // per origin, >= 0: population, or a group (elderly, youth)
    // Per origin, 1 when an existing facility already covers it. Empty: nothing covered yet.
    // Used by the covering models and for the shares reported by every model.
    std::vector<std::uint8_t> covered_by_existing;
    // Per origin, cost to the nearest existing facility (values above `horizon` are capped; NaN or
    // infinity = none within reach). Empty: no existing facility. Used by p-median and for the mean
    // cost reported by every model.
    std::vector<double> existing_cost;
    double threshold = 15.0;  // a pair covers when cost <= threshold (minutes or metres, as the table)
    double horizon = 60.0;    // p-median: cost charged to demand that no facility reaches
    std::size_t k = 1;        // mclp, p-median: number of new sites. REQUIRES: 1 <= k <= candidates
    double target_share = 0.95;  // lscp: covered share of total weight (existing + new), in (0, 1]
};

// Throws config_error for an unusable problem (sizes differ, k out of range, target outside (0, 1],
// a table whose limit is below the threshold or horizon, negative or non-finite weights).
void validate(const Problem& p);

}  // namespace kepu15::siting
