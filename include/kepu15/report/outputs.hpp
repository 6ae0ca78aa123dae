// Turns a summarised evaluation into the study outputs: cells, gaps, villages, towns, roads,
// facilities, isochrones and water layers, summary.json and towns.csv. Field names are documented
// in the README ("What a run gives"). Report reads plain results; it knows nothing of how they
// were computed.
#pragma once

#include "kepu15/io/vector_writer.hpp"
#include "kepu15/pipeline/result.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace kepu15::report {

// Writes every output into `outputs` (staged; the caller commits).
void write_study_outputs(const pipeline::StudyResult& result, io::StagedOutputs& outputs, unsigned threads);

// The summary document (also used by tests).
nlohmann::json summary_json(const pipeline::StudyResult& result);

// towns.csv text: one row per unit and a last row "ALL" for the region.
std::string towns_csv(const pipeline::StudyResult& result);

}  // namespace kepu15::report
