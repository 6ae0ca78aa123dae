#include "kepu15/io/line_scan.hpp"

#include "kepu15/io/detail/gdal_util.hpp"
#include "kepu15/io/text_encoding.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>

namespace kepu15::io {

using detail::ErrorKind;
using detail::GdalErrorScope;

namespace {

std::string lower_extension(const std::string& path) {
    const auto dot = path.find_last_of('.');
    const auto slash = path.find_last_of('/');
    if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return {};
    std::string ext = path.substr(dot);
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return ext;
}

// Mirrors read_vector's test: GeoPackage srs_id 0 / -1 and local CRSs mean "no CRS".
bool undefined_srs(const OGRSpatialReference& srs) {
    const char* name = srs.GetName();
    if (name == nullptr) return srs.IsLocal() != 0;
    return std::string(name).rfind("Undefined", 0) == 0 || srs.IsLocal() != 0;
}

// read_vector validates a GeoJSON file's obsolete "crs" member (GDAL silently falls back to WGS84
// when it names an unknown CRS): such files take that path.
bool geojson_with_crs_member(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::string head(65536, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<std::size_t>(in.gcount()));
    return head.find("\"crs\"") != std::string::npos;
}

// Appends the parts of a line geometry; false for anything else.
bool add_lines(const OGRGeometry& g, std::vector<LineString>& lines, std::size_t& used) {
    switch (wkbFlatten(g.getGeometryType())) {
        case wkbLineString: {
            if (g.IsEmpty()) return true;
            const OGRSimpleCurve& c = *g.toLineString();
            const auto n = static_cast<std::size_t>(c.getNumPoints());
            if (used == lines.size()) lines.emplace_back();
            LineString& line = lines[used++];
            line.resize(n);
            c.getPoints(&line[0].x, static_cast<int>(sizeof(Point)), &line[0].y, static_cast<int>(sizeof(Point)));
            for (const Point& p : line) {
                if (!std::isfinite(p.x) || !std::isfinite(p.y)) return false;
            }
            return true;
        }
        case wkbMultiLineString:
            for (const auto* part : *g.toMultiLineString()) {
                if (!add_lines(*part, lines, used)) return false;
            }
            return true;
        default:
            return false;
    }
}

}  // namespace

LineScanResult scan_lines(const std::string& path, const LineScanOptions& options,
                          const std::function<void(const LineScanInfo&)>& begin,
                          const std::function<void(const LineScanFeature&)>& on_feature) {
    const std::string ext = lower_extension(path);
    if (!options.crs.empty() || !options.encoding.empty() || !options.attribute_filter.empty() || ext == ".csv" ||
        ext == ".shp" || ext == ".dbf" || detail::is_virtual_path(path)) {
        return LineScanResult::fallback;
    }
    GdalErrorScope errors;
    CPLErrorReset();
    auto ds = detail::open_dataset(path, GDAL_OF_VECTOR | GDAL_OF_VERBOSE_ERROR);
    if (CPLGetLastErrorType() >= CE_Failure) return LineScanResult::fallback;  // read_vector reports it
    OGRLayer* layer = options.layer.empty() ? (ds->GetLayerCount() > 0 ? ds->GetLayer(0) : nullptr)
                                            : ds->GetLayerByName(options.layer.c_str());
    if (layer == nullptr) return LineScanResult::fallback;
    const char* driver = ds->GetDriverName();
    const std::string driver_name = driver != nullptr ? driver : "";
    if (driver_name == "CSV" || driver_name == "ESRI Shapefile") return LineScanResult::fallback;
    if (driver_name == "GeoJSON" && geojson_with_crs_member(path)) return LineScanResult::fallback;
    const OGRSpatialReference* srs = layer->GetSpatialRef();
    if (srs == nullptr || undefined_srs(*srs)) return LineScanResult::fallback;
    LineScanInfo info;
    const std::string layer_name = layer->GetName();
    if (!is_valid_utf8(layer_name)) return LineScanResult::fallback;
    info.where = path + ", layer " + layer_name;
    info.source_crs = detail::crs_string(srs);

    OGRFeatureDefn* defn = layer->GetLayerDefn();
    std::vector<int> index;
    std::vector<OGRFieldType> type;
    for (const std::string& name : options.fields) {
        int found = -1;
        for (int i = 0; i < defn->GetFieldCount(); ++i) {
            if (name == defn->GetFieldDefn(i)->GetNameRef()) {
                found = i;
                break;
            }
        }
        if (found < 0) return LineScanResult::fallback;  // read_vector names the fields there are
        index.push_back(found);
        type.push_back(defn->GetFieldDefn(found)->GetType());
    }
    // The driver skips the fields nobody reads (GeoPackage, FlatGeobuf, GeoJSON honour this).
    std::vector<std::string> ignored_names;
    for (int i = 0; i < defn->GetFieldCount(); ++i) {
        if (std::find(index.begin(), index.end(), i) == index.end()) ignored_names.emplace_back(defn->GetFieldDefn(i)->GetNameRef());
    }
    ignored_names.emplace_back("OGR_STYLE");
    std::vector<const char*> ignored;
    for (const auto& n : ignored_names) ignored.push_back(n.c_str());
    ignored.push_back(nullptr);
    layer->SetIgnoredFields(ignored.data());

    if (options.spatial_filter && !options.spatial_filter->empty() && info.source_crs == options.spatial_filter_crs) {
        const Box& b = *options.spatial_filter;
        layer->SetSpatialFilterRect(b.min_x, b.min_y, b.max_x, b.max_y);
    }
    begin(info);
    LineScanFeature feature;
    feature.values.resize(index.size());
    layer->ResetReading();
    for (std::size_t row = 0;; ++row) {
        OGRFeatureUniquePtr f(layer->GetNextFeature());
        if (!f) {
            detail::check(errors.failed() ? CE_Failure : CE_None, ErrorKind::input, info.where + ": read error", errors);
            break;
        }
        feature.row = row;
        feature.fid = f->GetFID();
        for (std::size_t k = 0; k < index.size(); ++k) {
            const int i = index[k];
            if (!f->IsFieldSetAndNotNull(i)) {
                feature.values[k] = std::monostate{};
            } else if (type[k] == OFTInteger || type[k] == OFTInteger64) {
                feature.values[k] = std::int64_t{f->GetFieldAsInteger64(i)};
            } else if (type[k] == OFTReal) {
                feature.values[k] = f->GetFieldAsDouble(i);
            } else {
                std::string value(f->GetFieldAsString(i));
                if (!is_valid_utf8(value)) return LineScanResult::fallback;  // decoded with a warning there
                feature.values[k] = std::move(value);
            }
        }
        const OGRGeometry* g = f->GetGeometryRef();
        if (g == nullptr || g->IsEmpty()) return LineScanResult::fallback;
        std::size_t used = 0;
        if (!add_lines(*g, feature.lines, used) || used == 0) return LineScanResult::fallback;
        feature.lines.resize(used);
        on_feature(feature);
    }
    layer->SetIgnoredFields(nullptr);
    return LineScanResult::done;
}

}  // namespace kepu15::io
