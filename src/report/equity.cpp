#include "kepu15/report/equity.hpp"

#include <cmath>

namespace kepu15::report {

namespace {

nlohmann::json num(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

}  // namespace

double equity_horizon(const pipeline::StudyResult& r, std::size_t m) {
    const auto& me = r.measures()[m];
    return me.is_network() ? r.study().horizon_minutes : 3 * me.threshold.value;
}

std::vector<std::int8_t> urban_of_cells(const pipeline::StudyResult& r) {
    const auto& in = r.inputs();
    std::vector<std::int8_t> urban(in.cells.size(), -1);
    for (std::size_t i = 0; i < in.cells.size(); ++i) {
        const auto v = in.cells.village[i];
        if (v >= 0) urban[i] = static_cast<std::int8_t>(in.villages[static_cast<std::size_t>(v)].urban);
    }
    return urban;
}

coverage::Equity measure_equity(const pipeline::StudyResult& r, std::size_t m, double horizon) {
    return measure_equity(r, m, horizon, urban_of_cells(r));
}

coverage::Equity measure_equity(const pipeline::StudyResult& r, std::size_t m, double horizon,
                                std::span<const std::int8_t> urban) {
    const auto& in = r.inputs();
    const auto& me = r.measures()[m];
    coverage::EquityCells c;
    c.population = in.cells.population;
    for (const auto& g : in.cells.groups) c.groups.emplace_back(g);
    c.covered = me.covered;
    c.minutes = me.value;
    c.unit = in.cells.unit;
    c.unit_count = in.units.size();
    c.urban = urban;
    c.horizon = horizon;
    return coverage::equity(c);
}

nlohmann::json equity_json(const pipeline::StudyResult& r, const coverage::Equity& e) {
    const auto& in = r.inputs();
    nlohmann::json j{{"covered_share", num(e.covered_share)}, {"urban_share", num(e.urban_share)},
                     {"rural_share", num(e.rural_share)},     {"best_worst_gap", num(e.best_worst_gap)},
                     {"gini", num(e.gini_minutes)}};
    j["urban_population"] = std::round(e.urban_population * 100) / 100;
    j["rural_population"] = std::round(e.rural_population * 100) / 100;
    j["best_share"] = num(e.best_share);
    j["worst_share"] = num(e.worst_share);
    if (e.best_unit >= 0) {
        j["best_unit"] = in.units[static_cast<std::size_t>(e.best_unit)].name;
        j["worst_unit"] = in.units[static_cast<std::size_t>(e.worst_unit)].name;
        j["best_unit_code"] = in.units[static_cast<std::size_t>(e.best_unit)].code;
        j["worst_unit_code"] = in.units[static_cast<std::size_t>(e.worst_unit)].code;
    }
    for (std::size_t g = 0; g < e.group_share.size(); ++g) j["group_share"][in.cells.group_names[g]] = num(e.group_share[g]);
    return j;
}

}  // namespace kepu15::report
