// All of kepu15's Mapnik code: styles as Mapnik XML, layers bound to datasources parsed once,
// rendering through Mapnik's cairo renderer into the page's cairo context.
#include "kepu15/render/detail/map_layers.hpp"

#include <cairo.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <mapnik/cairo/cairo_context.hpp>
#include <mapnik/cairo/cairo_renderer.hpp>
#include <mapnik/datasource.hpp>
#include <mapnik/datasource_cache.hpp>
#include <mapnik/feature.hpp>
#include <mapnik/font_engine_freetype.hpp>
#include <mapnik/layer.hpp>
#include <mapnik/load_map.hpp>
#include <mapnik/map.hpp>
#include <mapnik/proj_transform.hpp>
#include <mapnik/projection.hpp>
#include <mapnik/query.hpp>
#include <mutex>
#include <sstream>

#include "kepu15/error.hpp"

namespace kepu15::render::detail {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Debian's locations (libmapnik-dev, fonts-noto-cjk).
constexpr const char* plugin_dir = "/usr/lib/mapnik/3.1/input";
constexpr const char* font_dir = "/usr/share/fonts/opentype/noto";
constexpr const char* font_regular = "Noto Sans CJK SC Regular";
constexpr const char* font_bold = "Noto Sans CJK SC Bold";

void register_once() {
    static std::once_flag flag;
    std::call_once(flag, [] {
        mapnik::datasource_cache::instance().register_datasources(plugin_dir);
        mapnik::freetype_engine::register_fonts(font_dir, true);
    });
}

// XML text escaping for attribute values and filters.
std::string esc(const std::string& s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '&':
                out += "&amp;";
                break;
            case '"':
                out += "&quot;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

// A Mapnik string literal inside a filter: 'text' with quotes escaped.
std::string lit(const std::string& s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\'')
            out += "\\'";
        else
            out += c;
    }
    return out + "'";
}

std::string fmt_number(double v) {
    std::ostringstream o;
    o.precision(10);
    o << v;
    return o.str();
}

// "12,345" for a population.
std::string thousands(double v) {
    std::string digits = std::to_string(static_cast<long long>(std::llround(v)));
    std::string out;
    int n = 0;
    for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
        if (n > 0 && n % 3 == 0 && *it != '-') out.insert(out.begin(), ',');
        out.insert(out.begin(), *it);
        ++n;
    }
    return out;
}

json read_json(const fs::path& p) {
    std::ifstream in(p);
    if (!in) throw input_error(p.string() + ": cannot open");
    try {
        return json::parse(in);
    } catch (const std::exception& e) {
        throw input_error(p.string() + ": not valid JSON: " + e.what());
    }
}

void extend(BoxLonLat& b, bool& any, const json& coords) {
    if (coords.is_array() && coords.size() >= 2 && coords[0].is_number()) {
        const double x = coords[0].get<double>();
        const double y = coords[1].get<double>();
        if (!any) {
            b = {x, y, x, y};
            any = true;
        }
        b.min_lon = std::min(b.min_lon, x);
        b.max_lon = std::max(b.max_lon, x);
        b.min_lat = std::min(b.min_lat, y);
        b.max_lat = std::max(b.max_lat, y);
        return;
    }
    if (coords.is_array()) {
        for (const auto& c : coords) extend(b, any, c);
    }
}

// The map CRS: the study's working CRS when it is an EPSG code (metric), else Web Mercator.
std::string map_srs(const json& manifest) {
    const std::string crs = manifest.value("study", json::object()).value("working_crs", std::string());
    if (crs.rfind("EPSG:", 0) == 0 || crs.rfind("epsg:", 0) == 0) return "epsg:" + crs.substr(5);
    return "epsg:3857";
}

}  // namespace

void project_lonlat(const std::string& srs, double lon, double lat, double& x, double& y) {
    const mapnik::projection src("epsg:4326");
    const mapnik::projection dst(srs);
    const mapnik::proj_transform tr(src, dst);
    double z = 0;
    x = lon;
    y = lat;
    tr.forward(x, y, z);
}

struct MapLayers::Impl {
    fs::path folder;
    json manifest;
    std::string srs;
    fs::path hatch_svg;
    std::map<std::string, std::shared_ptr<mapnik::datasource>> sources;  // by layer name
    json villages;  // parsed villages.geojson (labels are computed from it)
    json gaps;
    json towns;

    std::shared_ptr<mapnik::datasource> geojson_file(const fs::path& p) const {
        mapnik::parameters params;
        params["type"] = "geojson";
        params["file"] = p.string();
        try {
            return mapnik::datasource_cache::instance().create(params);
        } catch (const std::exception& e) {
            throw input_error(p.string() + ": cannot be read as GeoJSON: " + e.what());
        }
    }
    static std::shared_ptr<mapnik::datasource> geojson_inline(const json& collection) {
        mapnik::parameters params;
        params["type"] = "geojson";
        params["inline"] = collection.dump();
        return mapnik::datasource_cache::instance().create(params);
    }

    [[nodiscard]] std::string file_of(const std::string& layer) const {
        const auto& layers = manifest.value("layers", json::object());
        if (!layers.contains(layer)) return {};
        const fs::path p = folder / layers[layer].value("file", std::string());
        return fs::exists(p) ? p.string() : std::string();
    }
};

MapLayers::MapLayers(const std::string& folder, const json& manifest) : m_impl(std::make_unique<Impl>()) {
    register_once();
    auto& d = *m_impl;
    d.folder = folder;
    d.manifest = manifest;
    d.srs = map_srs(manifest);
    // Background and large layers straight from their files; villages and gaps through JSON, since
    // their labels (formatted populations) are computed here.
    for (const char* name : {"cells", "water", "roads", "towns", "facilities", "sites", "newly_covered"}) {
        std::string file = d.file_of(name);
        if (file.empty() && (std::string(name) == "sites" || std::string(name) == "newly_covered")) {
            const fs::path p = d.folder / (std::string(name) + ".geojson");
            if (fs::exists(p)) file = p.string();
        }
        if (!file.empty()) d.sources[name] = d.geojson_file(file);
    }
    if (!d.sources.count("cells"))
        throw input_error(folder + ": no cells layer (cells.geojson) in manifest.json; run with --cells-vector or --render");
    if (const auto f = d.file_of("towns"); !f.empty()) d.towns = read_json(f);
    if (const auto f = d.file_of("villages"); !f.empty()) {
        d.villages = read_json(f);
        for (auto& feat : d.villages["features"]) {
            auto& p = feat["properties"];
            const std::string name = p.value("name", std::string());
            p["label_name"] = name;
            const double uncovered = p.value("uncovered_pop", 0.0);
            // Villages with many people uncovered get the figure under their name.
            p["label_gap"] = uncovered >= 500 ? name + "\n未覆盖 " + thousands(uncovered) + " 人" : name;
        }
        d.sources["villages"] = Impl::geojson_inline(d.villages);
    }
    if (const auto f = d.file_of("gaps"); !f.empty()) {
        d.gaps = read_json(f);
        for (auto& feat : d.gaps["features"]) {
            auto& p = feat["properties"];
            p["label"] = "缺口 " + thousands(p.value("population", 0.0)) + " 人";
        }
        if (!d.gaps["features"].empty()) d.sources["gaps"] = Impl::geojson_inline(d.gaps);
    }
    // The hatch pattern of uncovered cells: black diagonals on transparent, as an SVG file.
    d.hatch_svg = fs::temp_directory_path() / ("kepu15-hatch-" + std::to_string(::getpid()) + ".svg");
    std::ofstream(d.hatch_svg) << R"(<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8">)"
                               << R"(<path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4" stroke="#000000" )"
                               << R"(stroke-opacity="0.75" stroke-width="1.1"/></svg>)";
}

MapLayers::~MapLayers() {
    std::error_code ec;
    fs::remove(m_impl->hatch_svg, ec);
}

bool MapLayers::has_layer(const std::string& name) const { return m_impl->sources.count(name) != 0; }

std::optional<BoxLonLat> MapLayers::town_box(const std::string& code) const {
    const auto& d = *m_impl;
    BoxLonLat b;
    bool any = false;
    for (const json* collection : {&d.towns, &d.villages}) {
        if (!collection->is_object()) continue;
        for (const auto& f : (*collection)["features"]) {
            const auto& p = f["properties"];
            const bool match = collection == &d.towns ? p.value("code", std::string()) == code
                                                      : p.value("town_code", std::string()) == code;
            if (match) extend(b, any, f["geometry"]["coordinates"]);
        }
        if (any) return b;
    }
    return std::nullopt;
}

std::vector<std::vector<double>> MapLayers::cell_columns(const std::vector<std::string>& fields) const {
    const auto& ds = m_impl->sources.at("cells");
    mapnik::query q(ds->envelope());
    for (const auto& f : fields) q.add_property_name(f);
    std::vector<std::vector<double>> columns(fields.size());
    const auto features = ds->features(q);
    if (!features) return columns;
    while (const auto feature = features->next()) {
        for (std::size_t i = 0; i < fields.size(); ++i) {
            double v = NAN;
            if (feature->has_key(fields[i])) {
                const auto& value = feature->get(fields[i]);
                if (!value.is_null()) v = value.to_double();
            }
            columns[i].push_back(v);
        }
    }
    return columns;
}

namespace {

// Styles of one sheet as Mapnik XML (styles only; layers are bound in code).
std::string styles_xml(const json& manifest, const MapContent& c, const std::string& hatch_svg) {
    std::ostringstream x;
    x << R"(<?xml version="1.0" encoding="utf-8"?><Map>)";
    // Cells.
    x << R"(<Style name="cells">)";
    const auto cell_rule = [&](const std::string& filter, const std::string& colour, bool hatch = false) {
        x << "<Rule>";
        if (filter == "else")
            x << "<ElseFilter/>";
        else if (!filter.empty())
            x << "<Filter>" << esc(filter) << "</Filter>";
        // The hairline in the fill colour hides anti-aliasing seams between neighbouring cells.
        x << R"(<PolygonSymbolizer fill=")" << colour << R"("/><LineSymbolizer stroke=")" << colour
          << R"(" stroke-width="0.6"/>)";
        if (hatch) x << R"(<PolygonPatternSymbolizer file=")" << esc(hatch_svg) << R"("/>)";
        x << "</Rule>";
    };
    if (c.theme == Theme::travel_time) {
        const std::string v = "[" + c.measure["cells"]["value"].get<std::string>() + "]";
        const auto breaks = c.measure["breaks"].get<std::vector<double>>();
        const auto colours = c.measure["colours"].get<std::vector<std::string>>();
        const std::string none = c.measure.value("no_value_colour", std::string("#2b0a3d"));
        cell_rule(v + " = null", none);
        double lower = -1;
        for (std::size_t i = 0; i < breaks.size(); ++i) {
            cell_rule(v + " > " + fmt_number(lower) + " and " + v + " <= " + fmt_number(breaks[i]),
                      colours[i]);
            lower = breaks[i];
        }
        cell_rule(v + " > " + fmt_number(lower),
                  colours.size() > breaks.size() ? colours[breaks.size()] : none);
    } else {
        std::string any;
        for (const auto& m : manifest["measures"]) {
            if (m["method"] != c.method) continue;
            if (!any.empty()) any += " or ";
            // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) about "literal" + std::string here.
            any += '[';
            any += m["cells"]["covered"].get<std::string>();
            any += "] = 1";
        }
        cell_rule(any, "#8fd1c4");
        cell_rule("else", "#ee7733", c.hatch);
    }
    x << "</Style>";

    x << R"(<Style name="land"><Rule><PolygonSymbolizer fill="#f2efe9"/></Rule></Style>)";
    x << R"(<Style name="water"><Rule><PolygonSymbolizer fill="#a6c8e0"/>)"
         R"(<LineSymbolizer stroke="#6b9cc3" stroke-width="0.4"/></Rule></Style>)";
    x << R"(<Style name="roads">)"
         R"(<Rule><Filter>[class] = 'major'</Filter><LineSymbolizer stroke="#3a3a3a" stroke-opacity="0.75" )"
         R"(stroke-width="1.1" stroke-linecap="round"/></Rule>)"
         R"(<Rule><Filter>[class] = 'path'</Filter><LineSymbolizer stroke="#555555" stroke-opacity="0.5" )"
         R"(stroke-width="0.4" stroke-dasharray="2,1.5"/></Rule>)"
         R"(<Rule><ElseFilter/><LineSymbolizer stroke="#444444" stroke-opacity="0.6" stroke-width="0.7"/></Rule>)"
         R"(</Style>)";
    // Gap patches (one feature per contiguous patch of uncovered cells): those of the measure
    // (travel_time), or those covered by no kind by the method (coverage_any, kind "any"), as a
    // dashed outline with their population ("缺口 N 人") when at least 200 people live there.
    {
        const std::string any_kind =
            manifest.value("layers", json::object()).value("gaps", json::object()).value("any_kind", std::string("any"));
        const std::string filter =
            c.theme == Theme::travel_time
                ? "[kind] = " + lit(c.measure["kind"].get<std::string>()) +
                      " and [method] = " + lit(c.measure["method"].get<std::string>())
                : "[kind] = " + lit(any_kind) + " and [method] = " + lit(c.method);
        x << R"(<Style name="gaps"><Rule><Filter>)" << esc(filter) << "</Filter>"
          << R"(<LineSymbolizer stroke="#ffffff" stroke-width="2.2" stroke-opacity="0.9"/>)"
          << R"(<LineSymbolizer stroke="#d81b60" stroke-width="1.2" stroke-dasharray="4,2"/>)"
          << "</Rule></Style>";
        x << R"(<Style name="gap_labels"><Rule><Filter>)" << esc(filter + " and [population] >= 200")
          << "</Filter>"
          << R"(<TextSymbolizer face-name=")" << font_bold
          << R"(" size="8" fill="#7a0033" halo-fill="#ffffff" )"
          << R"(halo-radius="1.5" placement="interior" minimum-padding="4">[label]</TextSymbolizer></Rule></Style>)";
    }
    x << R"(<Style name="villages"><Rule><LineSymbolizer stroke="#444444" stroke-opacity="0.55" stroke-width="0.35"/></Rule>)";
    if (!c.focus_town_code.empty()) {
        // Other 区镇 are veiled so that the one of the sheet stands out.
        x << "<Rule><Filter>" << esc("[town_code] != " + lit(c.focus_town_code)) << "</Filter>"
          << R"(<PolygonSymbolizer fill="#ffffff" fill-opacity="0.55"/></Rule>)";
        x << "<Rule><Filter>" << esc("[town_code] = " + lit(c.focus_town_code)) << "</Filter>"
          << R"(<LineSymbolizer stroke="#111111" stroke-width="0.8"/></Rule>)";
    }
    x << "</Style>";
    const char* label_field = c.theme == Theme::coverage_any ? "label_gap" : "label_name";
    x << R"(<Style name="village_labels"><Rule>)";
    if (!c.focus_town_code.empty())
        x << "<Filter>" << esc("[town_code] = " + lit(c.focus_town_code)) << "</Filter>";
    x << R"(<TextSymbolizer face-name=")" << font_regular
      << R"(" size="6.5" fill="#222222" halo-fill="#ffffff" )"
      << R"(halo-radius="1.2" placement="interior" minimum-padding="3" wrap-width="60">[)" << label_field
      << "]</TextSymbolizer></Rule></Style>";
    x << R"(<Style name="towns"><Rule><LineSymbolizer stroke="#ffffff" stroke-width="2.6" stroke-opacity="0.8"/>)"
         R"(<LineSymbolizer stroke="#1a1a1a" stroke-width="1.3"/></Rule></Style>)";
    x << R"(<Style name="town_labels"><Rule><TextSymbolizer face-name=")" << font_bold
      << R"(" size="11" fill="#111111" halo-fill="#ffffff" halo-radius="2" placement="interior" )"
      << R"(minimum-padding="6">[name]</TextSymbolizer></Rule></Style>)";
    x << R"(<Style name="newly_covered"><Rule><PolygonSymbolizer fill="#ee3377" fill-opacity="0.55"/>)"
         R"(<LineSymbolizer stroke="#ee3377" stroke-width="0.8"/></Rule></Style>)";
    x << R"(<Style name="facilities">)";
    const json kind_colours = manifest.value("kind_colours", json::object());
    for (const auto& [kind, colour] : kind_colours.items()) {
        if (c.theme == Theme::travel_time && kind != c.measure["kind"]) continue;
        x << "<Rule><Filter>" << esc("[kind] = " + lit(kind)) << "</Filter>"
          << R"(<MarkersSymbolizer marker-type="ellipse" width="7" height="7" fill=")"
          << colour.get<std::string>()
          << R"(" stroke="#ffffff" stroke-width="1.2" allow-overlap="true" ignore-placement="true"/></Rule>)";
    }
    x << "</Style>";
    x << R"(<Style name="sites"><Rule><MarkersSymbolizer marker-type="ellipse" width="11" height="11" fill="#ffffff" )"
         R"(stroke="#000000" stroke-width="2.5" allow-overlap="true" ignore-placement="true"/>)"
         R"(<MarkersSymbolizer marker-type="ellipse" width="3.5" height="3.5" fill="#000000" stroke-width="0" )"
         R"(allow-overlap="true" ignore-placement="true"/></Rule></Style>)";
    x << "</Map>";
    return x.str();
}

}  // namespace

DrawnExtent MapLayers::draw(cairo_t* cr, int width_px, int height_px, double scale_factor,
                            const MapContent& content) const {
    const auto& d = *m_impl;
    mapnik::Map map(static_cast<unsigned>(width_px), static_cast<unsigned>(height_px), d.srs);
    mapnik::load_map_string(map, styles_xml(d.manifest, content, d.hatch_svg.string()));
    const auto add = [&](const std::string& source, const std::string& style) {
        const auto it = d.sources.find(source);
        if (it == d.sources.end()) return;
        mapnik::layer layer(source + ":" + style, "epsg:4326");
        layer.set_datasource(it->second);
        layer.add_style(style);
        map.add_layer(layer);
    };
    add("towns", "land");
    add("cells", "cells");
    add("water", "water");
    add("newly_covered", "newly_covered");
    add("roads", "roads");
    add("villages", "villages");
    add("gaps", "gaps");
    add("towns", "towns");
    add("facilities", "facilities");
    add("sites", "sites");
    add("gaps", "gap_labels");
    add("towns", "town_labels");
    add("villages", "village_labels");

    mapnik::box2d<double> box;
    if (content.focus) {
        const auto& f = *content.focus;
        box = mapnik::box2d<double>(f.min_lon, f.min_lat, f.max_lon, f.max_lat);
    } else {
        box = d.sources.at("cells")->envelope();
    }
    const mapnik::projection wgs84("epsg:4326");
    const mapnik::projection dest(d.srs);
    const mapnik::proj_transform tr(wgs84, dest);
    tr.forward(box);
    box.pad(std::max(box.width(), box.height()) * 0.03);
    map.zoom_to_box(box);

    cairo_save(cr);
    cairo_rectangle(cr, 0, 0, width_px, height_px);
    cairo_clip(cr);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    {
        cairo_reference(cr);
        const mapnik::cairo_ptr context(cr, mapnik::cairo_closer());
        mapnik::cairo_renderer<mapnik::cairo_ptr> renderer(map, context, scale_factor);
        renderer.apply();
    }
    cairo_restore(cr);

    const auto e = map.get_current_extent();
    DrawnExtent out{e.minx(), e.miny(), e.maxx(), e.maxy(), 1.0, d.srs};
    if (d.srs == "epsg:3857") {
        // Web Mercator stretches by 1 / cos(latitude).
        double cx = (e.minx() + e.maxx()) / 2;
        double cy = (e.miny() + e.maxy()) / 2;
        double z = 0;
        tr.backward(cx, cy, z);
        out.metres_per_unit = std::cos(cy * M_PI / 180.0);
    }
    return out;
}

}  // namespace kepu15::render::detail
