// Polygon operations through the GEOS C API. Every call owns its own GEOS context, so the functions
// are safe to call from several threads at once; GEOS errors become geometry_error.
#include "kepu15/geo/polygon_ops.hpp"

#include "kepu15/error.hpp"

#include <geos_c.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

namespace kepu15::geo {

namespace detail {

static_assert(sizeof(Point) == 2 * sizeof(double), "Point must be two packed doubles for GEOS buffers");

// One GEOS context with its error message captured. Not movable: GEOS keeps a pointer to it.
class GeosContext {
public:
    GeosContext() : m_handle(GEOS_init_r()) {
        if (m_handle == nullptr) throw geometry_error("GEOS: cannot create a context");
        GEOSContext_setErrorMessageHandler_r(m_handle, &GeosContext::on_error, this);
        // Notices ("Self-intersection at or near point ...") are not errors; callers that care ask
        // is_valid() or invalid_reason().
        GEOSContext_setNoticeMessageHandler_r(m_handle, &GeosContext::on_notice, this);
    }
    ~GeosContext() { GEOS_finish_r(m_handle); }
    GeosContext(const GeosContext&) = delete;
    GeosContext& operator=(const GeosContext&) = delete;

    [[nodiscard]] GEOSContextHandle_t get() const { return m_handle; }
    void clear_error() { m_error.clear(); }

    [[noreturn]] void fail(const std::string& operation) const {
        throw geometry_error("GEOS " + operation + ": " + (m_error.empty() ? "failed" : m_error));
    }

private:
    static void on_error(const char* message, void* self) {
        static_cast<GeosContext*>(self)->m_error = message != nullptr ? message : "";
    }
    static void on_notice(const char* /*message*/, void* /*self*/) {}

    GEOSContextHandle_t m_handle;
    std::string m_error;
};

struct GeomDeleter {
    GEOSContextHandle_t handle = nullptr;
    void operator()(GEOSGeometry* g) const { GEOSGeom_destroy_r(handle, g); }
};
using GeomPtr = std::unique_ptr<GEOSGeometry, GeomDeleter>;

struct CoordSeqDeleter {
    GEOSContextHandle_t handle = nullptr;
    void operator()(GEOSCoordSequence* s) const { GEOSCoordSeq_destroy_r(handle, s); }
};
using CoordSeqPtr = std::unique_ptr<GEOSCoordSequence, CoordSeqDeleter>;

struct BufferParamsDeleter {
    GEOSContextHandle_t handle = nullptr;
    void operator()(GEOSBufferParams* p) const { GEOSBufferParams_destroy_r(handle, p); }
};
using BufferParamsPtr = std::unique_ptr<GEOSBufferParams, BufferParamsDeleter>;

GeomPtr own(const GeosContext& ctx, GEOSGeometry* g, const char* operation) {
    if (g == nullptr) ctx.fail(operation);
    return GeomPtr(g, GeomDeleter{ctx.get()});
}

// Number of points of the ring once closed.
std::size_t closed_size(const Ring& ring) {
    if (ring.empty()) return 0;
    return ring.front() == ring.back() ? ring.size() : ring.size() + 1;
}

// Why plain data cannot become GEOS geometry, or empty. GEOS would reject these outright.
std::string structural_problem(const MultiPolygon& mp) {
    for (std::size_t i = 0; i < mp.size(); ++i) {
        const auto check_ring = [&](const Ring& ring, const char* what) -> std::string {
            for (const Point& p : ring) {
                if (!is_finite(p)) return std::string("Non-finite coordinate in ") + what + " of polygon " +
                                          std::to_string(i);
            }
            if (closed_size(ring) < 4) {
                return std::string("Too few points in ") + what + " of polygon " + std::to_string(i) + " (" +
                       std::to_string(ring.size()) + ")";
            }
            return {};
        };
        if (auto s = check_ring(mp[i].outer, "outer ring"); !s.empty()) return s;
        for (const Ring& h : mp[i].holes) {
            if (auto s = check_ring(h, "hole"); !s.empty()) return s;
        }
    }
    return {};
}

CoordSeqPtr make_seq(const GeosContext& ctx, const std::vector<Point>& pts, bool close) {
    GEOSContextHandle_t h = ctx.get();
    GEOSCoordSequence* seq = nullptr;
    if (close) {
        std::vector<Point> closed = pts;
        closed.push_back(pts.front());
        seq = GEOSCoordSeq_copyFromBuffer_r(h, reinterpret_cast<const double*>(closed.data()), closed.size(),
                                            0, 0);
    } else {
        seq = GEOSCoordSeq_copyFromBuffer_r(h, reinterpret_cast<const double*>(pts.data()), pts.size(), 0, 0);
    }
    if (seq == nullptr) ctx.fail("coordinate sequence");
    return CoordSeqPtr(seq, CoordSeqDeleter{h});
}

// Null for a degenerate ring (fewer than 4 points once closed): it has no area and GEOS cannot
// represent it. Throws geometry_error on non-finite coordinates.
GeomPtr make_ring(const GeosContext& ctx, const Ring& ring) {
    if (closed_size(ring) < 4) return GeomPtr(nullptr, GeomDeleter{ctx.get()});
    for (const Point& p : ring) {
        if (!is_finite(p)) throw geometry_error("non-finite coordinate in a polygon ring");
    }
    CoordSeqPtr seq = make_seq(ctx, ring, ring.front() != ring.back());
    // The ring takes ownership of the sequence.
    return own(ctx, GEOSGeom_createLinearRing_r(ctx.get(), seq.release()), "linear ring");
}

// Null when the outer ring is degenerate; degenerate holes are dropped.
GeomPtr make_polygon(const GeosContext& ctx, const Polygon& poly) {
    GeomPtr shell = make_ring(ctx, poly.outer);
    if (!shell) return shell;
    std::vector<GeomPtr> holes;
    holes.reserve(poly.holes.size());
    for (const Ring& h : poly.holes) {
        if (GeomPtr r = make_ring(ctx, h)) holes.push_back(std::move(r));
    }
    std::vector<GEOSGeometry*> raw;
    raw.reserve(holes.size());
    for (auto& h : holes) raw.push_back(h.release());
    return own(ctx,
               GEOSGeom_createPolygon_r(ctx.get(), shell.release(), raw.data(), static_cast<unsigned>(raw.size())),
               "polygon");
}

GeomPtr make_collection(const GeosContext& ctx, int type, std::vector<GeomPtr> parts) {
    std::vector<GEOSGeometry*> raw;
    raw.reserve(parts.size());
    for (auto& p : parts) raw.push_back(p.release());
    return own(ctx, GEOSGeom_createCollection_r(ctx.get(), type, raw.data(), static_cast<unsigned>(raw.size())),
               "collection");
}

void append_polygons(const GeosContext& ctx, const MultiPolygon& mp, std::vector<GeomPtr>& out) {
    for (const Polygon& poly : mp) {
        if (GeomPtr g = make_polygon(ctx, poly)) out.push_back(std::move(g));
    }
}

GeomPtr to_geos(const GeosContext& ctx, const MultiPolygon& mp) {
    std::vector<GeomPtr> parts;
    parts.reserve(mp.size());
    append_polygons(ctx, mp, parts);
    return make_collection(ctx, GEOS_MULTIPOLYGON, std::move(parts));
}

Ring ring_from_geos(const GeosContext& ctx, const GEOSGeometry* ring) {
    GEOSContextHandle_t h = ctx.get();
    const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(h, ring);
    if (seq == nullptr) ctx.fail("ring coordinates");
    unsigned size = 0;
    if (GEOSCoordSeq_getSize_r(h, seq, &size) == 0) ctx.fail("ring size");
    Ring out(size);
    if (size > 0 && GEOSCoordSeq_copyToBuffer_r(h, seq, reinterpret_cast<double*>(out.data()), 0, 0) == 0) {
        ctx.fail("ring copy");
    }
    return out;
}

// Appends the polygonal parts of `g` (any geometry type) to `out`; points and lines are dropped.
void from_geos(const GeosContext& ctx, const GEOSGeometry* g, MultiPolygon& out) {
    GEOSContextHandle_t h = ctx.get();
    const int type = GEOSGeomTypeId_r(h, g);
    if (type == GEOS_POLYGON) {
        if (GEOSisEmpty_r(h, g) == 1) return;
        Polygon poly;
        poly.outer = ring_from_geos(ctx, GEOSGetExteriorRing_r(h, g));
        const int n_holes = GEOSGetNumInteriorRings_r(h, g);
        if (n_holes < 0) ctx.fail("interior rings");
        poly.holes.reserve(static_cast<std::size_t>(n_holes));
        for (int i = 0; i < n_holes; ++i) poly.holes.push_back(ring_from_geos(ctx, GEOSGetInteriorRingN_r(h, g, i)));
        out.push_back(std::move(poly));
    } else if (type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION) {
        const int n = GEOSGetNumGeometries_r(h, g);
        if (n < 0) ctx.fail("collection parts");
        for (int i = 0; i < n; ++i) from_geos(ctx, GEOSGetGeometryN_r(h, g, i), out);
    }
}

MultiPolygon from_geos(const GeosContext& ctx, const GEOSGeometry* g) {
    MultiPolygon out;
    from_geos(ctx, g, out);
    return out;
}

GeomPtr make_valid_geos(const GeosContext& ctx, const GEOSGeometry* g) {
    GEOSContextHandle_t h = ctx.get();
    GEOSMakeValidParams* params = GEOSMakeValidParams_create_r(h);
    if (params == nullptr) ctx.fail("make-valid parameters");
    // STRUCTURE keeps the area a ring encloses (a bow-tie becomes two triangles) and drops
    // collapsed parts, so the result is polygonal.
    GEOSMakeValidParams_setMethod_r(h, params, GEOS_MAKE_VALID_STRUCTURE);
    GEOSMakeValidParams_setKeepCollapsed_r(h, params, 0);
    GEOSGeometry* r = GEOSMakeValidWithParams_r(h, g, params);
    GEOSMakeValidParams_destroy_r(h, params);
    return own(ctx, r, "make_valid");
}

// Overlay that repairs invalid inputs once and retries when GEOS refuses them.
template <typename Op>
MultiPolygon overlay(const MultiPolygon& a, const MultiPolygon& b, Op op, const char* name) {
    GeosContext ctx;
    GeomPtr ga = to_geos(ctx, a);
    GeomPtr gb = to_geos(ctx, b);
    GEOSGeometry* r = op(ctx.get(), ga.get(), gb.get());
    if (r == nullptr) {
        ctx.clear_error();
        GeomPtr va = make_valid_geos(ctx, ga.get());
        GeomPtr vb = make_valid_geos(ctx, gb.get());
        r = op(ctx.get(), va.get(), vb.get());
    }
    GeomPtr result = own(ctx, r, name);
    return from_geos(ctx, result.get());
}

double geos_area(const GeosContext& ctx, const GEOSGeometry* g) {
    double a = 0.0;
    if (GEOSArea_r(ctx.get(), g, &a) == 0) ctx.fail("area");
    return a;
}

// Union of polygons. Grid cells and other edge-matched, non-overlapping parts take the fast coverage
// union; its result is accepted only when it is valid and keeps the total area, otherwise (overlaps,
// T-junctions) the general unary union runs.
MultiPolygon union_polygons(GeosContext& ctx, std::vector<GeomPtr> parts) {
    if (parts.empty()) return {};
    GEOSContextHandle_t h = ctx.get();
    GeomPtr collection = make_collection(ctx, GEOS_GEOMETRYCOLLECTION, std::move(parts));
    const double area_in = geos_area(ctx, collection.get());

    if (GEOSGeometry* cov = GEOSCoverageUnion_r(h, collection.get())) {
        GeomPtr result(cov, GeomDeleter{h});
        const double area_out = geos_area(ctx, result.get());
        const bool same_area = std::abs(area_out - area_in) <= 1e-9 * std::max(1.0, std::abs(area_in));
        if (same_area && GEOSisValid_r(h, result.get()) == 1) return from_geos(ctx, result.get());
    }
    ctx.clear_error();

    GEOSGeometry* r = GEOSUnaryUnion_r(h, collection.get());
    if (r == nullptr) {
        // Invalid parts (self-intersections) make the overlay fail: repair and retry once.
        ctx.clear_error();
        GeomPtr valid = make_valid_geos(ctx, collection.get());
        r = GEOSUnaryUnion_r(h, valid.get());
    }
    GeomPtr result = own(ctx, r, "union");
    return from_geos(ctx, result.get());
}

}  // namespace detail

bool is_valid(const MultiPolygon& mp) { return invalid_reason(mp).empty(); }

std::string invalid_reason(const MultiPolygon& mp) {
    if (std::string s = detail::structural_problem(mp); !s.empty()) return s;
    detail::GeosContext ctx;
    detail::GeomPtr g = detail::to_geos(ctx, mp);
    char* reason = GEOSisValidReason_r(ctx.get(), g.get());
    if (reason == nullptr) ctx.fail("is_valid");
    std::string out = reason;
    GEOSFree_r(ctx.get(), reason);
    return out == "Valid Geometry" ? std::string() : out;
}

MultiPolygon make_valid(const MultiPolygon& mp) {
    detail::GeosContext ctx;
    detail::GeomPtr g = detail::to_geos(ctx, mp);
    detail::GeomPtr valid = detail::make_valid_geos(ctx, g.get());
    MultiPolygon out = detail::from_geos(ctx, valid.get());
    if (out.empty()) {
        throw geometry_error("make_valid: nothing polygonal remains of a multipolygon with " +
                             std::to_string(mp.size()) + " part(s)");
    }
    return out;
}

MultiPolygon union_all(const std::vector<MultiPolygon>& parts) {
    detail::GeosContext ctx;
    std::vector<detail::GeomPtr> polys;
    for (const MultiPolygon& mp : parts) detail::append_polygons(ctx, mp, polys);
    return detail::union_polygons(ctx, std::move(polys));
}

MultiPolygon union_all(const std::vector<Polygon>& parts) {
    detail::GeosContext ctx;
    std::vector<detail::GeomPtr> polys;
    polys.reserve(parts.size());
    for (const Polygon& p : parts) {
        if (detail::GeomPtr g = detail::make_polygon(ctx, p)) polys.push_back(std::move(g));
    }
    return detail::union_polygons(ctx, std::move(polys));
}

MultiPolygon intersection(const MultiPolygon& a, const MultiPolygon& b) {
    return detail::overlay(a, b, &GEOSIntersection_r, "intersection");
}

MultiPolygon difference(const MultiPolygon& a, const MultiPolygon& b) {
    return detail::overlay(a, b, &GEOSDifference_r, "difference");
}

Point point_on_surface(const MultiPolygon& mp) {
    detail::GeosContext ctx;
    detail::GeomPtr g = detail::to_geos(ctx, mp);
    if (GEOSisEmpty_r(ctx.get(), g.get()) == 1) {
        throw geometry_error("point_on_surface: the multipolygon is empty");
    }
    detail::GeomPtr p = detail::own(ctx, GEOSPointOnSurface_r(ctx.get(), g.get()), "point_on_surface");
    Point out;
    if (GEOSGeomGetX_r(ctx.get(), p.get(), &out.x) == 0 || GEOSGeomGetY_r(ctx.get(), p.get(), &out.y) == 0) {
        ctx.fail("point_on_surface coordinates");
    }
    return out;
}

}  // namespace kepu15::geo
