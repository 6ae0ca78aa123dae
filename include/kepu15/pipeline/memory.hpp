// A memory budget: before the large allocations of a run (per-cell measures, snaps, the cell layer)
// the run estimates its need and refuses with a clear message instead of dying half-way.
#pragma once

#include "kepu15/study/study.hpp"

#include <cstddef>
#include <string>

namespace kepu15::pipeline {

// Estimated peak bytes of a run of `study` over `cells` populated cells and a road network of
// `edges` edges (0 before it is read). Per cell: 200 B of inputs (centre, population, groups, unit,
// village, cell corners), 40 B per measure (value, facility, flags and the statistics pass), 48 B
// of snaps per profile, and 1.5 kB when the cell layer is written as vector features (about 40
// fields and a polygon; `cells_vector`, run --cells-vector); per edge 400 B (geometry, arcs of
// every profile, snapping index). Measured: the jiangsu-like study (9.5 million cells, 8 million
// edges, 9 measures, no cell polygons) peaks at 5.8 GB against an estimate of 9.4 GB.
double estimate_run_bytes(const study::Study& study, std::size_t cells, std::size_t edges, bool cells_vector = false);

// The limit in force: study.memory_limit_gb, or 80 % of the machine's physical memory when 0.
double memory_limit_bytes(const study::Study& study);

// Throws config_error (exit 6) naming the estimate, the limit and the options to change when the
// estimate exceeds the limit.
void check_memory(const study::Study& study, std::size_t cells, std::size_t edges, bool cells_vector = false);

}  // namespace kepu15::pipeline
