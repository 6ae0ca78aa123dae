// A study's layers read and projected to the working CRS: plain data for the core.
#pragma once

#include "kepu15/diagnostics.hpp"
#include "kepu15/geo/geometry.hpp"
#include "kepu15/study/study.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace kepu15::study {

struct Unit {
    std::string code;
    std::string name;
    MultiPolygon shape_m;       // working CRS
    MultiPolygon shape_lonlat;  // WGS84, for outputs
};

struct Village {
    std::string code;
    std::string name;
    std::string town_code;      // from town_field, else from the unit containing its point-on-surface
    std::string town_name;
    int urban = -1;             // 1 urban community, 0 rural village, -1 unknown
    std::int32_t unit = -1;     // index into Inputs::units
    MultiPolygon shape_m;
    MultiPolygon shape_lonlat;
};

struct FacilitySet {
    std::string kind;
    std::string label;
    std::string source;              // file, for messages
    std::vector<Point> position_m;
    std::vector<Point> position_lonlat;
    std::vector<std::string> id;
    std::vector<std::string> name;
    std::vector<double> capacity;    // NaN when the layer has no capacity field
    std::vector<std::int32_t> unit;  // containing unit, -1 outside
};

// Populated raster cells (population > 0) in raster order.
struct PopulationCells {
    std::string source;
    std::vector<std::string> group_names;
    std::vector<Point> centre_m;
    std::vector<double> population;
    std::vector<std::vector<double>> groups;  // [group][cell]
    std::vector<std::int32_t> col;
    std::vector<std::int32_t> row;
    std::vector<std::int32_t> unit;     // -1 outside every unit
    std::vector<std::int32_t> village;  // -1 outside every village
    // Cell corners: corner (c, r) of the raster grid, for c in [0, width], r in [0, height],
    // transformed once so that neighbouring cells share exact corner coordinates.
    int width = 0;
    int height = 0;
    double raster_total = 0.0;  // sum of band 1 over the whole raster (for conservation checks)
    std::string raster_crs;
    std::array<double, 6> geotransform{};

    [[nodiscard]] std::size_t size() const { return population.size(); }
};

struct Inputs {
    std::string working_crs;
    std::vector<Unit> units;
    std::vector<Village> villages;
    std::vector<FacilitySet> facilities;  // in study order
    PopulationCells cells;
};

// Reads every layer of the study, projects to the working CRS (given, or the UTM zone of the units'
// centre) and assigns cells and facilities to units and villages. Applies the study's outside policy.
// Warnings (dropped rows, cells outside every village) go to `diag`.
Inputs load_inputs(const Study& study, Diagnostics& diag);

// A scenario's attribute change of one facility: applied to the feature of a facility layer before
// the kinds reading that layer select their features with a table filter (FacilityLayer::select),
// so that e.g. making a school a demonstration school adds it to a `demo_school` kind.
struct FacilityEdit {
    std::string path;     // the layer's file (LayerSpec::path) ...
    std::string layer;    // ... and layer name (LayerSpec::read.layer)
    std::string id;       // matched against each kind's id_field (else the feature id)
    std::string field;
    io::FieldValue value;
    std::string origin;   // where the change is written ("plan.toml:12"), for messages
};

// The facility layers of `study`, projected to base.working_crs and located in base's units, for
// evaluating another facility set (a scenario) against inputs already loaded. `edits` change
// attributes first. Throws config_error naming the edit's origin for an unknown field or id, or
// for a layer that a kind selects from with an OGR SQL filter string (not re-applicable).
std::vector<FacilitySet> load_facility_sets(const Study& study, const Inputs& base, Diagnostics& diag,
                                            const std::vector<FacilityEdit>& edits = {});

// Quadrilateral of one cell in `to_crs` (usually WGS84 for outputs or the working CRS for GEOS).
class CellGeometry {
public:
    CellGeometry(const PopulationCells& cells, const std::string& to_crs);
    // Counter-clockwise ring of the cell at raster column `col`, row `row`.
    // REQUIRES: (col, row) is one of `cells` (only populated cells' corners are kept).
    [[nodiscard]] Polygon polygon(int col, int row) const;

private:
    int m_width = 0;
    std::unordered_map<std::uint64_t, Point> m_corners;  // corner id (row * (width + 1) + col) -> point
};

}  // namespace kepu15::study
