// `kepu15 run`: a study through every stage — prepare (load, network, snaps) → evaluate the
// study's facilities → summarise → write all outputs (all or nothing).
#pragma once

#include "kepu15/diagnostics.hpp"
#include "kepu15/pipeline/result.hpp"
#include "kepu15/study/study.hpp"

#include <iosfwd>
#include <string>

namespace kepu15::commands {

struct RunOptions {
    std::string out_dir;       // REQUIRED
    unsigned threads = 2;      // DEFAULT: 2 (searches and writers in parallel)
    bool timings = false;      // print seconds per stage to the log
};

// Computes and writes all outputs into options.out_dir (all or nothing). The summary lines and
// timings go to `log`; warnings to `diag`.
void run_study(const study::Study& study, const RunOptions& options, std::ostream& log, Diagnostics& diag);

// Writes one summarised evaluation into `out_dir` (all or nothing); used by run_study and by any
// command that evaluates another facility set on a prepared study.
void write_outputs(const pipeline::StudyResult& result, const std::string& out_dir, unsigned threads);

}  // namespace kepu15::commands
