// Layers shared by the export tests: Chinese text, long and non-ASCII field names, nulls,
// a polygon with a hole, a multipolygon, an attribute table.
#pragma once

#include "../support/cli.hpp"
#include "kepu15/io/layer.hpp"

#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <string>

namespace kepu15::test {

inline io::FeatureGeometry point_at(double x, double y) {
    io::FeatureGeometry g;
    g.kind = io::GeometryKind::point;
    g.points = {{x, y}};
    return g;
}

inline Ring square(double x0, double y0, double side) {
    return {{x0, y0}, {x0 + side, y0}, {x0 + side, y0 + side}, {x0, y0 + side}, {x0, y0}};
}

// Points with names that a Shapefile cannot hold as they are.
inline io::Layer places_layer() {
    io::Layer l;
    l.name = "places";
    l.geometry_kind = io::GeometryKind::point;
    l.fields = {{"name", io::FieldType::string},
                {"population", io::FieldType::integer},
                {"share", io::FieldType::real},
                {"station_walk_covered", io::FieldType::integer},
                {"station_walk_min", io::FieldType::real},
                {"科普站步行覆盖率", io::FieldType::real}};
    l.features.push_back({point_at(120.958, 31.386), {std::string("玉山镇 科普馆"), std::int64_t{120}, 0.125,
                                                       std::int64_t{1}, 7.25, 0.5}});
    l.features.push_back({point_at(121.012, 31.255), {std::string("Zhoushi, \"north\""), std::int64_t{-7},
                                                       std::monostate{}, std::int64_t{0}, std::monostate{}, 1.0}});
    l.features.push_back({point_at(120.9, 31.3), {std::monostate{}, std::monostate{}, 123456.789, std::int64_t{1},
                                                   14.5, std::monostate{}}});
    return l;
}

inline io::Layer areas_layer() {
    io::Layer l;
    l.name = "areas";
    l.geometry_kind = io::GeometryKind::polygon;
    l.fields = {{"code", io::FieldType::string}, {"area_km2", io::FieldType::real}};
    io::FeatureGeometry holed;
    holed.kind = io::GeometryKind::polygon;
    Polygon p;
    p.outer = square(120.9, 31.3, 0.01);
    Ring hole = square(120.902, 31.302, 0.002);
    std::reverse(hole.begin(), hole.end());
    p.holes.push_back(hole);
    holed.polygons.push_back(p);
    io::FeatureGeometry two;
    two.kind = io::GeometryKind::polygon;
    two.polygons = {Polygon{square(121.0, 31.0, 0.001), {}}, Polygon{square(121.1, 31.1, 0.0012345), {}}};
    l.features.push_back({holed, {std::string("320583001"), 0.96}});
    l.features.push_back({two, {std::string("320583002"), 0.0025}});
    return l;
}

inline io::Layer towns_table() {
    io::Layer l;
    l.name = "towns";
    l.geometry_kind = io::GeometryKind::none;
    l.fields = {{"town_name", io::FieldType::string}, {"population", io::FieldType::integer}};
    l.features.push_back({{}, {std::string("花桥镇"), std::int64_t{180000}}});
    l.features.push_back({{}, {std::string("周市镇"), std::int64_t{95000}}});
    return l;
}

inline GDALDatasetUniquePtr open_vector(const std::string& path) {
    GDALAllRegister();
    return GDALDatasetUniquePtr(GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR, nullptr, nullptr, nullptr));
}

// EPSG code of a layer's SRS, 0 when none.
inline int epsg_of(OGRLayer* layer) {
    const OGRSpatialReference* srs = layer->GetSpatialRef();
    if (srs == nullptr) return 0;
    OGRSpatialReference copy(*srs);
    if (copy.GetAuthorityCode(nullptr) == nullptr) copy.AutoIdentifyEPSG();
    const char* code = copy.GetAuthorityCode(nullptr);
    return code != nullptr ? std::atoi(code) : 0;
}

inline bool valid_utf8(const std::string& s) {
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        const std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
        if (n == 0 || i + n > s.size()) return false;
        for (std::size_t k = 1; k < n; ++k) {
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
        }
        i += n;
    }
    return true;
}

}  // namespace kepu15::test
