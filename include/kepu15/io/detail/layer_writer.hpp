// The one place where plain layers become OGR layers or GeoJSON text; used by write_vector() and
// by the sinks (sink.hpp). Only src/io includes this header.
#pragma once

#include "kepu15/io/layer.hpp"

#include <gdal_priv.h>

#include <memory>
#include <string>
#include <vector>

namespace kepu15::io::detail {

enum class VectorFormat { geojson, gpkg, postgis, shapefile, flatgeobuf, csv };

// "geojson", "gpkg", "postgis", "shapefile", "flatgeobuf", "csv" (and the aliases json, pg,
// postgresql, shp, esri shapefile, fgb). Throws config_error listing the formats.
VectorFormat parse_format(const std::string& name);
// By extension or prefix: .geojson/.json, .gpkg, PG:, .shp, .fgb, .csv. False when none matches.
bool guess_format(const std::string& path, VectorFormat& format);
const char* format_name(VectorFormat format);
const char* format_extension(VectorFormat format);  // ".geojson", ".gpkg", "", ".shp", ".fgb", ".csv"
const char* gdal_driver(VectorFormat format);

// A layer by reference, so writers never copy the largest layer (cells).
struct LayerRef {
    const std::string& name;
    const std::vector<FieldDef>& fields;
    const std::vector<OutputFeature>& features;
    GeometryKind geometry_kind;
    LayerRef(const Layer& l)  // NOLINT(google-explicit-constructor): a view of a Layer
        : name(l.name), fields(l.fields), features(l.features), geometry_kind(l.geometry_kind) {}
    LayerRef(const std::string& n, const std::vector<FieldDef>& f, const std::vector<OutputFeature>& fs,
             GeometryKind k)
        : name(n), fields(f), features(fs), geometry_kind(k) {}
};

// Output CRS and how to get there from WGS84.
struct OutputCrs {
    std::string crs = "EPSG:4326";  // as given: EPSG:4490, GCJ-02, WKT ...
    bool is_wgs84 = true;            // no transformation needed
    bool geographic = true;
    [[nodiscard]] OGRSpatialReference srs() const;  // GCJ-02/BD-09: WGS84 (they have no EPSG code)
    [[nodiscard]] int default_precision() const { return geographic ? 7 : 3; }
};
OutputCrs make_output_crs(const std::string& crs);  // "" = WGS84; crs_error for unknown CRS

// Field names as written: a Shapefile gets names of at most 10 bytes, cut at a UTF-8 character
// boundary and made unique (case-insensitively) with _2, _3 ...; other formats keep the names.
std::vector<std::string> shapefile_field_names(const std::vector<FieldDef>& fields);

// Writes one layer into an open dataset. `lco` are layer creation options. `names` (optional)
// are the field names to create, parallel to layer.fields. `order` (optional): the feature indices
// in the order to write them (all or some of the layer's features). `envelopes` (optional) receives each written geometry's extent in
// the output CRS, in write order. Throws output_error starting with `shown`.
void write_ogr_layer(GDALDataset& ds, const LayerRef& layer, const OutputCrs& crs, const std::vector<std::string>& lco,
                     const std::vector<std::string>& names, bool shapefile, const std::string& shown,
                     const std::vector<std::size_t>* order = nullptr, std::vector<OGREnvelope>* envelopes = nullptr);

// Writes one layer as a new file at `path` (no temporary: callers stage). Shapefile: also
// `<stem>.fieldnames.csv` when a name was changed. CSV: `.csvt` and `.prj`. FlatGeobuf: a layer of
// at least 2 x flatgeobuf_part_features features is encoded by GDAL in parts on up to `threads`
// threads (0: every core); the file is the same for any number of threads.
void write_layer_file(const std::string& path, VectorFormat format, const LayerRef& layer, const OutputCrs& crs,
                      int coordinate_precision, const std::string& shown, unsigned threads = 1);

inline constexpr std::size_t flatgeobuf_part_features = 10000;

// Layer creation options kepu15 uses for a format.
std::vector<std::string> layer_creation_options(VectorFormat format, GeometryKind kind);

// The features' geometry transformed (values kept), for writers that need a copy.
std::vector<OutputFeature> reprojected(const std::vector<OutputFeature>& features, const OutputCrs& crs);

}  // namespace kepu15::io::detail
