// Reads any GDAL/OGR vector source into plain features with WGS84 lon/lat geometry.
// Handles: GeoJSON, GeoPackage, Shapefile (with .cpg, or an explicit encoding such as GBK),
// CSV with lon/lat columns (detected by common names incl. 经度/纬度, lng, lon, longitude, x),
// and any other OGR driver. Source CRS: from the file, or ReadOptions::crs which overrides it
// (required when the file has none, except that CSV lon/lat defaults to WGS84); GCJ-02/BD-09 allowed.
#pragma once

#include "kepu15/diagnostics.hpp"

#include "kepu15/geo/geometry.hpp"
#include "kepu15/io/attributes.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace kepu15::io {

enum class GeometryKind { none, point, line, polygon };

struct FeatureGeometry {
    GeometryKind kind = GeometryKind::none;
    std::vector<Point> points;      // point / multipoint
    std::vector<LineString> lines;  // linestring / multilinestring
    MultiPolygon polygons;          // polygon / multipolygon
};

struct Feature {
    std::int64_t fid = -1;            // OGR feature id (CSV: 1-based data row number)
    std::vector<FieldValue> values;   // parallel to VectorLayer::fields
    FeatureGeometry geometry;         // WGS84 lon/lat
};

struct VectorLayer {
    std::string path;
    std::string layer_name;
    std::string source_crs;  // as given or as found in the file (WKT or name)
    std::vector<FieldDef> fields;
    std::vector<Feature> features;

    // Index of a field. Throws input_error "PATH, layer L: field 'F' not found (fields: a, b, c)".
    [[nodiscard]] std::size_t field_index(const std::string& name) const;
    // Optional variant: -1 when absent.
    [[nodiscard]] int find_field(const std::string& name) const;
    // "PATH, layer L" for messages.
    [[nodiscard]] std::string where() const;
    // "PATH, layer L, row N" (CSV: the data row, 1 = first line after the header) or
    // "PATH, layer L, feature N" (other formats: the feature id).
    [[nodiscard]] std::string where(const Feature& f) const;
    bool csv = false;  // read from a CSV file (rows are numbered as rows)
};

struct ReadOptions {
    std::string layer;       // DEFAULT: first layer
    std::string crs;         // DEFAULT: the file's own CRS (CSV lon/lat: EPSG:4326)
    std::string x_field;     // CSV only. DEFAULT: detected (经度, lng, lon, long, longitude, x, ...)
    std::string y_field;     // CSV only. DEFAULT: detected (纬度, lat, latitude, y, ...)
    // Text encoding of attributes (Shapefile, CSV), e.g. "GBK". DEFAULT: the .cpg, else UTF-8 with
    // GB18030 tried for text that is not valid UTF-8 (with a warning). Unknown names: config_error.
    std::string encoding;
    bool allow_empty = false;  // DEFAULT: an empty layer is an input_error
    std::string attribute_filter;  // OGR SQL WHERE clause, e.g. "demo_school = 1". DEFAULT: none
    // Where warnings (repaired polygons, decoded or replaced text) go: the run's diagnostics.
    // DEFAULT: none, the process-wide kepu15::warn().
    Diagnostics* diagnostics = nullptr;
};

// Throws input_error (missing file, unreadable layer, empty layer, NaN/infinite coordinate with
// the row, latitude beyond +-90 degrees, missing geometry), crs_error (unknown CRS, unreadable
// .prj, undefined SRS), config_error (unknown encoding). Invalid polygons are repaired with GEOS
// make-valid and reported through kepu15::warn naming the feature. Every string (field names and
// values) is valid UTF-8: decoded as documented at ReadOptions::encoding, and what still is not
// valid is replaced by U+FFFD with a warning naming the rows.
VectorLayer read_vector(const std::string& path, const ReadOptions& options = {});

// Layer names in a source (for messages and --help).
std::vector<std::string> list_layers(const std::string& path);

}  // namespace kepu15::io
