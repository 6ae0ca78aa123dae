// Writes plain features through GDAL. Format by extension or prefix:
// .geojson/.json -> GeoJSON (RFC 7946, WGS84, 7 decimals), .gpkg -> GeoPackage,
// .shp -> ESRI Shapefile (UTF-8 .cpg, names of at most 10 bytes: see docs/exports.md),
// .fgb -> FlatGeobuf, .csv -> CSV (points as X/Y, other geometry as WKT, .csvt, .prj),
// "PG:..." -> PostGIS. File outputs are written to a temporary name in the same folder and
// renamed, so a failure never leaves a partial file. Several layers at once: see sink.hpp.
#pragma once

#include "kepu15/io/attributes.hpp"
#include "kepu15/io/vector_reader.hpp"

#include <memory>
#include <string>
#include <vector>

namespace kepu15::io {

class OutputFolder;

struct OutputFeature {
    FeatureGeometry geometry;  // WGS84 lon/lat
    std::vector<FieldValue> values;
};

struct WriteOptions {
    std::string layer_name;      // DEFAULT: file stem
    GeometryKind geometry_kind = GeometryKind::polygon;
    int coordinate_precision = -1;  // decimals (GeoJSON, CSV). DEFAULT: 7 for degrees, 3 for metres
    bool overwrite = true;
    std::string output_crs;         // DEFAULT: WGS84 (EPSG:4326); features are always given in WGS84
    // Threads a FlatGeobuf writer may use for a large layer (the file does not depend on it).
    // DEFAULT: 0, every core.
    unsigned threads = 0;
};

// Throws output_error naming the path.
void write_vector(const std::string& path, const std::vector<FieldDef>& fields,
                  const std::vector<OutputFeature>& features, const WriteOptions& options = {});

// Writes text to `path` through a temporary file and rename. Throws output_error.
void write_text_atomic(const std::string& path, const std::string& content);

// A set of outputs that appear together or not at all (an io::OutputFolder, see
// output_folder.hpp): files are written into a staging folder beside `out_dir`, and commit()
// swaps it into place in one step. The destructor removes the staging folder when commit() was
// not reached.
class StagedOutputs {
public:
    explicit StagedOutputs(std::string out_dir);  // output_error (e.g. another run holds the folder)
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
    std::unique_ptr<OutputFolder> m_folder;
};

}  // namespace kepu15::io
