#include "kepu15/io/sink.hpp"

#include "kepu15/error.hpp"
#include "kepu15/io/detail/gdal_util.hpp"
#include "kepu15/io/detail/gpkg_rows.hpp"
#include "kepu15/io/detail/layer_writer.hpp"
#include "kepu15/io/output_folder.hpp"

#include <cpl_conv.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

namespace kepu15::io {

namespace fs = std::filesystem;
using detail::ErrorKind;
using detail::GdalErrorScope;
using detail::VectorFormat;

namespace {

constexpr const char* files_table = "kepu15_files";

std::string unique_suffix() {
    static std::atomic<unsigned> counter{0};
    return std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

void check_name(const std::string& name, const std::string& shown) {
    if (name.empty() || name.find('/') != std::string::npos || name.find("..") != std::string::npos) {
        throw output_error(shown + ": bad output name '" + name + "'");
    }
}

std::string read_file(const fs::path& p, const std::string& shown) {
    std::ifstream in(p, std::ios::binary);
    if (!in) throw output_error(shown + ": cannot read back '" + p.filename().string() + "'");
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void write_file(const fs::path& p, const std::string& content, const std::string& shown) {
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(p.c_str(), "wb"), &std::fclose);
    bool ok = f != nullptr && std::fwrite(content.data(), 1, content.size(), f.get()) == content.size();
    ok = f != nullptr && std::fclose(f.release()) == 0 && ok;
    if (!ok) throw output_error(shown + ": cannot write '" + p.filename().string() + "' (disk full?)");
}

// A private folder for raw files that go into a database or GeoPackage at commit.
class ScratchFolder {
public:
    ScratchFolder() = default;
    ~ScratchFolder() {
        if (!m_dir.empty()) {
            std::error_code ec;
            fs::remove_all(m_dir, ec);
            detail::unregister_cleanup(m_slot);
        }
    }
    ScratchFolder(const ScratchFolder&) = delete;
    ScratchFolder& operator=(const ScratchFolder&) = delete;
    std::string path_for(const std::string& name, const fs::path& near, const std::string& shown) {
        if (m_dir.empty()) {
            std::error_code ec;
            fs::path base = near.empty() ? fs::temp_directory_path(ec) : near;
            m_dir = base / (".kepu15-files.tmp-" + unique_suffix());
            fs::create_directories(m_dir, ec);
            if (ec) throw output_error(shown + ": cannot create a temporary folder (" + ec.message() + ")");
            m_slot = detail::register_cleanup(m_dir.string());
        }
        m_names.push_back(name);
        return (m_dir / name).string();
    }
    [[nodiscard]] const std::vector<std::string>& names() const { return m_names; }
    [[nodiscard]] fs::path path(const std::string& name) const { return m_dir / name; }

private:
    fs::path m_dir;
    int m_slot = -1;
    std::vector<std::string> m_names;
};

}  // namespace

void Sink::add_table(const std::string& name, const CsvTable& table) {
    // Both built first, so a bad table adds nothing.
    const std::string csv = format_csv_table(table);
    const std::string types = csv_table_types(table);
    add_file(name + ".csv", csv);
    add_file(name + ".csvt", types);
}

namespace {

// ---- folder of files ---------------------------------------------------------------------------

class FolderSink final : public Sink {
public:
    FolderSink(const std::string& target, VectorFormat format, const SinkOptions& options)
        : m_folder(target), m_format(format), m_crs(detail::make_output_crs(options.output_crs)),
          m_precision(options.coordinate_precision), m_threads(options.threads) {}

    void add_layer(const Layer& layer) override {
        check_name(layer.name, describe());
        const VectorFormat format = layer.geometry_kind == GeometryKind::none && m_format != VectorFormat::shapefile
                                        ? VectorFormat::csv
                                        : m_format;
        std::string file = layer.name + detail::format_extension(format);
        if (format == VectorFormat::csv && layer.geometry_kind != GeometryKind::none) {
            std::lock_guard lock(m_mutex);
            // towns.csv is the Excel table; the towns polygons of a CSV folder go beside it.
            if (m_tables.count(layer.name) != 0) file = layer.name + "_geometry.csv";
        }
        const std::string path = reserve(file);
        detail::write_layer_file(path, format, layer, m_crs, m_precision, m_folder.target_dir() + "/" + file,
                                 m_threads);
    }
    void add_file(const std::string& name, const std::string& content) override {
        write_file(file_path(name), content, m_folder.target_dir() + "/" + name);
    }
    void add_table(const std::string& name, const CsvTable& table) override {
        {
            std::lock_guard lock(m_mutex);
            m_tables.insert(name);
        }
        Sink::add_table(name, table);
    }
    std::string file_path(const std::string& name) override { return reserve(name); }
    void commit() override { m_folder.commit(); }
    [[nodiscard]] std::string describe() const override { return m_folder.target_dir(); }

private:
    std::string reserve(const std::string& file) {
        std::lock_guard lock(m_mutex);
        if (!m_names.insert(file).second) throw output_error(describe() + ": '" + file + "' is written twice");
        return m_folder.path_for(file);
    }
    OutputFolder m_folder;
    VectorFormat m_format;
    detail::OutputCrs m_crs;
    int m_precision;
    unsigned m_threads;
    std::mutex m_mutex;
    std::set<std::string> m_names;
    std::set<std::string> m_tables;  // names given to add_table
};

// ---- one layer in one file (kepu15 coverage) -----------------------------------------------------

class FileSink final : public Sink {
public:
    FileSink(const std::string& target, VectorFormat format, const SinkOptions& options)
        : m_target(target), m_format(format), m_crs(detail::make_output_crs(options.output_crs)), m_options(options) {
        const fs::path p(target);
        m_dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
        std::error_code ec;
        if (!fs::is_directory(m_dir, ec)) throw output_error(target + ": folder '" + m_dir.string() + "' does not exist");
        // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) about "." + std::string.
        m_tmp_base = ".";
        m_tmp_base += p.stem().string();
        m_tmp_base += ".tmp-";
        m_tmp_base += unique_suffix();
    }
    ~FileSink() override {
        if (!m_committed) remove_temporaries();
        detail::unregister_cleanup(m_slot);
    }
    void add_layer(const Layer& layer) override {
        std::lock_guard lock(m_mutex);
        if (m_written) throw output_error(m_target + ": a " + detail::format_name(m_format) + " file holds one layer");
        const fs::path tmp = m_dir / (m_tmp_base + fs::path(m_target).extension().string());
        m_slot = detail::register_cleanup(tmp.string());
        const std::string name = m_options.layer_name.empty() ? fs::path(m_target).stem().string() : m_options.layer_name;
        const detail::LayerRef ref(name, layer.fields, layer.features, layer.geometry_kind);
        try {
            detail::write_layer_file(tmp.string(), m_format, ref, m_crs, m_options.coordinate_precision, m_target,
                                     m_options.threads);
        } catch (...) {
            remove_temporaries();
            throw;
        }
        m_written = true;
    }
    void add_file(const std::string& name, const std::string& /*content*/) override {
        throw output_error(m_target + ": a single-layer output cannot hold '" + name + "'; write to a folder");
    }
    std::string file_path(const std::string& name) override {
        throw output_error(m_target + ": a single-layer output cannot hold '" + name + "'; write to a folder");
    }
    void commit() override {
        std::lock_guard lock(m_mutex);
        if (!m_written) throw output_error(m_target + ": nothing was written");
        const fs::path p(m_target);
        const std::string stem = p.stem().string();
        // Sidecars first, the main file last, so a reader never sees a main file without them; a
        // stale sidecar of an earlier file (old .qix, .fieldnames.csv) goes.
        std::vector<std::string> parts;
        if (m_format == VectorFormat::shapefile) {
            parts = {".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx", ".shp.xml", ".fieldnames.csv", ".shp"};
        } else if (m_format == VectorFormat::csv) {
            parts = {".csvt", ".prj", ".csv"};
        } else {
            parts = {p.extension().string()};
        }
        try {
            for (const auto& part : parts) {
                const fs::path from = m_dir / (m_tmp_base + part);
                const fs::path to = m_dir / (stem + part);
                std::error_code ec;
                if (fs::exists(from, ec)) {
                    fs::rename(from, to);
                } else {
                    fs::remove(to, ec);
                }
            }
        } catch (const fs::filesystem_error& e) {
            remove_temporaries();
            throw output_error(m_target + ": cannot rename into place (" + e.code().message() + ")");
        }
        m_committed = true;
    }
    [[nodiscard]] std::string describe() const override { return m_target; }

private:
    void remove_temporaries() {
        std::error_code ec;
        for (fs::directory_iterator it(m_dir, ec), end; !ec && it != end; it.increment(ec)) {
            if (it->path().filename().string().rfind(m_tmp_base, 0) == 0) {
                std::error_code ignored;
                fs::remove_all(it->path(), ignored);
            }
        }
    }
    std::string m_target;
    VectorFormat m_format;
    detail::OutputCrs m_crs;
    SinkOptions m_options;
    fs::path m_dir;
    std::string m_tmp_base;
    std::mutex m_mutex;
    int m_slot = -1;
    bool m_written = false;
    bool m_committed = false;
};

// ---- shared by GeoPackage and PostGIS: one dataset, one transaction -------------------------------

class DatasetSink : public Sink {
public:
    void add_layer(const Layer& layer) override {
        check_name(layer.name, describe());
        std::lock_guard lock(m_mutex);
        require_open();
        prepare_layer(layer.name);
        auto lco = detail::layer_creation_options(m_format, layer.geometry_kind);
        extra_layer_options(lco);
        try {
            detail::write_ogr_layer(*m_ds, layer, m_crs, lco, {}, false, describe() + ", layer " + layer.name);
        } catch (const output_error& e) {
            throw output_error(detail::redact(e.what()));  // GDAL's part of the message, too
        }
    }
    void add_file(const std::string& name, const std::string& content) override {
        check_name(name, describe());
        std::lock_guard lock(m_mutex);
        insert_file(name, content);
    }
    std::string file_path(const std::string& name) override {
        check_name(name, describe());
        std::lock_guard lock(m_mutex);
        return m_scratch.path_for(name, scratch_near(), describe());
    }
    void add_table(const std::string& name, const CsvTable& table) override {
        const Layer layer = csv_table_layer(name + "_table", table);
        Sink::add_table(name, table);
        add_layer(layer);
    }

protected:
    DatasetSink(VectorFormat format, const SinkOptions& options)
        : m_format(format), m_options(options), m_crs(detail::make_output_crs(options.output_crs)) {}

    // Before a layer or table named `name` is created: error or drop when it exists.
    virtual void prepare_layer(const std::string& name) = 0;
    virtual void extra_layer_options(std::vector<std::string>& /*lco*/) {}
    virtual fs::path scratch_near() const { return {}; }

    // Moves the raw files written through file_path() into the files table.
    void insert_scratch_files() {
        for (const auto& name : m_scratch.names()) insert_file(name, read_file(m_scratch.path(name), describe()));
    }

    void insert_file(const std::string& name, const std::string& content) {
        require_open();
        GdalErrorScope errors;
        if (m_files == nullptr) {
            prepare_layer(files_table);
            auto lco = detail::layer_creation_options(m_format, GeometryKind::none);
            extra_layer_options(lco);
            CPLStringList options;
            for (const auto& o : lco) options.AddString(o.c_str());
            m_files = m_ds->CreateLayer(files_table, nullptr, wkbNone, options.List());
            if (m_files == nullptr) fail("cannot create table " + std::string(files_table), errors);
            m_files_created = true;
            OGRFieldDefn name_field("name", OFTString);
            OGRFieldDefn content_field("content", OFTBinary);
            if (m_files->CreateField(&name_field) != OGRERR_NONE || m_files->CreateField(&content_field) != OGRERR_NONE) {
                fail("cannot create the fields of " + std::string(files_table), errors);
            }
        }
        OGRFeature f(m_files->GetLayerDefn());
        f.SetField(0, name.c_str());
        f.SetField(1, static_cast<int>(content.size()),
                   reinterpret_cast<const GByte*>(content.data()));  // NOLINT: GDAL takes bytes
        if (m_files->CreateFeature(&f) != OGRERR_NONE) fail("cannot store " + name, errors);
    }

    // After a failed write the dataset may be closed: the sink is then of no further use.
    void require_open() const {
        if (!m_ds) throw output_error(describe() + ": an earlier write to this output failed");
    }

    [[noreturn]] void fail(const std::string& what, const GdalErrorScope& errors) const {
        throw output_error(describe() + ": " + what + detail::redact(errors.reason()));
    }

    VectorFormat m_format;
    SinkOptions m_options;
    detail::OutputCrs m_crs;
    GDALDatasetUniquePtr m_ds;
    OGRLayer* m_files = nullptr;
    bool m_files_created = false;  // m_files is this sink's (a reopened dataset finds it by name)
    ScratchFolder m_scratch;
    std::mutex m_mutex;
    bool m_committed = false;
};

// ---- GeoPackage ---------------------------------------------------------------------------------

class GpkgSink final : public DatasetSink {
public:
    GpkgSink(const std::string& target, const SinkOptions& options)
        : DatasetSink(VectorFormat::gpkg, options), m_target(target) {
        detail::register_gdal();
        const fs::path p(target);
        m_dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
        std::error_code ec;
        if (!fs::is_directory(m_dir, ec)) throw output_error(target + ": folder '" + m_dir.string() + "' does not exist");
        if (fs::exists(p, ec) && !fs::is_regular_file(p, ec)) throw output_error(target + ": exists and is not a file");
        std::string tmp_name = ".";
        tmp_name += p.filename().string();
        tmp_name += ".tmp-";
        tmp_name += unique_suffix();
        tmp_name += ".gpkg";
        m_tmp = m_dir / tmp_name;
        m_slot = detail::register_cleanup(m_tmp.string());
        const bool update = options.keep_other_layers && fs::exists(p, ec);
        if (update) {
            fs::copy_file(p, m_tmp, ec);
            if (ec) throw output_error(target + ": cannot copy to a temporary file (" + ec.message() + ")");
        }
        open_tmp(!update);
    }
    ~GpkgSink() override {
        if (!m_committed) {
            m_ds.reset();
            remove_tmp();
        }
        detail::unregister_cleanup(m_slot);
    }
    void commit() override {
        std::lock_guard lock(m_mutex);
        require_open();
        GdalErrorScope errors;
        insert_scratch_files();
        if (m_ds->CommitTransaction() != OGRERR_NONE) fail("commit failed", errors);
        errors.clear();
        m_ds.reset();
        if (errors.failed()) fail("cannot close", errors);
        std::error_code ec;
        fs::rename(m_tmp, m_target, ec);
        if (ec) throw output_error(m_target + ": cannot rename into place (" + ec.message() + ")");
        m_committed = true;
    }
    [[nodiscard]] std::string describe() const override { return m_target; }

    // A layer with geometry: GDAL creates the table (columns, SRS, gpkg_contents), kepu15 writes
    // the rows and the R-tree with SQLite (gpkg_rows.hpp), GDAL's dataset closed meanwhile.
    // Attribute tables, and layers with a value GDAL would have to convert (found while the rows
    // are written; the rows are then rolled back), go through GDAL.
    void add_layer(const Layer& layer) override {
        if (layer.geometry_kind == GeometryKind::none) {
            DatasetSink::add_layer(layer);
            return;
        }
        check_name(layer.name, describe());
        {
            std::lock_guard lock(m_mutex);
            require_open();
            const std::string shown = describe() + ", layer " + layer.name;
            prepare_layer(layer.name);
            auto lco = detail::layer_creation_options(m_format, layer.geometry_kind);
            lco.emplace_back("SPATIAL_INDEX=NO");
            static const std::vector<std::size_t> no_features;
            detail::write_ogr_layer(*m_ds, layer, m_crs, lco, {}, false, shown, &no_features);
            GdalErrorScope errors;
            if (m_ds->CommitTransaction() != OGRERR_NONE) fail("commit failed", errors);
            errors.clear();
            m_ds.reset();
            m_files = nullptr;
            if (errors.failed()) fail("cannot close", errors);
            const bool filled = detail::fill_gpkg_rows(m_tmp.string(), layer, m_crs, m_options.threads, shown);
            open_tmp(false);
            if (m_files_created) m_files = m_ds->GetLayerByName(files_table);
            if (filled) return;
            delete_layer(layer.name);  // the empty table, for GDAL to create again
        }
        DatasetSink::add_layer(layer);
    }

private:
    // Opens the temporary file with GDAL (creates it when `create`) and starts a transaction.
    void open_tmp(bool create) {
        GdalErrorScope errors;
        // The file is private until renamed, so SQLite needs no durable journal: a crash leaves a
        // temporary file that is deleted, never a half-written target.
        CPLSetThreadLocalConfigOption("OGR_SQLITE_SYNCHRONOUS", "OFF");
        CPLSetThreadLocalConfigOption("OGR_SQLITE_JOURNAL", "MEMORY");
        if (!create) {
            m_ds.reset(GDALDataset::Open(m_tmp.c_str(), GDAL_OF_VECTOR | GDAL_OF_UPDATE, nullptr, nullptr, nullptr));
        } else {
            // 64 KiB pages instead of SQLite's 4 KiB: the cell layer's rows and R-tree are written
            // with a sixteenth of the page writes (scripts/bench-write.sh: less wall time, less
            // CPU); a new file only, since an existing one keeps its page size.
            CPLSetThreadLocalConfigOption("OGR_SQLITE_PRAGMA", "page_size=65536");
            GDALDriver* driver = GetGDALDriverManager()->GetDriverByName("GPKG");
            if (driver != nullptr) m_ds.reset(driver->Create(m_tmp.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
        }
        CPLSetThreadLocalConfigOption("OGR_SQLITE_SYNCHRONOUS", nullptr);
        CPLSetThreadLocalConfigOption("OGR_SQLITE_JOURNAL", nullptr);
        CPLSetThreadLocalConfigOption("OGR_SQLITE_PRAGMA", nullptr);
        if (!m_ds) {
            remove_tmp();
            detail::throw_gdal(ErrorKind::output, m_target + (create ? ": cannot create" : ": cannot open"), errors);
        }
        if (m_ds->StartTransaction() != OGRERR_NONE) {
            m_ds.reset();
            remove_tmp();
            detail::throw_gdal(ErrorKind::output, m_target + ": cannot start a transaction", errors);
        }
    }
    void prepare_layer(const std::string& name) override {
        if (m_ds->GetLayerByName(name.c_str()) == nullptr) return;
        if (!m_options.overwrite) {
            throw output_error(m_target + ": layer '" + name + "' exists; use --overwrite to replace it");
        }
        delete_layer(name);
    }
    void delete_layer(const std::string& name) {
        OGRLayer* existing = m_ds->GetLayerByName(name.c_str());
        for (int i = 0; i < m_ds->GetLayerCount(); ++i) {
            if (m_ds->GetLayer(i) == existing) {
                GdalErrorScope errors;
                if (m_ds->DeleteLayer(i) != OGRERR_NONE) fail("cannot replace layer '" + name + "'", errors);
                return;
            }
        }
    }
    fs::path scratch_near() const override { return m_dir; }
    void remove_tmp() {
        std::error_code ec;
        for (const char* suffix : {"", "-journal", "-wal", "-shm"}) fs::remove(m_tmp.string() + suffix, ec);
    }
    std::string m_target;
    fs::path m_dir;
    fs::path m_tmp;
    int m_slot = -1;
};

// ---- PostGIS ------------------------------------------------------------------------------------

std::string sql_literal(const std::string& s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\'') out += '\'';
        out += c;
    }
    return out + "'";
}

std::string sql_identifier(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

class PostgisSink final : public DatasetSink {
public:
    PostgisSink(const std::string& target, const SinkOptions& options)
        : DatasetSink(VectorFormat::postgis, options), m_shown(detail::redact(target)),
          m_schema(options.schema.empty() ? "public" : options.schema) {
        detail::register_gdal();
        const std::string connection = target.rfind("postgresql://", 0) == 0 ? "PG:" + target : target;
        GdalErrorScope errors;
        m_ds.reset(GDALDataset::Open(connection.c_str(), GDAL_OF_VECTOR | GDAL_OF_UPDATE, nullptr, nullptr, nullptr));
        if (!m_ds) throw output_error(m_shown + ": cannot connect" + detail::redact(errors.reason()));
        if (m_ds->StartTransaction() != OGRERR_NONE) fail("cannot start a transaction", errors);
        execute("CREATE SCHEMA IF NOT EXISTS " + sql_identifier(m_schema));
    }
    ~PostgisSink() override {
        if (!m_committed && m_ds) m_ds->RollbackTransaction();
    }
    void commit() override {
        std::lock_guard lock(m_mutex);
        GdalErrorScope errors;
        insert_scratch_files();
        if (m_ds->CommitTransaction() != OGRERR_NONE) fail("commit failed", errors);
        m_committed = true;
        m_ds.reset();
    }
    [[nodiscard]] std::string describe() const override { return m_shown + " schema " + m_schema; }

private:
    void execute(const std::string& sql) {
        GdalErrorScope errors;
        OGRLayer* result = m_ds->ExecuteSQL(sql.c_str(), nullptr, nullptr);
        if (result != nullptr) m_ds->ReleaseResultSet(result);
        if (errors.failed()) fail("SQL failed", errors);
    }
    bool table_exists(const std::string& name) {
        GdalErrorScope errors;
        const std::string sql = "SELECT 1 FROM information_schema.tables WHERE table_schema = " +
                                sql_literal(m_schema) + " AND table_name = " + sql_literal(name);
        OGRLayer* result = m_ds->ExecuteSQL(sql.c_str(), nullptr, nullptr);
        bool exists = false;
        if (result != nullptr) {
            OGRFeatureUniquePtr f(result->GetNextFeature());
            exists = f != nullptr;
            m_ds->ReleaseResultSet(result);
        }
        if (errors.failed()) fail("cannot list tables", errors);
        return exists;
    }
    void prepare_layer(const std::string& name) override {
        if (table_exists(name) && !m_options.overwrite) {
            throw output_error(describe() + ": table '" + name + "' exists; use --overwrite to replace it");
        }
    }
    void extra_layer_options(std::vector<std::string>& lco) override {
        lco.push_back("SCHEMA=" + m_schema);
        if (m_options.overwrite) lco.push_back("OVERWRITE=YES");
    }
    std::string m_shown;
    std::string m_schema;
};

bool looks_like_connection(const std::string& target) {
    return detail::is_virtual_path(target) && target.rfind("/vsi", 0) != 0;
}

}  // namespace

std::unique_ptr<Sink> open_sink(const std::string& target, const SinkOptions& given) {
    detail::register_gdal();
    SinkOptions options = given;
    if (options.output_crs == "working") {
        if (options.working_crs.empty()) throw config_error("--out-crs working: the working CRS is not known here");
        options.output_crs = options.working_crs;
    }
    if (target.empty()) throw config_error("--out: no output given");
    VectorFormat guessed{};
    const bool has_guess = detail::guess_format(target, guessed);
    VectorFormat format = has_guess ? guessed : VectorFormat::geojson;
    if (!options.format.empty()) {
        format = detail::parse_format(options.format);
        if (has_guess && format != guessed && guessed != VectorFormat::geojson) {
            throw config_error("--format " + options.format + " does not match the output '" + detail::redact(target) +
                               "' (" + detail::format_name(guessed) + ")");
        }
    }
    if (format == VectorFormat::postgis) {
        if (!has_guess || guessed != VectorFormat::postgis) {
            throw config_error("--format postgis needs a PG:... connection string as output");
        }
        return std::make_unique<PostgisSink>(target, options);
    }
    if (looks_like_connection(target)) {
        throw config_error("--out '" + detail::redact(target) +
                           "' looks like a connection string; kepu15 writes to PG:... (PostGIS) only");
    }
    if (!options.schema.empty()) throw config_error("--schema applies to PostGIS (PG:...) outputs only");
    if (format == VectorFormat::gpkg) return std::make_unique<GpkgSink>(target, options);
    if (has_guess && format == guessed) return std::make_unique<FileSink>(target, format, options);
    if (has_guess && guessed == VectorFormat::geojson && format != VectorFormat::geojson) {
        throw config_error("--format " + options.format + " does not match the output '" + target + "'");
    }
    return std::make_unique<FolderSink>(target, format, options);
}

std::string redact_connection(const std::string& target) { return detail::redact(target); }

const char* sink_formats_help() {
    return "geojson (a folder of .geojson files, DEFAULT), gpkg (one GeoPackage: --out x.gpkg), "
           "postgis (--out PG:\"dbname=... host=...\" --schema S), shapefile, flatgeobuf, csv (folders of "
           ".shp, .fgb or .csv files)";
}

}  // namespace kepu15::io
