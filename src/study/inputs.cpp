#include "kepu15/study/inputs.hpp"

#include "kepu15/coverage/unit_index.hpp"
#include "kepu15/error.hpp"
#include "kepu15/geo/crs.hpp"
#include "kepu15/geo/polygon_ops.hpp"
#include "kepu15/io/raster_reader.hpp"
#include "kepu15/io/vector_reader.hpp"
#include "kepu15/range.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <sstream>

namespace kepu15::study {

namespace {

const MultiPolygon& polygons_of(const io::VectorLayer& layer, const io::Feature& f) {
    if (f.geometry.kind != io::GeometryKind::polygon || f.geometry.polygons.empty()) {
        throw input_error(layer.where(f) + ": expected a polygon geometry");
    }
    return f.geometry.polygons;
}

std::string text_field(const io::Feature& f, int index) {
    return index < 0 ? std::string() : io::as_text(f.values[static_cast<std::size_t>(index)]);
}

// Urban/rural flag from common encodings: 1/0, true/false, yes/no, urban/rural, 城/乡, 社区/村.
int parse_urban(const std::string& v) {
    if (v == "1" || v == "true" || v == "yes" || v == "urban" || v == "城" || v == "城镇" || v == "社区") return 1;
    if (v == "0" || v == "false" || v == "no" || v == "rural" || v == "乡" || v == "乡村" || v == "村") return 0;
    return -1;
}

std::string lonlat_text(Point p) {
    std::ostringstream s;
    s.precision(6);
    s << std::fixed << p.x << ", " << p.y;
    return s.str();
}

std::vector<Unit> load_units(const UnitLayer& spec) {
    io::VectorLayer layer;
    try {
        layer = io::read_vector(spec.source.path, spec.source.read);
    } catch (...) {
        rethrow_with_context("units (区镇) layer");
    }
    const std::size_t code_i = layer.field_index(spec.code_field);
    const std::size_t name_i = layer.field_index(spec.name_field);
    std::vector<Unit> units;
    std::map<std::string, std::int64_t> seen;
    for (const auto& f : layer.features) {
        Unit u;
        u.code = io::as_text(f.values[code_i]);
        u.name = io::as_text(f.values[name_i]);
        if (u.code.empty()) {
            throw input_error(layer.where(f) + ": field '" + spec.code_field + "' is empty");
        }
        if (auto [it, fresh] = seen.emplace(u.code, f.fid); !fresh) {
            throw input_error(layer.where() + ": unit code '" + u.code + "' appears in features " +
                              std::to_string(it->second) + " and " + std::to_string(f.fid));
        }
        u.shape_lonlat = polygons_of(layer, f);
        units.push_back(std::move(u));
    }
    return units;
}

}  // namespace

Inputs load_inputs(const Study& study) {
    Inputs in;
    in.units = load_units(study.units);

    Box box;
    for (const auto& u : in.units) {
        for (const auto& poly : u.shape_lonlat) {
            for (const auto& p : poly.outer) box.expand(p);
        }
    }
    in.working_crs = study.working_crs.empty() ? geo::utm_crs_for(box.centre()) : study.working_crs;
    if (!study.working_crs.empty()) {
        geo::require_metric_crs(study.working_crs, study.file + ": [study] working_crs", geo::utm_crs_for(box.centre()));
    }
    const geo::Transformer to_working(geo::wgs84, in.working_crs);
    std::vector<MultiPolygon> unit_shapes;
    for (auto& u : in.units) {
        u.shape_m = geo::transform(u.shape_lonlat, to_working);
        unit_shapes.push_back(u.shape_m);
    }
    const coverage::UnitIndex unit_index(unit_shapes);
    std::map<std::string, std::int32_t> unit_by_code;
    for (std::size_t i = 0; i < in.units.size(); ++i) unit_by_code[in.units[i].code] = static_cast<std::int32_t>(i);

    // Villages / communities.
    std::vector<MultiPolygon> village_shapes;
    if (study.villages) {
        const VillageLayer& spec = *study.villages;
        io::VectorLayer layer;
        try {
            layer = io::read_vector(spec.source.path, spec.source.read);
        } catch (...) {
            rethrow_with_context("villages layer");
        }
        const std::size_t code_i = layer.field_index(spec.code_field);
        const std::size_t name_i = layer.field_index(spec.name_field);
        const int town_i = spec.town_field.empty() ? -1 : static_cast<int>(layer.field_index(spec.town_field));
        const int urban_i = spec.urban_field.empty() ? -1 : static_cast<int>(layer.field_index(spec.urban_field));
        for (const auto& f : layer.features) {
            Village v;
            v.code = io::as_text(f.values[code_i]);
            v.name = io::as_text(f.values[name_i]);
            v.shape_lonlat = polygons_of(layer, f);
            v.shape_m = geo::transform(v.shape_lonlat, to_working);
            if (town_i >= 0) {
                const std::string town = text_field(f, town_i);
                auto it = unit_by_code.find(town);
                if (it == unit_by_code.end()) {
                    throw input_error(layer.where(f) + ": field '" +
                                      spec.town_field + "' value '" + town + "' is not a unit code of " +
                                      study.units.source.path);
                }
                v.unit = it->second;
            } else {
                const auto u = unit_index.locate(geo::point_on_surface(v.shape_m));
                v.unit = u ? static_cast<std::int32_t>(*u) : -1;
            }
            if (v.unit >= 0) {
                v.town_code = in.units[static_cast<std::size_t>(v.unit)].code;
                v.town_name = in.units[static_cast<std::size_t>(v.unit)].name;
            }
            if (urban_i >= 0) v.urban = parse_urban(text_field(f, urban_i));
            village_shapes.push_back(v.shape_m);
            in.villages.push_back(std::move(v));
        }
    }
    const coverage::UnitIndex village_index(village_shapes);

    // Facilities.
    for (const auto& spec : study.facilities) {
        io::VectorLayer layer;
        try {
            layer = io::read_vector(spec.source.path, spec.source.read);
        } catch (...) {
            rethrow_with_context("facilities '" + spec.kind + "'");
        }
        FacilitySet fs;
        fs.kind = spec.kind;
        fs.label = spec.label;
        fs.source = layer.where();
        const int id_i = spec.id_field.empty() ? -1 : static_cast<int>(layer.field_index(spec.id_field));
        const int name_i = spec.name_field.empty() ? -1 : static_cast<int>(layer.field_index(spec.name_field));
        const int cap_i =
            spec.capacity_field.empty() ? -1 : static_cast<int>(layer.field_index(spec.capacity_field));
        std::vector<std::string> outside;
        const std::string unit_word = layer.csv ? "row " : "feature ";
        std::map<std::string, std::int64_t> first_with_id;  // id -> first row/feature
        std::vector<std::string> duplicate_ids;
        std::vector<std::int64_t> empty_ids;
        for (const auto& f : layer.features) {
            const std::string where_f = layer.where(f) + " (facility kind '" + spec.kind + "')";
            Point lonlat;
            if (f.geometry.kind == io::GeometryKind::point && f.geometry.points.size() == 1) {
                lonlat = f.geometry.points.front();
            } else if (f.geometry.kind == io::GeometryKind::point && f.geometry.points.size() > 1) {
                throw input_error(where_f + ": a MultiPoint with " + std::to_string(f.geometry.points.size()) +
                                  " points; a facility has one location: split it into one feature per point");
            } else if (f.geometry.kind == io::GeometryKind::polygon) {
                const MultiPolygon shape_m = geo::transform(f.geometry.polygons, to_working);
                lonlat = to_working.inverse(geo::point_on_surface(shape_m));
            } else {
                throw input_error(where_f + ": a facility must be a point or a polygon");
            }
            const Point pm = to_working.forward(lonlat);
            if (!is_finite(pm)) {
                throw input_error(where_f + ": coordinates (" + lonlat_text(lonlat) + ") cannot be projected to " +
                                  in.working_crs);
            }
            double capacity = std::numeric_limits<double>::quiet_NaN();
            if (cap_i >= 0) {
                const auto& v = f.values[static_cast<std::size_t>(cap_i)];
                auto num = io::as_number(v);
                if (!num && !std::holds_alternative<std::monostate>(v)) {
                    throw input_error(where_f + ": field '" + spec.capacity_field + "' is not a number ('" +
                                      io::as_text(v) + "')");
                }
                if (num) capacity = *num;
            }
            const auto unit = unit_index.locate(pm);
            std::string id = id_i >= 0 ? text_field(f, id_i) : std::to_string(f.fid);
            if (id_i >= 0) {
                if (id.find_first_not_of(" \t") == std::string::npos) {
                    empty_ids.push_back(f.fid);
                } else if (auto [it, fresh] = first_with_id.emplace(id, f.fid); !fresh && duplicate_ids.size() < 5) {
                    duplicate_ids.push_back("'" + id + "' (" + unit_word + std::to_string(it->second) + " and " +
                                            std::to_string(f.fid) + ")");
                }
            }
            if (!unit) {
                outside.push_back(unit_word + std::to_string(f.fid) + " (id " + id + ", " + lonlat_text(lonlat) +
                                  ")");
                if (study.outside == OutsidePolicy::drop) continue;
            }
            fs.position_lonlat.push_back(lonlat);
            fs.position_m.push_back(pm);
            fs.id.push_back(std::move(id));
            fs.name.push_back(name_i >= 0 ? text_field(f, name_i) : std::string());
            fs.capacity.push_back(capacity);
            fs.unit.push_back(unit ? static_cast<std::int32_t>(*unit) : -1);
        }
        if (!empty_ids.empty()) {
            std::string list;
            for (std::size_t i = 0; i < empty_ids.size() && i < 5; ++i) list += (i ? ", " : "") + std::to_string(empty_ids[i]);
            if (empty_ids.size() > 5) list += ", ...";
            warn(layer.where() + " (facility kind '" + spec.kind + "'): " + std::to_string(empty_ids.size()) +
                 " facilities have an empty or null '" + spec.id_field + "' (" + unit_word + list +
                 "); outputs cannot tell them apart");
        }
        if (!duplicate_ids.empty()) {
            std::string list;
            for (std::size_t i = 0; i < duplicate_ids.size(); ++i) list += (i ? ", " : "") + duplicate_ids[i];
            warn(layer.where() + " (facility kind '" + spec.kind + "'): field '" + spec.id_field +
                 "' has duplicate ids: " + list + "; outputs name facilities by id, so check for duplicated rows");
        }
        if (!outside.empty()) {
            std::string list;
            for (std::size_t i = 0; i < outside.size() && i < 5; ++i) list += (i ? "; " : "") + outside[i];
            if (outside.size() > 5) list += "; ...";
            const std::string msg = layer.where() + ": " + std::to_string(outside.size()) +
                                    " facilities lie outside every unit of " + study.units.source.path + ": " + list;
            if (study.outside == OutsidePolicy::error) {
                throw input_error(msg + " (check the layer's CRS, or set [study] outside = \"drop\")");
            }
            warn(msg + " (dropped)");
        }
        in.facilities.push_back(std::move(fs));
    }

    // Population raster.
    PopulationCells& cells = in.cells;
    io::RasterReadOptions ropt;
    ropt.bands = {study.population.band};
    for (const auto& g : study.population.groups) {
        ropt.bands.push_back(g.band);
        cells.group_names.push_back(g.name);
    }
    ropt.crs = study.population.crs;
    ropt.negative = study.population.negative;
    io::RasterGrid grid;
    try {
        grid = io::read_raster(study.population.path, ropt);
    } catch (...) {
        rethrow_with_context("population raster");
    }
    if (grid.clamped > 0) {
        std::ostringstream msg;
        msg << study.population.path << ": " << grid.clamped << " cells with negative values (sum "
            << short_number(grid.clamped_sum) << ") were counted as 0 ([population] negative = \"clamp\")";
        warn(msg.str());
    }
    cells.source = grid.path;
    cells.width = grid.width;
    cells.height = grid.height;
    cells.raster_crs = grid.crs;
    cells.geotransform = grid.geotransform;
    cells.groups.assign(cells.group_names.size(), {});
    const auto& pop = grid.bands[0];
    for (int r = 0; r < grid.height; ++r) {
        for (int c = 0; c < grid.width; ++c) {
            const std::size_t i = static_cast<std::size_t>(r) * static_cast<std::size_t>(grid.width) + c;
            cells.raster_total += pop[i];
            if (!(pop[i] > 0.0)) continue;
            cells.col.push_back(c);
            cells.row.push_back(r);
            cells.population.push_back(pop[i]);
            cells.centre_m.push_back(grid.cell_centre(c, r));
            for (std::size_t g = 0; g < cells.groups.size(); ++g) cells.groups[g].push_back(grid.bands[g + 1][i]);
        }
    }
    if (cells.population.empty()) {
        throw input_error(study.population.path + ": the population raster has no cell with population > 0");
    }
    const geo::Transformer raster_to_working(grid.crs, in.working_crs);
    raster_to_working.forward(std::span<Point>(cells.centre_m));
    for (std::size_t i = 0; i < cells.size(); ++i) {
        if (is_finite(cells.centre_m[i])) continue;
        const Point raw = grid.cell_centre(cells.col[i], cells.row[i]);
        std::ostringstream msg;
        msg.precision(10);
        msg << study.population.path << ": cell col " << cells.col[i] << " row " << cells.row[i] << " (centre "
            << raw.x << ", " << raw.y << " in the raster's CRS; pixel size " << short_number(grid.geotransform[1])
            << " x " << short_number(std::abs(grid.geotransform[5]))
            << ") cannot be projected to " << in.working_crs
            << "; check the raster's geotransform and CRS (crs = ...)";
        throw input_error(msg.str());
    }
    cells.unit = unit_index.locate_all(cells.centre_m);
    cells.village = village_index.locate_all(cells.centre_m);

    std::size_t outside = 0;
    double outside_pop = 0.0;
    std::string first;
    for (std::size_t i = 0; i < cells.size(); ++i) {
        if (cells.unit[i] >= 0) continue;
        if (outside++ < 3) {
            std::ostringstream cell;
            // Far outside the working CRS's area lon/lat may not exist: then the metric position.
            const Point lonlat = to_working.inverse(cells.centre_m[i]);
            cell << (first.empty() ? "" : "; ") << "cell col " << cells.col[i] << " row " << cells.row[i] << " ("
                 << (is_finite(lonlat) ? lonlat_text(lonlat)
                                       : short_number(cells.centre_m[i].x) + ", " + short_number(cells.centre_m[i].y) +
                                             " in " + in.working_crs)
                 << ", population " << cells.population[i] << ")";
            first += cell.str();
        }
        outside_pop += cells.population[i];
    }
    if (outside > 0) {
        std::ostringstream msg;
        msg << study.population.path << ": " << outside << " populated cells (population " << outside_pop
            << ") lie outside every unit of " << study.units.source.path << ": " << first
            << (outside > 3 ? "; ..." : "") << " (raster pixel size " << short_number(grid.geotransform[1]) << " x "
            << short_number(std::abs(grid.geotransform[5])) << ")";
        if (study.outside == OutsidePolicy::error) {
            throw input_error(msg.str() + " (check the CRS, or set [study] outside = \"drop\")");
        }
        warn(msg.str() + " (dropped)");
        std::size_t k = 0;
        for (std::size_t i = 0; i < cells.size(); ++i) {
            if (cells.unit[i] < 0) continue;
            cells.centre_m[k] = cells.centre_m[i];
            cells.population[k] = cells.population[i];
            for (auto& g : cells.groups) g[k] = g[i];
            cells.col[k] = cells.col[i];
            cells.row[k] = cells.row[i];
            cells.unit[k] = cells.unit[i];
            cells.village[k] = cells.village[i];
            ++k;
        }
        cells.centre_m.resize(k);
        cells.population.resize(k);
        for (auto& g : cells.groups) g.resize(k);
        cells.col.resize(k);
        cells.row.resize(k);
        cells.unit.resize(k);
        cells.village.resize(k);
    }
    if (study.villages) {
        std::size_t no_village = 0;
        double no_village_pop = 0.0;
        for (std::size_t i = 0; i < cells.size(); ++i) {
            if (cells.village[i] >= 0) continue;
            ++no_village;
            no_village_pop += cells.population[i];
        }
        if (no_village > 0) {
            std::ostringstream msg;
            msg << study.villages->source.path << ": " << no_village << " populated cells (population "
                << no_village_pop << ") lie outside every village; they count in their 区镇 but in no village";
            warn(msg.str());
        }
    }
    return in;
}

CellGeometry::CellGeometry(const PopulationCells& cells, const std::string& to_crs) : m_width(cells.width) {
    const auto& gt = cells.geotransform;
    m_corners.reserve(static_cast<std::size_t>(cells.width + 1) * static_cast<std::size_t>(cells.height + 1));
    for (int r = 0; r <= cells.height; ++r) {
        for (int c = 0; c <= cells.width; ++c) {
            m_corners.push_back({gt[0] + c * gt[1] + r * gt[2], gt[3] + c * gt[4] + r * gt[5]});
        }
    }
    const geo::Transformer t(cells.raster_crs, to_crs);
    t.forward(std::span<Point>(m_corners));
}

Polygon CellGeometry::polygon(int col, int row) const {
    const auto at = [&](int c, int r) {
        return m_corners[static_cast<std::size_t>(r) * static_cast<std::size_t>(m_width + 1) +
                         static_cast<std::size_t>(c)];
    };
    Polygon p;
    p.outer = {at(col, row + 1), at(col + 1, row + 1), at(col + 1, row), at(col, row), at(col, row + 1)};
    if (signed_area(p.outer) < 0) std::reverse(p.outer.begin(), p.outer.end());
    return p;
}

}  // namespace kepu15::study
