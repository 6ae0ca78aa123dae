// `kepu15 run`: a study through every stage — prepare (load, network, snaps) → evaluate the
// study's facilities → summarise → write all outputs (all or nothing).
#pragma once

#include "kepu15/diagnostics.hpp"
#include "kepu15/io/sink.hpp"
#include "kepu15/pipeline/result.hpp"
#include "kepu15/study/study.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <iosfwd>
#include <string>

namespace kepu15::commands {

struct RunOptions {
    std::string out_dir;       // REQUIRED
    unsigned threads = 2;      // DEFAULT: 2 (searches and writers in parallel)
    bool timings = false;      // print seconds per stage to the log
    // Where and how outputs are written (--format, --schema, --overwrite, --out-crs); out_dir is
    // the sink's target (a folder, x.gpkg or PG:...). sink.output_crs "working" means the study's
    // working CRS (set from the loaded inputs). DEFAULT output CRS: the study's output_crs, else WGS84.
    io::SinkOptions sink;
    bool cells_vector = false;  // --cells-vector: also write the 100 m cell polygons as a vector layer
    // --partition-file-only (docs/scale.md): a partitioned run writes only partition_cells.bin, what
    // `kepu15 merge` reads, not its own maps and tables. DEFAULT: every output.
    bool partition_file_only = false;
    // Called once the outputs are committed and the summary is logged, before the run's structures
    // are freed: the CLI ends the process there (docs/performance.md "Start-up and exit"). DEFAULT: none.
    std::function<void()> finished;
};

// Computes and writes all outputs into options.out_dir (all or nothing). The summary lines and
// timings go to `log`; warnings to `diag`.
void run_study(const study::Study& study, const RunOptions& options, std::ostream& log, Diagnostics& diag);

// Writes one summarised evaluation into `out_dir` (all or nothing); used by run_study and by any
// command that evaluates another facility set on a prepared study. Returns summary.json's document.
nlohmann::json write_outputs(const pipeline::StudyResult& result, const RunOptions& options, Diagnostics& diag);

}  // namespace kepu15::commands
