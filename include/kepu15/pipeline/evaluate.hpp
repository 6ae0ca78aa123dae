// Stage 3 of a run: one facility set evaluated on a prepared study — per cell, the distance or
// travel time to the nearest facility of each kind by each method, and the service areas. Any
// number of facility sets (the baseline, a scenario, candidate sites) can be evaluated against the
// same PreparedStudy.
#pragma once

#include "kepu15/coverage/measure.hpp"
#include "kepu15/diagnostics.hpp"
#include "kepu15/pipeline/catchment_cache.hpp"
#include "kepu15/pipeline/prepared.hpp"
#include "kepu15/routing/network_coverage.hpp"
#include "kepu15/timings.hpp"

#include <functional>
#include <string>
#include <vector>

namespace kepu15::pipeline {

// A service area: the area within `minutes` of a kind's facilities by one profile — of all of them
// (per kind, DEFAULT) or of one facility (study.service_areas_per_facility), then with the people
// inside: the populated cells whose snapped travel time to the facility (as for coverage, rounded
// to the hundredth of a minute) is within `minutes`.
struct ServiceArea {
    std::string kind;
    network::Profile profile = network::Profile::walk;
    double minutes = 0;
    MultiPolygon shape_m;
    std::int32_t facility = -1;       // index in the kind's facility set; -1: every facility of the kind
    double population = 0.0;          // per facility only
    std::vector<double> groups;       // per facility only: per population group
};

// Capacity-aware access (2SFCA family) of one measure's kind by its method, from a reach table of
// every facility within the catchment of each cell.
struct AccessMeasure {
    double catchment = 0.0;                     // minutes (network) or metres (crow-fly)
    std::vector<double> score;                  // per cell: supply per person (0: nothing in reach)
    std::vector<double> catchment_population;   // per facility of the kind: decay-weighted demand
    std::vector<double> ratio;                  // per facility: capacity / catchment population; NaN without demand
};

struct Evaluation {
    std::vector<study::FacilitySet> facilities;  // the set evaluated, one per kind in study order
    std::vector<coverage::Measure> measures;     // crow-fly per kind, then kind x profile
    std::vector<ServiceArea> service_areas;      // kind x profile x isochrone minutes (network only)
    std::vector<AccessMeasure> access;           // parallel to measures; empty without [access]
    std::vector<std::vector<SnapList>> facility_snaps;  // [profile][kind] (network only)
};

struct EvaluateOptions {
    bool service_areas = true;  // DEFAULT: per the study (isochrones on)
    // Called with the evaluation once its measures and facility snaps are complete, before the
    // access stage: `kepu15 run` starts the service areas and early outputs there, beside access.
    // DEFAULT: none.
    std::function<void(const Evaluation&)> after_search;
};

// With prepared.catchments set, access catchments already searched on this prepared study are read
// from it and new ones stored (the same results to the last bit; pipeline/catchment_cache.hpp).
// REQUIRES: facilities has one set per study kind, in study order, in the prepared working CRS.
Evaluation evaluate(const PreparedStudy& prepared, std::vector<study::FacilitySet> facilities,
                    const EvaluateOptions& options, unsigned threads, Diagnostics& diag, Timings& timings);

// The capacity-aware access of measure `m` of `ev` (the study's [access] method, the kind's
// catchment, capacities 1 where absent): what `evaluate` computes for every measure, exposed so an
// incremental evaluation (kepu15 compare) recomputes only the measures whose facilities changed.
// A network measure searches its catchments on `threads` threads (same results on any number).
// REQUIRES: prepared.study.access; ev.facility_snaps filled for network measures.
AccessMeasure access_measure(const PreparedStudy& prepared, const Evaluation& ev, std::size_t m,
                             unsigned threads = 1);

// The catchment cache keys (pipeline/catchment_cache.hpp) of the catchments access_measure reads
// or searches for network measure `me` (a measure of the study's kinds and profiles) of an
// evaluation with these facilities and facility snaps: one per snapped facility of the kind, in
// facility order. Empty for a crow-fly measure. REQUIRES: prepared.study.access.
std::vector<CatchmentCache::Key> catchment_keys(const PreparedStudy& prepared,
                                                const std::vector<study::FacilitySet>& facilities,
                                                const std::vector<std::vector<SnapList>>& facility_snaps,
                                                const coverage::Measure& me);

// Every measure's access as pipeline::evaluate computes it (its access stage): the network measures
// with catchments to search one after another on `threads` threads, the others side by side.
// REQUIRES: as access_measure.
std::vector<AccessMeasure> access_stage(const PreparedStudy& prepared, const Evaluation& ev, unsigned threads);

// The same when the kind of measure `m` only gained facilities: ev's facilities of the kind are
// the baseline's (base: the baseline's access of this measure; same order, same capacities)
// followed by the added ones. A baseline facility's catchment population and ratio depend on its
// own catchment only, so they are kept, and only the added sites are searched: their ratios times
// the decay are added to the baseline's scores in facility order, which is the order of the full
// sum, so the result is equal to the last bit to access_measure (tests/scenario checks it).
// REQUIRES: as access_measure; ev's facilities of the kind begin with base.ratio.size() baseline ones.
AccessMeasure access_measure_appended(const PreparedStudy& prepared, const Evaluation& ev, std::size_t m,
                                      const AccessMeasure& base, unsigned threads = 1);

// Per-cell travel times (routing::travel_times) as a measure: minutes up to the horizon (NaN
// beyond it or without road access), covered when the minutes rounded to the hundredth (the
// precision of every output) are within `threshold_minutes`.
coverage::Measure network_measure(const std::string& kind, network::Profile profile, double threshold_minutes,
                                  const std::vector<routing::PointTime>& times);

}  // namespace kepu15::pipeline
