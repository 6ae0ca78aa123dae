// The proposals of a siting run as plain outputs: a point layer (proposals.geojson and the other
// formats a sink writes), a terminal table and a JSON summary. Formatting only; solve() computes.
#pragma once

#include "kepu15/io/layer.hpp"
#include "kepu15/siting/solve.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace kepu15::siting {

// What the outputs know about each candidate site, indexed like the cost table's destinations.
struct CandidateSites {
    std::vector<std::string> id;
    std::vector<std::string> name;
    std::vector<Point> position_lonlat;  // WGS84
    std::vector<std::string> town_code, town_name, village_code, village_name;  // "" when unknown
};

struct ProposalContext {
    std::string kind;                     // facility kind the sites are for, e.g. "venue"
    std::string weight = "population";    // what was weighted: "population", "elderly", ...
    std::string unit = "min";             // cost unit of the threshold ("min" or "m")
    double threshold = 15.0;
};

// One point per chosen site, in order of choice, with fields:
//   order, site_id, name, kind, model, solver, marginal (newly covered weight, or weight x minutes
//   saved for p-median), covered_share (covering models: share after this site and the ones
//   before) or mean_cost (p-median: weighted mean cost after), town_code, town_name, village_code,
//   village_name.
io::Layer proposals_layer(const Result& r, const CandidateSites& sites, const ProposalContext& ctx);

// A fixed-width table for the terminal: a header with the model, solver, gap and shares before and
// after, then one line per site.
std::string proposals_table(const Result& r, const CandidateSites& sites, const ProposalContext& ctx);

// model, solver, optimal, objective, bound, gap, shares and mean costs before/after, target fields,
// note, and the sites (order, site_id, marginal).
nlohmann::json result_json(const Result& r, const CandidateSites& sites, const ProposalContext& ctx);

}  // namespace kepu15::siting
