// Writes plain features through GDAL. Format by extension or prefix:
// .geojson/.json -> GeoJSON (RFC 7946, WGS84, 7 decimals), .gpkg -> GeoPackage,
// .shp -> ESRI Shapefile (UTF-8 .cpg), .csv -> CSV with WKT, "PG:..." -> PostGIS.
// File outputs are written to a temporary name in the same folder and renamed, so a failure
// never leaves a partial file.
#pragma once

#include "kepu15/io/attributes.hpp"
#include "kepu15/io/vector_reader.hpp"

#include <string>
#include <vector>

namespace kepu15::io {

struct OutputFeature {
    FeatureGeometry geometry;  // WGS84 lon/lat
    std::vector<FieldValue> values;
};

struct WriteOptions {
    std::string layer_name;      // DEFAULT: file stem
    GeometryKind geometry_kind = GeometryKind::polygon;
    int coordinate_precision = 7;  // GeoJSON decimals
    bool overwrite = true;
};

// Throws output_error naming the path.
void write_vector(const std::string& path, const std::vector<FieldDef>& fields,
                  const std::vector<OutputFeature>& features, const WriteOptions& options = {});

// Writes text to `path` through a temporary file and rename. Throws output_error.
void write_text_atomic(const std::string& path, const std::string& content);

// A set of outputs that appear together or not at all: files are first written into a hidden
// staging folder inside `out_dir`, and commit() renames them into place. The destructor removes
// the staging folder when commit() was not reached.
class StagedOutputs {
public:
    explicit StagedOutputs(std::string out_dir);  // creates out_dir if missing; output_error
    ~StagedOutputs();
    StagedOutputs(const StagedOutputs&) = delete;
    StagedOutputs& operator=(const StagedOutputs&) = delete;

    // Path to write `file_name` to while staging.
    [[nodiscard]] std::string staging_path(const std::string& file_name);
    // Final path of `file_name`.
    [[nodiscard]] std::string final_path(const std::string& file_name) const;
    void commit();

private:
    std::string m_out_dir;
    std::string m_staging_dir;
    std::vector<std::string> m_files;
    bool m_committed = false;
};

}  // namespace kepu15::io
