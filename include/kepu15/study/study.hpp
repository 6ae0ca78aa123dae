// A study: which layers to read, how to read them, and what to compute. Parsed from a TOML study
// file (see README "Study file"); relative paths are relative to the study file's folder.
#pragma once

#include "kepu15/access/fca.hpp"
#include "kepu15/io/raster_reader.hpp"
#include "kepu15/io/vector_reader.hpp"
#include "kepu15/network/profile.hpp"
#include "kepu15/range.hpp"

#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace kepu15::study {

// Sane ranges of the numeric options (study file and CLI); speeds are in network/profile.hpp.
inline constexpr Range radius_m_range{"m", 1.0, 100000.0};          // crow-fly radius
inline constexpr Range minutes_range{"min", 0.5, 240.0};            // network threshold, isochrone bands
inline constexpr Range isochrone_cell_m_range{"m", 5.0, 1000.0};    // service-area grid
inline constexpr Range max_snap_m_range{"m", 1.0, 10000.0};
inline constexpr Range snap_tolerance_m_range{"m", 0.0, 100.0};
inline constexpr Range band_range{"", 1.0, 65535.0, true};          // 1-based raster band
inline constexpr Range gap_min_population_range{"persons", 0.0, 1e7};  // gap patches kept

// What to do with cells or facilities whose location lies outside every unit.
enum class OutsidePolicy { error, drop };

struct LayerSpec {
    std::string path;        // absolute after loading
    io::ReadOptions read;    // layer, crs, x/y fields, encoding
};

struct UnitLayer {
    LayerSpec source;
    std::string code_field = "code";  // DEFAULT: "code"
    std::string name_field = "name";  // DEFAULT: "name"
};

struct VillageLayer {
    LayerSpec source;
    std::string code_field = "code";            // DEFAULT: "code"
    std::string name_field = "name";            // DEFAULT: "name"
    std::string town_field;                     // DEFAULT: none (town found by location)
    std::string urban_field;                    // DEFAULT: none (1/0, true/false, 城/乡, urban/rural)
};

struct PopulationGroup {
    std::string name;  // e.g. "youth", "elderly"
    int band = 0;      // 1-based raster band
};

struct PopulationLayer {
    std::string path;
    int band = 1;                         // DEFAULT: band 1 = total persons per cell
    std::vector<PopulationGroup> groups;  // DEFAULT: none
    std::string crs;                      // DEFAULT: the raster's own CRS
    // Negative cells: error (DEFAULT, names the cell) or clamp (counted as 0, with a warning).
    io::NegativeValues negative = io::NegativeValues::error;
};

// One condition of a table filter (`filter = { demo_school = 1 }`): the field equals the value.
// Numbers compare as numbers (true/false as 1/0), text as text; a null field never matches.
struct FieldEquals {
    std::string field;
    std::variant<double, std::string> value;
};

struct FacilityLayer {
    std::string kind;          // short id used in field names: "venue", "school", "station"
    std::string label;         // human label, e.g. "科普场馆/教育基地". DEFAULT: kind
    LayerSpec source;
    std::string id_field;      // DEFAULT: none (the feature id is used)
    std::string name_field;    // DEFAULT: none
    std::string capacity_field;  // DEFAULT: none
    std::optional<double> radius_m;   // crow-fly threshold. DEFAULT: coverage.radius_m
    std::optional<double> minutes;    // network threshold. DEFAULT: coverage.minutes
    // `filter` as a table: only features whose fields equal all these values. kepu15 applies it
    // after reading (a missing field is an input_error naming the layer and field), so a scenario's
    // attribute changes re-select the features. A `filter` string is OGR SQL instead
    // (source.read.attribute_filter), applied by GDAL while reading. DEFAULT: none
    std::vector<FieldEquals> select;
};

enum class Method { crowfly, network };

struct NetworkSpec {
    std::string path;                 // OSM (.pbf/.osm/.osm.gz/.osm.bz2) or a GDAL line layer
    io::ReadOptions read;
    std::string speed_field, class_field, oneway_field, walk_field, bike_field;
    double snap_tolerance_m = 0.0;    // DEFAULT: 0 m (line layers only)
    double max_snap_m = 500.0;        // DEFAULT: 500 m; farther cells are flagged no_road_access
    network::ProfileSpeeds speeds;
};

// Capacity-aware accessibility ([access] table): 2SFCA / E2SFCA / gravity per kind x method, with
// each facility's capacity (capacity_field, else 1). Off when the table is absent.
struct AccessSpec {
    access::AccessOptions options;           // method, decay, steps, beta (catchment set per kind)
    std::optional<double> catchment_minutes; // network catchment. DEFAULT: the kind's threshold minutes
    std::optional<double> catchment_m;       // crow-fly catchment. DEFAULT: the kind's radius_m
};

struct Study {
    std::string file;          // the study file, absolute
    std::string name;
    std::string working_crs;   // DEFAULT: UTM zone of the data's centre
    std::string output_crs;    // [study] output_crs: CRS of vector outputs (see io/sink.hpp). DEFAULT: WGS84
    UnitLayer units;
    std::optional<VillageLayer> villages;
    PopulationLayer population;
    std::vector<FacilityLayer> facilities;

    std::vector<Method> methods{Method::crowfly};  // DEFAULT: crowfly only
    double radius_m = 1000.0;   // DEFAULT: 1,000 m (GB 50180 15-minute walk)
    double minutes = 15.0;      // DEFAULT: 15 min
    // Travel times are computed up to this many minutes (null only beyond it), so that a village
    // 16 minutes away does not look like one 60 minutes away. DEFAULT: 60 min.
    double horizon_minutes = 60.0;
    std::vector<network::Profile> profiles{network::Profile::walk};
    std::optional<NetworkSpec> network;
    std::vector<double> isochrone_minutes{5, 10, 15};  // DEFAULT: 5, 10, 15
    bool isochrones = true;          // DEFAULT: write isochrones.geojson when network is on
    double isochrone_cell_m = 50.0;  // DEFAULT: 50 m grid for service-area polygons
    // Service areas per kind (the union of its facilities') or one per facility with the people
    // inside ([coverage] service_areas = "per-kind" | "per-facility"). DEFAULT: per kind.
    bool service_areas_per_facility = false;
    // Gap patches with fewer people are left out of the gaps layer (counted in summary.json).
    // DEFAULT: 50 persons (about a hamlet; smaller patches are slivers along a threshold's edge).
    double gap_min_population = 50.0;
    bool travel_time_rasters = false;  // DEFAULT: no GeoTIFFs
    // Refuse a run whose estimated memory exceeds this many GB (pipeline/memory.hpp).
    // DEFAULT: 0 = 80 % of the machine's physical memory.
    double memory_limit_gb = 0.0;
    OutsidePolicy outside = OutsidePolicy::error;  // DEFAULT: error (names the first rows outside)
    std::string water_path;  // optional background layer for maps ([layers] water)
    std::string data_date;   // [study] data_date: date the data describe, shown on maps. DEFAULT: none
    std::optional<AccessSpec> access;  // DEFAULT: none (no access scores)
    // A partitioned run (docs/scale.md): only the cells of these unit codes are computed and written;
    // facilities farther than halo_m from every such cell are left out. DEFAULT: none (every unit).
    // REQUIRES for results equal to the whole run: halo_m >= the farthest measured trip (horizon
    // minutes x the fastest speed) and >= every kept cell's crow-fly distance to its nearest facility.
    std::vector<std::string> partition_units;
    double partition_halo_m = 0.0;
    // roads.geojson, the map background (`run --no-roads`). DEFAULT: written when the network is on.
    // A partition without it reads only the roads within its cells' box widened by halo_m and
    // max_snap_m (network/clip.hpp); `kepu15 merge` copies roads.geojson from the one that has it.
    bool roads = true;

    [[nodiscard]] bool uses(Method m) const;
    [[nodiscard]] double radius_for(const FacilityLayer& f) const { return f.radius_m.value_or(radius_m); }
    [[nodiscard]] double minutes_for(const FacilityLayer& f) const { return f.minutes.value_or(minutes); }
};

// Throws config_error naming the file and key (missing key, wrong type, unknown profile or method).
Study load_study(const std::string& path);

}  // namespace kepu15::study
