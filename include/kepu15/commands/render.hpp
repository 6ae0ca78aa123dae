// `kepu15 render`: the standard set of printable maps and charts of a run's output folder.
#pragma once

#include <string>
#include <vector>

#include "kepu15/diagnostics.hpp"
#include "kepu15/render/sheet.hpp"

namespace kepu15::commands {

struct RenderRequest {
    std::string folder;     // REQUIRED: a run's output folder (manifest.json, summary.json, GeoJSON)
    std::string out_dir;    // DEFAULT: `folder`/sheets (its own all-or-nothing folder)
    render::PageSpec page;  // DEFAULT: A4 landscape, 300 dpi, PNG
    bool town_maps = true;  // DEFAULT: one coverage overview per 区镇
};

// The map method of the standard set: the first network profile when the run has one (minutes),
// else the primary method.
std::string standard_map_method(const nlohmann::json& manifest);

// Renders the standard set into out_dir (all sheets or none: staged, then renamed into place):
//   map_<kind>_<method>  travel time (or distance) to the nearest facility of each kind
//   map_coverage_<method>  covered by any kind vs gaps, whole region
//   map_town_<code>  the same per 区镇
//   chart_coverage, chart_minutes  covered share by 区镇 and kind; cumulative minutes by group
// Returns the files written (final paths). Throws input_error / output_error.
std::vector<std::string> run_render(const RenderRequest& request, Diagnostics& diagnostics);

}  // namespace kepu15::commands
