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

#include <unistd.h>
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

std::string quoted_literal(const std::string& text) {
    std::string out = "'";
    for (char c : text) {
        if (c == '\'') out += '\'';
        out += c;
    }
    return out + "'";
}

// One connection to the GeoPackage; every failure becomes an output_error naming `shown`.
class Connection {
public:
    // `extra_flags`: e.g. SQLITE_OPEN_CREATE for a scratch database.
    Connection(const std::string& path, std::string shown, int extra_flags = 0) : m_shown(std::move(shown)) {
        // One thread at a time uses a connection: no mutex around every bind and step. URIs: the
        // scratch databases of other threads are attached by name (file:/...?vfs=memdb).
        const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX | extra_flags;
        if (sqlite3_open_v2(path.c_str(), &m_db, flags, nullptr) != SQLITE_OK) {
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
};

// Fills `b` (cleared first; its buffers are reused) with the blobs of features [begin, stop), and
// envelopes[i], has_geometry[i] for each of them.
void encode(const LayerRef& layer, std::size_t begin, std::size_t stop, const OutputCrs& crs,
            std::int32_t srs_id, bool multi, Blobs& b, std::vector<Envelope>& envelopes,
            std::vector<char>& has_geometry) {
    b.bytes.clear();
    b.end.clear();
    b.end.reserve(stop - begin);
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
            has_geometry[i] = 1;
        }
        b.end.push_back(b.bytes.size());
        envelopes[i] = env;
    }
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
// big-endian, then cells {id: int64; minx, maxx, miny, maxy: float32} big-endian, zero-padded to
// `node_size` bytes; appended to `out`.
void put_node(std::string& out, std::span<const Cell> cells, int depth, std::size_t node_size) {
    const std::size_t begin = out.size();
    put_be(out, static_cast<std::uint64_t>(depth), 2);
    put_be(out, cells.size(), 2);
    for (const auto& c : cells) {
        put_be(out, static_cast<std::uint64_t>(c.id), 8);
        put_be(out, c.min_x);
        put_be(out, c.max_x);
        put_be(out, c.min_y);
        put_be(out, c.max_y);
    }
    out.resize(begin + node_size, '\0');
}

// The rows of SQLite's rtree shadow tables for a packed R-tree, computed without the database
// (on an encoder thread while the rows are inserted).
struct RtreePlan {
    std::size_t node_size = 0;
    std::vector<std::int64_t> node_numbers;  // _node rows, in order; their data: node_size bytes each
    std::string nodes;
    std::vector<std::pair<std::int64_t, std::int64_t>> parents;  // _parent (nodeno, parentnode)
    std::vector<std::int64_t> ids;       // _rowid: feature ids, increasing ...
    std::vector<std::int64_t> leaf_of;   // ... and the leaf node of each
    Envelope extent;                     // of every feature with geometry
};

// Packs the boxes of the features with geometry (`has_geometry`, fids i + 1) in Hilbert order
// into nodes of `capacity` cells: every node full but the last of each level.
RtreePlan plan_rtree(const std::vector<Envelope>& envelopes, const std::vector<char>& has_geometry,
                     std::size_t capacity) {
    RtreePlan plan;
    plan.node_size = 4 + 24 * capacity;
    std::vector<Box> hilbert_boxes;
    for (std::size_t i = 0; i < envelopes.size(); ++i) {
        if (has_geometry[i] == 0) continue;
        const Envelope& e = envelopes[i];
        plan.ids.push_back(static_cast<std::int64_t>(i + 1));
        hilbert_boxes.push_back({e.min_x, e.min_y, e.max_x, e.max_y});
        plan.extent.add(e);
    }
    if (plan.ids.empty()) return plan;
    const std::vector<std::size_t> order = hilbert_order(hilbert_boxes);
    std::vector<Cell> level;
    level.reserve(order.size());
    for (const std::size_t k : order) {
        const Box& b = hilbert_boxes[k];
        level.push_back({plan.ids[k], round_down(b.min_x), round_up(b.max_x), round_down(b.min_y), round_up(b.max_y)});
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
    plan.nodes.reserve(static_cast<std::size_t>(next - 1) * plan.node_size);
    plan.node_numbers.push_back(1);
    put_node(plan.nodes, levels[top], static_cast<int>(top), plan.node_size);
    for (std::size_t l = 0; l < top; ++l) {
        const auto& cells = levels[l];
        for (std::size_t first = 0, k = 0; first < cells.size(); first += capacity, ++k) {
            const std::int64_t number = first_number[l] + static_cast<std::int64_t>(k);
            const std::size_t count = std::min(capacity, cells.size() - first);
            plan.node_numbers.push_back(number);
            put_node(plan.nodes, std::span<const Cell>(cells).subspan(first, count), 0, plan.node_size);
            // The parent: node k is cell k of level l + 1, which is in node k / capacity of that level.
            plan.parents.emplace_back(number, l + 1 == top ? 1 : first_number[l + 1] + static_cast<std::int64_t>(k / capacity));
        }
    }
    // Every feature's leaf, by position in ids (increasing), so that the _rowid rows are appended.
    plan.leaf_of.resize(plan.ids.size());
    for (std::size_t k = 0; k < order.size(); ++k) {
        plan.leaf_of[order[k]] = top == 0 ? 1 : first_number[0] + static_cast<std::int64_t>(k / capacity);
    }
    return plan;
}

// Runs `one` (a statement of one row of `width` values) for each of `count` rows, or `batch_rows`
// rows at a time through `many` (the same statement with batch_rows rows); bind(st, column, row)
// binds the values of a row from `column` (1-based) on.
template <class Bind>
void insert_rows(Statement& many, std::size_t batch_rows, Statement& one, int width, std::size_t count, Bind bind,
                 const std::string& what) {
    const std::size_t batched = count - count % batch_rows;
    for (std::size_t i = 0; i < count; ++i) {
        const bool in_batch = i < batched;
        Statement& st = in_batch ? many : one;
        bind(st.get(), in_batch ? static_cast<int>(i % batch_rows) * width + 1 : 1, i);
        if (!in_batch || i % batch_rows == batch_rows - 1) st.run(what);
    }
}

std::string values_sql(const std::string& head, int width, std::size_t rows) {
    std::string sql = head + " VALUES ";
    for (std::size_t r = 0; r < rows; ++r) {
        sql += r == 0 ? "(?" : ", (?";
        for (int k = 1; k < width; ++k) sql += ", ?";
        sql += ")";
    }
    return sql;
}

// Writes `plan` into the R-tree `rtree` (just created, holding only its empty root node 1): the
// rows its module would have written for these entries, as a bulk load.
void write_rtree(Connection& db, const std::string& rtree, const RtreePlan& plan, const std::string& shown) {
    if (plan.ids.empty()) return;
    std::size_t node_size = 0;
    {
        Statement s(db, "SELECT length(data) FROM " + quoted(rtree + "_node") + " WHERE nodeno = 1");
        if (s.step()) node_size = static_cast<std::size_t>(sqlite3_column_int64(s.get(), 0));
    }
    if (node_size != plan.node_size)
        throw output_error(shown + ": unexpected R-tree node size " + std::to_string(node_size));
    const std::string node_head = "INSERT OR REPLACE INTO " + quoted(rtree + "_node") + " (nodeno, data)";
    const std::string verb = "INSERT OR FAIL INTO ";
    const std::string parent_head = verb + quoted(rtree + "_parent") + " (nodeno, parentnode)";
    const std::string rowid_head = verb + quoted(rtree + "_rowid") + " (rowid, nodeno)";
    constexpr std::size_t batch_rows = 256;
    {
        Statement many(db, values_sql(node_head, 2, batch_rows));
        Statement one(db, values_sql(node_head, 2, 1));
        insert_rows(many, batch_rows, one, 2, plan.node_numbers.size(), [&](sqlite3_stmt* st, int c, std::size_t i) {
            sqlite3_bind_int64(st, c, plan.node_numbers[i]);
            sqlite3_bind_blob(st, c + 1, plan.nodes.data() + i * node_size, static_cast<int>(node_size), SQLITE_STATIC);
        }, "cannot write the R-tree's nodes");
    }
    {
        Statement many(db, values_sql(parent_head, 2, batch_rows));
        Statement one(db, values_sql(parent_head, 2, 1));
        insert_rows(many, batch_rows, one, 2, plan.parents.size(), [&](sqlite3_stmt* st, int c, std::size_t i) {
            sqlite3_bind_int64(st, c, plan.parents[i].first);
            sqlite3_bind_int64(st, c + 1, plan.parents[i].second);
        }, "cannot write the R-tree's parents");
    }
    Statement many(db, values_sql(rowid_head, 2, batch_rows));
    Statement one(db, values_sql(rowid_head, 2, 1));
    insert_rows(many, batch_rows, one, 2, plan.ids.size(), [&](sqlite3_stmt* st, int c, std::size_t i) {
        sqlite3_bind_int64(st, c, plan.ids[i]);
        sqlite3_bind_int64(st, c + 1, plan.leaf_of[i]);
    }, "cannot write the R-tree's rowids");
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

// Features per run of blobs encoded together; rows per multi-row INSERT (at most, within SQLite's
// limit on bound variables). run_features is a multiple of max_batch_rows.
constexpr std::size_t run_features = gpkg_rows_run_features;
constexpr std::size_t max_batch_rows = 32;
// Share of the rows this thread writes itself when another writes the rest (which this thread
// then copies in): per row, inserting into the scratch database cost about 1.3x inserting into
// the file (page writes into a growing memory buffer), so a little over half balances the two.
constexpr double own_rows_share = 0.55;
// At most this many rows go through the scratch database, which is memory (about 75 MB for the
// 40-field cells): a province-size layer gains little from the split and must not double its
// footprint.
constexpr std::size_t max_part_rows = 131072;
static_assert(run_features % max_batch_rows == 0);

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

// What every thread needs to write rows of `layer`: the INSERT's head, the geometry encoding and
// the variant alternative each field's values must hold.
struct RowFormat {
    std::string head;  // INSERT OR FAIL INTO "t" ("fid", "geom", ...)
    int width = 0;     // values per row
    std::size_t batch_rows = 1;
    std::int32_t srs_id = 0;
    bool multi = false;
    std::vector<std::size_t> expected;  // per field: 1 int64, 2 double, 3 string (0, null, always fits)
};

// Inserts the rows of features [begin, stop) through `db` (in its open transaction), each run of
// run_features encoded just before its rows into one reused buffer; fills envelopes[i] and
// has_geometry[i]. Rows go in batch_rows at a time through one multi-row INSERT: SQLite's
// per-statement work (and the AUTOINCREMENT bookkeeping of GDAL's fid column: sqlite_sequence is
// written at the end of every statement) is paid once per batch; OR FAIL, since a row that fails
// fails the whole write, spares SQLite a statement journal of every page each batch touches.
// Batches never straddle two runs, so the blobs bound without a copy (SQLITE_STATIC) stay alive
// until the statement runs; the last rows that do not fill a batch go one at a time. False (and
// nothing more written) at the first value that does not hold its field's type; `stop` ends the
// loop early (another thread failed).
bool insert_rows(Connection& db, const LayerRef& layer, const OutputCrs& crs, const RowFormat& format,
                 std::size_t begin, std::size_t stop, std::vector<Envelope>& envelopes,
                 std::vector<char>& has_geometry, const std::atomic<bool>& stopped) {
    Statement batch_insert(db, values_sql(format.head, format.width, format.batch_rows));
    Statement single_insert(db, values_sql(format.head, format.width, 1));
    const std::size_t batch_rows = format.batch_rows;
    const std::size_t batched = begin + (stop - begin) / batch_rows * batch_rows;
    const int width = format.width;
    Blobs b;
    for (std::size_t run = begin; run < stop && !stopped; run += run_features) {
        const std::size_t run_stop = std::min(stop, run + run_features);
        encode(layer, run, run_stop, crs, format.srs_id, format.multi, b, envelopes, has_geometry);
        for (std::size_t i = run; i < run_stop; ++i) {
            const std::size_t j = i - run;
            const bool in_batch = i < batched;
            sqlite3_stmt* st = in_batch ? batch_insert.get() : single_insert.get();
            const int base = in_batch ? static_cast<int>((i - begin) % batch_rows) * width : 0;
            sqlite3_bind_int64(st, base + 1, static_cast<std::int64_t>(i + 1));  // fid
            const std::size_t blob_begin = j == 0 ? 0 : b.end[j - 1];
            if (b.end[j] > blob_begin) {
                sqlite3_bind_blob(st, base + 2, b.bytes.data() + blob_begin, static_cast<int>(b.end[j] - blob_begin),
                                  SQLITE_STATIC);
            } else {
                sqlite3_bind_null(st, base + 2);
            }
            const auto& values = layer.features[i].values;
            for (std::size_t k = 0; k < values.size(); ++k) {
                const int column = base + static_cast<int>(k) + 3;
                const FieldValue& v = values[k];
                switch (v.index()) {
                    case 1: sqlite3_bind_int64(st, column, *std::get_if<std::int64_t>(&v)); break;
                    case 2:
                        if (const double d = *std::get_if<double>(&v); std::isfinite(d)) {
                            sqlite3_bind_double(st, column, d);
                        } else {
                            sqlite3_bind_null(st, column);  // NaN and infinity, as GDAL writes them
                        }
                        break;
                    case 3: {
                        const auto& text = *std::get_if<std::string>(&v);
                        sqlite3_bind_text(st, column, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
                        break;
                    }
                    default: sqlite3_bind_null(st, column); break;
                }
                if (v.index() != 0 && v.index() != format.expected[k]) return false;
            }
            if (!in_batch || (i - begin) % batch_rows == batch_rows - 1) {
                if (sqlite3_step(st) != SQLITE_DONE) db.fail("cannot write feature " + std::to_string(i));
                sqlite3_reset(st);
            }
        }
    }
    return true;
}

}  // namespace

bool gpkg_rows_supported(const LayerRef& layer, unsigned threads) {
    if (layer.geometry_kind == GeometryKind::none) return false;
    // A pass over every value (140 MB for the 88,000-cell layer): in runs, on threads.
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

bool fill_gpkg_rows(const std::string& path, const LayerRef& layer, const OutputCrs& crs, unsigned threads,
                    const std::string& shown) {
    Connection db(path, shown);
    // A private temporary file, renamed into place when complete: no fsync. The journal is kept in
    // memory, so that a value of the wrong type found halfway can be rolled back; it holds only
    // pages that existed before (a few: the table's rows go to new pages, which are not
    // journaled). SQLite's page cache stays at its default 2 MiB: a cache holding the whole file
    // cost more in page faults than the inserts themselves (docs/exports.md).
    db.exec("PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF");

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

    std::vector<std::pair<std::string, std::string>> triggers;
    {
        Statement s(db, "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?");
        sqlite3_bind_text(s.get(), 1, layer.name.data(), static_cast<int>(layer.name.size()), SQLITE_STATIC);
        while (s.step()) triggers.emplace_back(s.text(0), s.text(1));
    }

    // On more than one thread the rows are split: this thread writes the first `split` rows into
    // the file while another writes the rest into a scratch database in memory (SQLite's memdb,
    // shared by name within the process) with the same table; this thread then copies those rows
    // with one INSERT ... SELECT, which SQLite runs as a transfer of the stored records, without
    // decoding them (its "xfer optimization", as VACUUM uses): a fraction of what binding and
    // inserting costs. The other thread then packs the R-tree (plan_rtree) while this one copies.
    const std::size_t n = layer.features.size();
    const unsigned cores = threads != 0 ? threads : std::max(1U, std::thread::hardware_concurrency());
    RowFormat format;
    format.width = static_cast<int>(layer.fields.size()) + 2;
    format.srs_id = srs_id;
    format.multi = multi;
    format.head = "INSERT OR FAIL INTO " + quoted(layer.name) + " (" + quoted("fid") + ", " + quoted(geom_column);
    for (const auto& f : layer.fields) format.head += ", " + quoted(f.name);
    format.head += ")";
    const auto variable_limit = static_cast<std::size_t>(sqlite3_limit(db.get(), SQLITE_LIMIT_VARIABLE_NUMBER, -1));
    while (format.batch_rows * 2 <= max_batch_rows &&
           format.batch_rows * 2 * static_cast<std::size_t>(format.width) <= variable_limit) {
        format.batch_rows *= 2;
    }
    for (const auto& f : layer.fields) {
        format.expected.push_back(f.type == FieldType::integer ? 1 : f.type == FieldType::real ? 2 : 3);
    }
    std::vector<Envelope> envelopes(n);
    std::vector<char> has_geometry(n, 0);
    const bool split_rows = cores > 1 && n >= 2 * run_features && sqlite3_vfs_find("memdb") != nullptr;
    std::size_t split = n;
    if (split_rows) {
        const std::size_t own = static_cast<std::size_t>(static_cast<double>(n) * own_rows_share) / run_features * run_features;
        split = n - std::min(n - own, max_part_rows);
    }

    std::string part_uri;
    std::string table_sql;
    std::string page_size = "65536";
    if (split < n) {
        static std::atomic<unsigned> counter{0};
        part_uri = "file:/kepu15-gpkg-rows-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) +
                   "?vfs=memdb";
        Statement s(db, "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?");
        sqlite3_bind_text(s.get(), 1, layer.name.data(), static_cast<int>(layer.name.size()), SQLITE_STATIC);
        if (!s.step()) throw output_error(shown + ": table '" + layer.name + "' not found");
        table_sql = s.text(0);
        Statement page(db, "PRAGMA page_size");
        if (page.step()) page_size = page.text(0);
    }
    std::atomic<bool> stopped{false};
    std::mutex mutex;
    std::condition_variable changed;
    bool part_done = false;     // the other thread's rows are in its scratch database
    bool part_fits = true;      // ... all of them held their fields' types
    bool rows_done = false;     // this thread's rows are in (envelopes complete)
    bool planned = false;
    std::exception_ptr part_error;
    RtreePlan plan;
    std::thread part_thread;
    std::unique_ptr<Connection> part;  // kept open until the rows are copied (memdb lives as long)
    const auto join_part = [&] {
        stopped = true;
        {
            const std::lock_guard lock(mutex);
            rows_done = true;  // releases a thread waiting to plan
        }
        changed.notify_all();
        if (part_thread.joinable()) part_thread.join();
    };
    if (split < n) {
        part = std::make_unique<Connection>(part_uri, shown + " (scratch)", SQLITE_OPEN_CREATE);
        // The file's page size, so that the copy moves records page for page; no journal: the
        // scratch database is thrown away if anything fails.
        part->exec("PRAGMA page_size = " + page_size + "; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF");
        // memdb stops at 1 GiB by default; the rows above are bounded by max_part_rows instead.
        sqlite3_int64 no_limit = std::numeric_limits<sqlite3_int64>::max();
        sqlite3_file_control(part->get(), "main", SQLITE_FCNTL_SIZE_LIMIT, &no_limit);
        part->exec(table_sql);
        // Attached before the other thread starts writing (attaching reads its schema).
        db.exec("ATTACH " + quoted_literal(part_uri) + " AS kepu15_part");
        part_thread = std::thread([&] {
            std::exception_ptr error;
            bool fits = true;
            try {
                part->exec("BEGIN");
                fits = insert_rows(*part, layer, crs, format, split, n, envelopes, has_geometry, stopped);
                part->exec("COMMIT");
            } catch (...) {
                error = std::current_exception();
            }
            {
                const std::lock_guard lock(mutex);
                part_done = true;
                part_fits = fits;
                part_error = error;
            }
            changed.notify_all();
            if (error || !fits) return;
            {
                std::unique_lock lock(mutex);
                changed.wait(lock, [&] { return rows_done; });
            }
            if (stopped) return;
            RtreePlan p;
            try {
                p = plan_rtree(envelopes, has_geometry, gpkg_rtree_node_cells);
            } catch (...) {
                error = std::current_exception();
            }
            {
                const std::lock_guard lock(mutex);
                plan = std::move(p);
                planned = true;
                part_error = error;
            }
            changed.notify_all();
        });
    }
    bool fits = true;
    try {
        db.exec("BEGIN");
        // GDAL's triggers on the table (feature count) would run once per row: dropped meanwhile.
        for (const auto& t : triggers) db.exec("DROP TRIGGER " + quoted(t.first));
        fits = insert_rows(db, layer, crs, format, 0, split, envelopes, has_geometry, stopped);
        {
            const std::lock_guard lock(mutex);
            rows_done = fits;
        }
        changed.notify_all();
        if (fits && split < n) {
            {
                std::unique_lock lock(mutex);
                changed.wait(lock, [&] { return part_done; });
                if (part_error) std::rethrow_exception(part_error);
                fits = part_fits;
            }
            if (fits) {
                db.exec("INSERT INTO main." + quoted(layer.name) + " SELECT * FROM kepu15_part." + quoted(layer.name));
                std::unique_lock lock(mutex);
                changed.wait(lock, [&] { return planned; });
                if (part_error) std::rethrow_exception(part_error);
            }
        }
    } catch (...) {
        join_part();
        throw;
    }
    join_part();
    part.reset();
    if (!fits) {
        db.exec("ROLLBACK");  // GDAL's empty table and triggers, as GDAL left them
        if (split < n) db.exec("DETACH kepu15_part");
        return false;
    }
    if (split == n) plan = plan_rtree(envelopes, has_geometry, gpkg_rtree_node_cells);
    const Envelope& extent = plan.extent;

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
    write_rtree(db, rtree, plan, shown);
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
    if (split < n) db.exec("DETACH kepu15_part");
    return true;
}

}  // namespace kepu15::io::detail
