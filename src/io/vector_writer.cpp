#include "kepu15/io/vector_writer.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "kepu15/error.hpp"
#include "kepu15/io/detail/gdal_util.hpp"
#include "kepu15/io/detail/geojson_text.hpp"

namespace kepu15::io {

namespace fs = std::filesystem;
using detail::ErrorKind;
using detail::GdalErrorScope;

namespace {

// Sidecars a shapefile may have; ".shp" is renamed last so that a reader never sees a .shp
// whose .dbf is still missing.
const std::vector<std::string> shapefile_parts{".shx", ".dbf", ".prj",     ".cpg", ".qix",
                                               ".sbn", ".sbx", ".shp.xml", ".shp"};

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

struct Format {
    std::string driver;
    std::vector<std::string> layer_options;
};

Format format_for(const std::string& path, const std::string& shown) {
    if (path.rfind("PG:", 0) == 0) return {"PostgreSQL", {"GEOMETRY_NAME=geom"}};
    const std::string ext = lower(fs::path(path).extension().string());
    if (ext == ".geojson" || ext == ".json") {
        return {"GeoJSON", {}};  // written by write_geojson, not by GDAL's driver
    }
    if (ext == ".gpkg") return {"GPKG", {}};
    // RESIZE shrinks the 254-byte text columns to their longest value when the file is closed.
    if (ext == ".shp") return {"ESRI Shapefile", {"ENCODING=UTF-8", "RESIZE=YES"}};
    if (ext == ".csv") return {"CSV", {"GEOMETRY=AS_WKT"}};
    throw output_error(shown + ": unsupported output format '" + ext +
                       "' (use .geojson, .json, .gpkg, .shp, .csv or a PG: connection)");
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

std::size_t part_count(const FeatureGeometry& g, GeometryKind kind) {
    switch (kind) {
        case GeometryKind::point:
            return g.points.size();
        case GeometryKind::line:
            return g.lines.size();
        case GeometryKind::polygon:
            return g.polygons.size();
        default:
            return 0;
    }
}

OGRLinearRing make_ring(const Ring& ring) {
    OGRLinearRing r;
    r.setNumPoints(static_cast<int>(ring.size()));
    for (std::size_t i = 0; i < ring.size(); ++i) r.setPoint(static_cast<int>(i), ring[i].x, ring[i].y);
    r.closeRings();
    return r;
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
            auto make_line = [](const LineString& l) {
                auto ls = std::make_unique<OGRLineString>();
                ls->setNumPoints(static_cast<int>(l.size()));
                for (std::size_t i = 0; i < l.size(); ++i) ls->setPoint(static_cast<int>(i), l[i].x, l[i].y);
                return ls;
            };
            if (!multi) return make_line(g.lines.front());
            auto ml = std::make_unique<OGRMultiLineString>();
            for (const auto& l : g.lines) ml->addGeometryDirectly(make_line(l).release());
            return ml;
        }
        case GeometryKind::polygon: {
            auto make_poly = [](const Polygon& p) {
                auto poly = std::make_unique<OGRPolygon>();
                OGRLinearRing outer = make_ring(p.outer);
                poly->addRing(&outer);
                for (const auto& h : p.holes) {
                    OGRLinearRing hole = make_ring(h);
                    poly->addRing(&hole);
                }
                return poly;
            };
            if (!multi) return make_poly(g.polygons.front());
            auto mp = std::make_unique<OGRMultiPolygon>();
            for (const auto& p : g.polygons) mp->addGeometryDirectly(make_poly(p).release());
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

// GeoJSON text through detail::append_geojson_* (see geojson_text.hpp for why not GDAL's driver),
// streamed in blocks.
void write_geojson(const fs::path& tmp_path, const std::string& layer_name, const std::vector<FieldDef>& fields,
                   const std::vector<OutputFeature>& features, const WriteOptions& options,
                   const std::string& shown) {
    validate_features(fields, features, options.geometry_kind, shown);
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(tmp_path.c_str(), "wb"), &std::fclose);
    if (!file) throw output_error(shown + ": cannot create '" + tmp_path.string() + "'");
    std::string block;
    block.reserve(1 << 21);
    bool ok = true;
    const auto flush = [&] {
        ok = ok && std::fwrite(block.data(), 1, block.size(), file.get()) == block.size();
        block.clear();
    };
    detail::append_geojson_header(block, layer_name);
    for (std::size_t i = 0; i < features.size(); ++i) {
        detail::append_geojson_feature(block, fields, features[i], options.coordinate_precision, i == 0);
        if (block.size() > (1 << 20)) flush();
    }
    detail::append_geojson_footer(block);
    flush();
    ok = ok && std::fflush(file.get()) == 0;
    ok = std::fclose(file.release()) == 0 && ok;
    if (!ok) throw output_error(shown + ": write failed (disk full?)");
}

void write_features(GDALDataset& ds, const std::string& layer_name, const Format& format, bool shapefile,
                    const std::vector<FieldDef>& fields, const std::vector<OutputFeature>& features,
                    const WriteOptions& options, const std::string& shown) {
    const GeometryKind kind = options.geometry_kind;
    const bool multi = validate_features(fields, features, kind, shown);

    GdalErrorScope errors;
    OGRSpatialReference wgs84 = detail::wgs84_srs();
    CPLStringList lco;
    for (const auto& o : format.layer_options) lco.AddString(o.c_str());
    if (format.driver == "PostgreSQL" && options.overwrite) lco.AddString("OVERWRITE=YES");
    OGRLayer* layer = ds.CreateLayer(layer_name.c_str(), kind == GeometryKind::none ? nullptr : &wgs84,
                                     layer_type(kind, multi), lco.List());
    if (layer == nullptr)
        detail::throw_gdal(ErrorKind::output, shown + ": cannot create layer '" + layer_name + "'", errors);

    for (std::size_t i = 0; i < fields.size(); ++i) {
        const auto& def = fields[i];
        OGRFieldType type = def.type == FieldType::integer ? OFTInteger64
                            : def.type == FieldType::real  ? OFTReal
                                                           : OFTString;
        OGRFieldDefn fd(def.name.c_str(), type);
        if (shapefile && type == OFTString) {
            std::size_t longest = 1;
            for (const auto& f : features) longest = std::max(longest, as_text(f.values[i]).size());
            if (longest > 254) {
                kepu15::warn(shown + ": field '" + def.name + "' is cut to 254 bytes (Shapefile limit)");
            }
            fd.SetWidth(254);
        }
        detail::check(layer->CreateField(&fd), ErrorKind::output,
                      shown + ": cannot create field '" + def.name + "'", errors);
        const char* created = layer->GetLayerDefn()->GetFieldDefn(static_cast<int>(i))->GetNameRef();
        if (def.name != created) {
            kepu15::warn(shown + ": field '" + def.name + "' is written as '" + created + "' (format limit)");
        }
    }

    OGRFeatureDefn* defn = layer->GetLayerDefn();
    for (std::size_t i = 0; i < features.size(); ++i) {
        const auto& in = features[i];
        OGRFeature f(defn);
        for (std::size_t j = 0; j < fields.size(); ++j) {
            const int k = static_cast<int>(j);
            const FieldValue& v = in.values[j];
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
        if (kind != GeometryKind::none && part_count(in.geometry, kind) > 0) {
            f.SetGeometryDirectly(make_geometry(in.geometry, kind, multi).release());
        }
        detail::check(layer->CreateFeature(&f), ErrorKind::output,
                      shown + ": cannot write feature " + std::to_string(i), errors);
    }
    detail::check(layer->SyncToDisk(), ErrorKind::output, shown + ": cannot flush layer", errors);
}

void write_postgis(const std::string& path, const std::vector<FieldDef>& fields,
                   const std::vector<OutputFeature>& features, const WriteOptions& options) {
    const std::string shown = detail::redact(path);
    if (options.layer_name.empty())
        throw output_error(shown + ": a PostGIS output needs a layer (table) name");
    auto ds = detail::open_dataset(path, GDAL_OF_VECTOR | GDAL_OF_UPDATE, {}, ErrorKind::output);
    GdalErrorScope errors;
    // One transaction: the table appears complete or not at all.
    detail::check(ds->StartTransaction(), ErrorKind::output, shown + ": cannot start a transaction", errors);
    try {
        write_features(*ds, options.layer_name, format_for(path, shown), false, fields, features,
                       options, shown);
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
    if (path.rfind("PG:", 0) == 0) {
        write_postgis(path, fields, features, options);
        return;
    }
    const std::string shown = path;
    const Format format = format_for(path, shown);
    const bool shapefile = format.driver == "ESRI Shapefile";
    const fs::path final_path(path);
    const fs::path dir = final_path.parent_path().empty() ? fs::path(".") : final_path.parent_path();
    require_folder(dir, shown);
    std::error_code ec;
    if (!options.overwrite && fs::exists(final_path, ec)) throw output_error(shown + ": already exists");

    const std::string stem = final_path.stem().string();
    const std::string ext = final_path.extension().string();
    const std::string tmp_base = temp_name(stem);
    const fs::path tmp_path = dir / (tmp_base + ext);
    try {
        if (format.driver == "GeoJSON") {
            write_geojson(tmp_path, options.layer_name.empty() ? stem : options.layer_name, fields, features,
                          options, shown);
            fs::rename(tmp_path, final_path);
            return;
        }
        GDALDriver* driver = GetGDALDriverManager()->GetDriverByName(format.driver.c_str());
        if (driver == nullptr)
            throw output_error(shown + ": GDAL driver " + format.driver + " is not available");
        GdalErrorScope errors;
        GDALDatasetUniquePtr ds(driver->Create(tmp_path.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
        if (!ds) detail::throw_gdal(ErrorKind::output, shown + ": cannot create", errors);
        write_features(*ds, options.layer_name.empty() ? stem : options.layer_name, format, shapefile, fields,
                       features, options, shown);
        errors.clear();
        ds.reset();  // closes and flushes
        if (errors.failed()) detail::throw_gdal(ErrorKind::output, shown + ": cannot close", errors);

        if (shapefile) {
            for (const auto& part : shapefile_parts) {
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
    } catch (const fs::filesystem_error& e) {
        remove_temporaries(dir, tmp_base);
        throw output_error(shown + ": cannot rename into place (" + e.code().message() + ")");
    } catch (...) {
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

StagedOutputs::StagedOutputs(std::string out_dir) : m_out_dir(std::move(out_dir)) {
    std::error_code ec;
    fs::create_directories(m_out_dir, ec);
    if (ec || !fs::is_directory(m_out_dir)) {
        throw output_error(m_out_dir + ": cannot create output folder" +
                           (ec ? " (" + ec.message() + ")" : ""));
    }
    m_staging_dir = (fs::path(m_out_dir) / temp_name("kepu15-staging")).string();
    fs::create_directory(m_staging_dir, ec);
    if (ec) throw output_error(m_out_dir + ": cannot create staging folder (" + ec.message() + ")");
}

StagedOutputs::~StagedOutputs() {
    std::error_code ec;
    fs::remove_all(m_staging_dir, ec);
}

std::string StagedOutputs::staging_path(const std::string& file_name) {
    const fs::path rel(file_name);
    if (rel.is_absolute() || file_name.find("..") != std::string::npos) {
        throw output_error(m_out_dir + ": output name '" + file_name +
                           "' must be a relative path inside the folder");
    }
    const fs::path p = fs::path(m_staging_dir) / rel;
    std::error_code ec;
    fs::create_directories(p.parent_path(), ec);
    if (std::find(m_files.begin(), m_files.end(), file_name) == m_files.end()) m_files.push_back(file_name);
    return p.string();
}

std::string StagedOutputs::final_path(const std::string& file_name) const {
    return (fs::path(m_out_dir) / file_name).string();
}

void StagedOutputs::commit() {
    if (m_committed) return;
    // Everything in the staging folder moves, so multi-file outputs (.shp + .dbf + ...) move whole.
    std::vector<fs::path> files;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(m_staging_dir, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->is_regular_file()) files.push_back(it->path());
    }
    if (ec) throw output_error(m_out_dir + ": cannot list staging folder (" + ec.message() + ")");
    std::stable_partition(files.begin(), files.end(),
                          [](const fs::path& p) { return lower(p.extension().string()) != ".shp"; });
    for (const auto& from : files) {
        const fs::path rel = fs::relative(from, m_staging_dir);
        const fs::path to = fs::path(m_out_dir) / rel;
        fs::create_directories(to.parent_path(), ec);
        fs::rename(from, to, ec);
        if (ec) throw output_error(to.string() + ": cannot move into place (" + ec.message() + ")");
    }
    fs::remove_all(m_staging_dir, ec);
    m_committed = true;
}

}  // namespace kepu15::io
