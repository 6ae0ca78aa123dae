// manifest.json: what a run's output folder holds and how to draw it, so that `kepu15 render` and the
// map viewer read field names, thresholds and colour breaks instead of guessing them.
//
// Shape (docs/maps.md documents every key):
//   format "kepu15-manifest", version 1, generator, generated (UTC date of the run)
//   study {name, synthetic, working_crs}, primary_method
//   kinds[] {kind, label, facilities, radius_m, minutes}
//   methods[] {method, label_zh, label_en, unit "m"|"min"}
//   groups[] {group, field, label_zh, label_en}
//   measures[] {key, kind, method, threshold, unit, cells {value, covered},
//               villages {covered_pop, share, mean, median, p90}, breaks[], colours[], no_value_colour}
//   horizon_minutes (network travel times are null beyond it)
//   any_kind[] {method, villages {share}}
//   share {breaks[], colours[]}, kind_colours {kind: colour}
//   layers {name: {file, geometry, fields {...}}} for each GeoJSON file written; files[] every file written
//   tables {name: {file, types}} for each Excel table written (towns.csv, villages.csv, compare.csv)
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "kepu15/pipeline/result.hpp"
#include "kepu15/study/study.hpp"

namespace kepu15::report {

// Colour-blind-safe palettes (hex "#rrggbb").
// Travel time / distance classes, best first: viridis, reversed so that short is light.
inline constexpr const char* time_palette[] = {"#fde725", "#7ad151", "#22a884", "#2a788e", "#414487"};
// Beyond the threshold or not reached within the search cutoff.
inline constexpr const char* no_value_colour = "#2b0a3d";
// Covered share of a village, 0 to 1 (cividis: dark = low).
inline constexpr const char* share_palette[] = {"#00224e", "#35456c", "#666970",
                                                "#948e77", "#c8b866", "#fee838"};

// Class breaks of one measure: upper bounds of the first four classes, increasing; the fifth class
// is everything above the last break (colours[4]); null (not reached within the horizon) is
// no_value_colour. Network minutes: thirds of the threshold, then twice it. Crow-fly metres: a
// quarter, half, the threshold, twice it.
std::vector<double> measure_breaks(bool network, double threshold);

// The manifest of one run. `files` are the names written into the output folder (manifest.json included).
// DEFAULT synthetic flag: the study name mentions "synthetic", "合成" or "模拟".
nlohmann::json manifest_json(const study::Study& study, const pipeline::StudyResult& result,
                             const std::vector<std::string>& files, const std::string& run_date_utc);

// The Chinese labels of a method ("步行") and a population group ("老年人(60岁以上)") that
// manifest.json gives the viewer; the name itself when kepu15 has none. Also the CSV table headers.
std::string method_label_zh(const std::string& method);
std::string group_label_zh(const std::string& group);

// Today's date in UTC, "YYYY-MM-DD".
std::string utc_date_today();

}  // namespace kepu15::report
