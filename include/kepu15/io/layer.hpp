// An output layer as plain data: what report/ builds and a sink writes (GeoJSON folder, GeoPackage,
// PostGIS, Shapefile, FlatGeobuf, CSV). Report code knows no format; a sink knows no study.
#pragma once

#include "kepu15/io/vector_writer.hpp"

#include <string>
#include <vector>

namespace kepu15::io {

struct Layer {
    std::string name;                                    // "cells", "gaps", "villages", ... (no extension)
    std::vector<FieldDef> fields;
    std::vector<OutputFeature> features;                 // geometry in WGS84 lon/lat; a sink reprojects
    GeometryKind geometry_kind = GeometryKind::polygon;  // none: an attribute table (towns, compare)
};

}  // namespace kepu15::io
