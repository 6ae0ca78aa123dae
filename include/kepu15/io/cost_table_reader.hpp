// Reads an origin-destination cost table (one row per pair: origin id, destination id, cost) from
// CSV or any GDAL table (GeoPackage, DBF, XLSX, PostGIS ...), as exported from ArcGIS' OD cost
// matrix, pgRouting's pgr_dijkstraCost or any other router, and maps the ids to positions in the
// demand and supply layers. PySAL `access` takes its costs the same way.
#pragma once

#include "kepu15/coverage/cost_table.hpp"

#include <limits>
#include <string>
#include <vector>

namespace kepu15::io {

struct CostTableReadOptions {
    std::string layer;                                       // DEFAULT: first layer
    std::string origin_field = "origin";                     // DEFAULT: "origin"
    std::string destination_field = "destination";           // DEFAULT: "destination"
    std::string cost_field = "cost";                         // DEFAULT: "cost"
    coverage::CostUnit unit = coverage::CostUnit::minutes;   // DEFAULT: minutes
    double limit = std::numeric_limits<double>::infinity();  // pairs above are dropped (after checking)
    std::string origin_source = "the demand layer";          // for messages: where origin ids come from
    std::string destination_source = "the supply layer";     // for messages: where destination ids come from
};

// Origin id i of the table = origin_ids[i]; ids are compared as text (integers without decimals).
// Throws input_error naming the file, layer and row (CSV: 1-based data row; other formats: the
// feature id) for: a missing file, layer or field; an empty table; an empty or unknown origin or
// destination id; a cost that is empty, non-numeric, non-finite or negative; a pair given twice.
// REQUIRES: origin_ids and destination_ids are each free of duplicates (callers check and name
// the feature).
coverage::CostTable read_cost_table(const std::string& path, const std::vector<std::string>& origin_ids,
                                    const std::vector<std::string>& destination_ids,
                                    const CostTableReadOptions& options = {});

}  // namespace kepu15::io
