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
// region, into agg's access_mean / group_access (already sized). Same figures as summarise.
void set_access_means(coverage::Aggregation& agg, const std::vector<std::int32_t>& unit_of_cell,
                      const study::PopulationCells& cells, const std::vector<double>& score, std::size_t m);

StudyResult summarise(const PreparedStudy& prepared, Evaluation evaluation, unsigned threads = 1);

// What an incremental evaluation changed, per measure: its coverage and travel times, its access.
struct Changes {
    std::vector<std::uint8_t> measure;  // per measure: 1 = values changed
    std::vector<std::uint8_t> access;   // per measure: 1 = access scores changed (empty without access)
};

// The summary of `evaluation`, which differs from before's evaluation only where `changes` says
// (same measures, kinds and methods in the same order): before's summary with the changed
// measures' figures, their methods' "covered by any kind" and the changed access means computed
// again by summarise's own code. Equals summarise(prepared, evaluation) bit for bit.
StudyResult summarise_changes(const PreparedStudy& prepared, const StudyResult& before, Evaluation evaluation,
                              const Changes& changes, unsigned threads = 1);

}  // namespace kepu15::pipeline
