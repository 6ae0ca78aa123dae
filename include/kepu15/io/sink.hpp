// Where outputs go. Report code builds plain layers (layer.hpp) and hands them to a sink; the
// sink knows the format, the output CRS and how to make the result appear all at once.
//
// Targets (SinkOptions::format overrides the guess from the path):
//   DIR            a folder of GeoJSON files (DEFAULT), or of Shapefiles, FlatGeobuf or CSV files with
//                  --format; an io::OutputFolder (output_folder.hpp): swapped into place in one step
//   x.gpkg         one GeoPackage with every layer, written to a temporary file in one transaction
//                  and renamed over the target
//   PG:...         a PostGIS schema (SinkOptions::schema), written in one transaction; an existing
//                  table is replaced only with SinkOptions::overwrite
//   x.geojson, x.shp, x.fgb, x.csv
//                  a single layer (kepu15 coverage), temporary file(s) renamed into place
// Raw files (summary.json, towns.csv, GeoTIFFs) go into the folder for folder targets; GeoPackage
// and PostGIS targets keep them in a table `kepu15_files` (name TEXT, content BLOB/bytea) inside
// the same file or transaction; single-layer targets accept none.
// Attribute tables (GeometryKind::none) are `<name>.csv` in GeoJSON and FlatGeobuf folders,
// `<name>.dbf` in Shapefile folders and plain tables in GeoPackage and PostGIS.
// Tables for people (add_table: towns.csv, villages.csv, compare.csv) are Excel CSV files
// (csv_table.hpp) in every folder; GeoPackage and PostGIS keep the same bytes in kepu15_files and
// also get them as an attribute table `<name>_table`.
#pragma once

#include "kepu15/io/csv_table.hpp"
#include "kepu15/io/layer.hpp"

#include <memory>
#include <string>

namespace kepu15::io {

struct SinkOptions {
    // geojson, gpkg, postgis, shapefile, flatgeobuf or csv. DEFAULT: guessed from the target
    // (PG: prefix, extension; anything else is a GeoJSON folder)
    std::string format;
    // Any PROJ CRS, CGCS2000 (= EPSG:4490), GCJ-02 or BD-09 (for Chinese web maps; stored with a
    // WGS84 SRS since they have no EPSG code). Layers are given in WGS84. DEFAULT: WGS84
    std::string output_crs;
    std::string working_crs;    // what output_crs "working" means (the caller knows it). DEFAULT: none
    std::string schema;         // PostGIS schema, created when missing. DEFAULT: public
    bool overwrite = false;     // PostGIS, and layers added to an existing GeoPackage: replace tables
    std::string layer_name;     // single-layer targets: layer/table name. DEFAULT: file stem or layer's own
    // GeoPackage: add layers to an existing file (kepu15 coverage --layer) instead of replacing it
    // as a whole (kepu15 run). DEFAULT: replace
    bool keep_other_layers = false;
    int coordinate_precision = -1;  // GeoJSON and CSV decimals. DEFAULT: 7 for degrees, 3 for metres
    // Threads a FlatGeobuf writer may use for one large layer (the file does not depend on it).
    // DEFAULT: 0, every core.
    unsigned threads = 0;
};

class Sink {
public:
    virtual ~Sink() = default;  // without commit(): nothing of this sink's output remains
    // Thread-safe: layers and files may be added from several threads. Throws output_error.
    virtual void add_layer(const Layer& layer) = 0;
    virtual void add_file(const std::string& name, const std::string& content) = 0;
    // A table for people, `name` without extension ("towns"): files `<name>.csv`
    // (format_csv_table) and `<name>.csvt` (csv_table_types) through add_file; GeoPackage and
    // PostGIS also get the attribute table `<name>_table` (csv_table_layer). In a CSV folder a
    // layer added later under the same name is written as `<name>_geometry.csv`. Thread-safe.
    virtual void add_table(const std::string& name, const CsvTable& table);
    // A path where another writer (GeoTIFF) may create raw file `name`; it becomes part of the
    // output at commit().
    [[nodiscard]] virtual std::string file_path(const std::string& name) = 0;
    virtual void commit() = 0;
    // The target for messages and logs: never with a password.
    [[nodiscard]] virtual std::string describe() const = 0;
};

// Throws config_error (unknown format, bad combination), crs_error (unknown output CRS),
// output_error (cannot write, table exists, locked folder). A PG: target never creates a folder.
std::unique_ptr<Sink> open_sink(const std::string& target, const SinkOptions& options);

// The target with any password replaced by *** (PG:"... password=x", postgresql://u:x@h/db), for
// messages and logs.
std::string redact_connection(const std::string& target);

// For --help: "geojson (folder, DEFAULT), gpkg, postgis (PG:...), shapefile, flatgeobuf, csv".
const char* sink_formats_help();

}  // namespace kepu15::io
