// Runs a study: read -> (build graph -> snap -> search) -> aggregate -> write.
#pragma once

#include "kepu15/coverage/aggregate.hpp"
#include "kepu15/coverage/measure.hpp"
#include "kepu15/io/sink.hpp"
#include "kepu15/study/inputs.hpp"
#include "kepu15/study/study.hpp"
#include "kepu15/timings.hpp"

#include <iosfwd>
#include <string>
#include <vector>

namespace kepu15::study {

// A service area: the area within `minutes` of a kind's facilities by one profile.
struct ServiceArea {
    std::string kind;
    std::string profile;
    double minutes = 0;
    MultiPolygon shape_m;
};

// Everything a study run computes, before it is written.
struct StudyResult {
    Inputs inputs;
    std::vector<coverage::Measure> measures;   // crowfly per kind, then kind x profile
    coverage::Aggregation by_unit;
    coverage::Aggregation by_village;
    std::vector<ServiceArea> service_areas;
    std::string primary_method;                // method used to rank villages and in summary kinds
    // Network size for the summary (0 without network).
    std::size_t network_nodes = 0;
    std::size_t network_edges = 0;
};

struct RunOptions {
    std::string out_dir;       // REQUIRED
    unsigned threads = 2;      // DEFAULT: 2 (searches and writers in parallel)
    bool timings = false;      // print seconds per stage to the log
    // Where and how outputs are written (--format, --schema, --overwrite, --out-crs); out_dir is
    // the sink's target (a folder, x.gpkg or PG:...). sink.output_crs "working" means the study's
    // working CRS: set sink.working_crs once it is known. DEFAULT output CRS: the study's
    // output_crs, else WGS84.
    io::SinkOptions sink;
    bool cells_vector = false;  // --cells-vector: also write the 100 m cell polygons as a vector layer
};

// Everything but the writing.
StudyResult compute_study(const Study& study, unsigned threads, Timings& timings);

// Computes and writes all outputs into options.out_dir (all or nothing). Progress and timings go
// to `log`.
StudyResult run_study(const Study& study, const RunOptions& options, std::ostream& log);

}  // namespace kepu15::study
