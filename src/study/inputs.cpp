#include "kepu15/study/inputs.hpp"

#include "kepu15/coverage/unit_index.hpp"
#include "kepu15/error.hpp"
#include "kepu15/geo/crs.hpp"
#include "kepu15/geo/polygon_ops.hpp"
#include "kepu15/io/raster_reader.hpp"
#include "kepu15/io/vector_reader.hpp"
#include "kepu15/study/loaders.hpp"
#include "kepu15/range.hpp"
#include "kepu15/study/partition.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <future>
#include <limits>
#include <map>
#include <sstream>

namespace kepu15::study {

namespace {

// The layer's read options with its warnings sent to the run's diagnostics.
io::ReadOptions with_diagnostics(io::ReadOptions options, Diagnostics& diag) {
    options.diagnostics = &diag;
    return options;
}

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

std::vector<Unit> load_units(const UnitLayer& spec, Diagnostics& diag) {
    io::VectorLayer layer;
    try {
        layer = io::read_vector(spec.source.path, with_diagnostics(spec.source.read, diag));
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

std::string field_list(const io::VectorLayer& layer) {
    std::string out;
    for (const auto& f : layer.fields) out += (out.empty() ? "" : ", ") + f.name;
    return out;
}

// Scenario edits of this layer's features (FacilityEdit), before any table filter.
void apply_edits(io::VectorLayer& layer, const FacilityLayer& spec, const std::vector<FacilityEdit>& edits) {
    const int id_i = spec.id_field.empty() ? -1 : layer.find_field(spec.id_field);
    for (const auto& e : edits) {
        if (e.path != spec.source.path || e.layer != spec.source.read.layer) continue;
        if (!spec.source.read.attribute_filter.empty()) {
            throw config_error(e.origin + ": kind '" + spec.kind + "' selects from " + layer.where() +
                               " with an OGR SQL filter, which is applied while reading and cannot be re-applied "
                               "after attribute changes; write it as a table, filter = { field = value }");
        }
        const int field = layer.find_field(e.field);
        if (field < 0) {
            throw config_error(e.origin + ": " + layer.where() + " has no field '" + e.field + "' (fields: " +
                               field_list(layer) + ")");
        }
        bool found = false;
        for (auto& f : layer.features) {
            const std::string id = id_i >= 0 ? io::as_text(f.values[static_cast<std::size_t>(id_i)]) : std::to_string(f.fid);
            if (id != e.id) continue;
            f.values[static_cast<std::size_t>(field)] = e.value;
            found = true;
        }
        if (!found) {
            throw config_error(e.origin + ": " + layer.where() + " has no facility with " +
                               (id_i >= 0 ? spec.id_field : std::string("feature id")) + " '" + e.id + "'");
        }
    }
}

// A table filter (FacilityLayer::select): per feature, whether every condition holds.
std::vector<std::uint8_t> selected(const io::VectorLayer& layer, const FacilityLayer& spec) {
    std::vector<std::uint8_t> keep(layer.features.size(), 1);
    for (const auto& cond : spec.select) {
        const int field = layer.find_field(cond.field);
        if (field < 0) {
            throw input_error(layer.where() + " (facility kind '" + spec.kind + "'): the filter names field '" +
                              cond.field + "', which the layer does not have (fields: " + field_list(layer) + ")");
        }
        for (std::size_t i = 0; i < keep.size(); ++i) {
            const auto& v = layer.features[i].values[static_cast<std::size_t>(field)];
            bool match = false;
            if (const auto* number = std::get_if<double>(&cond.value)) {
                const auto x = io::as_number(v);
                match = x && *x == *number;
            } else {
                match = !std::holds_alternative<std::monostate>(v) && io::as_text(v) == std::get<std::string>(cond.value);
            }
            if (!match) keep[i] = 0;
        }
    }
    return keep;
}

FacilitySet load_facility_set(const Study& study, const FacilityLayer& spec, const std::string& working_crs,
                              const coverage::UnitIndex& unit_index, Diagnostics& diag,
                              const std::vector<FacilityEdit>& edits = {}) {
    const geo::Transformer to_working(geo::wgs84, working_crs);
    io::VectorLayer layer;
    try {
        layer = io::read_vector(spec.source.path, with_diagnostics(spec.source.read, diag));
    } catch (...) {
        rethrow_with_context("facilities '" + spec.kind + "'");
    }
    apply_edits(layer, spec, edits);
    if (!spec.select.empty()) {
        const auto keep = selected(layer, spec);
        std::size_t n = 0;
        for (std::size_t i = 0; i < keep.size(); ++i) {
            if (!keep[i]) continue;
            if (n != i) layer.features[n] = std::move(layer.features[i]);
            ++n;
        }
        layer.features.resize(n);
        if (n == 0) {
            std::string conds;
            for (const auto& c : spec.select) {
                conds += (conds.empty() ? "" : ", ") + c.field + " = " +
                         (std::holds_alternative<double>(c.value) ? io::as_text(std::get<double>(c.value))
                                                                  : "\"" + std::get<std::string>(c.value) + "\"");
            }
            throw input_error(layer.where() + " (facility kind '" + spec.kind + "'): no features match the filter { " +
                              conds + " }");
        }
    }
    FacilitySet fs;
    fs.kind = spec.kind;
    fs.label = spec.label;
    fs.source = layer.where();
    const int id_i = spec.id_field.empty() ? -1 : static_cast<int>(layer.field_index(spec.id_field));
    const int name_i = spec.name_field.empty() ? -1 : static_cast<int>(layer.field_index(spec.name_field));
    const int cap_i = spec.capacity_field.empty() ? -1 : static_cast<int>(layer.field_index(spec.capacity_field));
    std::vector<std::string> outside;
    const std::string unit_word = layer.csv ? "row " : "feature ";
    std::map<std::string, std::int64_t> first_with_id;  // id -> first row/feature
    std::vector<std::string> duplicate_ids;
    std::vector<std::int64_t> empty_ids;
    for (const auto& f : layer.features) {
        const std::string where_f = layer.where(f) + " (facility kind '" + spec.kind + "')";
        const FacilityLocation loc = facility_location(layer, f, to_working, " (facility kind '" + spec.kind + "')");
        double capacity = std::numeric_limits<double>::quiet_NaN();
        if (cap_i >= 0) {
            const auto& v = f.values[static_cast<std::size_t>(cap_i)];
            auto num = io::as_number(v);
            if (!num && !std::holds_alternative<std::monostate>(v)) {
                throw input_error(where_f + ": field '" + spec.capacity_field + "' is not a number ('" +
                                  io::as_text(v) + "')");
            }
            if (num && *num < 0) {
                throw input_error(where_f + ": field '" + spec.capacity_field + "' is negative (" +
                                  io::as_text(v) + "); a capacity counts seats, visitors or rooms");
            }
            if (num) capacity = *num;
        }
        const auto unit = unit_index.locate(loc.position_m);
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
            outside.push_back(unit_word + std::to_string(f.fid) + " (id " + id + ", " + lonlat_text(loc.lonlat) + ")");
            if (study.outside == OutsidePolicy::drop) continue;
        }
        fs.position_lonlat.push_back(loc.lonlat);
        fs.position_m.push_back(loc.position_m);
        fs.id.push_back(std::move(id));
        fs.name.push_back(name_i >= 0 ? text_field(f, name_i) : std::string());
        fs.capacity.push_back(capacity);
        fs.unit.push_back(unit ? static_cast<std::int32_t>(*unit) : -1);
    }
    if (!empty_ids.empty()) {
        std::string list;
        for (std::size_t i = 0; i < empty_ids.size() && i < 5; ++i) list += (i ? ", " : "") + std::to_string(empty_ids[i]);
        if (empty_ids.size() > 5) list += ", ...";
        diag.warn(layer.where() + " (facility kind '" + spec.kind + "'): " + std::to_string(empty_ids.size()) +
                  " facilities have an empty or null '" + spec.id_field + "' (" + unit_word + list +
                  "); outputs cannot tell them apart");
    }
    if (!duplicate_ids.empty()) {
        std::string list;
        for (std::size_t i = 0; i < duplicate_ids.size(); ++i) list += (i ? ", " : "") + duplicate_ids[i];
        diag.warn(layer.where() + " (facility kind '" + spec.kind + "'): field '" + spec.id_field +
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
    // The population raster is read on a thread of its own while the vector layers load (it needs
    // none of them); its messages follow theirs, as when it was read after them.
    Diagnostics raster_diag;
    auto raster = std::async(std::launch::async, [&]() -> PopulationCells {
        try {
            return read_population_cells(study.population.path, study.population.band, study.population.groups,
                                         study.population.crs, study.population.negative, raster_diag);
        } catch (...) {
            rethrow_with_context("population raster");
        }
    });
    in.units = load_units(study.units, diag);

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
            layer = io::read_vector(spec.source.path, with_diagnostics(spec.source.read, diag));
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
        in.facilities.push_back(load_facility_set(study, spec, in.working_crs, unit_index, diag));
    }

    // Population raster.
    PopulationCells& cells = in.cells;
    cells = raster.get();
    diag.append(raster_diag);
    const geo::Transformer raster_to_working(cells.raster_crs, in.working_crs);
    raster_to_working.forward(std::span<Point>(cells.centre_m));
    for (std::size_t i = 0; i < cells.size(); ++i) {
        if (is_finite(cells.centre_m[i])) continue;
        const auto& gt = cells.geotransform;
        const double c = cells.col[i] + 0.5;
        const double r = cells.row[i] + 0.5;
        const Point raw{gt[0] + c * gt[1] + r * gt[2], gt[3] + c * gt[4] + r * gt[5]};
        std::ostringstream msg;
        msg.precision(10);
        msg << study.population.path << ": cell col " << cells.col[i] << " row " << cells.row[i] << " (centre "
            << raw.x << ", " << raw.y << " in the raster's CRS; pixel size " << short_number(cells.geotransform[1])
            << " x " << short_number(std::abs(cells.geotransform[5]))
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
            << (outside > 3 ? "; ..." : "") << " (raster pixel size " << short_number(cells.geotransform[1]) << " x "
            << short_number(std::abs(cells.geotransform[5])) << ")";
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

std::vector<FacilitySet> load_facility_sets(const Study& study, const Inputs& base, Diagnostics& diag,
                                            const std::vector<FacilityEdit>& edits) {
    const coverage::UnitIndex unit_index = unit_index_of(base.units);
    std::vector<FacilitySet> sets;
    for (const auto& spec : study.facilities) {
        sets.push_back(load_facility_set(study, spec, base.working_crs, unit_index, diag, edits));
    }
    return sets;
}

CellGeometry::CellGeometry(const PopulationCells& cells, const std::string& to_crs) : m_width(cells.width) {
    // Corners of the populated cells only (memory by populated cells, not by the raster's extent),
    // each transformed once so that neighbouring cells share exact corner coordinates.
    std::vector<std::uint64_t> ids;
    ids.reserve(cells.size() * 4);
    const auto w1 = static_cast<std::uint64_t>(cells.width) + 1;
    for (std::size_t i = 0; i < cells.size(); ++i) {
        const auto c = static_cast<std::uint64_t>(cells.col[i]);
        const auto r = static_cast<std::uint64_t>(cells.row[i]);
        for (std::uint64_t dr = 0; dr <= 1; ++dr) {
            for (std::uint64_t dc = 0; dc <= 1; ++dc) ids.push_back((r + dr) * w1 + c + dc);
        }
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    const auto& gt = cells.geotransform;
    std::vector<Point> corners;
    corners.reserve(ids.size());
    for (std::uint64_t id : ids) {
        const auto c = static_cast<double>(id % w1);
        const auto r = static_cast<double>(id / w1);
        corners.push_back({gt[0] + c * gt[1] + r * gt[2], gt[3] + c * gt[4] + r * gt[5]});
    }
    const geo::Transformer t(cells.raster_crs, to_crs);
    t.forward(std::span<Point>(corners));
    m_corners.reserve(ids.size());
    for (std::size_t k = 0; k < ids.size(); ++k) m_corners.emplace(ids[k], corners[k]);
}

Polygon CellGeometry::polygon(int col, int row) const {
    const auto w1 = static_cast<std::uint64_t>(m_width) + 1;
    const auto at = [&](int c, int r) {
        const auto it = m_corners.find(static_cast<std::uint64_t>(r) * w1 + static_cast<std::uint64_t>(c));
        assert(it != m_corners.end());  // REQUIRES: (col, row) is a populated cell
        return it->second;
    };
    Polygon p;
    p.outer = {at(col, row + 1), at(col + 1, row + 1), at(col + 1, row), at(col, row), at(col, row + 1)};
    if (signed_area(p.outer) < 0) std::reverse(p.outer.begin(), p.outer.end());
    return p;
}

}  // namespace kepu15::study
