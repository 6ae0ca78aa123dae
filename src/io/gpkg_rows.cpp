#include "kepu15/io/detail/gpkg_rows.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <exception>
#include <limits>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "kepu15/error.hpp"
#include "kepu15/geo/crs.hpp"
#include "kepu15/io/detail/flatgeobuf_index.hpp"
#include "kepu15/io/detail/feature_geometry.hpp"
#include "kepu15/parallel.hpp"

namespace kepu15::io::detail {

namespace {

static_assert(std::endian::native == std::endian::little,
              "GeoPackage blobs are written little-endian as in memory");

std::string quoted(const std::string& identifier) {
    std::string out = "\"";
    for (char c : identifier) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

// One connection to the GeoPackage; every failure becomes an output_error naming `shown`.
class Connection {
public:
    Connection(const std::string& path, std::string shown) : m_shown(std::move(shown)) {
        if (sqlite3_open_v2(path.c_str(), &m_db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
            const std::string reason = m_db != nullptr ? sqlite3_errmsg(m_db) : "out of memory";
            sqlite3_close(m_db);
            throw output_error(m_shown + ": cannot open with SQLite (" + reason + ")");
        }
    }
    ~Connection() { sqlite3_close_v2(m_db); }
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    void exec(const std::string& sql) {
        char* message = nullptr;
        if (sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
            const std::string reason = message != nullptr ? message : sqlite3_errmsg(m_db);
            sqlite3_free(message);
            throw output_error(m_shown + ": SQLite: " + reason);
        }
    }
    [[noreturn]] void fail(const std::string& what) const {
        throw output_error(m_shown + ": " + what + " (SQLite: " + sqlite3_errmsg(m_db) + ")");
    }
    [[nodiscard]] sqlite3* get() const { return m_db; }

private:
    sqlite3* m_db = nullptr;
    std::string m_shown;
};

class Statement {
public:
    Statement(Connection& c, const std::string& sql) : m_c(c) {
        if (sqlite3_prepare_v2(c.get(), sql.c_str(), static_cast<int>(sql.size()), &m_st, nullptr) !=
            SQLITE_OK) {
            c.fail("cannot prepare '" + sql.substr(0, 60) + "'");
        }
    }
    ~Statement() { sqlite3_finalize(m_st); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    [[nodiscard]] sqlite3_stmt* get() const { return m_st; }
    // Steps once; true while there is a row.
    bool step() {
        const int rc = sqlite3_step(m_st);
        if (rc == SQLITE_ROW) return true;
        if (rc != SQLITE_DONE) m_c.fail("SQL failed");
        return false;
    }
    // Steps a statement that returns no row, then resets it for the next bindings.
    void run(const std::string& what) {
        if (sqlite3_step(m_st) != SQLITE_DONE) m_c.fail(what);
        sqlite3_reset(m_st);
    }
    [[nodiscard]] std::string text(int column) const {
        const auto* t = sqlite3_column_text(m_st, column);
        return t != nullptr ? reinterpret_cast<const char*>(t) : "";  // NOLINT: SQLite's text is bytes
    }

private:
    Connection& m_c;
    sqlite3_stmt* m_st = nullptr;
};

// ---- geometry blobs ------------------------------------------------------------------------------

struct Envelope {
    double min_x = std::numeric_limits<double>::infinity();
    double min_y = std::numeric_limits<double>::infinity();
    double max_x = -std::numeric_limits<double>::infinity();
    double max_y = -std::numeric_limits<double>::infinity();
    void add(const Point& p) {
        min_x = std::min(min_x, p.x);
        min_y = std::min(min_y, p.y);
        max_x = std::max(max_x, p.x);
        max_y = std::max(max_y, p.y);
    }
    void add(const Envelope& e) {
        min_x = std::min(min_x, e.min_x);
        min_y = std::min(min_y, e.min_y);
        max_x = std::max(max_x, e.max_x);
        max_y = std::max(max_y, e.max_y);
    }
    [[nodiscard]] bool empty() const { return !(min_x <= max_x); }
};

template <class T>
void put(std::string& out, T v) {
    char bytes[sizeof(T)];
    std::memcpy(bytes, &v, sizeof(T));
    out.append(bytes, sizeof(T));
}

void put_header(std::string& out, std::uint32_t type) {
    out += '\x01';  // little-endian
    put<std::uint32_t>(out, type);
}

// Points of a ring, closed as GDAL closes rings (the first point repeated at the end when missing).
void put_ring(std::string& out, const Ring& ring, Envelope& env) {
    const bool close = !ring.empty() && (ring.front().x != ring.back().x || ring.front().y != ring.back().y);
    put<std::uint32_t>(out, static_cast<std::uint32_t>(ring.size() + (close ? 1 : 0)));
    for (const auto& p : ring) {
        put(out, p.x);
        put(out, p.y);
        env.add(p);
    }
    if (close) {
        put(out, ring.front().x);
        put(out, ring.front().y);
    }
}

void put_polygon(std::string& out, const Polygon& p, Envelope& env) {
    put_header(out, 3);
    put<std::uint32_t>(out, static_cast<std::uint32_t>(1 + p.holes.size()));
    put_ring(out, p.outer, env);
    for (const auto& h : p.holes) put_ring(out, h, env);
}

void put_line(std::string& out, const LineString& l, Envelope& env) {
    put_header(out, 2);
    put<std::uint32_t>(out, static_cast<std::uint32_t>(l.size()));
    for (const auto& p : l) {
        put(out, p.x);
        put(out, p.y);
        env.add(p);
    }
}

void put_point(std::string& out, const Point& p, Envelope& env) {
    put_header(out, 1);
    put(out, p.x);
    put(out, p.y);
    env.add(p);
}

// WKB of `g` (ISO, 2D) into `out`; its envelope into `env`.
void put_wkb(std::string& out, const FeatureGeometry& g, GeometryKind kind, bool multi, Envelope& env) {
    switch (kind) {
        case GeometryKind::point:
            if (!multi) return put_point(out, g.points.front(), env);
            put_header(out, 4);
            put<std::uint32_t>(out, static_cast<std::uint32_t>(g.points.size()));
            for (const auto& p : g.points) put_point(out, p, env);
            return;
        case GeometryKind::line:
            if (!multi) return put_line(out, g.lines.front(), env);
            put_header(out, 5);
            put<std::uint32_t>(out, static_cast<std::uint32_t>(g.lines.size()));
            for (const auto& l : g.lines) put_line(out, l, env);
            return;
        case GeometryKind::polygon:
            if (!multi) return put_polygon(out, g.polygons.front(), env);
            put_header(out, 6);
            put<std::uint32_t>(out, static_cast<std::uint32_t>(g.polygons.size()));
            for (const auto& p : g.polygons) put_polygon(out, p, env);
            return;
        default:
            return;
    }
}

// Geometry blobs of a run of features: GeoPackage header (magic, version 0, flags, srs_id,
// envelope minx, maxx, miny, maxy except for points, as GDAL writes them), then WKB.
struct Blobs {
    std::string bytes;
    std::vector<std::size_t> end;  // per feature: end offset in bytes (begin: the previous end)
    std::vector<Envelope> envelopes;
};

Blobs encode(const LayerRef& layer, std::size_t begin, std::size_t stop, const OutputCrs& crs,
             std::int32_t srs_id, bool multi) {
    Blobs b;
    b.end.reserve(stop - begin);
    b.envelopes.reserve(stop - begin);
    std::unique_ptr<geo::Transformer> t;
    if (!crs.is_wgs84) t = std::make_unique<geo::Transformer>(geo::wgs84, crs.crs);
    const bool with_envelope = layer.geometry_kind != GeometryKind::point || multi;
    FeatureGeometry moved;
    std::string wkb;
    for (std::size_t i = begin; i < stop; ++i) {
        const FeatureGeometry* g = &layer.features[i].geometry;
        Envelope env;
        if (part_count(*g, layer.geometry_kind) > 0) {
            if (t) {
                moved = *g;
                transform_geometry(moved, *t);
                g = &moved;
            }
            wkb.clear();
            put_wkb(wkb, *g, layer.geometry_kind, multi, env);
            b.bytes += "GP";
            b.bytes += '\0';                             // version 1.0
            b.bytes += with_envelope ? '\x03' : '\x01';  // envelope [minx, maxx, miny, maxy]; little-endian
            put(b.bytes, srs_id);
            if (with_envelope) {
                put(b.bytes, env.min_x);
                put(b.bytes, env.max_x);
                put(b.bytes, env.min_y);
                put(b.bytes, env.max_y);
            }
            b.bytes += wkb;
        }
        b.end.push_back(b.bytes.size());
        b.envelopes.push_back(env);
    }
    return b;
}

// ---- R-tree ----------------------------------------------------------------------------------

// SQLite's rtree stores float32 bounds rounded outwards, so a box always contains its geometry.
float round_down(double d) {
    float f = static_cast<float>(d);
    if (static_cast<double>(f) > d) f = std::nextafter(f, -std::numeric_limits<float>::infinity());
    return f;
}
float round_up(double d) {
    float f = static_cast<float>(d);
    if (static_cast<double>(f) < d) f = std::nextafter(f, std::numeric_limits<float>::infinity());
    return f;
}

struct Cell {
    std::int64_t id = 0;  // feature id in a leaf, child node number above
    float min_x = 0, max_x = 0, min_y = 0, max_y = 0;
};

void put_be(std::string& out, std::uint64_t v, int bytes) {
    for (int k = bytes - 1; k >= 0; --k) out += static_cast<char>((v >> (8 * k)) & 0xFF);
}

void put_be(std::string& out, float f) { put_be(out, std::bit_cast<std::uint32_t>(f), 4); }

// A node as SQLite's rtree module stores it: depth (root only, else 0) and cell count as 16-bit
// big-endian, then cells {id: int64; minx, maxx, miny, maxy: float32} big-endian, zero-padded.
std::string node_blob(std::span<const Cell> cells, int depth, std::size_t node_size) {
    std::string out;
    out.reserve(node_size);
    put_be(out, static_cast<std::uint64_t>(depth), 2);
    put_be(out, cells.size(), 2);
    for (const auto& c : cells) {
        put_be(out, static_cast<std::uint64_t>(c.id), 8);
        put_be(out, c.min_x);
        put_be(out, c.max_x);
        put_be(out, c.min_y);
        put_be(out, c.max_y);
    }
    out.resize(node_size, '\0');
    return out;
}

// Bulk-loads the R-tree `rtree` (just created, holding only its empty root node 1) with the
// features' boxes, packed in Hilbert order: every node full but the last of each level.
void fill_rtree(Connection& db, const std::string& rtree, const std::vector<std::int64_t>& ids,
                const std::vector<Envelope>& boxes, const std::string& shown) {
    if (ids.empty()) return;
    std::size_t node_size = 0;
    {
        Statement s(db, "SELECT length(data) FROM " + quoted(rtree + "_node") + " WHERE nodeno = 1");
        if (s.step()) node_size = static_cast<std::size_t>(sqlite3_column_int64(s.get(), 0));
    }
    const std::size_t capacity = node_size > 4 ? (node_size - 4) / 24 : 0;
    if (capacity < 2)
        throw output_error(shown + ": unexpected R-tree node size " + std::to_string(node_size));

    std::vector<Box> hilbert_boxes(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) {
        hilbert_boxes[i] = {boxes[i].min_x, boxes[i].min_y, boxes[i].max_x, boxes[i].max_y};
    }
    std::vector<Cell> level;
    level.reserve(ids.size());
    for (const std::size_t i : hilbert_order(hilbert_boxes)) {
        level.push_back({ids[i], round_down(boxes[i].min_x), round_up(boxes[i].max_x),
                         round_down(boxes[i].min_y), round_up(boxes[i].max_y)});
    }
    // levels[0] = leaf cells; a level's node k holds cells [k * capacity, (k + 1) * capacity).
    std::vector<std::vector<Cell>> levels{std::move(level)};
    while (levels.back().size() > capacity) {
        const auto& below = levels.back();
        std::vector<Cell> above;
        for (std::size_t first = 0; first < below.size(); first += capacity) {
            const std::size_t last = std::min(below.size(), first + capacity);
            Cell c{0, below[first].min_x, below[first].max_x, below[first].min_y, below[first].max_y};
            for (std::size_t k = first + 1; k < last; ++k) {
                c.min_x = std::min(c.min_x, below[k].min_x);
                c.max_x = std::max(c.max_x, below[k].max_x);
                c.min_y = std::min(c.min_y, below[k].min_y);
                c.max_y = std::max(c.max_y, below[k].max_y);
            }
            above.push_back(c);
        }
        levels.push_back(std::move(above));
    }
    // Node numbers: the root is 1 (its cells: the top level), then the nodes of each level from
    // the top down. Node k of level l (l < top) holds cells [k * capacity, ...) of level l.
    const std::size_t top = levels.size() - 1;
    const int depth = static_cast<int>(top);
    std::vector<std::int64_t> first_number(levels.size(), 0);  // number of node 0 of level l (l < top)
    std::int64_t next = 2;
    for (std::size_t l = top; l-- > 0;) {
        first_number[l] = next;
        next += static_cast<std::int64_t>((levels[l].size() + capacity - 1) / capacity);
    }
    // A level's cells point to the nodes of the level below: cell k of level l + 1 is node k of level l.
    for (std::size_t l = 1; l < levels.size(); ++l) {
        for (std::size_t k = 0; k < levels[l].size(); ++k) {
            levels[l][k].id = first_number[l - 1] + static_cast<std::int64_t>(k);
        }
    }
    Statement node(db, "INSERT OR REPLACE INTO " + quoted(rtree + "_node") + " (nodeno, data) VALUES (?, ?)");
    Statement rowid(db, "INSERT INTO " + quoted(rtree + "_rowid") + " (rowid, nodeno) VALUES (?, ?)");
    Statement parent(db, "INSERT INTO " + quoted(rtree + "_parent") + " (nodeno, parentnode) VALUES (?, ?)");
    const auto write_node = [&](std::int64_t number, std::span<const Cell> cells, int node_depth) {
        const std::string blob = node_blob(cells, node_depth, node_size);
        sqlite3_bind_int64(node.get(), 1, number);
        sqlite3_bind_blob(node.get(), 2, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
        node.run("cannot write R-tree node " + std::to_string(number));
    };
    write_node(1, levels[top], depth);
    for (std::size_t l = 0; l < top; ++l) {
        const auto& cells = levels[l];
        for (std::size_t first = 0, k = 0; first < cells.size(); first += capacity, ++k) {
            const std::int64_t number = first_number[l] + static_cast<std::int64_t>(k);
            const std::size_t count = std::min(capacity, cells.size() - first);
            write_node(number, std::span<const Cell>(cells).subspan(first, count), 0);
            // The parent: node k is cell k of level l + 1, which is in node k / capacity of that level.
            const std::int64_t parent_number =
                l + 1 == top ? 1 : first_number[l + 1] + static_cast<std::int64_t>(k / capacity);
            sqlite3_bind_int64(parent.get(), 1, number);
            sqlite3_bind_int64(parent.get(), 2, parent_number);
            parent.run("cannot write the R-tree");
        }
    }
    // Every feature's leaf.
    const auto& leaves = levels.front();
    for (std::size_t k = 0; k < leaves.size(); ++k) {
        sqlite3_bind_int64(rowid.get(), 1, leaves[k].id);
        sqlite3_bind_int64(rowid.get(), 2,
                           top == 0 ? 1 : first_number[0] + static_cast<std::int64_t>(k / capacity));
        rowid.run("cannot write the R-tree");
    }
}

// The gpkg_rtree_index triggers as GDAL 3.6 writes them (GeoPackage 1.2), for table t, geometry g.
std::vector<std::string> rtree_triggers(const std::string& t, const std::string& g) {
    const std::string r = "rtree_" + t + "_" + g;
    const std::string qt = quoted(t);
    const std::string qr = quoted(r);
    const std::string qg = quoted(g);
    const std::string fid = "\"fid\"";
    const std::string insert = "INSERT OR REPLACE INTO " + qr + " VALUES (NEW." + fid + ",ST_MinX(NEW." + qg +
                               "), ST_MaxX(NEW." + qg + "),ST_MinY(NEW." + qg + "), ST_MaxY(NEW." + qg +
                               ")); END";
    return {
        "CREATE TRIGGER " + quoted(r + "_insert") + " AFTER INSERT ON " + qt + " WHEN (new." + qg +
            " NOT NULL AND NOT ST_IsEmpty(NEW." + qg + ")) BEGIN " + insert,
        "CREATE TRIGGER " + quoted(r + "_update1") + " AFTER UPDATE OF " + qg + " ON " + qt + " WHEN OLD." +
            fid + " = NEW." + fid + " AND (NEW." + qg + " NOTNULL AND NOT ST_IsEmpty(NEW." + qg +
            ")) BEGIN " + insert,
        "CREATE TRIGGER " + quoted(r + "_update2") + " AFTER UPDATE OF " + qg + " ON " + qt + " WHEN OLD." +
            fid + " = NEW." + fid + " AND (NEW." + qg + " ISNULL OR ST_IsEmpty(NEW." + qg +
            ")) BEGIN DELETE FROM " + qr + " WHERE id = OLD." + fid + "; END",
        "CREATE TRIGGER " + quoted(r + "_update3") + " AFTER UPDATE ON " + qt + " WHEN OLD." + fid +
            " != NEW." + fid + " AND (NEW." + qg + " NOTNULL AND NOT ST_IsEmpty(NEW." + qg +
            ")) BEGIN DELETE FROM " + qr + " WHERE id = OLD." + fid + "; " + insert,
        "CREATE TRIGGER " + quoted(r + "_update4") + " AFTER UPDATE ON " + qt + " WHEN OLD." + fid +
            " != NEW." + fid + " AND (NEW." + qg + " ISNULL OR ST_IsEmpty(NEW." + qg +
            ")) BEGIN DELETE FROM " + qr + " WHERE id IN (OLD." + fid + ", NEW." + fid + "); END",
        "CREATE TRIGGER " + quoted(r + "_delete") + " AFTER DELETE ON " + qt + " WHEN old." + qg +
            " NOT NULL BEGIN DELETE FROM " + qr + " WHERE id = OLD." + fid + "; END",
    };
}

bool gpkg_run_supported(const LayerRef& layer, std::size_t begin, std::size_t stop) {
    for (std::size_t i = begin; i < stop; ++i) {
        const auto& f = layer.features[i];
        if (f.values.size() != layer.fields.size()) return false;
        if (f.geometry.kind != GeometryKind::none && f.geometry.kind != layer.geometry_kind) return false;
        for (std::size_t k = 0; k < f.values.size(); ++k) {
            const auto& v = f.values[k];
            if (std::holds_alternative<std::monostate>(v)) continue;
            switch (layer.fields[k].type) {
                case FieldType::integer:
                    if (!std::holds_alternative<std::int64_t>(v)) return false;
                    break;
                case FieldType::real:
                    if (!std::holds_alternative<double>(v)) return false;
                    break;
                case FieldType::string:
                    if (!std::holds_alternative<std::string>(v)) return false;
                    break;
            }
        }
    }
    return true;
}

}  // namespace

bool gpkg_rows_supported(const LayerRef& layer, unsigned threads) {
    if (layer.geometry_kind == GeometryKind::none) return false;
    // A pass over every value (140 MB for the 88,000-cell layer): in runs, on threads.
    constexpr std::size_t run_features = 8192;
    const std::size_t n = layer.features.size();
    const unsigned cores = threads != 0 ? threads : std::max(1U, std::thread::hardware_concurrency());
    std::atomic<bool> supported{true};
    parallel_for((n + run_features - 1) / run_features, cores, [&](std::size_t r) {
        if (supported && !gpkg_run_supported(layer, r * run_features, std::min(n, (r + 1) * run_features))) {
            supported = false;
        }
    });
    return supported;
}

void fill_gpkg_rows(const std::string& path, const LayerRef& layer, const OutputCrs& crs, unsigned threads,
                    const std::string& shown) {
    Connection db(path, shown);
    // A private temporary file, renamed into place when complete: no journal, no fsync. SQLite's
    // page cache stays at its default 2 MiB: a cache holding the whole file cost more in page
    // faults than the inserts themselves (docs/exports.md).
    db.exec("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF");

    // What GDAL created: the geometry column, its type and SRS, and the columns in order.
    std::string geom_column;
    std::string type_name;
    std::int32_t srs_id = 0;
    {
        Statement s(
            db,
            "SELECT column_name, geometry_type_name, srs_id FROM gpkg_geometry_columns WHERE table_name = ?");
        sqlite3_bind_text(s.get(), 1, layer.name.data(), static_cast<int>(layer.name.size()), SQLITE_STATIC);
        if (!s.step()) throw output_error(shown + ": table '" + layer.name + "' has no geometry column");
        geom_column = s.text(0);
        type_name = s.text(1);
        srs_id = static_cast<std::int32_t>(sqlite3_column_int64(s.get(), 2));
    }
    std::vector<std::string> columns;
    {
        Statement s(db, "PRAGMA table_info(" + quoted(layer.name) + ")");
        while (s.step()) columns.push_back(s.text(1));
    }
    if (columns.size() != layer.fields.size() + 2 || columns[0] != "fid" || columns[1] != geom_column) {
        throw output_error(shown + ": table '" + layer.name + "' does not have the expected columns");
    }
    for (std::size_t k = 0; k < layer.fields.size(); ++k) {
        if (columns[k + 2] != layer.fields[k].name) {
            throw output_error(shown + ": table '" + layer.name + "' column " + std::to_string(k + 2) +
                               " is '" + columns[k + 2] + "', not '" + layer.fields[k].name + "'");
        }
    }
    const bool multi = type_name.rfind("MULTI", 0) == 0;

    db.exec("BEGIN");
    // GDAL's triggers on the table (feature count) would run once per row: dropped meanwhile.
    std::vector<std::pair<std::string, std::string>> triggers;
    {
        Statement s(db, "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?");
        sqlite3_bind_text(s.get(), 1, layer.name.data(), static_cast<int>(layer.name.size()), SQLITE_STATIC);
        while (s.step()) triggers.emplace_back(s.text(0), s.text(1));
    }
    for (const auto& t : triggers) db.exec("DROP TRIGGER " + quoted(t.first));

    // Blobs encoded in runs of features by other threads (threads - 1 of them) while this thread
    // inserts the rows of the runs already encoded; on one thread, each run just before its rows.
    const std::size_t n = layer.features.size();
    const unsigned cores = threads != 0 ? threads : std::max(1U, std::thread::hardware_concurrency());
    constexpr std::size_t run_features = 8192;
    const std::size_t runs = (n + run_features - 1) / run_features;
    std::vector<Blobs> blobs(runs);
    std::vector<char> ready(runs, 0);
    std::exception_ptr encode_error;
    std::mutex mutex;
    std::condition_variable encoded;
    std::atomic<std::size_t> next_run{0};
    std::atomic<bool> stop{false};
    const auto encode_runs = [&] {
        for (std::size_t r = next_run++; r < runs && !stop; r = next_run++) {
            Blobs b;
            std::exception_ptr error;
            try {
                b = encode(layer, r * run_features, std::min(n, (r + 1) * run_features), crs, srs_id, multi);
            } catch (...) {
                error = std::current_exception();
            }
            const std::lock_guard lock(mutex);
            blobs[r] = std::move(b);
            ready[r] = 1;
            if (error && !encode_error) encode_error = error;
            encoded.notify_all();
        }
    };
    std::vector<std::thread> encoders;
    const auto join_encoders = [&] {
        stop = true;
        for (auto& t : encoders) t.join();
        encoders.clear();
    };
    const std::size_t encoder_count = cores > 1 ? std::min<std::size_t>(cores - 1, runs) : 0;
    for (std::size_t t = 0; t < encoder_count; ++t) encoders.emplace_back(encode_runs);

    std::string sql = "INSERT INTO " + quoted(layer.name) + " (" + quoted("fid") + ", " + quoted(geom_column);
    for (const auto& f : layer.fields) sql += ", " + quoted(f.name);
    sql += ") VALUES (?, ?";
    for (std::size_t k = 0; k < layer.fields.size(); ++k) sql += ", ?";
    sql += ")";
    Statement insert(db, sql);
    sqlite3_stmt* st = insert.get();
    std::vector<std::int64_t> ids;
    std::vector<Envelope> boxes;
    Envelope extent;
    try {
        for (std::size_t r = 0; r < runs; ++r) {
            if (encoder_count == 0) {
                blobs[r] =
                    encode(layer, r * run_features, std::min(n, (r + 1) * run_features), crs, srs_id, multi);
            } else {
                std::unique_lock lock(mutex);
                encoded.wait(lock, [&] { return ready[r] != 0 || encode_error; });
                if (encode_error) std::rethrow_exception(encode_error);
            }
            const Blobs& b = blobs[r];
            for (std::size_t j = 0; j < b.end.size(); ++j) {
                const std::size_t i = r * run_features + j;
                const auto fid = static_cast<std::int64_t>(i + 1);
                sqlite3_bind_int64(st, 1, fid);
                const std::size_t begin = j == 0 ? 0 : b.end[j - 1];
                if (b.end[j] > begin) {
                    sqlite3_bind_blob(st, 2, b.bytes.data() + begin, static_cast<int>(b.end[j] - begin),
                                      SQLITE_STATIC);
                    ids.push_back(fid);
                    boxes.push_back(b.envelopes[j]);
                    extent.add(b.envelopes[j]);
                } else {
                    sqlite3_bind_null(st, 2);
                }
                const auto& values = layer.features[i].values;
                for (std::size_t k = 0; k < values.size(); ++k) {
                    const int column = static_cast<int>(k) + 3;
                    const FieldValue& v = values[k];
                    if (const auto* integer = std::get_if<std::int64_t>(&v)) {
                        sqlite3_bind_int64(st, column, *integer);
                    } else if (const auto* d = std::get_if<double>(&v); d != nullptr && std::isfinite(*d)) {
                        sqlite3_bind_double(st, column, *d);
                    } else if (const auto* s = std::get_if<std::string>(&v)) {
                        sqlite3_bind_text(st, column, s->data(), static_cast<int>(s->size()), SQLITE_STATIC);
                    } else {
                        sqlite3_bind_null(st, column);  // null, NaN and infinity, as GDAL writes them
                    }
                }
                if (sqlite3_step(st) != SQLITE_DONE) db.fail("cannot write feature " + std::to_string(i));
                sqlite3_reset(st);
            }
            blobs[r] = Blobs{};  // memory back as the rows are written
        }
    } catch (...) {
        join_encoders();
        throw;
    }
    join_encoders();

    {
        Statement s(db,
                    "UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ?, "
                    "last_change = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE lower(table_name) = lower(?)");
        if (!extent.empty()) {
            sqlite3_bind_double(s.get(), 1, extent.min_x);
            sqlite3_bind_double(s.get(), 2, extent.min_y);
            sqlite3_bind_double(s.get(), 3, extent.max_x);
            sqlite3_bind_double(s.get(), 4, extent.max_y);
        }
        sqlite3_bind_text(s.get(), 5, layer.name.data(), static_cast<int>(layer.name.size()), SQLITE_STATIC);
        s.run("cannot update gpkg_contents");
    }
    bool ogr_contents = false;
    {
        Statement s(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'gpkg_ogr_contents'");
        ogr_contents = s.step();
    }
    if (ogr_contents) {
        Statement s(db, "UPDATE gpkg_ogr_contents SET feature_count = ? WHERE lower(table_name) = lower(?)");
        sqlite3_bind_int64(s.get(), 1, static_cast<std::int64_t>(n));
        sqlite3_bind_text(s.get(), 2, layer.name.data(), static_cast<int>(layer.name.size()), SQLITE_STATIC);
        s.run("cannot update gpkg_ogr_contents");
    }

    // The spatial index, as GDAL's SPATIAL_INDEX=YES makes it.
    const std::string rtree = "rtree_" + layer.name + "_" + geom_column;
    db.exec("CREATE VIRTUAL TABLE " + quoted(rtree) + " USING rtree(id, minx, maxx, miny, maxy)");
    fill_rtree(db, rtree, ids, boxes, shown);
    db.exec(
        "CREATE TABLE IF NOT EXISTS gpkg_extensions (table_name TEXT,column_name TEXT,extension_name TEXT "
        "NOT "
        "NULL,definition TEXT NOT NULL,scope TEXT NOT NULL,CONSTRAINT ge_tce UNIQUE (table_name, "
        "column_name, "
        "extension_name))");
    {
        Statement s(
            db,
            "INSERT INTO gpkg_extensions (table_name, column_name, extension_name, definition, scope) "
            "VALUES (?, ?, 'gpkg_rtree_index', 'http://www.geopackage.org/spec120/#extension_rtree', "
            "'write-only')");
        sqlite3_bind_text(s.get(), 1, layer.name.data(), static_cast<int>(layer.name.size()), SQLITE_STATIC);
        sqlite3_bind_text(s.get(), 2, geom_column.data(), static_cast<int>(geom_column.size()),
                          SQLITE_STATIC);
        s.run("cannot register the R-tree extension");
    }
    for (const auto& t : rtree_triggers(layer.name, geom_column)) db.exec(t);
    for (const auto& t : triggers) db.exec(t.second);
    db.exec("COMMIT");
}

}  // namespace kepu15::io::detail
