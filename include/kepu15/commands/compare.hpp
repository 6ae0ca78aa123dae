// `kepu15 compare BASELINE.toml SCENARIO.toml --out DIR`: the baseline study and a scenario (a
// TOML file of edits, scenario/scenario.hpp) evaluated on the same prepared inputs, and the change
// per 区镇 and village for every kind x method, with equity figures for both.
// Outputs (all or nothing): compare.json, compare.csv (Excel-friendly, io/csv_table.hpp),
// newly_covered.geojson, lost_coverage.geojson, and the two sides as full run folders baseline/ and
// scenario/ (each with its manifest.json; the scenario's lists newly_covered and lost_coverage).
//
// Evaluation: the baseline once, then the scenario incrementally — kinds whose facilities did not
// change keep their measures, kinds that only gained facilities are searched from the added sites
// and merged, kinds that lost some are searched again; access is recomputed for changed kinds.
// Threshold or speed overrides prepare the study again and evaluate in full. Both ways write the
// same bytes (tests/scenario/test_compare.cpp).
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
    bool incremental = true;  // DEFAULT: incremental; false evaluates the scenario in full (`--full`)
    bool cells_vector = false;  // DEFAULT: per-cell results in each run folder's cells.tif only; true also
                                // writes cells.geojson there (`--cells-vector`; `--render` needs it)
    bool timings = false;  // DEFAULT: off; true also prints the compare step's CPU time, page faults and
                           // heap figures (`--timings`; scripts/bench-compare.sh)
};

// Throws config_error for a bad scenario (file and line), unknown ids or kinds, and a scenario
// whose baseline is not the given study.
void run_compare(const CompareRequest& request, std::ostream& log, Diagnostics& diag);

}  // namespace kepu15::commands
