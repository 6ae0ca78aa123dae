// `kepu15 compare BASELINE.toml SCENARIO.toml --out DIR`: the baseline study and a scenario (a
// TOML file of edits, scenario/scenario.hpp) evaluated on the same prepared inputs, and the change
// per 区镇 and village for every kind x method, with equity figures for both.
// Outputs (all or nothing): compare.json, compare.csv, newly_covered.geojson, lost_coverage.geojson.
#pragma once

#include "kepu15/diagnostics.hpp"

#include <iosfwd>
#include <string>

namespace kepu15::commands {

struct CompareRequest {
    std::string baseline;   // study file
    std::string scenario;   // scenario file
    std::string out_dir;    // REQUIRED
    unsigned threads = 2;
};

// Throws config_error for a bad scenario (file and line), unknown ids or kinds, and a scenario
// whose baseline is not the given study.
void run_compare(const CompareRequest& request, std::ostream& log, Diagnostics& diag);

}  // namespace kepu15::commands
