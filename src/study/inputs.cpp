#include "kepu15/study/inputs.hpp"

#include "kepu15/coverage/unit_index.hpp"
#include "kepu15/error.hpp"
#include "kepu15/geo/crs.hpp"
#include "kepu15/geo/polygon_ops.hpp"
#include "kepu15/io/raster_reader.hpp"
#include "kepu15/io/vector_reader.hpp"
#include "kepu15/study/loaders.hpp"
#include "kepu15/study/partition.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <sstream>

namespace kepu15::study {

namespace {

const MultiPolygon& polygons_of(const io::VectorLayer& layer, const io::Feature& f) {
    if (f.geometry.kind != io::GeometryKind::polygon || f.geometry.polygons.empty()) {
        throw input_error(layer.where() + ", feature " + std::to_string(f.fid) +
                          ": expected a polygon geometry");
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
            throw input_error(layer.where() + ", feature " + std::to_string(f.fid) + ": field '" +
                              spec.code_field + "' is empty");
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

FacilitySet load_facility_set(const Study& study, const FacilityLayer& spec, const std::string& working_crs,
                              const coverage::UnitIndex& unit_index, Diagnostics& diag) {
    const geo::Transformer to_working(geo::wgs84, working_crs);
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
    const int cap_i = spec.capacity_field.empty() ? -1 : static_cast<int>(layer.field_index(spec.capacity_field));
    std::vector<std::string> outside;
    for (const auto& f : layer.features) {
        const FacilityLocation loc = facility_location(layer, f, to_working);
        double capacity = std::numeric_limits<double>::quiet_NaN();
        if (cap_i >= 0) {
            const auto& v = f.values[static_cast<std::size_t>(cap_i)];
            auto num = io::as_number(v);
            if (!num && !std::holds_alternative<std::monostate>(v)) {
                throw input_error(layer.where() + ", feature " + std::to_string(f.fid) + ": field '" +
                                  spec.capacity_field + "' is not a number ('" + io::as_text(v) + "')");
            }
            if (num) capacity = *num;
        }
        const auto unit = unit_index.locate(loc.position_m);
        std::string id = id_i >= 0 ? text_field(f, id_i) : std::to_string(f.fid);
        if (!unit) {
            outside.push_back("feature " + std::to_string(f.fid) + " (id " + id + ", " + lonlat_text(loc.lonlat) + ")");
            if (study.outside == OutsidePolicy::drop) continue;
        }
        fs.position_lonlat.push_back(loc.lonlat);
        fs.position_m.push_back(loc.position_m);
        fs.id.push_back(std::move(id));
        fs.name.push_back(name_i >= 0 ? text_field(f, name_i) : std::string());
        fs.capacity.push_back(capacity);
        fs.unit.push_back(unit ? static_cast<std::int32_t>(*unit) : -1);
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
        diag.warn(msg + " (dropped)");
    }
    return fs;
}

coverage::UnitIndex unit_index_of(const std::vector<Unit>& units) {
    std::vector<MultiPolygon> shapes;
    for (const auto& u : units) shapes.push_back(u.shape_m);
    return coverage::UnitIndex(shapes);
}

}  // namespace

Inputs load_inputs(const Study& study, Diagnostics& diag) {
    Inputs in;
    in.units = load_units(study.units);

    Box box;
    for (const auto& u : in.units) {
        for (const auto& poly : u.shape_lonlat) {
            for (const auto& p : poly.outer) box.expand(p);
        }
    }
    in.working_crs = study.working_crs.empty() ? geo::utm_crs_for(box.centre()) : study.working_crs;
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
                    throw input_error(layer.where() + ", feature " + std::to_string(f.fid) + ": field '" +
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
        in.facilities.push_back(load_facility_set(study, spec, in.working_crs, unit_index, diag));
    }

    // Population raster.
    PopulationCells& cells = in.cells;
    try {
        cells = read_population_cells(study.population.path, study.population.band, study.population.groups,
                                      study.population.crs);
    } catch (...) {
        rethrow_with_context("population raster");
    }
    const geo::Transformer raster_to_working(cells.raster_crs, in.working_crs);
    raster_to_working.forward(std::span<Point>(cells.centre_m));
    cells.unit = unit_index.locate_all(cells.centre_m);
    cells.village = village_index.locate_all(cells.centre_m);

    std::size_t outside = 0;
    double outside_pop = 0.0;
    std::string first;
    for (std::size_t i = 0; i < cells.size(); ++i) {
        if (cells.unit[i] >= 0) continue;
        if (outside++ < 3) {
            std::ostringstream cell;
            cell << (first.empty() ? "" : "; ") << "cell col " << cells.col[i] << " row " << cells.row[i] << " ("
                 << lonlat_text(to_working.inverse(cells.centre_m[i])) << ", population " << cells.population[i]
                 << ")";
            first += cell.str();
        }
        outside_pop += cells.population[i];
    }
    if (outside > 0) {
        std::ostringstream msg;
        msg << study.population.path << ": " << outside << " populated cells (population " << outside_pop
            << ") lie outside every unit of " << study.units.source.path << ": " << first
            << (outside > 3 ? "; ..." : "");
        if (study.outside == OutsidePolicy::error) {
            throw input_error(msg.str() + " (check the CRS, or set [study] outside = \"drop\")");
        }
        diag.warn(msg.str() + " (dropped)");
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
    if (!study.partition_units.empty()) apply_partition(in, study.partition_units, study.partition_halo_m);
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
            diag.warn(msg.str());
        }
    }
    return in;
}

std::vector<FacilitySet> load_facility_sets(const Study& study, const Inputs& base, Diagnostics& diag) {
    const coverage::UnitIndex unit_index = unit_index_of(base.units);
    std::vector<FacilitySet> sets;
    for (const auto& spec : study.facilities) {
        sets.push_back(load_facility_set(study, spec, base.working_crs, unit_index, diag));
    }
    return sets;
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
