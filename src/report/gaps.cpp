#include "kepu15/report/gaps.hpp"
#include "kepu15/report/detail/values.hpp"

#include "kepu15/geo/crs.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

namespace kepu15::report {

namespace {

using io::FieldDef;
using io::FieldType;
using io::FieldValue;

using detail::real_or_null;
using detail::round_to;

// Vertex of the cell lattice (column, row) through the raster's geotransform.
Point raster_point(const std::array<double, 6>& gt, Point lattice) {
    return {gt[0] + lattice.x * gt[1] + lattice.y * gt[2], gt[3] + lattice.x * gt[4] + lattice.y * gt[5]};
}

// Area of one population cell in the working CRS, km2: the cross product of the steps to the
// neighbouring cell centres (already in the working CRS) to the right and below; every cell of a
// projected grid has the same area. Without such neighbours, the corners of one cell are
// transformed.
double cell_area_km2(const study::Inputs& in, const coverage::CellGrid& grid) {
    const auto& cells = in.cells;
    for (std::size_t i = 0; i < cells.size(); ++i) {
        const auto right = grid.at(cells.col[i] + 1, cells.row[i]);
        const auto below = grid.at(cells.col[i], cells.row[i] + 1);
        if (right < 0 || below < 0) continue;
        const Point a = cells.centre_m[i];
        const Point b = cells.centre_m[static_cast<std::size_t>(right)];
        const Point c = cells.centre_m[static_cast<std::size_t>(below)];
        return std::abs((b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x)) / 1e6;
    }
    if (cells.size() == 0) return 0.0;
    const double c = cells.col[0], r = cells.row[0];
    Ring ring{raster_point(cells.geotransform, {c, r}), raster_point(cells.geotransform, {c + 1, r}),
              raster_point(cells.geotransform, {c + 1, r + 1}), raster_point(cells.geotransform, {c, r + 1})};
    ring.push_back(ring.front());
    const geo::Transformer to_working(cells.raster_crs, in.working_crs);
    to_working.forward(std::span<Point>(ring));
    return std::abs(signed_area(ring)) / 1e6;
}

template <class Items>
std::string joined_codes(const Items& items, const std::vector<std::int32_t>& indices) {
    std::string out;
    for (auto i : indices) {
        if (!out.empty()) out += ';';
        out += items[static_cast<std::size_t>(i)].code;
    }
    return out;
}

}  // namespace

RunGaps::RunGaps(const pipeline::StudyResult& r)
    : m_r(r), m_grid(r.inputs().cells.col, r.inputs().cells.row), m_cell_area_km2(cell_area_km2(r.inputs(), m_grid)) {
    for (std::size_t m = 0; m < r.measures().size(); ++m) {
        const auto& me = r.measures()[m];
        GapSet s;
        s.kind = me.kind;
        s.method = me.method;
        s.threshold = me.threshold.value;
        s.measures = {m};
        m_sets.push_back(std::move(s));
    }
    if (r.facilities().size() >= 2) {
        for (const auto& method : r.by_unit.methods) {
            GapSet s;
            s.kind = "any";
            s.method = method;
            s.threshold = std::numeric_limits<double>::quiet_NaN();
            for (std::size_t m = 0; m < r.measures().size(); ++m) {
                if (r.measures()[m].method == method) s.measures.push_back(m);
            }
            m_sets.push_back(std::move(s));
        }
    }
}

void RunGaps::run(std::size_t task) {
    GapSet& s = m_sets[task];
    const auto& cells = m_r.inputs().cells;
    coverage::GapCells g;
    g.col = cells.col;
    g.row = cells.row;
    g.population = cells.population;
    for (const auto& group : cells.groups) g.groups.emplace_back(group);
    g.unit = cells.unit;
    g.village = cells.village;
    g.cell_area_km2 = m_cell_area_km2;
    std::vector<std::uint8_t> covered;
    std::vector<double> value;
    if (s.measures.size() == 1 && s.kind != "any") {
        const auto& me = m_r.measures()[s.measures.front()];
        g.covered = me.covered;
        g.minutes = me.value;
    } else {
        // Covered by any kind; distance or minutes to the nearest facility of any kind.
        covered.assign(cells.size(), 0);
        value.assign(cells.size(), std::numeric_limits<double>::quiet_NaN());
        for (auto m : s.measures) {
            const auto& me = m_r.measures()[m];
            for (std::size_t i = 0; i < cells.size(); ++i) {
                covered[i] |= me.covered[i];
                if (std::isfinite(me.value[i]) && !(me.value[i] >= value[i])) value[i] = me.value[i];
            }
        }
        g.covered = covered;
        g.minutes = value;
    }
    coverage::GapPatchOptions options;
    options.min_population = m_r.study().gap_min_population;
    s.patches = coverage::gap_patches(g, options, &m_grid);
    s.outlines.reserve(s.patches.patches.size());
    for (const auto& p : s.patches.patches) s.outlines.push_back(coverage::cell_outline(cells.col, cells.row, p.cells));
}

io::Layer RunGaps::layer() const {
    const auto& in = m_r.inputs();
    const auto& groups = in.cells.group_names;
    io::Layer layer;
    layer.name = "gaps";
    layer.geometry_kind = io::GeometryKind::polygon;
    layer.fields = {{"kind", FieldType::string},   {"method", FieldType::string},   {"threshold", FieldType::real},
                    {"patch_id", FieldType::string}, {"rank", FieldType::integer}, {"population", FieldType::real}};
    for (const auto& g : groups) layer.fields.push_back({"pop_" + g, FieldType::real});
    for (const FieldDef& f : std::initializer_list<FieldDef>{{"cells", FieldType::integer},
                                                             {"area_km2", FieldType::real},
                                                             {"mean_min", FieldType::real},
                                                             {"mean_dist_m", FieldType::real},
                                                             {"unreached_pop", FieldType::real},
                                                             {"town_code", FieldType::string},
                                                             {"town_name", FieldType::string},
                                                             {"town_codes", FieldType::string},
                                                             {"village_codes", FieldType::string},
                                                             {"villages", FieldType::integer}}) {
        layer.fields.push_back(f);
    }
    // Every distinct outline corner through the geotransform, then one batch to WGS84 (the sets'
    // outlines share most corners). Corners are indexed densely over the cells' lattice box when it
    // is small enough, else hashed.
    const auto& cells = in.cells;
    std::int64_t min_c = 0, min_r = 0, width = 0, height = 0;
    if (cells.size() > 0) {
        min_c = *std::min_element(cells.col.begin(), cells.col.end());
        min_r = *std::min_element(cells.row.begin(), cells.row.end());
        width = *std::max_element(cells.col.begin(), cells.col.end()) - min_c + 2;
        height = *std::max_element(cells.row.begin(), cells.row.end()) - min_r + 2;
    }
    constexpr std::uint32_t none = 0xffffffffU;
    const bool dense = width * height <= std::max<std::int64_t>(4'000'000, 16 * static_cast<std::int64_t>(cells.size()));
    std::vector<std::uint32_t> dense_index(dense ? static_cast<std::size_t>(width * height) : 0, none);
    std::unordered_map<std::uint64_t, std::uint32_t> hashed_index;
    std::vector<Point> points;
    const auto slot = [&](Point lattice) -> std::uint32_t& {
        const auto id = static_cast<std::uint64_t>((static_cast<std::int64_t>(lattice.y) - min_r) * width +
                                                   (static_cast<std::int64_t>(lattice.x) - min_c));
        if (dense) return dense_index[id];
        return hashed_index.try_emplace(id, none).first->second;
    };
    const auto collect = [&](const Ring& ring) {
        for (const auto& p : ring) {
            auto& index = slot(p);
            if (index != none) continue;
            index = static_cast<std::uint32_t>(points.size());
            points.push_back(raster_point(cells.geotransform, p));
        }
    };
    for (const auto& s : m_sets) {
        for (const auto& mp : s.outlines) {
            for (const auto& poly : mp) {
                collect(poly.outer);
                for (const auto& h : poly.holes) collect(h);
            }
        }
    }
    if (!points.empty()) geo::Transformer(cells.raster_crs, geo::wgs84).forward(std::span<Point>(points));
    const auto place = [&](Ring& ring) {
        for (auto& p : ring) p = points[slot(p)];
    };
    for (const auto& s : m_sets) {
        for (std::size_t k = 0; k < s.patches.patches.size(); ++k) {
            const auto& p = s.patches.patches[k];
            io::OutputFeature f;
            f.geometry.kind = io::GeometryKind::polygon;
            f.geometry.polygons = s.outlines[k];
            for (auto& poly : f.geometry.polygons) {
                place(poly.outer);
                if (signed_area(poly.outer) < 0) std::reverse(poly.outer.begin(), poly.outer.end());
                for (auto& h : poly.holes) {
                    place(h);
                    if (signed_area(h) > 0) std::reverse(h.begin(), h.end());
                }
            }
            auto& v = f.values;
            const bool network = s.method.is_network();
            v.emplace_back(s.kind);
            v.emplace_back(s.method.name());
            v.push_back(real_or_null(s.threshold, 1e6));
            v.emplace_back(s.key() + "_" + std::to_string(k + 1));
            v.emplace_back(static_cast<std::int64_t>(k + 1));
            v.emplace_back(round_to(p.population, 100));
            for (double gp : p.groups) v.emplace_back(round_to(gp, 100));
            v.emplace_back(static_cast<std::int64_t>(p.cells.size()));
            v.emplace_back(round_to(p.area_km2, 1e4));
            v.push_back(network ? real_or_null(p.mean_minutes, 100) : FieldValue(std::monostate{}));
            v.push_back(network ? FieldValue(std::monostate{}) : real_or_null(p.mean_minutes, 10));
            v.emplace_back(round_to(p.unreached_population, 100));
            if (p.main_unit >= 0) {
                v.emplace_back(in.units[static_cast<std::size_t>(p.main_unit)].code);
                v.emplace_back(in.units[static_cast<std::size_t>(p.main_unit)].name);
            } else {
                v.emplace_back(std::monostate{});
                v.emplace_back(std::monostate{});
            }
            v.emplace_back(joined_codes(in.units, p.units));
            v.emplace_back(joined_codes(in.villages, p.villages));
            v.emplace_back(static_cast<std::int64_t>(p.villages.size()));
            layer.features.push_back(std::move(f));
        }
    }
    return layer;
}

nlohmann::json RunGaps::summary() const {
    nlohmann::json j;
    j["min_population"] = m_r.study().gap_min_population;
    nlohmann::json sets = nlohmann::json::object();
    for (const auto& s : m_sets) {
        double population = 0.0;
        for (const auto& p : s.patches.patches) population += p.population;
        sets[s.key()] = {{"kind", s.kind},
                         {"method", s.method.name()},
                         {"patches", s.patches.patches.size()},
                         {"population", round_to(population, 100)},
                         {"largest_population",
                          s.patches.patches.empty() ? 0.0 : round_to(s.patches.patches.front().population, 100)},
                         {"dropped_patches", s.patches.dropped_patches},
                         {"dropped_population", round_to(s.patches.dropped_population, 100)}};
    }
    j["sets"] = sets;
    return j;
}

}  // namespace kepu15::report
