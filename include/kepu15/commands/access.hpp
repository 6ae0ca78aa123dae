// `kepu15 access`: capacity-aware accessibility (2SFCA, E2SFCA, gravity) of any demand layer
// (points, polygons or a population raster) to any supply layer (points or polygons with an
// optional capacity field), with costs from an origin-destination table (CSV or any GDAL table,
// e.g. exported from ArcGIS or pgRouting), crow-fly distances, or a road network.
// Outputs: the demand features with `access`; the supply features with `catchment_pop` and `ratio`.
// Formulas and references: access/fca.hpp and docs/access.md.
#pragma once

#include "kepu15/access/fca.hpp"
#include "kepu15/coverage/cost_table.hpp"
#include "kepu15/diagnostics.hpp"
#include "kepu15/network/profile.hpp"
#include "kepu15/study/study.hpp"

#include <optional>
#include <string>

namespace kepu15::commands {

struct AccessRequest {
    // Demand: points, polygons (point-on-surface) or a raster (each cell > 0 is a demand point).
    std::string demand_path;
    std::string demand_layer;     // DEFAULT: first layer
    std::string demand_crs;       // DEFAULT: the file's own
    std::string demand_field;     // persons per feature. DEFAULT: 1 per feature (raster: the cell value)
    int demand_band = 1;          // raster. DEFAULT: band 1
    std::string demand_id_field;  // ids matched against the cost table's origins. DEFAULT: feature id
                                  // (raster: "col_row")

    // Supply: points or polygons (point-on-surface).
    std::string supply_path;
    std::string supply_layer;
    std::string supply_crs;
    std::string supply_id_field;  // ids matched against the cost table's destinations. DEFAULT: feature id
    std::string capacity_field;   // DEFAULT: none (capacity 1 per supply)

    std::string working_crs;  // metric CRS for crow-fly and network. DEFAULT: UTM zone of the demand's centre

    // Costs: exactly one of costs_path, radius_m, network.path.
    std::string costs_path;
    std::string costs_layer;
    std::string origin_field = "origin";            // DEFAULT: "origin"
    std::string destination_field = "destination";  // DEFAULT: "destination"
    std::string cost_field = "cost";                // DEFAULT: "cost"
    coverage::CostUnit cost_unit =
        coverage::CostUnit::minutes;  // unit of the table's costs. DEFAULT: minutes

    std::optional<double> radius_m;  // crow-fly search radius, metres

    // Network costs when network.path is set: the same [network] options as a study file (layer,
    // CRS, speed/class/oneway/walk/bike fields, snap tolerance, max snap, speeds).
    study::NetworkSpec network;
    network::Profile profile = network::Profile::walk;
    double minutes = 15.0;  // network search limit. DEFAULT: 15 min
    unsigned threads = 1;   // network searches. DEFAULT: 1

    access::Method method = access::Method::two_step;  // DEFAULT: 2sfca
    std::optional<access::Decay> decay;                // DEFAULT: the method's (none, stepped, power)
    std::optional<double>
        catchment;  // d0, in the cost unit. DEFAULT: --radius-m / --minutes; required with a cost table
    std::vector<double> step_weights{1.00, 0.68, 0.22};  // stepped decay. DEFAULT: Luo & Qi 2009
    double beta = 1.0;                                   // gravity. DEFAULT: 1
    std::optional<double> min_cost;                      // gravity d_min. DEFAULT: catchment / 15

    std::string out_path;         // demand features + access. REQUIRED
    std::string supply_out_path;  // supply features + catchment_pop, ratio. DEFAULT: none
};

struct AccessSummary {
    std::size_t demand_features = 0;
    std::size_t supply_features = 0;
    std::size_t pairs = 0;                    // cost-table entries within the catchment
    double demand = 0.0;                      // total persons
    double capacity = 0.0;                    // total capacity
    double mean_access = 0.0;                 // demand-weighted mean access
    double unreached_demand = 0.0;            // persons with no supply within the catchment
    std::size_t supplies_without_demand = 0;  // ratio undefined
    coverage::CostUnit unit = coverage::CostUnit::minutes;
    double catchment = 0.0;
    access::AccessOptions options;
};

// Throws input_error (bad file, field, row, id, cost, capacity; exit 3), crs_error, config_error
// (options), output_error. Computes everything before writing; both outputs appear together or not
// at all (PostGIS outputs excepted).
AccessSummary run_access(const AccessRequest& request, Diagnostics& diagnostics);

}  // namespace kepu15::commands
