// Turns a summarised evaluation into the study outputs: cells, gaps, villages, towns, roads,
// facilities, isochrones and water layers, summary.json and the tables towns.csv and
// villages.csv. Field names are documented in the README ("What a run gives") and, for the
// tables, in docs/exports.md. Report reads plain results; it knows nothing of how they
// were computed.
#pragma once

#include "kepu15/diagnostics.hpp"
#include "kepu15/io/csv_table.hpp"
#include "kepu15/io/sink.hpp"
#include "kepu15/pipeline/result.hpp"

#include <nlohmann/json.hpp>

#include <set>
#include <span>
#include <string>
#include <vector>

namespace kepu15::report {

struct ReportOptions {
    bool cells_vector = false;  // DEFAULT: per-cell results only in cells.tif (the cell polygons are large)
    // `kepu15 merge`: members replacing those of summary.json (network size, horizon of the
    // partitions), and a roads.geojson the caller adds itself. DEFAULT: none.
    nlohmann::json summary_overrides = nlohmann::json::object();
    bool roads_added_by_caller = false;
    // Files the caller hands to the sink itself (`kepu15 run` writes roads.geojson, water.geojson,
    // isochrones.geojson and cells.tif beside the access stage with the functions below): listed in
    // manifest.json, not written again. DEFAULT: none.
    std::set<std::string> written_by_caller;
};

// Hands every output to `sink` (the caller commits): layers cells (on request), gaps, villages,
// towns, roads, facilities, isochrones, water; tables towns and villages (Sink::add_table:
// towns.csv, villages.csv); files summary.json, cells.tif and the travel-time rasters. Warnings (a
// grid too large for cells.tif) go to `diag`. Returns the summary.json document (the terminal
// summary of `kepu15 run` prints from it).
nlohmann::json write_study_outputs(const pipeline::StudyResult& result, io::Sink& sink, unsigned threads,
                         const ReportOptions& options, Diagnostics& diag);

// The outputs that need no summary, for a caller that writes them before summarise has run (each
// is what write_study_outputs writes under the same name). roads.geojson: the network's roads
// (REQUIRES: prepared.network); water.geojson: the study's water layer (REQUIRES: a water path);
// isochrones.geojson: the service areas of an evaluation of `facilities`; cells.tif at `path` (a
// name taken from the sink): one band per measure, false (with a warning) when the grid is too large.
void write_roads_layer(const pipeline::PreparedStudy& prepared, io::Sink& sink, Diagnostics& diag);
void write_water_layer(const study::Study& study, io::Sink& sink);
void write_isochrones_layer(const pipeline::PreparedStudy& prepared, const std::vector<study::FacilitySet>& facilities,
                            const std::vector<pipeline::ServiceArea>& service_areas, io::Sink& sink);
bool write_cells_raster(const study::PopulationCells& cells, std::span<const coverage::Measure> measures,
                        const std::string& path, unsigned threads, Diagnostics& diag);

// The summary document (also used by tests), without "gaps" (added by write_study_outputs).
nlohmann::json summary_json(const pipeline::StudyResult& result);

// The tables for Excel (docs/exports.md lists every column): towns.csv, one row per unit and a
// last row "ALL" (合计) for the region; villages.csv, every village worst served first (the order
// and `rank` of villages.geojson). Shares are percent columns (`*_pct`), populations whole persons.
io::CsvTable towns_table(const pipeline::StudyResult& result);
io::CsvTable villages_table(const pipeline::StudyResult& result);
// towns.csv bytes (io::format_csv_table of towns_table).
std::string towns_csv(const pipeline::StudyResult& result);

}  // namespace kepu15::report
