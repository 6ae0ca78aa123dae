// Equity figures of a run (coverage/equity.hpp) per kind x method, as summary.json, compare.json
// and the terminal summary of `kepu15 run` give them: covered share of urban and rural villages'
// people and of each population group, the best and worst 区镇 and the gap between them, and the
// Gini coefficient of population-weighted minutes (metres for crow-fly).
#pragma once

#include "kepu15/coverage/equity.hpp"
#include "kepu15/pipeline/result.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <span>
#include <vector>

namespace kepu15::report {

// The value charged to people who reach no facility in the Gini: the study's horizon (network), or
// three times the radius (crow-fly, whose distances are never cut off).
double equity_horizon(const pipeline::StudyResult& result, std::size_t measure);

coverage::Equity measure_equity(const pipeline::StudyResult& result, std::size_t measure, double horizon);
// The same with the cells' urban flags given (urban_of_cells), shared by every measure of a run.
coverage::Equity measure_equity(const pipeline::StudyResult& result, std::size_t measure, double horizon,
                                std::span<const std::int8_t> urban);
// Per cell, from its village: 1 urban, 0 rural, -1 unknown (no village, or no urban flag).
std::vector<std::int8_t> urban_of_cells(const pipeline::StudyResult& result);

// {covered_share, urban_share, rural_share, urban_population, rural_population, best_worst_gap,
//  best_share, worst_share, gini, best_unit / worst_unit (names), best_unit_code / worst_unit_code,
//  group_share: {<group>: share}}; null where undefined.
nlohmann::json equity_json(const pipeline::StudyResult& result, const coverage::Equity& e);

}  // namespace kepu15::report
