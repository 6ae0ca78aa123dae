// CRS handling through the PROJ C API. GCJ-02 and BD-09 are not CRSs PROJ knows: they are chained
// through WGS84 with the functions of chinese_datum.hpp.
#include "kepu15/geo/crs.hpp"

#include "kepu15/error.hpp"
#include "kepu15/geo/chinese_datum.hpp"

#include <proj.h>
#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <optional>
#include <mutex>
#include <vector>
#include <string>
#include <string_view>
#include <utility>

namespace kepu15::geo {

namespace detail {

struct ContextDeleter {
    void operator()(PJ_CONTEXT* ctx) const { proj_context_destroy(ctx); }
};
struct PjDeleter {
    void operator()(PJ* pj) const { proj_destroy(pj); }
};
using ContextPtr = std::unique_ptr<PJ_CONTEXT, ContextDeleter>;
using PjPtr = std::unique_ptr<PJ, PjDeleter>;

// A context that does not print PROJ's own messages; errors are reported through crs_error.
ContextPtr make_context() {
    ContextPtr ctx(proj_context_create());
    if (!ctx) throw crs_error("PROJ: cannot create a context");
    proj_log_level(ctx.get(), PJ_LOG_NONE);
    return ctx;
}

// The context of the free functions below, one per thread because PROJ contexts are not
// thread-safe.
PJ_CONTEXT* thread_context() {
    thread_local ContextPtr ctx = make_context();
    return ctx.get();
}

std::string last_error(PJ_CONTEXT* ctx) {
    const int code = proj_context_errno(ctx);
    if (code == 0) return "not a coordinate reference system";
    const char* text = proj_context_errno_string(ctx, code);
    return text != nullptr ? text : "unknown PROJ error";
}

bool starts_with_plus(const std::string& s) {
    const auto first = std::find_if(s.begin(), s.end(), [](unsigned char c) { return !std::isspace(c); });
    return first != s.end() && *first == '+';
}

// Parses a real CRS (not a Chinese pseudo-CRS). A PROJ string without "+type=crs" describes a
// transformation to PROJ; users mean the CRS, so "+type=crs" is added.
// Throws crs_error naming `crs`.
PjPtr create_crs(PJ_CONTEXT* ctx, const std::string& crs) {
    if (crs.empty()) throw crs_error("empty CRS name");
    PjPtr pj(proj_create(ctx, crs.c_str()));
    if (pj && !proj_is_crs(pj.get()) && starts_with_plus(crs) && crs.find("+type=crs") == std::string::npos) {
        pj.reset(proj_create(ctx, (crs + " +type=crs").c_str()));
    }
    if (!pj) throw crs_error("unknown CRS '" + crs + "': " + last_error(ctx));
    if (!proj_is_crs(pj.get())) throw crs_error("'" + crs + "' is not a coordinate reference system");
    return pj;
}

bool is_geographic_type(PJ_TYPE type) {
    return type == PJ_TYPE_GEOGRAPHIC_CRS || type == PJ_TYPE_GEOGRAPHIC_2D_CRS ||
           type == PJ_TYPE_GEOGRAPHIC_3D_CRS;
}

void nan_if_not_finite(Point& p) {
    if (!std::isfinite(p.x) || !std::isfinite(p.y)) {
        p.x = std::numeric_limits<double>::quiet_NaN();
        p.y = std::numeric_limits<double>::quiet_NaN();
    }
}

// Operations already chosen, for the process. Choosing one queries PROJ's database: 25-100 ms per
// CRS pair (200 ms for CGCS2000 -> WGS84, which searches intermediate CRSs), and a run builds a dozen
// transformers (readers, outputs, threads) over four or five pairs. The first choice per pair is kept
// in a context of its own, behind a mutex, and a Transformer gets a clone (0.2 ms) that carries every
// candidate operation, so points transform as through a fresh proj_create_crs_to_crs. A pair whose
// CRSs are equivalent to a cached pair's (a .prj's WKT for an EPSG code), or to its reverse, shares
// that operation (the reverse applied inverted). Failures are not cached.
//
// A geographic CRS to a projected CRS on another datum (WGS84 -> EPSG:4549, CGCS2000's Gauss-Kruger
// zone) is searched as geographic -> the projection's base CRS first (WGS84 -> CGCS2000, the one
// search, shared with the readers' CGCS2000 -> WGS84). When PROJ answers that with a single no-op
// (a ballpark offset between the datums: the same degrees), its answer for the projected CRS is that
// no-op followed by the projection's own conversion, i.e. exactly the base -> projected operation,
// which needs no database search (0.4 ms instead of 60-80 ms). Any other answer (a datum shift, grids,
// several candidates) falls back to the full search, so points always transform as PROJ's own
// proj_create_crs_to_crs would, to the last bit (tests/geo "bit for bit").
struct CachedOperation {
    PjPtr op;
    bool reversed = false;
};

struct OperationCache {
    struct Entry {
        PjPtr src;
        PjPtr dst;
        PjPtr op;
    };
    std::mutex mutex;
    ContextPtr ctx = make_context();
    std::map<std::pair<std::string, std::string>, std::pair<std::size_t, bool>> by_name;  // -> entry, reversed
    std::vector<Entry> entries;
    // proj.db opened a second time, for operation_without_intermediates (null until then, or when
    // it could not be opened).
    std::unique_ptr<sqlite3, int (*)(sqlite3*)> db{nullptr, sqlite3_close};
    bool db_opened = false;
};

// The direction in which the operation between two CRSs is created, whichever direction is asked
// for first: from a geographic CRS to WGS84, and from either to a projected one (the directions the
// readers and the loaders ask for); otherwise from the smaller authority code (or name). An operation
// applied inverted gives results that differ from the reverse operation's in the last bits (2,729 of
// the 20,000 facilities of the jiangsu-like study moved by up to 3e-9 m on their round trip through
// WGS84), and the road reader's thread and the inputs' loader race to ask first, so a whole run and
// a partition (which reads its roads after its inputs) measured other crow-fly distances.
std::pair<int, std::string> creation_key(PJ_CONTEXT* c, const PJ* crs, const PJ* wgs84_crs) {
    PjPtr base;
    const PJ* p = crs;
    if (proj_get_type(crs) == PJ_TYPE_BOUND_CRS) {
        base.reset(proj_get_source_crs(c, crs));
        if (base) p = base.get();
    }
    const int rank = !is_geographic_type(proj_get_type(p))                                 ? 2
                     : proj_is_equivalent_to_with_ctx(c, p, wgs84_crs, PJ_COMP_EQUIVALENT) ? 1
                                                                                            : 0;
    const char* auth = proj_get_id_auth_name(p, 0);
    const char* code = proj_get_id_code(p, 0);
    const char* name = proj_get_name(p);
    std::string id = auth != nullptr && code != nullptr ? std::string(auth) + ":" + code
                                                        : std::string(name != nullptr ? name : "");
    return {rank, std::move(id)};
}

// A normalised operation that leaves coordinates as they are: one operation (not a set of candidates
// chosen per point) whose PROJ pipeline is a no-op.
bool is_single_noop(const PJ* op) {
    if (op == nullptr || proj_get_type(op) == PJ_TYPE_UNKNOWN) return false;
    const PJ_PROJ_INFO info = proj_pj_info(const_cast<PJ*>(op));
    if (info.definition == nullptr) return false;
    const std::string_view def(info.definition);
    return def == "proj=noop" || def.rfind("proj=noop ", 0) == 0;
}

std::optional<std::pair<std::size_t, bool>> find_entry(OperationCache& cache, const PjPtr& src, const PjPtr& dst) {
    PJ_CONTEXT* c = cache.ctx.get();
    const auto same = [&](const PjPtr& a, const PjPtr& b) {
        return proj_is_equivalent_to_with_ctx(c, a.get(), b.get(), PJ_COMP_EQUIVALENT) != 0;
    };
    for (std::size_t e = 0; e < cache.entries.size(); ++e) {
        const auto& entry = cache.entries[e];
        if (same(src, entry.src) && same(dst, entry.dst)) return std::make_pair(e, false);
        if (same(src, entry.dst) && same(dst, entry.src)) return std::make_pair(e, true);
    }
    return std::nullopt;
}

using SqlitePtr = std::unique_ptr<sqlite3, int (*)(sqlite3*)>;

// PROJ's database opened read-only a second time (PROJ's own connection is not reachable), or null.
// About 20 ms, most of it SQLite parsing proj.db's schema: done once per process.
SqlitePtr open_proj_db(PJ_CONTEXT* c) {
    SqlitePtr none(nullptr, sqlite3_close);
    const char* path = proj_context_get_database_path(c);
    if (path == nullptr) return none;
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
        sqlite3_close(db);
        return none;
    }
    return SqlitePtr(db, sqlite3_close);
}

// True when PROJ's database holds no coordinate operation from or to any CRS on the datum of
// `crs` (a geographic CRS with an authority code, equivalent to the database's CRS of that code):
// no geodetic, projected or compound CRS on that datum is the source or target of a transformation
// or a concatenated operation, and the datum is neither a datum ensemble nor a member of one.
// Then no operation from another datum can reach it through an intermediate CRS either, and PROJ
// can only answer with what it finds without intermediates (its ballpark offset). False when
// unsure (no code, not in the database, any error).
// `db`: PROJ's database (open_proj_db); null gives false.
bool datum_without_operations(PJ_CONTEXT* c, sqlite3* db, const PJ* crs) {
    if (db == nullptr) return false;
    const char* auth = proj_get_id_auth_name(crs, 0);
    const char* code = proj_get_id_code(crs, 0);
    if (auth == nullptr || code == nullptr) return false;
    {
        const PjPtr in_db(proj_create_from_database(c, auth, code, PJ_CATEGORY_CRS, 0, nullptr));
        if (!in_db || proj_is_equivalent_to_with_ctx(c, in_db.get(), crs, PJ_COMP_EQUIVALENT) == 0) return false;
    }
    static constexpr const char* query = R"sql(
WITH datum AS (SELECT datum_auth_name AS a, datum_code AS c FROM geodetic_crs WHERE auth_name = ?1 AND code = ?2),
geod AS (SELECT g.auth_name, g.code FROM geodetic_crs g JOIN datum ON g.datum_auth_name = datum.a AND g.datum_code = datum.c),
proj AS (SELECT p.auth_name, p.code FROM projected_crs p WHERE (p.geodetic_crs_auth_name, p.geodetic_crs_code) IN geod),
horiz AS (SELECT * FROM geod UNION ALL SELECT * FROM proj),
crs AS (SELECT * FROM horiz UNION ALL
        SELECT k.auth_name, k.code FROM compound_crs k WHERE (k.horiz_crs_auth_name, k.horiz_crs_code) IN horiz)
SELECT (SELECT count(*) FROM datum),
       EXISTS (SELECT 1 FROM geodetic_datum_ensemble_member m, datum
               WHERE (m.ensemble_auth_name = datum.a AND m.ensemble_code = datum.c)
                  OR (m.member_auth_name = datum.a AND m.member_code = datum.c)),
       EXISTS (SELECT 1 FROM coordinate_operation_view o
               WHERE (o.source_crs_auth_name, o.source_crs_code) IN crs
                  OR (o.target_crs_auth_name, o.target_crs_code) IN crs))sql";
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, query, -1, &stmt, nullptr) != SQLITE_OK) {
        sqlite3_finalize(stmt);
        return false;
    }
    const std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> stmt_closer(stmt, sqlite3_finalize);
    if (sqlite3_bind_text(stmt, 1, auth, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
        sqlite3_bind_text(stmt, 2, code, -1, SQLITE_TRANSIENT) != SQLITE_OK || sqlite3_step(stmt) != SQLITE_ROW) {
        return false;
    }
    return sqlite3_column_int(stmt, 0) == 1 && sqlite3_column_int(stmt, 1) == 0 && sqlite3_column_int(stmt, 2) == 0;
}

bool datum_without_operations(const std::string& crs) {
    PJ_CONTEXT* c = thread_context();
    const PjPtr pj = create_crs(c, crs);
    const SqlitePtr db = open_proj_db(c);
    return datum_without_operations(c, db.get(), pj.get());
}

// proj_create_crs_to_crs_from_pj(c, src, dst, no area, no options), without its search through
// intermediate CRSs where that search cannot find anything: two geographic CRSs, one of them on a
// datum no operation of the database reaches (datum_without_operations: CGCS2000 in PROJ 9.1's
// database), and a single operation found without intermediates. The factory context is set up
// as proj_create_crs_to_crs_from_pj sets it, which returns its single candidate as it is; so the
// answer is the same operation, found in about 35 ms instead of 100 (WGS84 <-> CGCS2000). Null
// when these conditions do not hold: the caller then runs the full search.
// REQUIRES: cache.mutex held.
PjPtr operation_without_intermediates(OperationCache& cache, const PjPtr& src, const PjPtr& dst) {
    PJ_CONTEXT* c = cache.ctx.get();
    if (!is_geographic_type(proj_get_type(src.get())) || !is_geographic_type(proj_get_type(dst.get()))) return {};
    if (!cache.db_opened) {
        cache.db = open_proj_db(c);
        cache.db_opened = true;
    }
    if (!datum_without_operations(c, cache.db.get(), src.get()) &&
        !datum_without_operations(c, cache.db.get(), dst.get())) {
        return {};
    }
    PJ_OPERATION_FACTORY_CONTEXT* factory = proj_create_operation_factory_context(c, nullptr);
    if (factory == nullptr) return {};
    proj_operation_factory_context_set_allow_ballpark_transformations(c, factory, 1);
    proj_operation_factory_context_set_spatial_criterion(c, factory, PROJ_SPATIAL_CRITERION_PARTIAL_INTERSECTION);
    proj_operation_factory_context_set_grid_availability_use(
        c, factory,
        proj_context_is_network_enabled(c) != 0 ? PROJ_GRID_AVAILABILITY_KNOWN_AVAILABLE
                                                : PROJ_GRID_AVAILABILITY_DISCARD_OPERATION_IF_MISSING_GRID);
    proj_operation_factory_context_set_allow_use_intermediate_crs(c, factory, PROJ_INTERMEDIATE_CRS_USE_NEVER);
    PJ_OBJ_LIST* list = proj_create_operations(c, src.get(), dst.get(), factory);
    proj_operation_factory_context_destroy(factory);
    if (list == nullptr) return {};
    PjPtr op;
    if (proj_list_get_count(list) == 1) op.reset(proj_list_get(c, list, 0));
    proj_list_destroy(list);
    return op;
}

// PROJ's operation from src to dst, normalised to easting/northing (longitude/latitude) order.
// REQUIRES: cache.mutex held. Throws crs_error naming `from_crs` and `to_crs`.
PjPtr search_operation(OperationCache& cache, const PjPtr& src, const PjPtr& dst, const std::string& from_crs,
                       const std::string& to_crs) {
    PJ_CONTEXT* c = cache.ctx.get();
    PjPtr op = operation_without_intermediates(cache, src, dst);
    if (!op) op.reset(proj_create_crs_to_crs_from_pj(c, src.get(), dst.get(), nullptr, nullptr));
    if (!op) throw crs_error("no transformation from '" + from_crs + "' to '" + to_crs + "': " + last_error(c));
    PjPtr normalised(proj_normalize_for_visualization(c, op.get()));
    if (!normalised) {
        throw crs_error("cannot normalise the axis order of the transformation from '" + from_crs + "' to '" +
                        to_crs + "': " + last_error(c));
    }
    return normalised;
}

// The cached entry of src -> dst (or of its reverse), searching and caching it when missing.
// REQUIRES: cache.mutex held.
std::pair<std::size_t, bool> entry_for(OperationCache& cache, PjPtr src, PjPtr dst, const std::string& from_crs,
                                       const std::string& to_crs) {
    if (auto found = find_entry(cache, src, dst)) return *found;
    PJ_CONTEXT* c = cache.ctx.get();
    // Created in the canonical direction whichever is asked for first (see creation_key).
    const PjPtr wgs84_crs = create_crs(c, wgs84);
    const bool flip = creation_key(c, dst.get(), wgs84_crs.get()) < creation_key(c, src.get(), wgs84_crs.get());
    if (flip) std::swap(src, dst);
    PjPtr op;
    // Geographic -> projected on another base (or the reverse): through the base when that leg is a no-op.
    const bool src_projected = proj_get_type(src.get()) == PJ_TYPE_PROJECTED_CRS;
    const bool dst_projected = proj_get_type(dst.get()) == PJ_TYPE_PROJECTED_CRS;
    const PjPtr& geographic = dst_projected ? src : dst;
    const PjPtr& projected = dst_projected ? dst : src;
    if (src_projected != dst_projected && is_geographic_type(proj_get_type(geographic.get()))) {
        PjPtr base(proj_get_source_crs(c, projected.get()));
        if (base && is_geographic_type(proj_get_type(base.get())) &&
            proj_is_equivalent_to_with_ctx(c, base.get(), geographic.get(), PJ_COMP_EQUIVALENT) == 0) {
            PjPtr base_copy(proj_clone(c, base.get()));
            PjPtr geographic_copy(proj_clone(c, geographic.get()));
            const auto [leg, leg_reversed] =
                dst_projected ? entry_for(cache, std::move(geographic_copy), std::move(base), from_crs, to_crs)
                              : entry_for(cache, std::move(base), std::move(geographic_copy), from_crs, to_crs);
            (void)leg_reversed;  // a no-op is its own inverse
            if (is_single_noop(cache.entries[leg].op.get())) {
                op = dst_projected ? search_operation(cache, base_copy, dst, from_crs, to_crs)
                                   : search_operation(cache, src, base_copy, from_crs, to_crs);
            }
        }
    }
    if (!op) op = search_operation(cache, src, dst, from_crs, to_crs);
    cache.entries.push_back({std::move(src), std::move(dst), std::move(op)});
    return {cache.entries.size() - 1, flip};
}

// Throws crs_error naming `from_crs` and `to_crs` (the user's names).
CachedOperation cached_operation(PJ_CONTEXT* ctx, const std::string& real_from, const std::string& real_to,
                                 const std::string& from_crs, const std::string& to_crs) {
    static OperationCache cache;
    const std::lock_guard<std::mutex> lock(cache.mutex);
    PJ_CONTEXT* c = cache.ctx.get();
    auto named = cache.by_name.find({real_from, real_to});
    if (named == cache.by_name.end()) {
        const auto found = entry_for(cache, create_crs(c, real_from), create_crs(c, real_to), from_crs, to_crs);
        named = cache.by_name.emplace(std::make_pair(real_from, real_to), found).first;
    }
    const auto [index, reversed] = named->second;
    PjPtr clone(proj_clone(ctx, cache.entries[index].op.get()));
    if (!clone) {
        throw crs_error("cannot copy the transformation from '" + from_crs + "' to '" + to_crs + "': " +
                        last_error(ctx));
    }
    return {std::move(clone), reversed};
}

}  // namespace detail

ChineseDatum chinese_datum_of(const std::string& crs) {
    std::string s;
    for (unsigned char c : crs) {
        if (!std::isspace(c)) s.push_back(static_cast<char>(std::toupper(c)));
    }
    if (s == "GCJ-02" || s == "GCJ02") return ChineseDatum::gcj02;
    if (s == "BD-09" || s == "BD09") return ChineseDatum::bd09;
    return ChineseDatum::none;
}

void validate_crs(const std::string& crs) {
    if (chinese_datum_of(crs) != ChineseDatum::none) return;
    detail::create_crs(detail::thread_context(), crs);
}

bool is_geographic(const std::string& crs) {
    if (chinese_datum_of(crs) != ChineseDatum::none) return true;
    PJ_CONTEXT* ctx = detail::thread_context();
    detail::PjPtr pj = detail::create_crs(ctx, crs);
    PJ_TYPE type = proj_get_type(pj.get());
    if (type == PJ_TYPE_BOUND_CRS) {
        detail::PjPtr base(proj_get_source_crs(ctx, pj.get()));
        if (base) type = proj_get_type(base.get());
    }
    return detail::is_geographic_type(type);
}

std::optional<double> linear_unit_m(const std::string& crs) {
    if (chinese_datum_of(crs) != ChineseDatum::none) return std::nullopt;
    PJ_CONTEXT* ctx = detail::thread_context();
    detail::PjPtr pj = detail::create_crs(ctx, crs);
    if (proj_get_type(pj.get()) == PJ_TYPE_BOUND_CRS) {
        detail::PjPtr base(proj_get_source_crs(ctx, pj.get()));
        if (base) pj = std::move(base);
    }
    if (proj_get_type(pj.get()) == PJ_TYPE_COMPOUND_CRS) {
        detail::PjPtr horizontal(proj_crs_get_sub_crs(ctx, pj.get(), 0));
        if (horizontal) pj = std::move(horizontal);
    }
    if (detail::is_geographic_type(proj_get_type(pj.get()))) return std::nullopt;
    detail::PjPtr cs(proj_crs_get_coordinate_system(ctx, pj.get()));
    if (!cs || proj_cs_get_axis_count(ctx, cs.get()) < 1) return std::nullopt;
    double factor = 0.0;
    const char* unit_name = nullptr;
    if (proj_cs_get_axis_info(ctx, cs.get(), 0, nullptr, nullptr, nullptr, &factor, &unit_name, nullptr,
                              nullptr) == 0) {
        return std::nullopt;
    }
    if (unit_name != nullptr && (std::string_view(unit_name) == "degree" || std::string_view(unit_name) == "radian")) {
        return std::nullopt;
    }
    if (!(factor > 0.0) || !std::isfinite(factor)) return std::nullopt;
    return factor;
}

void require_metric_crs(const std::string& crs, const std::string& what, const std::string& suggestion) {
    const std::string hint = suggestion.empty() ? std::string() : ", e.g. \"" + suggestion + "\" (the UTM zone of the data)";
    if (is_geographic(crs)) {
        throw crs_error(what + " '" + crs + "' is geographic (degrees); distances need a projected CRS in metres" +
                        (hint.empty() ? std::string(" such as the data's UTM zone") : hint) +
                        ", or leave it out to use the UTM zone automatically");
    }
    const auto unit = linear_unit_m(crs);
    if (!unit) {
        throw crs_error(what + " '" + crs + "' has no linear unit; use a projected CRS in metres" + hint);
    }
    if (std::abs(*unit - 1.0) > 1e-9) {
        char factor[32];
        std::snprintf(factor, sizeof factor, "%.7g", *unit);
        throw crs_error(what + " '" + crs + "' measures in units of " + factor +
                        " m (feet?), not metres; radii and cell sizes are in metres, so use a metric CRS" + hint);
    }
}

// A chain: Chinese datum -> WGS84 (pre), PROJ operation (may be absent), WGS84 -> Chinese datum (post).
struct Transformer::impl {
    std::string from_crs;
    std::string to_crs;
    ChineseDatum from_datum = ChineseDatum::none;
    ChineseDatum to_datum = ChineseDatum::none;
    detail::ContextPtr ctx;
    detail::PjPtr op;  // null when no PROJ step is needed (e.g. GCJ-02 -> EPSG:4326)
    bool reversed = false;  // op runs from to_crs to from_crs: apply it inverted

    static Point to_wgs84(ChineseDatum d, Point p) {
        switch (d) {
            case ChineseDatum::gcj02: return gcj02_to_wgs84(p);
            case ChineseDatum::bd09: return bd09_to_wgs84(p);
            case ChineseDatum::none: break;
        }
        return p;
    }
    static Point from_wgs84(ChineseDatum d, Point p) {
        switch (d) {
            case ChineseDatum::gcj02: return wgs84_to_gcj02(p);
            case ChineseDatum::bd09: return wgs84_to_bd09(p);
            case ChineseDatum::none: break;
        }
        return p;
    }

    void run(std::span<Point> points, PJ_DIRECTION dir) const {
        const ChineseDatum pre = dir == PJ_FWD ? from_datum : to_datum;
        const ChineseDatum post = dir == PJ_FWD ? to_datum : from_datum;
        if (pre != ChineseDatum::none) {
            for (Point& p : points) p = to_wgs84(pre, p);
        }
        if (op && !points.empty()) {
            proj_errno_reset(op.get());
            const PJ_DIRECTION op_dir = reversed ? (dir == PJ_FWD ? PJ_INV : PJ_FWD) : dir;
            proj_trans_generic(op.get(), op_dir, &points[0].x, sizeof(Point), points.size(), &points[0].y,
                               sizeof(Point), points.size(), nullptr, 0, 0, nullptr, 0, 0);
        }
        for (Point& p : points) {
            detail::nan_if_not_finite(p);
            if (post != ChineseDatum::none) p = from_wgs84(post, p);
        }
    }
};

Transformer::Transformer(const std::string& from_crs, const std::string& to_crs) : m_impl(new impl) {
    m_impl->from_crs = from_crs;
    m_impl->to_crs = to_crs;
    m_impl->from_datum = chinese_datum_of(from_crs);
    m_impl->to_datum = chinese_datum_of(to_crs);
    m_impl->ctx = detail::make_context();
    PJ_CONTEXT* ctx = m_impl->ctx.get();

    const std::string real_from = m_impl->from_datum != ChineseDatum::none ? wgs84 : from_crs;
    const std::string real_to = m_impl->to_datum != ChineseDatum::none ? wgs84 : to_crs;
    if (real_from == wgs84 && real_to == wgs84) return;  // pure Chinese-datum chain

    detail::CachedOperation cached = detail::cached_operation(ctx, real_from, real_to, from_crs, to_crs);
    m_impl->op = std::move(cached.op);
    m_impl->reversed = cached.reversed;
}

Transformer::~Transformer() = default;
Transformer::Transformer(Transformer&&) noexcept = default;
Transformer& Transformer::operator=(Transformer&&) noexcept = default;

Point Transformer::forward(Point p) const {
    m_impl->run(std::span<Point>(&p, 1), PJ_FWD);
    return p;
}

void Transformer::forward(std::span<Point> points) const { m_impl->run(points, PJ_FWD); }

Point Transformer::inverse(Point p) const {
    m_impl->run(std::span<Point>(&p, 1), PJ_INV);
    return p;
}

void Transformer::inverse(std::span<Point> points) const { m_impl->run(points, PJ_INV); }

const std::string& Transformer::from_crs() const { return m_impl->from_crs; }
const std::string& Transformer::to_crs() const { return m_impl->to_crs; }

std::string utm_crs_for(Point centre_lonlat) {
    if (!is_finite(centre_lonlat) || std::abs(centre_lonlat.y) > 90.0) {
        throw crs_error("cannot choose a UTM zone for the centre (" + std::to_string(centre_lonlat.x) + ", " +
                        std::to_string(centre_lonlat.y) + ")");
    }
    // Normalise longitude to [-180, 180) so that 181 E falls in zone 1.
    double lon = std::fmod(centre_lonlat.x + 180.0, 360.0);
    if (lon < 0.0) lon += 360.0;
    const int zone = std::clamp(static_cast<int>(std::floor(lon / 6.0)) + 1, 1, 60);
    const int base = centre_lonlat.y >= 0.0 ? 32600 : 32700;
    return "EPSG:" + std::to_string(base + zone);
}

std::string crs_name(const std::string& crs) {
    switch (chinese_datum_of(crs)) {
        case ChineseDatum::gcj02: return "GCJ-02";
        case ChineseDatum::bd09: return "BD-09";
        case ChineseDatum::none: break;
    }
    detail::PjPtr pj = detail::create_crs(detail::thread_context(), crs);
    const char* name = proj_get_name(pj.get());
    return name != nullptr && *name != '\0' ? name : crs;
}

std::string crs_wkt(const std::string& crs) {
    const std::string real = chinese_datum_of(crs) != ChineseDatum::none ? wgs84 : crs;
    PJ_CONTEXT* ctx = detail::thread_context();
    detail::PjPtr pj = detail::create_crs(ctx, real);
    const char* wkt = proj_as_wkt(ctx, pj.get(), PJ_WKT2_2019, nullptr);
    if (wkt == nullptr) throw crs_error("CRS '" + crs + "' has no WKT representation");
    return wkt;
}

MultiPolygon transform(MultiPolygon polygons, const Transformer& t) {
    for (auto& poly : polygons) {
        t.forward(std::span<Point>(poly.outer));
        for (auto& h : poly.holes) t.forward(std::span<Point>(h));
    }
    return polygons;
}

}  // namespace kepu15::geo
