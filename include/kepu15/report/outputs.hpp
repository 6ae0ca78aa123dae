// Writes the study outputs: cells.geojson, gaps.geojson, villages.geojson, facilities.geojson,
// isochrones.geojson (network), summary.json and towns.csv. Field names are documented in the
// README ("Outputs").
#pragma once

#include "kepu15/io/vector_writer.hpp"
#include "kepu15/study/run.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace kepu15::report {

// Writes every output into `outputs` (staged; the caller commits).
void write_study_outputs(const study::Study& study, const study::StudyResult& result, io::StagedOutputs& outputs,
                         unsigned threads);

// The summary document (also used by tests).
nlohmann::json summary_json(const study::Study& study, const study::StudyResult& result);

// towns.csv text: one row per unit and a last row "ALL" for the region.
std::string towns_csv(const study::StudyResult& result);

}  // namespace kepu15::report
