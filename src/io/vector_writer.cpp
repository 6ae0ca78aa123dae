#include "kepu15/io/vector_writer.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <cpl_vsi.h>

#include <cstdio>
#include <filesystem>
#include <limits>
#include <memory>
#include <set>
#include <thread>

#include "kepu15/error.hpp"
#include "kepu15/geo/crs.hpp"
#include "kepu15/io/detail/flatgeobuf_index.hpp"
#include "kepu15/io/detail/gdal_util.hpp"
#include "kepu15/io/detail/geojson_text.hpp"
#include "kepu15/io/detail/layer_writer.hpp"
#include "kepu15/io/detail/feature_geometry.hpp"
#include "kepu15/io/output_folder.hpp"
#include "kepu15/parallel.hpp"

namespace kepu15::io {

namespace fs = std::filesystem;
using detail::ErrorKind;
using detail::GdalErrorScope;
using detail::VectorFormat;
using detail::part_count;
using detail::transform_geometry;

namespace {

// Sidecars a shapefile may have; ".shp" is renamed last so that a reader never sees a .shp
// whose .dbf is still missing.
const std::vector<std::string> shapefile_parts{".shx", ".dbf", ".prj",     ".cpg", ".qix", ".sbn",
                                               ".sbx", ".shp.xml", ".fieldnames.csv", ".shp"};
const std::vector<std::string> csv_parts{".csvt", ".prj", ".csv"};

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

// Unique within the process (threads) and across processes (pid).
std::string temp_name(const std::string& stem) {
    static std::atomic<unsigned> counter{0};
    return "." + stem + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

// Removes every file in `dir` whose name starts with `prefix` (a temporary and its sidecars).
void remove_temporaries(const fs::path& dir, const std::string& prefix) {
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.rfind(prefix, 0) == 0) {
            std::error_code ignored;
            fs::remove_all(it->path(), ignored);
        }
    }
}

void require_folder(const fs::path& dir, const std::string& shown) {
    std::error_code ec;
    if (!fs::is_directory(dir.empty() ? fs::path(".") : dir, ec)) {
        throw output_error(shown + ": folder '" + dir.string() + "' does not exist");
    }
}

OGRwkbGeometryType layer_type(GeometryKind kind, bool multi) {
    switch (kind) {
        case GeometryKind::point:
            return multi ? wkbMultiPoint : wkbPoint;
        case GeometryKind::line:
            return multi ? wkbMultiLineString : wkbLineString;
        case GeometryKind::polygon:
            return multi ? wkbMultiPolygon : wkbPolygon;
        default:
            return wkbNone;
    }
}

void fill_ring(OGRLinearRing& r, const Ring& ring) {
    r.setNumPoints(static_cast<int>(ring.size()), FALSE);
    for (std::size_t i = 0; i < ring.size(); ++i) r.setPoint(static_cast<int>(i), ring[i].x, ring[i].y);
    r.closeRings();
}

OGRPolygon* make_polygon(const Polygon& p) {
    auto* poly = new OGRPolygon();
    auto* outer = new OGRLinearRing();
    fill_ring(*outer, p.outer);
    poly->addRingDirectly(outer);
    for (const auto& h : p.holes) {
        auto* hole = new OGRLinearRing();
        fill_ring(*hole, h);
        poly->addRingDirectly(hole);
    }
    return poly;
}

OGRLineString* make_line(const LineString& l) {
    auto* ls = new OGRLineString();
    ls->setNumPoints(static_cast<int>(l.size()), FALSE);
    for (std::size_t i = 0; i < l.size(); ++i) ls->setPoint(static_cast<int>(i), l[i].x, l[i].y);
    return ls;
}

std::unique_ptr<OGRGeometry> make_geometry(const FeatureGeometry& g, GeometryKind kind, bool multi) {
    switch (kind) {
        case GeometryKind::point: {
            if (!multi) return std::make_unique<OGRPoint>(g.points.front().x, g.points.front().y);
            auto mp = std::make_unique<OGRMultiPoint>();
            for (const auto& p : g.points) mp->addGeometryDirectly(new OGRPoint(p.x, p.y));
            return mp;
        }
        case GeometryKind::line: {
            if (!multi) return std::unique_ptr<OGRGeometry>(make_line(g.lines.front()));
            auto ml = std::make_unique<OGRMultiLineString>();
            for (const auto& l : g.lines) ml->addGeometryDirectly(make_line(l));
            return ml;
        }
        case GeometryKind::polygon: {
            if (!multi) return std::unique_ptr<OGRGeometry>(make_polygon(g.polygons.front()));
            auto mp = std::make_unique<OGRMultiPolygon>();
            for (const auto& p : g.polygons) mp->addGeometryDirectly(make_polygon(p));
            return mp;
        }
        default:
            return nullptr;
    }
}

// Checks that every feature fits the layer; returns whether any feature has several parts.
bool validate_features(const std::vector<FieldDef>& fields, const std::vector<OutputFeature>& features,
                       GeometryKind kind, const std::string& shown) {
    bool multi = false;
    for (std::size_t i = 0; i < features.size(); ++i) {
        const auto& g = features[i].geometry;
        if (g.kind != GeometryKind::none && g.kind != kind) {
            throw output_error(shown + ": feature " + std::to_string(i) +
                               " has a different geometry kind than the layer");
        }
        if (features[i].values.size() != fields.size()) {
            throw output_error(shown + ": feature " + std::to_string(i) + " has " +
                               std::to_string(features[i].values.size()) + " values for " +
                               std::to_string(fields.size()) + " fields");
        }
        multi = multi || part_count(g, kind) > 1;
    }
    return multi;
}

// The GeoJSON "crs" member (GeoJSON 2008) for outputs in another CRS than WGS84, which RFC 7946
// does not allow but GDAL and QGIS read; WGS84 outputs carry none.
std::string crs_member(const detail::OutputCrs& crs) {
    if (crs.is_wgs84) return {};
    const OGRSpatialReference srs = crs.srs();
    const char* auth = srs.GetAuthorityName(nullptr);
    const char* code = srs.GetAuthorityCode(nullptr);
    std::string name;
    if (auth != nullptr && code != nullptr) {
        name = std::string("urn:ogc:def:crs:") + auth + "::" + code;
    } else {
        name = srs.GetName() != nullptr ? srs.GetName() : crs.crs;
    }
    std::string out = "\"crs\": {\"type\": \"name\", \"properties\": {\"name\": \"";
    for (char c : name) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"}},\n";
}

// GeoJSON text through detail::append_geojson_* (see geojson_text.hpp for why not GDAL's driver),
// streamed in blocks.
void write_geojson(const fs::path& path, const detail::LayerRef& layer, const detail::OutputCrs& crs, int precision,
                   const std::string& shown) {
    validate_features(layer.fields, layer.features, layer.geometry_kind, shown);
    std::unique_ptr<geo::Transformer> t;
    if (!crs.is_wgs84) t = std::make_unique<geo::Transformer>(geo::wgs84, crs.crs);
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "wb"), &std::fclose);
    if (!file) throw output_error(shown + ": cannot create '" + path.string() + "'");
    std::string block;
    block.reserve(1 << 21);
    bool ok = true;
    const auto flush = [&] {
        ok = ok && std::fwrite(block.data(), 1, block.size(), file.get()) == block.size();
        block.clear();
    };
    detail::append_geojson_header(block, layer.name);
    if (const std::string member = crs_member(crs); !member.empty()) {
        block.insert(block.find("\"features\""), member);
    }
    OutputFeature moved;
    for (std::size_t i = 0; i < layer.features.size(); ++i) {
        if (t) {
            moved.geometry = layer.features[i].geometry;
            transform_geometry(moved.geometry, *t);
            moved.values = layer.features[i].values;
            detail::append_geojson_feature(block, layer.fields, moved, precision, i == 0);
        } else {
            detail::append_geojson_feature(block, layer.fields, layer.features[i], precision, i == 0);
        }
        if (block.size() > (1 << 20)) flush();
    }
    detail::append_geojson_footer(block);
    flush();
    ok = ok && std::fflush(file.get()) == 0;
    ok = std::fclose(file.release()) == 0 && ok;
    if (!ok) throw output_error(shown + ": write failed (disk full?)");
}

bool is_ascii(const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// At most `max_bytes` of `s`, never ending inside a UTF-8 character.
std::string utf8_prefix(const std::string& s, std::size_t max_bytes) {
    if (s.size() <= max_bytes) return s;
    std::size_t end = max_bytes;
    while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
    return s.substr(0, end);
}

void write_text_file(const fs::path& path, const std::string& text, const std::string& shown) {
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "wb"), &std::fclose);
    bool ok = f != nullptr && std::fwrite(text.data(), 1, text.size(), f.get()) == text.size();
    ok = f != nullptr && std::fclose(f.release()) == 0 && ok;
    if (!ok) throw output_error(shown + ": cannot write '" + path.filename().string() + "'");
}

std::string csv_quoted(const std::string& s) {
    if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

// The write order for a FlatGeobuf layer whose index kepu15 builds: Hilbert order of the features'
// extents (in WGS84: the order only has to keep neighbours together). False when GDAL should build
// the index (no features, or a feature without geometry, which has no place in the index).
bool own_flatgeobuf_index(const detail::LayerRef& layer, std::vector<std::size_t>& order) {
    if (layer.geometry_kind == GeometryKind::none || layer.features.empty()) return false;
    std::vector<detail::Box> boxes(layer.features.size());
    for (std::size_t i = 0; i < layer.features.size(); ++i) {
        const auto& g = layer.features[i].geometry;
        if (part_count(g, layer.geometry_kind) == 0) return false;
        detail::Box b{std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity(),
                      -std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()};
        const auto add = [&b](const Point& p) {
            b.min_x = std::min(b.min_x, p.x);
            b.min_y = std::min(b.min_y, p.y);
            b.max_x = std::max(b.max_x, p.x);
            b.max_y = std::max(b.max_y, p.y);
        };
        for (const auto& p : g.points) add(p);
        for (const auto& l : g.lines) std::for_each(l.begin(), l.end(), add);
        for (const auto& p : g.polygons) std::for_each(p.outer.begin(), p.outer.end(), add);
        boxes[i] = b;
    }
    order = detail::hilbert_order(boxes);
    return true;
}

}  // namespace

namespace detail {

VectorFormat parse_format(const std::string& name) {
    const std::string n = lower(name);
    if (n == "geojson" || n == "json") return VectorFormat::geojson;
    if (n == "gpkg" || n == "geopackage") return VectorFormat::gpkg;
    if (n == "postgis" || n == "pg" || n == "postgresql") return VectorFormat::postgis;
    if (n == "shapefile" || n == "shp" || n == "esri shapefile") return VectorFormat::shapefile;
    if (n == "flatgeobuf" || n == "fgb") return VectorFormat::flatgeobuf;
    if (n == "csv") return VectorFormat::csv;
    throw config_error("--format: unknown format '" + name +
                       "' (use geojson, gpkg, postgis, shapefile, flatgeobuf or csv)");
}

bool guess_format(const std::string& path, VectorFormat& format) {
    if (path.rfind("PG:", 0) == 0 || path.rfind("pg:", 0) == 0 || path.rfind("postgresql://", 0) == 0) {
        format = VectorFormat::postgis;
        return true;
    }
    const std::string ext = lower(fs::path(path).extension().string());
    if (ext == ".geojson" || ext == ".json") {
        format = VectorFormat::geojson;
    } else if (ext == ".gpkg") {
        format = VectorFormat::gpkg;
    } else if (ext == ".shp") {
        format = VectorFormat::shapefile;
    } else if (ext == ".fgb") {
        format = VectorFormat::flatgeobuf;
    } else if (ext == ".csv") {
        format = VectorFormat::csv;
    } else {
        return false;
    }
    return true;
}

const char* format_name(VectorFormat format) {
    switch (format) {
        case VectorFormat::geojson: return "GeoJSON";
        case VectorFormat::gpkg: return "GeoPackage";
        case VectorFormat::postgis: return "PostGIS";
        case VectorFormat::shapefile: return "Shapefile";
        case VectorFormat::flatgeobuf: return "FlatGeobuf";
        case VectorFormat::csv: return "CSV";
    }
    return "?";
}

const char* format_extension(VectorFormat format) {
    switch (format) {
        case VectorFormat::geojson: return ".geojson";
        case VectorFormat::gpkg: return ".gpkg";
        case VectorFormat::postgis: return "";
        case VectorFormat::shapefile: return ".shp";
        case VectorFormat::flatgeobuf: return ".fgb";
        case VectorFormat::csv: return ".csv";
    }
    return "";
}

const char* gdal_driver(VectorFormat format) {
    switch (format) {
        case VectorFormat::geojson: return "GeoJSON";
        case VectorFormat::gpkg: return "GPKG";
        case VectorFormat::postgis: return "PostgreSQL";
        case VectorFormat::shapefile: return "ESRI Shapefile";
        case VectorFormat::flatgeobuf: return "FlatGeobuf";
        case VectorFormat::csv: return "CSV";
    }
    return "";
}

OGRSpatialReference OutputCrs::srs() const {
    OGRSpatialReference s;
    s.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    if (is_wgs84 || geo::chinese_datum_of(crs) != geo::ChineseDatum::none) {
        s.importFromEPSG(4326);
    } else if (s.SetFromUserInput(crs.c_str()) != OGRERR_NONE) {
        throw crs_error("output CRS '" + crs + "': GDAL cannot read it");
    }
    // An EPSG code when PROJ can identify the CRS, so GeoPackage and PostGIS store a real srs_id.
    if (s.GetAuthorityCode(nullptr) == nullptr) s.AutoIdentifyEPSG();
    return s;
}

OutputCrs make_output_crs(const std::string& crs) {
    OutputCrs out;
    const std::string l = lower(crs);
    if (crs.empty() || l == "wgs84" || l == "epsg:4326") return out;
    out.crs = l == "cgcs2000" ? "EPSG:4490" : crs;
    geo::validate_crs(out.crs);
    out.is_wgs84 = false;
    out.geographic = geo::is_geographic(out.crs);
    return out;
}

std::vector<std::string> shapefile_field_names(const std::vector<FieldDef>& fields) {
    std::vector<std::string> out;
    std::set<std::string> taken;  // lower-case: dBASE names are compared without case
    // Names that are already valid keep priority over shortened ones.
    std::vector<bool> valid(fields.size());
    for (std::size_t i = 0; i < fields.size(); ++i) {
        const auto& n = fields[i].name;
        valid[i] = !n.empty() && n.size() <= 10 && is_ascii(n) && taken.insert(lower(n)).second;
    }
    for (std::size_t i = 0; i < fields.size(); ++i) {
        if (valid[i]) {
            out.push_back(fields[i].name);
            continue;
        }
        std::string base = utf8_prefix(fields[i].name.empty() ? std::string("field") : fields[i].name, 10);
        std::string name = base;
        for (int k = 2; !taken.insert(lower(name)).second; ++k) {
            // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) about "_" + std::string.
            std::string suffix = "_";
            suffix += std::to_string(k);
            name = utf8_prefix(base, 10 - suffix.size());
            name += suffix;
        }
        out.push_back(name);
    }
    return out;
}

std::vector<std::string> layer_creation_options(VectorFormat format, GeometryKind kind) {
    switch (format) {
        // Text widths are set to the longest value up front (write_ogr_layer): GDAL's RESIZE=YES
        // rewrites the .dbf record by record at close and took 90 s for the 88,000-cell layer.
        case VectorFormat::shapefile: return {"ENCODING=UTF-8"};
        case VectorFormat::csv:
            return {kind == GeometryKind::point ? "GEOMETRY=AS_XY" : "GEOMETRY=AS_WKT", "CREATE_CSVT=YES",
                    "WRITE_BOM=YES", "STRING_QUOTING=IF_NEEDED"};
        case VectorFormat::gpkg: return {"GEOMETRY_NAME=geom", "FID=fid"};
        case VectorFormat::postgis: return {"GEOMETRY_NAME=geom", "FID=fid", "LAUNDER=NO", "PRECISION=NO"};
        case VectorFormat::flatgeobuf: return {"SPATIAL_INDEX=YES"};
        case VectorFormat::geojson: return {};
    }
    return {};
}

std::vector<OutputFeature> reprojected(const std::vector<OutputFeature>& features, const OutputCrs& crs) {
    std::vector<OutputFeature> out = features;
    if (crs.is_wgs84) return out;
    const geo::Transformer t(geo::wgs84, crs.crs);
    for (auto& f : out) transform_geometry(f.geometry, t);
    return out;
}

void write_ogr_layer(GDALDataset& ds, const LayerRef& layer, const OutputCrs& crs, const std::vector<std::string>& lco,
                     const std::vector<std::string>& names, bool shapefile, const std::string& shown,
                     const std::vector<std::size_t>* order, std::vector<OGREnvelope>* envelopes) {
    const GeometryKind kind = layer.geometry_kind;
    const auto& fields = layer.fields;
    const auto& features = layer.features;
    const bool multi = validate_features(fields, features, kind, shown);
    std::unique_ptr<geo::Transformer> t;
    if (!crs.is_wgs84 && kind != GeometryKind::none) t = std::make_unique<geo::Transformer>(geo::wgs84, crs.crs);

    GdalErrorScope errors;
    OGRSpatialReference srs = crs.srs();
    CPLStringList options;
    for (const auto& o : lco) options.AddString(o.c_str());
    OGRLayer* out = ds.CreateLayer(layer.name.c_str(), kind == GeometryKind::none ? nullptr : &srs,
                                   layer_type(kind, multi), options.List());
    if (out == nullptr) {
        detail::throw_gdal(ErrorKind::output, shown + ": cannot create layer '" + layer.name + "'", errors);
    }
    for (std::size_t i = 0; i < fields.size(); ++i) {
        const auto& def = fields[i];
        const std::string& name = names.empty() ? def.name : names[i];
        const OGRFieldType type = def.type == FieldType::integer ? OFTInteger64
                                  : def.type == FieldType::real  ? OFTReal
                                                                 : OFTString;
        OGRFieldDefn fd(name.c_str(), type);
        if (shapefile && type == OFTString) {
            std::size_t longest = 1;
            for (const auto& f : features) longest = std::max(longest, as_text(f.values[i]).size());
            if (longest > 254) {
                kepu15::warn(shown + ": field '" + def.name + "' is cut to 254 bytes (Shapefile limit)");
            }
            fd.SetWidth(static_cast<int>(std::min<std::size_t>(longest, 254)));
        }
        detail::check(out->CreateField(&fd), ErrorKind::output, shown + ": cannot create field '" + def.name + "'",
                      errors);
        const char* created = out->GetLayerDefn()->GetFieldDefn(static_cast<int>(i))->GetNameRef();
        if (name != created) {
            throw output_error(shown + ": field '" + def.name + "' would be written as '" + created +
                               "' (format limit)");
        }
    }

    OGRFeatureDefn* defn = out->GetLayerDefn();
    // One feature object reused for every row: every field is set (or nulled) each time.
    OGRFeature f(defn);
    FeatureGeometry moved;
    std::unique_ptr<OGRPolygon> reused;
    const int n_fields = static_cast<int>(fields.size());
    const std::size_t count = order != nullptr ? order->size() : features.size();
    if (envelopes != nullptr) envelopes->reserve(count);
    for (std::size_t w = 0; w < count; ++w) {
        const std::size_t i = order != nullptr ? (*order)[w] : w;
        const auto& in = features[i];
        for (int k = 0; k < n_fields; ++k) {
            const FieldValue& v = in.values[static_cast<std::size_t>(k)];
            if (const auto* n = std::get_if<std::int64_t>(&v)) {
                f.SetField(k, static_cast<GIntBig>(*n));
            } else if (const auto* d = std::get_if<double>(&v); d != nullptr && std::isfinite(*d)) {
                f.SetField(k, *d);
            } else if (const auto* s = std::get_if<std::string>(&v)) {
                f.SetField(k, s->c_str());
            } else {
                f.SetFieldNull(k);  // null, NaN and infinity
            }
        }
        const FeatureGeometry* g = &in.geometry;
        if (t && kind != GeometryKind::none) {
            moved = in.geometry;
            transform_geometry(moved, *t);
            g = &moved;
        }
        if (kind == GeometryKind::polygon && !multi && g->polygons.size() == 1 && g->polygons.front().holes.empty()) {
            // The common case (cells): one polygon object reused for every feature, its ring
            // overwritten in place, instead of three allocations per feature.
            if (!reused) {
                reused = std::make_unique<OGRPolygon>();
                reused->addRingDirectly(new OGRLinearRing());
            }
            fill_ring(*reused->getExteriorRing(), g->polygons.front().outer);
            f.SetGeometryDirectly(reused.release());
        } else if (kind != GeometryKind::none && part_count(*g, kind) > 0) {
            f.SetGeometryDirectly(make_geometry(*g, kind, multi).release());
        } else {
            f.SetGeometryDirectly(nullptr);
        }
        if (envelopes != nullptr) {
            OGREnvelope e;
            if (const OGRGeometry* g = f.GetGeometryRef(); g != nullptr) g->getEnvelope(&e);
            envelopes->push_back(e);
        }
        f.SetFID(OGRNullFID);
        detail::check(out->CreateFeature(&f), ErrorKind::output, shown + ": cannot write feature " + std::to_string(i),
                      errors);
        if (f.GetGeometryRef() != nullptr && f.GetGeometryRef()->getGeometryType() == wkbPolygon && !multi &&
            kind == GeometryKind::polygon) {
            reused.reset(static_cast<OGRPolygon*>(f.StealGeometry()));
            if (reused->getNumInteriorRings() != 0) reused.reset();
        }
    }
    detail::check(out->SyncToDisk(), ErrorKind::output, shown + ": cannot flush layer", errors);
}

void write_layer_file(const std::string& path, VectorFormat format, const LayerRef& layer, const OutputCrs& crs,
                      int coordinate_precision, const std::string& shown, unsigned threads) {
    register_gdal();
    const int precision = coordinate_precision >= 0 ? coordinate_precision : crs.default_precision();
    if (format == VectorFormat::geojson) {
        write_geojson(path, layer, crs, precision, shown);
        return;
    }
    if (format == VectorFormat::postgis) throw output_error(shown + ": PostGIS is not a file format");
    GDALDriver* driver = GetGDALDriverManager()->GetDriverByName(gdal_driver(format));
    if (driver == nullptr) throw output_error(shown + ": GDAL driver " + gdal_driver(format) + " is not available");
    std::vector<std::string> lco = layer_creation_options(format, layer.geometry_kind);
    if (format == VectorFormat::csv && layer.geometry_kind != GeometryKind::none) {
        lco.push_back("OGR_CSV_PRECISION=" + std::to_string(precision));  // ignored by GDAL < 3.7
    }
    std::vector<std::string> names;
    const bool shapefile = format == VectorFormat::shapefile;
    if (shapefile) names = shapefile_field_names(layer.fields);
    const bool gpkg = format == VectorFormat::gpkg;
    // FlatGeobuf: kepu15 builds the spatial index itself (flatgeobuf_index.hpp): GDAL writes the
    // features in Hilbert order without an index into memory; the file is written once, with it.
    // GDAL's per-feature encoding is most of the time, and a FlatGeobuf feature does not depend on
    // the others: a large layer is encoded in consecutive parts of the Hilbert order, one GDAL
    // dataset per part on its own thread, and the parts' features are concatenated.
    std::vector<std::size_t> order;
    const bool own_index = format == VectorFormat::flatgeobuf && own_flatgeobuf_index(layer, order);
    const auto write = [&](const std::string& target, const std::vector<std::string>& options,
                           const std::vector<std::size_t>* part, std::vector<OGREnvelope>* envelopes) {
        GdalErrorScope errors;  // per thread, as GDAL's error handlers are
        GDALDatasetUniquePtr ds(driver->Create(target.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
        if (!ds) detail::throw_gdal(ErrorKind::output, shown + ": cannot create", errors);
        if (gpkg) {
            detail::check(ds->StartTransaction(), ErrorKind::output, shown + ": cannot start a transaction", errors);
        }
        write_ogr_layer(*ds, layer, crs, options, names, shapefile, shown, part, envelopes);
        if (gpkg) detail::check(ds->CommitTransaction(), ErrorKind::output, shown + ": commit failed", errors);
        errors.clear();
        ds.reset();  // closes and flushes
        if (errors.failed()) detail::throw_gdal(ErrorKind::output, shown + ": cannot close", errors);
    };
    if (!own_index) {
        write(path, lco, nullptr, nullptr);
    } else {
        std::replace(lco.begin(), lco.end(), std::string("SPATIAL_INDEX=YES"), std::string("SPATIAL_INDEX=NO"));
        const unsigned cores = threads != 0 ? threads : std::max(1U, std::thread::hardware_concurrency());
        const std::size_t part_count =
            std::max<std::size_t>(1, std::min<std::size_t>(cores, order.size() / flatgeobuf_part_features));
        std::vector<std::vector<std::size_t>> part_order(part_count);
        std::vector<std::vector<OGREnvelope>> part_envelopes(part_count);
        std::vector<std::string> part_path(part_count);
        static std::atomic<unsigned> counter{0};
        for (std::size_t p = 0; p < part_count; ++p) {
            const auto begin = static_cast<std::ptrdiff_t>(order.size() * p / part_count);
            const auto end = static_cast<std::ptrdiff_t>(order.size() * (p + 1) / part_count);
            part_order[p].assign(order.begin() + begin, order.begin() + end);
            part_path[p] = "/vsimem/kepu15-fgb-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".fgb";
        }
        bool written = false;
        try {
            parallel_for(part_count, static_cast<unsigned>(part_count),
                         [&](std::size_t p) { write(part_path[p], lco, &part_order[p], &part_envelopes[p]); });
            std::vector<Box> boxes;
            boxes.reserve(order.size());
            std::vector<FlatGeobufPart> parts;
            for (std::size_t p = 0; p < part_count; ++p) {
                for (const auto& e : part_envelopes[p]) boxes.push_back({e.MinX, e.MinY, e.MaxX, e.MaxY});
                vsi_l_offset size = 0;
                const GByte* data = VSIGetMemFileBuffer(part_path[p].c_str(), &size, FALSE);
                if (data == nullptr) break;
                parts.push_back({data, static_cast<std::size_t>(size), part_order[p].size()});
            }
            written = parts.size() == part_count && write_flatgeobuf_with_index(parts, boxes, path, shown);
        } catch (...) {
            for (const auto& p : part_path) VSIUnlink(p.c_str());
            throw;
        }
        for (const auto& p : part_path) VSIUnlink(p.c_str());
        if (!written) {
            // A file shaped otherwise than kepu15 expects (another GDAL version): GDAL's own index.
            std::replace(lco.begin(), lco.end(), std::string("SPATIAL_INDEX=NO"), std::string("SPATIAL_INDEX=YES"));
            write(path, lco, nullptr, nullptr);
        }
    }

    const fs::path p(path);
    if (shapefile) {
        bool renamed = false;
        std::string mapping = "shapefile_field,field\n";
        for (std::size_t i = 0; i < names.size(); ++i) {
            if (names[i] != layer.fields[i].name) {
                renamed = true;
                kepu15::warn(shown + ": field '" + layer.fields[i].name + "' is written as '" + names[i] +
                             "' (Shapefile names hold 10 bytes; the names are listed in " + fs::path(shown).stem().string() +
                             ".fieldnames.csv)");
            }
            mapping += csv_quoted(names[i]) + "," + csv_quoted(layer.fields[i].name) + "\n";
        }
        if (renamed) write_text_file(p.parent_path() / (p.stem().string() + ".fieldnames.csv"), mapping, shown);
    }
    if (format == VectorFormat::csv && layer.geometry_kind != GeometryKind::none) {
        // The SRS beside the table (GDAL's CSV reader and QGIS read it).
        const fs::path prj = p.parent_path() / (p.stem().string() + ".prj");
        if (!fs::exists(prj)) {
            OGRSpatialReference srs = crs.srs();
            char* wkt = nullptr;
            srs.morphToESRI();
            srs.exportToWkt(&wkt);
            const std::string text = wkt != nullptr ? wkt : "";
            CPLFree(wkt);
            write_text_file(prj, text, shown);
        }
    }
}

}  // namespace detail

namespace {

void write_postgis(const std::string& path, const std::vector<FieldDef>& fields,
                   const std::vector<OutputFeature>& features, const WriteOptions& options) {
    const std::string shown = detail::redact(path);
    if (options.layer_name.empty()) throw output_error(shown + ": a PostGIS output needs a layer (table) name");
    auto ds = detail::open_dataset(path, GDAL_OF_VECTOR | GDAL_OF_UPDATE, {}, ErrorKind::output);
    GdalErrorScope errors;
    // One transaction: the table appears complete or not at all.
    detail::check(ds->StartTransaction(), ErrorKind::output, shown + ": cannot start a transaction", errors);
    try {
        const detail::LayerRef layer(options.layer_name, fields, features, options.geometry_kind);
        auto lco = detail::layer_creation_options(VectorFormat::postgis, options.geometry_kind);
        if (options.overwrite) lco.push_back("OVERWRITE=YES");
        detail::write_ogr_layer(*ds, layer, detail::make_output_crs(options.output_crs), lco, {}, false, shown);
        detail::check(ds->CommitTransaction(), ErrorKind::output, shown + ": commit failed", errors);
    } catch (...) {
        ds->RollbackTransaction();
        throw;
    }
}

}  // namespace

void write_vector(const std::string& path, const std::vector<FieldDef>& fields,
                  const std::vector<OutputFeature>& features, const WriteOptions& options) {
    detail::register_gdal();
    VectorFormat format{};
    if (!detail::guess_format(path, format)) {
        throw output_error(path + ": unsupported output format '" + fs::path(path).extension().string() +
                           "' (use .geojson, .json, .gpkg, .shp, .fgb, .csv or a PG: connection)");
    }
    if (format == VectorFormat::postgis) {
        write_postgis(path, fields, features, options);
        return;
    }
    const std::string shown = path;
    const fs::path final_path(path);
    const fs::path dir = final_path.parent_path().empty() ? fs::path(".") : final_path.parent_path();
    require_folder(dir, shown);
    std::error_code ec;
    if (!options.overwrite && fs::exists(final_path, ec)) throw output_error(shown + ": already exists");
    const detail::OutputCrs crs = detail::make_output_crs(options.output_crs);

    const std::string stem = final_path.stem().string();
    const std::string ext = final_path.extension().string();
    const std::string tmp_base = temp_name(stem);
    const fs::path tmp_path = dir / (tmp_base + ext);
    const int slot = detail::register_cleanup(tmp_path.string());
    try {
        const std::string layer_name = options.layer_name.empty() ? stem : options.layer_name;
        const detail::LayerRef layer(layer_name, fields, features, options.geometry_kind);
        detail::write_layer_file(tmp_path.string(), format, layer, crs, options.coordinate_precision, shown,
                                 options.threads);
        const std::vector<std::string>* parts = format == VectorFormat::shapefile ? &shapefile_parts
                                                : format == VectorFormat::csv     ? &csv_parts
                                                                                  : nullptr;
        if (parts != nullptr) {
            for (const auto& part : *parts) {
                const fs::path from = dir / (tmp_base + part);
                const fs::path to = dir / (stem + part);
                if (fs::exists(from, ec)) {
                    fs::rename(from, to);
                } else {
                    fs::remove(to, ec);  // stale sidecar (old index, old .prj) of a previous file
                }
            }
        } else {
            fs::rename(tmp_path, final_path);
        }
        detail::unregister_cleanup(slot);
    } catch (const fs::filesystem_error& e) {
        detail::unregister_cleanup(slot);
        remove_temporaries(dir, tmp_base);
        throw output_error(shown + ": cannot rename into place (" + e.code().message() + ")");
    } catch (...) {
        detail::unregister_cleanup(slot);
        remove_temporaries(dir, tmp_base);
        throw;
    }
}

void write_text_atomic(const std::string& path, const std::string& content) {
    const fs::path final_path(path);
    const fs::path dir = final_path.parent_path().empty() ? fs::path(".") : final_path.parent_path();
    require_folder(dir, path);
    const fs::path tmp = dir / temp_name(final_path.filename().string());
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (f == nullptr) throw output_error(path + ": cannot create a temporary file in '" + dir.string() + "'");
    const bool written = std::fwrite(content.data(), 1, content.size(), f) == content.size() &&
                         std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0;
    const bool closed = std::fclose(f) == 0;
    std::error_code ec;
    if (!written || !closed) {
        fs::remove(tmp, ec);
        throw output_error(path + ": write failed (disk full?)");
    }
    fs::rename(tmp, final_path, ec);
    if (ec) {
        std::error_code ignored;
        fs::remove(tmp, ignored);
        throw output_error(path + ": cannot rename into place (" + ec.message() + ")");
    }
}

StagedOutputs::StagedOutputs(std::string out_dir)
    : m_out_dir(std::move(out_dir)), m_folder(std::make_unique<OutputFolder>(m_out_dir)) {}

StagedOutputs::~StagedOutputs() = default;

std::string StagedOutputs::staging_path(const std::string& file_name) { return m_folder->path_for(file_name); }

std::string StagedOutputs::final_path(const std::string& file_name) const {
    return (fs::path(m_out_dir) / file_name).string();
}

void StagedOutputs::commit() { m_folder->commit(); }

}  // namespace kepu15::io
