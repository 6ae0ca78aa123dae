#include "kepu15/siting/problem.hpp"

#include "kepu15/error.hpp"

#include <cmath>
#include <sstream>

namespace kepu15::siting {

const char* model_name(Model m) {
    switch (m) {
        case Model::mclp: return "mclp";
        case Model::lscp: return "lscp";
        case Model::p_median: return "p-median";
    }
    return "?";
}

std::optional<Model> parse_model(std::string_view s) {
    if (s == "mclp") return Model::mclp;
    if (s == "lscp") return Model::lscp;
    if (s == "p-median" || s == "pmedian" || s == "p_median") return Model::p_median;
    return std::nullopt;
}

void validate(const Problem& p) {
    auto fail = [](const std::string& msg) { throw config_error("siting: " + msg); };
    if (p.costs == nullptr) fail("no cost table");
    const auto& t = *p.costs;
    if (t.first.size() != t.origin_count + 1) fail("cost table is malformed (first has the wrong size)");
    if (p.weight.size() != t.origin_count) {
        fail("weights for " + std::to_string(p.weight.size()) + " demand cells, but the cost table has " +
             std::to_string(t.origin_count));
    }
    if (!p.covered_by_existing.empty() && p.covered_by_existing.size() != t.origin_count) {
        fail("covered_by_existing must have one flag per demand cell");
    }
    if (!p.existing_cost.empty() && p.existing_cost.size() != t.origin_count) {
        fail("existing_cost must have one value per demand cell");
    }
    for (std::size_t i = 0; i < p.weight.size(); ++i) {
        if (!std::isfinite(p.weight[i]) || p.weight[i] < 0) {
            std::ostringstream msg;
            msg << "weight of demand cell " << i << " is " << p.weight[i] << " (must be finite and >= 0)";
            fail(msg.str());
        }
    }
    if (!(p.threshold > 0) || !std::isfinite(p.threshold)) fail("threshold must be > 0");
    if (!(p.horizon > 0) || !std::isfinite(p.horizon)) fail("horizon must be > 0");
    const char* unit = coverage::cost_unit_name(t.unit);
    if (p.model == Model::p_median) {
        if (t.limit < p.horizon) {
            std::ostringstream msg;
            msg << "the cost table holds pairs up to " << t.limit << " " << unit << " only; p-median needs every pair up to the horizon ("
                << p.horizon << " " << unit << ")";
            fail(msg.str());
        }
    } else if (t.limit < p.threshold) {
        std::ostringstream msg;
        msg << "the cost table holds pairs up to " << t.limit << " " << unit << " only, below the threshold (" << p.threshold
            << " " << unit << ")";
        fail(msg.str());
    }
    if (p.model == Model::lscp) {
        if (!(p.target_share > 0 && p.target_share <= 1)) {
            std::ostringstream msg;
            msg << "target share must be in (0, 1] (got " << p.target_share << ")";
            fail(msg.str());
        }
    } else {
        if (p.k < 1) fail("K must be at least 1");
        if (p.k > t.destination_count) {
            fail("K = " + std::to_string(p.k) + " is larger than the " + std::to_string(t.destination_count) +
                 " candidate sites");
        }
    }
}

}  // namespace kepu15::siting
