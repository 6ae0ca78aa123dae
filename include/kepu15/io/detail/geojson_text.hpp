// RFC 7946 GeoJSON text for plain features. write_vector() uses it for .geojson/.json outputs:
// GDAL's GeoJSON driver formats numbers through printf and took ~5 s for the 88,000-cell Kunshan
// layer, over the whole run's budget; this writer takes a small fraction of that. GDAL still reads
// every output back in the tests.
#pragma once

#include "kepu15/io/vector_writer.hpp"

#include <string>
#include <vector>

namespace kepu15::io::detail {

// The whole FeatureCollection: WGS84 lon/lat with `coordinate_precision` decimals, exterior rings
// counter-clockwise and holes clockwise, properties in field order, null for null/NaN/infinite.
// Each part is appended to `out`, so callers can stream large layers.
void append_geojson_header(std::string& out, const std::string& layer_name);
void append_geojson_feature(std::string& out, const std::vector<FieldDef>& fields, const OutputFeature& feature,
                            int coordinate_precision, bool first);
void append_geojson_footer(std::string& out);

// A coordinate as std::to_chars(v, fixed, precision) writes it, without trailing zeros or a
// trailing point, and "0" for a negative value that rounds to zero: 120.9540000 -> 120.954.
void append_coordinate(std::string& out, double v, int precision);

}  // namespace kepu15::io::detail
