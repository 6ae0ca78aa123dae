// `kepu15 coverage`: coverage of any population layer (points, polygons or a raster) by any facility
// layer, without a study file, for GIS staff. Each population feature keeps its attributes and gains
// the distance (crow-fly) or minutes (network) to the nearest facility, that facility's id and a
// covered flag.
#pragma once

#include "kepu15/diagnostics.hpp"
#include "kepu15/network/profile.hpp"
#include "kepu15/study/study.hpp"
#include "kepu15/timings.hpp"

#include <optional>
#include <string>

namespace kepu15::commands {

struct CoverageRequest {
    std::string population_path;
    std::string population_layer;       // DEFAULT: first layer
    std::string population_crs;         // DEFAULT: the file's own
    std::string population_field;       // DEFAULT: none (features are counted, not weighted)
    int population_band = 1;            // raster input. DEFAULT: band 1
    std::string facilities_path;
    std::string facilities_layer;
    std::string facilities_crs;         // e.g. GCJ-02 for web-map exports. DEFAULT: the file's own
    std::string facilities_id_field;    // DEFAULT: the feature id
    std::string working_crs;            // DEFAULT: UTM zone of the population's centre
    double radius_m = 1000.0;           // crow-fly threshold. DEFAULT: 1,000 m

    // Network coverage when network.path is set: the same [network] options as a study file
    // (layer, CRS, speed/class/oneway/walk/bike fields, snap tolerance, max snap, speeds).
    study::NetworkSpec network;
    network::Profile profile = network::Profile::walk;
    double minutes = 15.0;              // DEFAULT: 15 min
    double horizon_minutes = 0.0;       // minutes reported up to here. DEFAULT: 0 = the threshold

    std::string out_path;               // REQUIRED; format by extension (.geojson, .gpkg, .shp, PG:...)
};

struct CoverageSummary {
    std::size_t features = 0;
    std::size_t covered = 0;
    std::size_t no_road_access = 0;
    double population = 0.0;          // sum of population_field (or of raster cells)
    double covered_population = 0.0;
    bool weighted = false;            // whether population was available
};

// Throws input_error / crs_error / config_error / output_error; writes nothing on failure.
CoverageSummary run_coverage(const CoverageRequest& request, Timings& timings, Diagnostics& diag);

}  // namespace kepu15::commands
