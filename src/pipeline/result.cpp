#include "kepu15/pipeline/result.hpp"

namespace kepu15::pipeline {

coverage::Method primary_method(const study::Study& study) {
    if (study.uses(study::Method::network)) {
        for (network::Profile p : study.profiles) {
            if (p == network::Profile::walk) return coverage::Method::network(p);
        }
        return coverage::Method::network(study.profiles.front());
    }
    return coverage::Method::crowfly();
}

StudyResult summarise(const PreparedStudy& prepared, Evaluation evaluation, unsigned threads) {
    StudyResult r;
    r.prepared = &prepared;
    r.evaluation = std::move(evaluation);
    r.primary_method = primary_method(prepared.study);
    const auto& cells = prepared.inputs.cells;
    r.by_unit = coverage::aggregate(cells.unit, prepared.inputs.units.size(), cells.population, cells.groups,
                                    r.evaluation.measures, threads);
    r.by_village = coverage::aggregate(cells.village, prepared.inputs.villages.size(), cells.population,
                                       cells.groups, r.evaluation.measures, threads);
    return r;
}

}  // namespace kepu15::pipeline
