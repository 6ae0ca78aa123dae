// The service areas of one evaluation (isochrones.geojson): per kind x profile x band, or per
// facility x profile x band with the people inside (study.service_areas_per_facility). They need
// only the facility sets and their snaps, so `kepu15 run` draws them beside the access stage
// (commands/run.cpp); pipeline::evaluate calls the same function when asked for them.
#pragma once

#include "kepu15/pipeline/evaluate.hpp"
#include "kepu15/pipeline/prepared.hpp"

#include <vector>

namespace kepu15::pipeline {

// True when the study asks for service areas and has a network to draw them on.
bool wants_service_areas(const PreparedStudy& prepared);

// Kind x profile x band order (per kind), or kind, profile, facility, band order (per facility).
// REQUIRES: wants_service_areas(prepared); facility_snaps [profile][kind] as Evaluation holds them.
std::vector<ServiceArea> service_areas(const PreparedStudy& prepared, const std::vector<study::FacilitySet>& facilities,
                                       const std::vector<std::vector<SnapList>>& facility_snaps, unsigned threads);

// The bands of one kind x profile (per kind), as service_areas gives them: one search for every
// band, then a mask per band, on the calling thread. `kepu15 run` pushes one job per kind x
// profile so that both of its threads can share them at the end.
// REQUIRES: wants_service_areas(prepared), not per facility; `profile` indexes the network's profiles.
std::vector<ServiceArea> kind_service_areas(const PreparedStudy& prepared, const study::FacilitySet& facilities,
                                            const SnapList& snaps, std::size_t profile);

}  // namespace kepu15::pipeline
