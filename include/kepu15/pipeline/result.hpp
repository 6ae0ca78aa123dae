// Stage 4 of a run: one evaluation summarised by 区镇 (unit) and village — the plain data that
// report/ turns into layers and tables.
#pragma once

#include "kepu15/coverage/aggregate.hpp"
#include "kepu15/pipeline/evaluate.hpp"
#include "kepu15/pipeline/prepared.hpp"

namespace kepu15::pipeline {

struct StudyResult {
    const PreparedStudy* prepared = nullptr;  // outlives the result
    Evaluation evaluation;
    coverage::Aggregation by_unit;
    coverage::Aggregation by_village;
    coverage::Method primary_method;  // ranks villages; the headline share per kind in the summary

    [[nodiscard]] const study::Study& study() const { return prepared->study; }
    [[nodiscard]] const study::Inputs& inputs() const { return prepared->inputs; }
    [[nodiscard]] const std::vector<study::FacilitySet>& facilities() const { return evaluation.facilities; }
    [[nodiscard]] const std::vector<coverage::Measure>& measures() const { return evaluation.measures; }
};

// The primary method: walk when the study measures it, else its first profile, else crow-fly.
coverage::Method primary_method(const study::Study& study);

// The population- and group-weighted mean of access `score` (measure `m`) per unit and for the
// region, into agg's access_mean / group_access (already sized). summarise uses it for every
// measure; an incremental summary (kepu15 compare) for the measures whose access changed.
void set_access_means(coverage::Aggregation& agg, const std::vector<std::int32_t>& unit_of_cell,
                      const study::PopulationCells& cells, const std::vector<double>& score, std::size_t m);

StudyResult summarise(const PreparedStudy& prepared, Evaluation evaluation, unsigned threads = 1);

}  // namespace kepu15::pipeline
