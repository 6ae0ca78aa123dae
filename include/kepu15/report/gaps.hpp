// The `gaps` layer of a run: uncovered populated cells as contiguous patches
// (coverage/gap_patches.hpp), one feature per patch per kind x method, plus per method the cells
// that NO kind covers (rows with kind = "any", when the study has two kinds or more). Patches with
// fewer people than [coverage] gap_min_population (run --gap-min-population; DEFAULT 50) are left
// out and only counted in summary.json. Outlines are traced on the population grid
// (coverage::cell_outline), so a patch's polygon is exactly the union of its cells.
#pragma once

#include "kepu15/coverage/gap_patches.hpp"
#include "kepu15/io/layer.hpp"
#include "kepu15/pipeline/result.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace kepu15::report {

// One kind x method (or "any" kind x method) and its patches.
struct GapSet {
    std::string kind;                  // a study kind, or "any"
    coverage::Method method;
    double threshold = 0.0;            // NaN for "any" (the kinds' thresholds may differ)
    std::vector<std::size_t> measures; // the measure, or every measure of the method for "any"
    coverage::GapPatches patches;
    std::vector<MultiPolygon> outlines;  // per patch, on the cell lattice (see cell_outline)

    // The measure key ("station", "station_walk"), or "any_<method>" as in any_<method>_share.
    [[nodiscard]] std::string key() const {
        return kind == "any" || method.is_network() ? kind + "_" + method.name() : kind;
    }
};

// Computes the patches set by set: run(task) for every task (independent, so they can share threads
// with the other writers), then layer() and summary().
class RunGaps {
public:
    // REQUIRES: `result` outlives this object.
    explicit RunGaps(const pipeline::StudyResult& result);

    [[nodiscard]] std::size_t task_count() const { return m_sets.size(); }
    void run(std::size_t task);

    [[nodiscard]] const std::vector<GapSet>& sets() const { return m_sets; }
    // The layer, in WGS84. Fields: kind, method, threshold, patch_id, rank, population, pop_<group>,
    // cells, area_km2, mean_min (network) / mean_dist_m (crow-fly), unreached_pop, town_code,
    // town_name (the 区镇 with most of its people), town_codes, village_codes (";"-separated), villages.
    [[nodiscard]] io::Layer layer() const;
    // summary.json "gaps": min_population and per set patches, population, largest, dropped.
    [[nodiscard]] nlohmann::json summary() const;

private:
    const pipeline::StudyResult& m_r;
    coverage::CellGrid m_grid;
    double m_cell_area_km2 = 0.0;
    std::vector<GapSet> m_sets;
};

}  // namespace kepu15::report
