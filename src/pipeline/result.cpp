#include "kepu15/pipeline/result.hpp"

#include "kepu15/access/fca.hpp"

namespace kepu15::pipeline {

namespace {

// Population- and group-weighted mean access score per unit and for the region.
void add_access(coverage::Aggregation& agg, const std::vector<std::int32_t>& unit_of_cell,
                const study::PopulationCells& cells, const std::vector<AccessMeasure>& access) {
    const std::size_t groups = cells.groups.size();
    for (auto* t : {&agg.region}) {
        t->access_mean.assign(access.size(), 0.0);
        t->group_access.assign(access.size(), std::vector<double>(groups, 0.0));
    }
    for (auto& t : agg.units) {
        t.access_mean.assign(access.size(), 0.0);
        t.group_access.assign(access.size(), std::vector<double>(groups, 0.0));
    }
    for (std::size_t m = 0; m < access.size(); ++m) set_access_means(agg, unit_of_cell, cells, access[m].score, m);
}

}  // namespace

void set_access_means(coverage::Aggregation& agg, const std::vector<std::int32_t>& unit_of_cell,
                      const study::PopulationCells& cells, const std::vector<double>& score, std::size_t m) {
    const std::size_t units = agg.units.size();
    const std::vector<std::int32_t> everywhere(cells.size(), 0);  // one unit: the region
    const auto mean = access::weighted_mean_by_unit(score, cells.population, unit_of_cell, units);
    for (std::size_t u = 0; u < units; ++u) agg.units[u].access_mean[m] = mean[u];
    agg.region.access_mean[m] = access::weighted_mean_by_unit(score, cells.population, everywhere, 1)[0];
    for (std::size_t g = 0; g < cells.groups.size(); ++g) {
        const auto gm = access::weighted_mean_by_unit(score, cells.groups[g], unit_of_cell, units);
        for (std::size_t u = 0; u < units; ++u) agg.units[u].group_access[m][g] = gm[u];
        agg.region.group_access[m][g] = access::weighted_mean_by_unit(score, cells.groups[g], everywhere, 1)[0];
    }
}

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
    if (!r.evaluation.access.empty()) {
        add_access(r.by_unit, cells.unit, cells, r.evaluation.access);
        add_access(r.by_village, cells.village, cells, r.evaluation.access);
    }
    return r;
}

}  // namespace kepu15::pipeline
