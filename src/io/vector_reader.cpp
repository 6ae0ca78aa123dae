#include "kepu15/io/vector_reader.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <optional>
#include <regex>

#include "kepu15/error.hpp"
#include "kepu15/geo/crs.hpp"
#include "kepu15/geo/polygon_ops.hpp"
#include "kepu15/io/detail/gdal_util.hpp"
#include "kepu15/io/text_encoding.hpp"

#include <cpl_error.h>
#include <cpl_vsi.h>

#include <atomic>
#include <fstream>
#include <sstream>

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

std::string lower_ascii(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

// Column names of a CSV header line (GDAL's separators: comma, semicolon, tab), unquoted.
std::vector<std::string> csv_header(const std::string& open_path) {
    std::string line;
    if (VSILFILE* f = VSIFOpenL(open_path.c_str(), "rb")) {
        char c = 0;
        while (line.size() < 65536 && VSIFReadL(&c, 1, 1, f) == 1 && c != '\n') line.push_back(c);
        VSIFCloseL(f);
    }
    if (line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);  // UTF-8 byte order mark
    if (!line.empty() && line.back() == '\r') line.pop_back();
    char sep = ',';
    for (const char candidate : {',', ';', '\t'}) {
        if (line.find(candidate) != std::string::npos) {
            sep = candidate;
            break;
        }
    }
    std::vector<std::string> names;
    std::string cell;
    bool quoted = false;
    for (const char c : line) {
        if (c == '"') {
            quoted = !quoted;
        } else if (c == sep && !quoted) {
            names.push_back(cell);
            cell.clear();
        } else {
            cell.push_back(c);
        }
    }
    names.push_back(cell);
    return names;
}

// The one column GDAL should take as x (or y): the first candidate name, in the order given, that
// the header has. Handing GDAL a single name matters: with two matching columns (lng and lon)
// GDAL 3.6's CSV driver reads out of bounds (found by the CSV fuzz target).
std::string coordinate_column(const std::vector<std::string>& header, const std::string& candidates,
                              const std::string& where) {
    std::string candidate;
    std::istringstream list(candidates);
    while (std::getline(list, candidate, ',')) {
        std::size_t count = 0;
        std::string found;
        for (const auto& name : header) {
            if (lower_ascii(name) == lower_ascii(candidate)) {
                ++count;
                found = name;
            }
        }
        if (count > 1) {
            throw input_error(where + ": the column '" + found + "' appears " + std::to_string(count) +
                              " times in the header; rename the copies");
        }
        if (count == 1) return found;
    }
    return candidates;  // none present: GDAL finds no geometry and read_vector says so
}

std::vector<std::string> open_options_for(const std::string& path, const ReadOptions& options,
                                          const std::string& open_path = {}) {
    std::vector<std::string> oo;
    if (is_csv(path)) {
        const auto header = csv_header(open_path.empty() ? path : open_path);
        const std::string shown = detail::redact(path);
        oo.push_back("X_POSSIBLE_NAMES=" +
                     coordinate_column(header, options.x_field.empty() ? std::string(default_x_names) : options.x_field,
                                       shown));
        oo.push_back("Y_POSSIBLE_NAMES=" +
                     coordinate_column(header, options.y_field.empty() ? std::string(default_y_names) : options.y_field,
                                       shown));
        oo.emplace_back("KEEP_GEOM_COLUMNS=NO");
        // Columns stay text unless a .csvt says otherwise: codes keep their leading zeros and
        // as_number() parses numbers where they are needed.
    }
    // CSV text is decoded before GDAL sees it (DecodedCsv); Shapefiles are decoded by GDAL.
    if (!options.encoding.empty() && !is_csv(path)) oo.push_back("ENCODING=" + options.encoding);
    return oo;
}

// Up to `max` numbers as "3, 5, 9, ..." for messages.
std::string list_numbers(const std::vector<std::int64_t>& numbers, std::size_t max = 5) {
    std::string out;
    for (std::size_t i = 0; i < numbers.size() && i < max; ++i) {
        out += (i > 0 ? ", " : "") + std::to_string(numbers[i]);
    }
    if (numbers.size() > max) out += ", ... (" + std::to_string(numbers.size()) + " in all)";
    return out;
}

std::string read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// A CSV file decoded to UTF-8 in GDAL's memory file system, so that GDAL matches column names
// (经度/纬度) and returns UTF-8 values. Lines are decoded one by one: with the declared encoding,
// or, when none is declared, lines that are not valid UTF-8 with GB18030 (files that Excel saved
// in GBK, or a few GBK rows pasted into a UTF-8 file). Lines that still fail stay as they are;
// the reader replaces their invalid bytes and reports the rows.
// A warning to the run's diagnostics, or to the process-wide sink when the caller gave none.
void warn_to(Diagnostics* diag, const std::string& message) {
    if (diag != nullptr) {
        diag->warn(message);
    } else {
        kepu15::warn(message);
    }
}

class DecodedCsv {
public:
    DecodedCsv(const std::string& path, const std::string& encoding, const std::string& shown, Diagnostics* diag)
        : m_path(path) {
        std::error_code ec;
        if (!std::filesystem::is_regular_file(path, ec)) return;  // open_dataset reports it
        const std::string bytes = read_bytes(path);
        const bool declared = !encoding.empty() && !is_utf8_name(encoding);
        if (!declared && is_valid_utf8(bytes)) return;
        if (!encoding.empty() && !declared) return;  // declared UTF-8: invalid bytes are replaced later
        const std::string from = declared ? encoding : std::string(fallback_encoding);
        std::string out;
        out.reserve(bytes.size() + bytes.size() / 2);
        std::vector<std::int64_t> decoded_rows;
        bool any_decoded = false;
        std::int64_t line = 0;
        for (std::size_t begin = 0; begin < bytes.size(); ++line) {
            std::size_t end = bytes.find('\n', begin);
            end = end == std::string::npos ? bytes.size() : end + 1;
            const std::string_view text(bytes.data() + begin, end - begin);
            begin = end;
            if (!declared && is_valid_utf8(text)) {
                out.append(text);
                continue;
            }
            if (auto utf8 = decode_to_utf8(text, from)) {
                out += *utf8;
                any_decoded = true;
                if (line > 0) decoded_rows.push_back(line);
            } else {
                out.append(text);
            }
        }
        if (!declared && any_decoded) {
            std::string rows = decoded_rows.empty() ? std::string("the header") : "rows " + list_numbers(decoded_rows);
            warn_to(diag, shown + ": text is not valid UTF-8; read " + rows + " as " + from +
                         " (GBK). Declare the encoding (study: encoding = \"GBK\", coverage: --encoding GBK) "
                         "or save the file as UTF-8");
        }
        static std::atomic<unsigned> counter{0};
        m_dir = "/vsimem/kepu15_csv_" + std::to_string(counter++);
        VSIMkdir(m_dir.c_str(), 0755);
        const std::filesystem::path original(path);
        m_path = m_dir + "/" + original.filename().string();
        write(m_path, out);
        // Sidecars GDAL reads next to a CSV: column types and CRS.
        for (const char* ext : {".csvt", ".prj"}) {
            std::filesystem::path side = original;
            side.replace_extension(ext);
            if (std::filesystem::is_regular_file(side, ec)) {
                write(m_dir + "/" + side.filename().string(), read_bytes(side.string()));
            }
        }
    }
    ~DecodedCsv() {
        if (!m_dir.empty()) VSIRmdirRecursive(m_dir.c_str());
    }
    DecodedCsv(const DecodedCsv&) = delete;
    DecodedCsv& operator=(const DecodedCsv&) = delete;

    // The path to open: the original, or its decoded copy.
    [[nodiscard]] const std::string& path() const { return m_path; }

private:
    static void write(const std::string& path, const std::string& data) {
        VSILFILE* f = VSIFOpenL(path.c_str(), "wb");
        if (f == nullptr) throw input_error(path + ": cannot create an in-memory copy");
        VSIFWriteL(data.data(), 1, data.size(), f);
        VSIFCloseL(f);
    }

    std::string m_path;
    std::string m_dir;
};

// Strings of a layer made valid UTF-8 after reading: bytes that are not UTF-8 are decoded with
// the declared encoding (formats GDAL does not decode) or GB18030 when none is declared; what
// still fails is replaced by U+FFFD. One warning per layer names the rows.
class TextRepair {
public:
    TextRepair(const std::string& encoding, bool csv) : m_csv(csv) {
        if (encoding.empty()) {
            m_decode_from = fallback_encoding;
        } else if (!is_utf8_name(encoding)) {
            m_decode_from = encoding;
        }
    }

    void fix(std::string& s, std::int64_t row) {
        if (is_valid_utf8(s)) return;
        if (!m_decode_from.empty()) {
            if (auto utf8 = decode_to_utf8(s, m_decode_from)) {
                s = std::move(*utf8);
                note(m_decoded_rows, row);
                return;
            }
        }
        m_replaced += repair_utf8(s);
        note(m_replaced_rows, row);
    }

    void report(const std::string& where, const std::string& declared, Diagnostics* diag) const {
        const char* unit = m_csv ? "rows " : "features ";
        if (!m_decoded_rows.empty() && declared.empty()) {
            warn_to(diag, where + ": text is not valid UTF-8; read " + unit + list_numbers(m_decoded_rows) + " as " +
                         m_decode_from + " (GBK). Declare the encoding (encoding = \"GBK\" or a .cpg file)");
        }
        if (m_replaced > 0) {
            warn_to(diag, where + ": " + std::to_string(m_replaced) + " invalid byte sequence(s) in " + unit +
                         list_numbers(m_replaced_rows) + " are not text in " +
                         (declared.empty() ? std::string("UTF-8 or GB18030") : declared) +
                         "; replaced by U+FFFD. Check the file's encoding");
        }
    }

private:
    static void note(std::vector<std::int64_t>& rows, std::int64_t row) {
        if (rows.empty() || rows.back() != row) rows.push_back(row);
    }
    bool m_csv;
    std::string m_decode_from;
    std::vector<std::int64_t> m_decoded_rows;
    std::vector<std::int64_t> m_replaced_rows;
    std::size_t m_replaced = 0;
};

// A point outside the lon/lat range is a wrong CRS or swapped columns, never a place.
void check_lonlat(const FeatureGeometry& g, const std::string& row, bool csv, const std::string& source_crs) {
    const auto bad = [](Point p) { return std::abs(p.y) > 90.0 || std::abs(p.x) > 540.0; };
    Point first{};
    bool found = false;
    const auto scan = [&](const auto& pts) {
        for (const Point& p : pts) {
            if (!found && bad(p)) {
                first = p;
                found = true;
            }
        }
    };
    scan(g.points);
    for (const auto& l : g.lines) scan(l);
    for (const auto& poly : g.polygons) {
        scan(poly.outer);
        for (const auto& h : poly.holes) scan(h);
    }
    if (!found) return;
    std::ostringstream msg;
    msg.precision(10);
    msg << row << ": coordinate (" << first.x << ", " << first.y << ") is not a longitude/latitude in "
        << (source_crs == geo::wgs84 ? std::string("WGS84") : "WGS84 (from " + source_crs + ")")
        << ": latitude must lie within -90..90";
    if (std::abs(first.x) <= 90.0 && std::abs(first.y) <= 180.0) {
        msg << "; longitude and latitude look swapped"
            << (csv ? " (name the columns with x_field / y_field, or swap them)" : " (check the axis order of the data)");
    } else {
        msg << "; check the layer's CRS (crs = ...)";
    }
    throw input_error(msg.str());
}

// GeoPackage srs_id 0 and -1 ("Undefined geographic SRS", "Undefined Cartesian SRS") mean the
// data has no CRS; GDAL still returns a spatial reference for them.
bool is_undefined_srs(const OGRSpatialReference& srs) {
    const char* name = srs.GetName();
    if (name == nullptr) return srs.IsLocal() != 0;
    const std::string n(name);
    return n.rfind("Undefined", 0) == 0 || srs.IsLocal() != 0;
}

// The CRS name of a GeoJSON file's (obsolete, pre-RFC 7946) "crs" member near its start, where
// writers put it; empty when there is none.
std::string crs_member_name(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::string head(65536, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<std::size_t>(in.gcount()));
    static const std::regex member(R"re("crs"\s*:\s*\{[^{}]*"properties"\s*:\s*\{[^{}]*"name"\s*:\s*"([^"]*)")re");
    std::smatch m;
    return std::regex_search(head, m, member) ? m[1].str() : std::string();
}

bool has_extension(const std::string& path, const char* ext) {
    std::string e = std::filesystem::path(path).extension().string();
    std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return std::tolower(c); });
    return e == ext;
}

// A sibling file with the same stem and extension `ext` (either case), if present.
bool has_sibling(const std::string& path, const char* ext) {
    std::error_code ec;
    std::filesystem::path p(path);
    for (bool upper : {false, true}) {
        std::string e = ext;
        if (upper) std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return std::toupper(c); });
        p.replace_extension(e);
        if (std::filesystem::exists(p, ec)) return true;
    }
    return false;
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

std::string VectorLayer::where(const Feature& f) const {
    return where() + (csv ? ", row " : ", feature ") + std::to_string(f.fid);
}

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
    const std::string shown = detail::redact(path);
    if (!options.encoding.empty()) require_known_encoding(options.encoding, shown);
    std::error_code exists_ec;
    if (has_extension(path, ".shp") && std::filesystem::exists(path, exists_ec) && !has_sibling(path, ".dbf")) {
        throw input_error(shown + ": the Shapefile's attribute file " +
                          std::filesystem::path(path).stem().string() +
                          ".dbf is missing; copy all its files (.shp, .shx, .dbf, .prj, .cpg) together");
    }
    std::optional<DecodedCsv> decoded;
    if (csv) decoded.emplace(path, options.encoding, shown, options.diagnostics);
    const std::string open_path = decoded ? decoded->path() : path;
    GdalErrorScope read_errors;  // GDAL messages become part of ours instead of "ERROR 1" on stderr
    CPLErrorReset();
    auto ds = detail::open_dataset(open_path, GDAL_OF_VECTOR | GDAL_OF_VERBOSE_ERROR,
                                   open_options_for(path, options, open_path));
    // An error GDAL recovered from while opening (e.g. a CRS it could not parse): the last one stays
    // recorded even though the open succeeded.
    const std::string open_error =
        CPLGetLastErrorType() >= CE_Failure ? std::string(" (GDAL: ") + CPLGetLastErrorMsg() + ")" : std::string();

    OGRLayer* layer = nullptr;
    if (!options.layer.empty()) {
        layer = ds->GetLayerByName(options.layer.c_str());
        if (layer == nullptr) {
            throw input_error(shown + ": layer '" + options.layer +
                              "' not found (layers: " + join_layer_names(*ds) + ")");
        }
    } else {
        if (ds->GetLayerCount() == 0) {
            std::error_code ec;
            if (std::filesystem::is_directory(path, ec)) {
                throw input_error(shown + ": is a folder without vector layers; give the path of a file "
                                          "(.shp, .gpkg, .geojson, .csv)");
            }
            throw input_error(shown + ": no layers");
        }
        layer = ds->GetLayer(0);
    }

    VectorLayer out;
    out.path = path;
    out.csv = csv;
    out.layer_name = layer->GetName();
    TextRepair text(options.encoding, csv);
    text.fix(out.layer_name, 0);
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
        const char* driver = ds->GetDriverName();
        if (driver != nullptr && std::string(driver) == "GeoJSON") {
            // GDAL falls back to WGS84 when the "crs" member names a CRS it does not know.
            if (const std::string member = crs_member_name(path); !member.empty()) {
                try {
                    geo::validate_crs(member);
                } catch (const crs_error& e) {
                    throw crs_error(where + ": the GeoJSON 'crs' member names '" + member +
                                    "', which is not a CRS PROJ knows (" + e.what() +
                                    "); fix or remove it, or give the CRS (crs = \"EPSG:...\")");
                }
            }
        }
        if (is_undefined_srs(*srs)) {
            throw crs_error(where + ": the layer's CRS is undefined ('" +
                            std::string(srs->GetName() != nullptr ? srs->GetName() : "local") +
                            "', e.g. GeoPackage srs_id 0 or -1); give the real one (e.g. crs = \"EPSG:4326\")");
        }
        out.source_crs = detail::crs_string(srs);
    } else if (csv) {
        out.source_crs = geo::wgs84;
    } else if (has_extension(path, ".shp") && has_sibling(path, ".prj")) {
        throw crs_error(where + ": the .prj file cannot be read as a CRS" +
                        (read_errors.failed() ? read_errors.reason() : open_error) +
                        "; fix or remove it and give the CRS (e.g. crs = \"EPSG:4549\")");
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
        text.fix(out.fields.back().name, 0);
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
        const std::string row = out.where(feature);

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
                default: {
                    std::string value(f->GetFieldAsString(i));
                    text.fix(value, feature.fid);
                    feature.values.emplace_back(std::move(value));
                    break;
                }
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
        check_lonlat(feature.geometry, row, csv, out.source_crs);
        if (feature.geometry.kind == GeometryKind::polygon) {
            const std::string reason = geo::invalid_reason(feature.geometry.polygons);
            if (!reason.empty()) {
                warn_to(options.diagnostics, row + ": invalid polygon repaired (" + reason + ")");
                try {
                    feature.geometry.polygons = geo::make_valid(feature.geometry.polygons);
                } catch (...) {
                    rethrow_with_context(row);
                }
            }
        }
        out.features.push_back(std::move(feature));
    }

    text.report(where, options.encoding, options.diagnostics);
    if (out.features.empty() && !options.allow_empty) {
        throw input_error(where +
                          (options.attribute_filter.empty()
                               ? std::string(": no features (empty layer") +
                                     (ds->GetDriverName() != nullptr
                                          ? std::string("; GDAL read the file with its ") + ds->GetDriverName() +
                                                " driver: is it the right file?)"
                                          : std::string(")"))
                               : ": no features match the filter '" + options.attribute_filter + "'"));
    }
    return out;
}

}  // namespace kepu15::io
