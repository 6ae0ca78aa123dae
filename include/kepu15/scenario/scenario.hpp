// A scenario: edits to a baseline study (see docs/siting.md "Scenario files"). Parsed and
// validated here as plain data; applying it to a loaded study is the compare command's job.
//
//   [scenario]            name, description, baseline = "../study.toml" (relative to this file),
//                         proposals = "site-run/proposals.geojson" (shorthand, kinds from the layer)
//   [coverage]            radius_m, minutes; [coverage.kinds.<kind>] radius_m, minutes
//   [network.speeds]      walk_kmh, elderly_kmh, bike_kmh, drive_default_kmh
//   [[add]]               kind, id, name, lon, lat, crs, capacity, attributes = {...}
//                         or kind, path, layer, crs, id_field, name_field, capacity_field
//   [remove]              <kind> = ["id", ...]
//   [[change]]            kind, id or ids, capacity, attributes = {...}
//   [[proposals]]         path (a `kepu15 site` proposals layer), kind, count
//   [[facilities]]        kind, label, from (a baseline kind whose layer it reads), filter = {...},
//                         radius_m, minutes: a kind evaluated on both sides of the comparison
//
// Every error is a config_error naming the file and line ("plan.toml:12: ..."): malformed TOML,
// unknown keys, wrong types, a missing baseline or layer file, contradictory edits.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

namespace kepu15::scenario {

using AttributeValue = std::variant<bool, double, std::string>;

// One facility written in the file. Coordinates in `crs` (lon/lat for geographic CRSs).
struct AddedPoint {
    std::string kind;
    std::string id;
    std::string name;
    double x = 0.0;             // lon
    double y = 0.0;             // lat
    std::string crs = "EPSG:4326";  // DEFAULT: WGS84; GCJ-02 and BD-09 accepted like the study
    std::optional<double> capacity;
    std::map<std::string, AttributeValue> attributes;
    int line = 0;
};

// Facilities added from a layer (any GDAL vector or CSV, read like a study's [[facilities]]).
struct AddedLayer {
    std::string kind;
    std::string path;  // absolute
    std::string layer, crs, id_field, name_field, capacity_field;
    int line = 0;
};

struct Removal {
    std::string kind;
    std::vector<std::string> ids;
    int line = 0;
};

struct AttributeChange {
    std::string kind;
    std::vector<std::string> ids;
    std::optional<double> capacity;
    std::map<std::string, AttributeValue> attributes;
    int line = 0;
};

struct KindThresholds {
    std::optional<double> radius_m;
    std::optional<double> minutes;
    int line = 0;
};

struct Overrides {
    std::optional<double> radius_m;
    std::optional<double> minutes;
    std::map<std::string, KindThresholds> kinds;
    std::optional<double> walk_kmh, elderly_kmh, bike_kmh, drive_default_kmh;
    [[nodiscard]] bool empty() const;
};

// Sites proposed by a `kepu15 site` run, taken as new facilities.
struct Proposals {
    std::string path;  // absolute
    std::string kind;  // DEFAULT: each feature's `kind` field
    std::optional<std::size_t> count;  // DEFAULT: all, else the first `count` in order of choice
    int line = 0;
};

// A kind the scenario declares for both sides of the comparison (the baseline study is not
// edited): the features of a baseline kind's layer that match `filter`, e.g. the demonstration
// schools among the schools. Attribute changes of that layer then add or remove members.
struct ExtraKind {
    std::string kind;
    std::string label;  // DEFAULT: kind
    std::string from;   // REQUIRED: the baseline kind whose layer, CRS and fields it reads
    std::map<std::string, AttributeValue> filter;  // REQUIRED, non-empty: field = value, all must hold
    std::optional<double> radius_m, minutes;       // DEFAULT: the baseline's thresholds
    int line = 0;
};

struct Scenario {
    std::string file;      // absolute
    std::string name;      // DEFAULT: the file's stem
    std::string description;
    std::string baseline;  // absolute path of the baseline study file
    std::vector<AddedPoint> add_points;
    std::vector<AddedLayer> add_layers;
    std::vector<Removal> removals;
    std::vector<AttributeChange> changes;
    Overrides overrides;
    std::vector<Proposals> proposals;
    std::vector<ExtraKind> kinds;
};

// Throws config_error "FILE:LINE: message" on any problem (see above).
Scenario load_scenario(const std::string& path);

// Checks the scenario against the baseline's facilities (kind -> ids, extra kinds included):
// every kind exists, every removed id and every id whose capacity is changed exists, every added id
// is new. Ids of attribute changes are checked against the kind's whole layer when it is read
// (study::FacilityEdit), since they may name features outside the kind's filter. Throws
// config_error naming the scenario file, line, kind and id.
void check_ids(const Scenario& s, const std::map<std::string, std::set<std::string>>& ids_by_kind);

}  // namespace kepu15::scenario
