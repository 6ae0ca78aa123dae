#include "kepu15/coverage/unit_index.hpp"

#include <boost/geometry.hpp>
#include <boost/geometry/geometries/box.hpp>
#include <boost/geometry/geometries/multi_polygon.hpp>
#include <boost/geometry/geometries/point_xy.hpp>
#include <boost/geometry/geometries/polygon.hpp>
#include <boost/geometry/index/rtree.hpp>

#include <algorithm>
#include <iterator>

namespace kepu15::coverage {

namespace bg = boost::geometry;
namespace bgi = boost::geometry::index;

namespace {
using BPoint = bg::model::d2::point_xy<double>;
using BBox = bg::model::box<BPoint>;
// Orientation and closure are not assumed: rings are corrected on load.
using BPolygon = bg::model::polygon<BPoint>;
using BMulti = bg::model::multi_polygon<BPolygon>;
using Entry = std::pair<BBox, std::uint32_t>;

BMulti to_boost(const MultiPolygon& mp) {
    BMulti out;
    for (const auto& poly : mp) {
        BPolygon bp;
        for (const auto& p : poly.outer) bp.outer().emplace_back(p.x, p.y);
        for (const auto& h : poly.holes) {
            bp.inners().emplace_back();
            for (const auto& p : h) bp.inners().back().emplace_back(p.x, p.y);
        }
        out.push_back(std::move(bp));
    }
    bg::correct(out);
    return out;
}
}  // namespace

struct UnitIndex::impl {
    std::vector<BMulti> polygons;
    bgi::rtree<Entry, bgi::rstar<16>> tree;
};

UnitIndex::UnitIndex(std::vector<MultiPolygon> units) : m_impl(std::make_unique<impl>()) {
    std::vector<Entry> entries;
    m_impl->polygons.reserve(units.size());
    for (std::uint32_t i = 0; i < units.size(); ++i) {
        m_impl->polygons.push_back(to_boost(units[i]));
        BBox box;
        bg::envelope(m_impl->polygons.back(), box);
        entries.emplace_back(box, i);
    }
    m_impl->tree = bgi::rtree<Entry, bgi::rstar<16>>(entries.begin(), entries.end());
}

UnitIndex::~UnitIndex() = default;

std::size_t UnitIndex::size() const { return m_impl->polygons.size(); }

std::optional<std::uint32_t> UnitIndex::locate(Point p) const {
    const BPoint q(p.x, p.y);
    std::optional<std::uint32_t> best;
    for (auto it = m_impl->tree.qbegin(bgi::covers(q)); it != m_impl->tree.qend(); ++it) {
        const std::uint32_t i = it->second;
        if (best && *best < i) continue;
        if (bg::covered_by(q, m_impl->polygons[i])) best = i;
    }
    return best;
}

std::vector<std::int32_t> UnitIndex::locate_all(const std::vector<Point>& points) const {
    std::vector<std::int32_t> out(points.size(), -1);
    for (std::size_t i = 0; i < points.size(); ++i) {
        if (auto u = locate(points[i])) out[i] = static_cast<std::int32_t>(*u);
    }
    return out;
}

}  // namespace kepu15::coverage
