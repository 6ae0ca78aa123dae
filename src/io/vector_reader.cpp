#include "kepu15/io/vector_reader.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <optional>

#include "kepu15/error.hpp"
#include "kepu15/geo/crs.hpp"
#include "kepu15/geo/polygon_ops.hpp"
#include "kepu15/io/detail/gdal_util.hpp"

namespace kepu15::io {

using detail::ErrorKind;
using detail::GdalErrorScope;

namespace {

// Column names recognised as lon/lat in CSV files (GDAL compares them case-insensitively).
constexpr const char* default_x_names = "经度,东经,lng,lon,long,longitude,x,X";
constexpr const char* default_y_names = "纬度,北纬,lat,latitude,y,Y";

bool is_csv(const std::string& path) {
    std::string ext = std::filesystem::path(path).extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    return ext == ".csv";
}

std::vector<std::string> open_options_for(const std::string& path, const ReadOptions& options) {
    std::vector<std::string> oo;
    if (is_csv(path)) {
        oo.push_back("X_POSSIBLE_NAMES=" +
                     (options.x_field.empty() ? std::string(default_x_names) : options.x_field));
        oo.push_back("Y_POSSIBLE_NAMES=" +
                     (options.y_field.empty() ? std::string(default_y_names) : options.y_field));
        oo.emplace_back("KEEP_GEOM_COLUMNS=NO");
        // Columns stay text unless a .csvt says otherwise: codes keep their leading zeros and
        // as_number() parses numbers where they are needed.
    }
    if (!options.encoding.empty()) oo.push_back("ENCODING=" + options.encoding);
    return oo;
}

std::string join_layer_names(GDALDataset& ds) {
    std::string out;
    for (int i = 0; i < ds.GetLayerCount(); ++i) {
        if (i > 0) out += ", ";
        out += ds.GetLayer(i)->GetName();
    }
    return out.empty() ? "none" : out;
}

FieldType field_type_of(OGRFieldType t) {
    switch (t) {
        case OFTInteger:
        case OFTInteger64:
            return FieldType::integer;
        case OFTReal:
            return FieldType::real;
        default:
            return FieldType::string;
    }
}

std::string kind_name(GeometryKind k) {
    switch (k) {
        case GeometryKind::point:
            return "point";
        case GeometryKind::line:
            return "line";
        case GeometryKind::polygon:
            return "polygon";
        default:
            return "none";
    }
}

class GeometryConverter {
public:
    explicit GeometryConverter(std::string where) : m_where(std::move(where)) {}

    FeatureGeometry convert(const OGRGeometry& g) {
        FeatureGeometry out;
        add(g, out);
        return out;
    }

private:
    void set_kind(FeatureGeometry& out, GeometryKind k) {
        if (out.kind != GeometryKind::none && out.kind != k) {
            throw input_error(m_where + ": mixed geometry kinds (" + kind_name(out.kind) + " and " +
                              kind_name(k) + ") in one feature");
        }
        out.kind = k;
    }

    static Point point_of(const OGRPoint& p) { return {p.getX(), p.getY()}; }

    static LineString line_of(const OGRSimpleCurve& c) {
        LineString line;
        line.reserve(static_cast<std::size_t>(c.getNumPoints()));
        for (int i = 0; i < c.getNumPoints(); ++i) line.push_back({c.getX(i), c.getY(i)});
        return line;
    }

    static Ring ring_of(const OGRSimpleCurve& c) {
        Ring r = line_of(c);
        if (!r.empty() && r.front() != r.back()) r.push_back(r.front());
        return r;
    }

    void add_polygon(const OGRPolygon& p, FeatureGeometry& out) {
        if (p.IsEmpty()) return;
        Polygon poly;
        poly.outer = ring_of(*p.getExteriorRing());
        for (int i = 0; i < p.getNumInteriorRings(); ++i)
            poly.holes.push_back(ring_of(*p.getInteriorRing(i)));
        out.polygons.push_back(std::move(poly));
    }

    void add(const OGRGeometry& g, FeatureGeometry& out) {
        switch (wkbFlatten(g.getGeometryType())) {
            case wkbPoint:
                set_kind(out, GeometryKind::point);
                if (!g.IsEmpty()) out.points.push_back(point_of(*g.toPoint()));
                return;
            case wkbLineString:
                set_kind(out, GeometryKind::line);
                if (!g.IsEmpty()) out.lines.push_back(line_of(*g.toLineString()));
                return;
            case wkbPolygon:
                set_kind(out, GeometryKind::polygon);
                add_polygon(*g.toPolygon(), out);
                return;
            case wkbMultiPoint:
            case wkbMultiLineString:
            case wkbMultiPolygon:
            case wkbGeometryCollection:
                for (const auto* part : *g.toGeometryCollection()) add(*part, out);
                return;
            default:
                break;
        }
        // Curves, TINs, polyhedral surfaces: their linear approximation.
        if (g.hasCurveGeometry(TRUE) || wkbFlatten(g.getGeometryType()) == wkbTIN ||
            wkbFlatten(g.getGeometryType()) == wkbPolyhedralSurface) {
            std::unique_ptr<OGRGeometry> linear(g.getLinearGeometry());
            if (linear && wkbFlatten(linear->getGeometryType()) != wkbFlatten(g.getGeometryType())) {
                add(*linear, out);
                return;
            }
        }
        throw input_error(m_where + ": unsupported geometry type " +
                          OGRGeometryTypeToName(g.getGeometryType()));
    }

    std::string m_where;
};

bool all_finite(const FeatureGeometry& g) {
    auto ok = [](const auto& pts) {
        return std::all_of(pts.begin(), pts.end(), [](Point p) { return is_finite(p); });
    };
    if (!ok(g.points)) return false;
    for (const auto& l : g.lines)
        if (!ok(l)) return false;
    for (const auto& p : g.polygons) {
        if (!ok(p.outer)) return false;
        for (const auto& h : p.holes)
            if (!ok(h)) return false;
    }
    return true;
}

template <class F>
void for_each_point_span(FeatureGeometry& g, F&& f) {
    f(std::span<Point>(g.points));
    for (auto& l : g.lines) f(std::span<Point>(l));
    for (auto& p : g.polygons) {
        f(std::span<Point>(p.outer));
        for (auto& h : p.holes) f(std::span<Point>(h));
    }
}

bool is_empty(const FeatureGeometry& g) { return g.points.empty() && g.lines.empty() && g.polygons.empty(); }

}  // namespace

std::string VectorLayer::where() const { return path + ", layer " + layer_name; }

int VectorLayer::find_field(const std::string& name) const {
    for (std::size_t i = 0; i < fields.size(); ++i) {
        if (fields[i].name == name) return static_cast<int>(i);
    }
    return -1;
}

std::size_t VectorLayer::field_index(const std::string& name) const {
    const int i = find_field(name);
    if (i >= 0) return static_cast<std::size_t>(i);
    std::string list;
    for (const auto& f : fields) list += (list.empty() ? "" : ", ") + f.name;
    throw input_error(where() + ": field '" + name +
                      "' not found (fields: " + (list.empty() ? "none" : list) + ")");
}

std::vector<std::string> list_layers(const std::string& path) {
    auto ds = detail::open_dataset(path, GDAL_OF_VECTOR | GDAL_OF_VERBOSE_ERROR);
    std::vector<std::string> names;
    for (int i = 0; i < ds->GetLayerCount(); ++i) names.emplace_back(ds->GetLayer(i)->GetName());
    return names;
}

VectorLayer read_vector(const std::string& path, const ReadOptions& options) {
    const bool csv = is_csv(path);
    auto ds =
        detail::open_dataset(path, GDAL_OF_VECTOR | GDAL_OF_VERBOSE_ERROR, open_options_for(path, options));
    const std::string shown = detail::redact(path);

    OGRLayer* layer = nullptr;
    if (!options.layer.empty()) {
        layer = ds->GetLayerByName(options.layer.c_str());
        if (layer == nullptr) {
            throw input_error(shown + ": layer '" + options.layer +
                              "' not found (layers: " + join_layer_names(*ds) + ")");
        }
    } else {
        if (ds->GetLayerCount() == 0) throw input_error(shown + ": no layers");
        layer = ds->GetLayer(0);
    }

    VectorLayer out;
    out.path = path;
    out.layer_name = layer->GetName();
    const std::string where = shown + ", layer " + out.layer_name;

    if (csv && layer->GetLayerDefn()->GetGeomFieldCount() == 0) {
        std::string cols;
        for (int i = 0; i < layer->GetLayerDefn()->GetFieldCount(); ++i) {
            cols += (i > 0 ? ", " : "") + std::string(layer->GetLayerDefn()->GetFieldDefn(i)->GetNameRef());
        }
        throw input_error(where + ": no longitude/latitude columns found (columns: " + cols +
                          "); name them with x_field/y_field");
    }

    // Source CRS: the override, else the file's, else (CSV lon/lat only) WGS84.
    if (!options.crs.empty()) {
        out.source_crs = options.crs;
    } else if (const OGRSpatialReference* srs = layer->GetSpatialRef()) {
        out.source_crs = detail::crs_string(srs);
    } else if (csv) {
        out.source_crs = geo::wgs84;
    } else {
        throw crs_error(where + ": the file has no CRS; give one (e.g. crs = \"EPSG:4326\" or \"GCJ-02\")");
    }
    std::optional<geo::Transformer> transformer;
    if (out.source_crs != geo::wgs84) {
        try {
            transformer.emplace(out.source_crs, geo::wgs84);
        } catch (...) {
            rethrow_with_context(where);
        }
    }

    OGRFeatureDefn* defn = layer->GetLayerDefn();
    const int field_count = defn->GetFieldCount();
    for (int i = 0; i < field_count; ++i) {
        const OGRFieldDefn* fd = defn->GetFieldDefn(i);
        out.fields.push_back({fd->GetNameRef(), field_type_of(fd->GetType())});
    }

    GdalErrorScope errors;
    if (!options.attribute_filter.empty()) {
        detail::check(layer->SetAttributeFilter(options.attribute_filter.c_str()), ErrorKind::input,
                      where + ": bad attribute filter '" + options.attribute_filter + "'", errors);
    }
    layer->ResetReading();
    for (;;) {
        OGRFeatureUniquePtr f(layer->GetNextFeature());
        if (!f) {
            detail::check(errors.failed() ? CE_Failure : CE_None, ErrorKind::input, where + ": read error",
                          errors);
            break;
        }
        Feature feature;
        feature.fid = f->GetFID();
        const std::string row = where + (csv ? ", row " : ", feature ") + std::to_string(feature.fid);

        feature.values.reserve(static_cast<std::size_t>(field_count));
        for (int i = 0; i < field_count; ++i) {
            if (!f->IsFieldSetAndNotNull(i)) {
                feature.values.emplace_back(std::monostate{});
                continue;
            }
            switch (out.fields[static_cast<std::size_t>(i)].type) {
                case FieldType::integer:
                    feature.values.emplace_back(std::int64_t{f->GetFieldAsInteger64(i)});
                    break;
                case FieldType::real:
                    feature.values.emplace_back(f->GetFieldAsDouble(i));
                    break;
                default:
                    feature.values.emplace_back(std::string(f->GetFieldAsString(i)));
                    break;
            }
        }

        const OGRGeometry* g = f->GetGeometryRef();
        if (g == nullptr || g->IsEmpty()) {
            throw input_error(row + (csv ? ": no coordinates (longitude/latitude empty or not a number)"
                                         : ": no geometry"));
        }
        feature.geometry = GeometryConverter(row).convert(*g);
        if (is_empty(feature.geometry)) throw input_error(row + ": empty geometry");
        if (!all_finite(feature.geometry)) throw input_error(row + ": NaN or infinite coordinate");
        if (transformer) {
            for_each_point_span(feature.geometry, [&](std::span<Point> pts) { transformer->forward(pts); });
            if (!all_finite(feature.geometry)) {
                throw input_error(row + ": coordinate cannot be transformed from " + out.source_crs +
                                  " to WGS84");
            }
        }
        if (feature.geometry.kind == GeometryKind::polygon) {
            const std::string reason = geo::invalid_reason(feature.geometry.polygons);
            if (!reason.empty()) {
                kepu15::warn(row + ": invalid polygon repaired (" + reason + ")");
                try {
                    feature.geometry.polygons = geo::make_valid(feature.geometry.polygons);
                } catch (...) {
                    rethrow_with_context(row);
                }
            }
        }
        out.features.push_back(std::move(feature));
    }

    if (out.features.empty() && !options.allow_empty) {
        throw input_error(where +
                          (options.attribute_filter.empty()
                               ? std::string(": no features (empty layer)")
                               : ": no features match the filter '" + options.attribute_filter + "'"));
    }
    return out;
}

}  // namespace kepu15::io
