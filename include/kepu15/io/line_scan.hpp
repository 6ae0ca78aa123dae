// A streaming scan of a GDAL line layer for large road networks: only the fields asked for are
// read (the others are ignored by the driver), coordinates are copied straight out of the driver's
// geometry, and no feature is kept after its callback returns. It handles the plain case only:
// anything read_vector treats specially (CSV, Shapefile or declared encodings, attribute filters,
// GeoJSON with a "crs" member, text that is not UTF-8, geometry that is not a line, non-finite
// coordinates, a missing or undefined CRS, a missing field) makes it return `fallback`, and the
// caller reads the layer with read_vector, whose messages and repairs then apply unchanged.
#pragma once

#include "kepu15/geo/geometry.hpp"
#include "kepu15/io/attributes.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace kepu15::io {

struct LineScanOptions {
    std::string layer;                // DEFAULT: first layer
    std::string crs;                  // DEFAULT: the file's own (an override goes through read_vector)
    std::string encoding;             // non-empty: read_vector decodes it
    std::string attribute_filter;     // non-empty: read_vector
    std::vector<std::string> fields;  // field names to read, in this order
    // Features whose envelopes miss this box are skipped by the driver (its spatial index), when
    // the layer's CRS is spatial_filter_crs. DEFAULT: none.
    std::optional<Box> spatial_filter;
    std::string spatial_filter_crs;
};

struct LineScanFeature {
    std::size_t row = 0;             // 0-based order of reading (as read_vector's features)
    std::int64_t fid = -1;
    std::vector<FieldValue> values;  // per LineScanOptions::fields; types as read_vector gives them
    std::vector<LineString> lines;   // parts of >= 1 point, in the layer's CRS (LineScanInfo::source_crs)
};

struct LineScanInfo {
    std::string where;       // "PATH, layer L", as VectorLayer::where()
    std::string source_crs;  // "EPSG:n" or WKT, as VectorLayer::source_crs
};

enum class LineScanResult { done, fallback };

// Calls `begin` once the layer is open (before any feature), then `on_feature` per feature in
// reading order. Returns fallback (possibly after some features were passed on: the caller
// discards what it built) when the layer needs read_vector. Throws input_error for a file that
// cannot be opened or read.
LineScanResult scan_lines(const std::string& path, const LineScanOptions& options,
                          const std::function<void(const LineScanInfo&)>& begin,
                          const std::function<void(const LineScanFeature&)>& on_feature);

}  // namespace kepu15::io
