// Sheet layout, decorations and charts with cairo + pango; the map itself comes from MapLayers
// (Mapnik). Everything is drawn in "page pixels" (the PNG's pixels at the page's dpi); SVG and PDF
// surfaces are scaled to points so that the same code draws all three formats.
#include "kepu15/render/sheet.hpp"

#include "kepu15/module_loader.hpp"
#include "kepu15/render/detail/sheet_backend.hpp"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <cairo.h>
#include <pango/pangocairo.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "kepu15/error.hpp"
#include "kepu15/render/detail/map_layers.hpp"

namespace kepu15::render {

namespace {

namespace fs = std::filesystem;
using detail::MapContent;
using detail::Theme;
using nlohmann::json;

constexpr const char* font_family = "Noto Sans CJK SC";
constexpr double mapnik_pixel_mm = 0.28;  // Mapnik's standard rendering pixel

struct Rgb {
    double r = 0, g = 0, b = 0;
};

Rgb parse_colour(const std::string& hex) {
    if (hex.size() != 7 || hex[0] != '#') return {0.5, 0.5, 0.5};
    const auto h = [&](std::size_t i) { return std::stoi(hex.substr(i, 2), nullptr, 16) / 255.0; };
    return {h(1), h(3), h(5)};
}

void set_colour(cairo_t* cr, const std::string& hex, double alpha = 1.0) {
    const Rgb c = parse_colour(hex);
    cairo_set_source_rgba(cr, c.r, c.g, c.b, alpha);
}

std::string thousands(double v) {
    std::string digits = std::to_string(static_cast<long long>(std::llround(v)));
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0 && digits[i - 1] != '-') out += ',';
        out += digits[i];
    }
    return out;
}

std::string trim_number(double v) {
    std::ostringstream o;
    o.precision(4);
    o << v;
    return o.str();
}

json read_json(const fs::path& p) {
    std::ifstream in(p);
    if (!in) throw input_error(p.string() + ": cannot open (run `kepu15 run` first)");
    try {
        return json::parse(in);
    } catch (const std::exception& e) {
        throw input_error(p.string() + ": not valid JSON: " + e.what());
    }
}

// ---- page -----------------------------------------------------------------------------------

class Page {
public:
    Page(const PageSpec& spec, const std::string& path) : m_spec(spec), m_path(path) {
        const double w_pt = spec.width_mm() / 25.4 * 72;
        const double h_pt = spec.height_mm() / 25.4 * 72;
        switch (spec.format) {
            case Format::png:
                m_surface =
                    cairo_image_surface_create(CAIRO_FORMAT_ARGB32, spec.width_px(), spec.height_px());
                break;
            case Format::pdf:
                m_surface = cairo_pdf_surface_create(path.c_str(), w_pt, h_pt);
                break;
            case Format::svg:
                m_surface = cairo_svg_surface_create(path.c_str(), w_pt, h_pt);
                cairo_svg_surface_restrict_to_version(m_surface, CAIRO_SVG_VERSION_1_2);
                break;
        }
        if (cairo_surface_status(m_surface) != CAIRO_STATUS_SUCCESS) {
            throw output_error(path + ": cannot create the page: " +
                               cairo_status_to_string(cairo_surface_status(m_surface)));
        }
        m_cr = cairo_create(m_surface);
        if (spec.format != Format::png) cairo_scale(m_cr, 72.0 / spec.dpi, 72.0 / spec.dpi);
        cairo_set_source_rgb(m_cr, 1, 1, 1);
        cairo_paint(m_cr);
    }
    ~Page() {
        if (m_cr) cairo_destroy(m_cr);
        if (m_surface) cairo_surface_destroy(m_surface);
    }
    Page(const Page&) = delete;
    Page& operator=(const Page&) = delete;

    void finish() {
        cairo_surface_flush(m_surface);
        if (m_spec.format == Format::png) {
            if (cairo_surface_write_to_png(m_surface, m_path.c_str()) != CAIRO_STATUS_SUCCESS) {
                throw output_error(m_path + ": cannot write PNG");
            }
        } else {
            cairo_surface_finish(m_surface);
            if (cairo_surface_status(m_surface) != CAIRO_STATUS_SUCCESS) {
                throw output_error(
                    m_path + ": cannot write: " + cairo_status_to_string(cairo_surface_status(m_surface)));
            }
        }
    }

    [[nodiscard]] cairo_t* cr() const { return m_cr; }
    [[nodiscard]] double mm(double v) const { return v / 25.4 * m_spec.dpi; }
    [[nodiscard]] double pt(double v) const { return v / 72.0 * m_spec.dpi; }
    [[nodiscard]] double width() const { return m_spec.width_px(); }
    [[nodiscard]] double height() const { return m_spec.height_px(); }
    [[nodiscard]] bool portrait() const { return m_spec.orientation == Orientation::portrait; }
    [[nodiscard]] double dpi() const { return m_spec.dpi; }

    // Draws `text` with its top-left (or top-centre/right, by `align`) at (x, y); returns its height.
    // `max_width` > 0 wraps the text.
    double text(const std::string& s, double x, double y, double size_pt, bool bold = false,
                const std::string& colour = "#000000", double max_width = -1,
                PangoAlignment align = PANGO_ALIGN_LEFT, double* width_out = nullptr) const {
        PangoLayout* layout = pango_cairo_create_layout(m_cr);
        cairo_font_options_t* opts = cairo_font_options_create();
        cairo_font_options_set_hint_metrics(opts, CAIRO_HINT_METRICS_OFF);
        cairo_font_options_set_hint_style(opts, CAIRO_HINT_STYLE_NONE);
        pango_cairo_context_set_font_options(pango_layout_get_context(layout), opts);
        cairo_font_options_destroy(opts);
        PangoFontDescription* desc = pango_font_description_new();
        pango_font_description_set_family(desc, font_family);
        pango_font_description_set_weight(desc, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
        pango_font_description_set_absolute_size(desc, pt(size_pt) * PANGO_SCALE);
        pango_layout_set_font_description(layout, desc);
        pango_font_description_free(desc);
        pango_layout_set_text(layout, s.c_str(), -1);
        if (max_width > 0) {
            pango_layout_set_width(layout, static_cast<int>(max_width * PANGO_SCALE));
            pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
            pango_layout_set_alignment(layout, align);
        }
        int w = 0;
        int h = 0;
        pango_layout_get_size(layout, &w, &h);
        const double wd = static_cast<double>(w) / PANGO_SCALE;
        double left = x;
        if (max_width <= 0 && align == PANGO_ALIGN_CENTER) left -= wd / 2;
        if (max_width <= 0 && align == PANGO_ALIGN_RIGHT) left -= wd;
        set_colour(m_cr, colour);
        cairo_move_to(m_cr, left, y);
        pango_cairo_show_layout(m_cr, layout);
        g_object_unref(layout);
        if (width_out) *width_out = wd;
        return static_cast<double>(h) / PANGO_SCALE;
    }

    void rect(double x, double y, double w, double h, const std::string& fill, const std::string& stroke = "",
              double stroke_w = 0) const {
        cairo_rectangle(m_cr, x, y, w, h);
        if (!fill.empty()) {
            set_colour(m_cr, fill);
            if (stroke.empty())
                cairo_fill(m_cr);
            else
                cairo_fill_preserve(m_cr);
        }
        if (!stroke.empty()) {
            set_colour(m_cr, stroke);
            cairo_set_line_width(m_cr, stroke_w);
            cairo_stroke(m_cr);
        }
        cairo_new_path(m_cr);
    }

private:
    PageSpec m_spec;
    std::string m_path;
    cairo_surface_t* m_surface = nullptr;
    cairo_t* m_cr = nullptr;
};

// ---- legend ---------------------------------------------------------------------------------

enum class Symbol { fill, hatch, line, dashed, marker, ring };

struct LegendEntry {
    Symbol symbol;
    std::string colour;
    std::string label;
    double width_pt = 1;  // lines
};

struct LegendBlock {
    std::string title;
    std::vector<LegendEntry> entries;
};

void draw_symbol(const Page& p, const LegendEntry& e, double x, double y, double w, double h) {
    cairo_t* cr = p.cr();
    switch (e.symbol) {
        case Symbol::fill:
            p.rect(x, y, w, h, e.colour, "#666666", p.mm(0.1));
            break;
        case Symbol::hatch: {
            p.rect(x, y, w, h, e.colour, "#666666", p.mm(0.1));
            cairo_save(cr);
            cairo_rectangle(cr, x, y, w, h);
            cairo_clip(cr);
            cairo_set_source_rgba(cr, 0, 0, 0, 0.75);
            cairo_set_line_width(cr, p.mm(0.25));
            for (double t = -h; t < w + h; t += p.mm(1.6)) {
                cairo_move_to(cr, x + t, y + h);
                cairo_line_to(cr, x + t + h, y);
            }
            cairo_stroke(cr);
            cairo_restore(cr);
            break;
        }
        case Symbol::line:
        case Symbol::dashed: {
            set_colour(cr, e.colour);
            cairo_set_line_width(cr, p.pt(e.width_pt));
            if (e.symbol == Symbol::dashed) {
                const double dash[] = {p.mm(1.2), p.mm(0.6)};
                cairo_set_dash(cr, dash, 2, 0);
            }
            cairo_move_to(cr, x, y + h / 2);
            cairo_line_to(cr, x + w, y + h / 2);
            cairo_stroke(cr);
            cairo_set_dash(cr, nullptr, 0, 0);
            break;
        }
        case Symbol::marker:
        case Symbol::ring: {
            const double r = std::min(w, h) * 0.35;
            cairo_arc(cr, x + w / 2, y + h / 2, r, 0, 2 * M_PI);
            set_colour(cr, e.symbol == Symbol::ring ? "#ffffff" : e.colour);
            cairo_fill_preserve(cr);
            set_colour(cr, e.symbol == Symbol::ring ? "#000000" : "#ffffff");
            cairo_set_line_width(cr, p.mm(e.symbol == Symbol::ring ? 0.5 : 0.3));
            cairo_stroke(cr);
            if (e.symbol == Symbol::ring) {
                cairo_arc(cr, x + w / 2, y + h / 2, r * 0.3, 0, 2 * M_PI);
                cairo_set_source_rgb(cr, 0, 0, 0);
                cairo_fill(cr);
            }
            break;
        }
    }
}

// Lays blocks out top-down in columns of `column_w` inside (x, y, w, h).
void draw_legend(const Page& p, const std::vector<LegendBlock>& blocks, double x, double y, double w,
                 double h) {
    const double column_w = std::min(w, p.mm(62));
    const double sw = p.mm(7);
    const double sh = p.mm(4.2);
    const double row = p.mm(5.6);
    double cx = x;
    double cy = y;
    const auto next_column_if = [&](double need) {
        if (cy + need > y + h && cy > y) {
            cx += column_w + p.mm(3);
            cy = y;
        }
    };
    for (const auto& b : blocks) {
        next_column_if(p.mm(7) + row * static_cast<double>(std::min<std::size_t>(b.entries.size(), 3)));
        cy += p.text(b.title, cx, cy, 8.5, true, "#000000", column_w) + p.mm(1.2);
        for (const auto& e : b.entries) {
            next_column_if(row);
            draw_symbol(p, e, cx, cy + (row - sh) / 2 - p.mm(0.6), sw, sh);
            p.text(e.label, cx + sw + p.mm(2), cy, 7.5, false, "#000000", column_w - sw - p.mm(2));
            cy += row;
        }
        cy += p.mm(2.5);
    }
}

// ---- frame, scale bar, north arrow ----------------------------------------------------------

struct Layout {
    double map_x, map_y, map_w, map_h;  // map frame (or chart area)
    double legend_x, legend_y, legend_w, legend_h;
};

Layout layout_of(const Page& p, bool with_legend) {
    const double m = p.mm(10);
    const double top = m + p.mm(23);
    const double bottom = p.mm(9);
    Layout l{};
    l.map_x = m;
    l.map_y = top;
    if (!with_legend) {
        l.map_w = p.width() - 2 * m;
        l.map_h = p.height() - top - m - bottom;
    } else if (p.portrait()) {
        const double legend_h = p.mm(52);
        l.map_w = p.width() - 2 * m;
        l.map_h = p.height() - top - m - bottom - legend_h - p.mm(4);
        l = {l.map_x, l.map_y, l.map_w, l.map_h, m, top + l.map_h + p.mm(4), l.map_w, legend_h};
    } else {
        const double legend_w = p.mm(64);
        l.map_w = p.width() - 2 * m - legend_w - p.mm(5);
        l.map_h = p.height() - top - m - bottom;
        l = {l.map_x, l.map_y, l.map_w, l.map_h, m + l.map_w + p.mm(5), top, legend_w, l.map_h};
    }
    return l;
}

void draw_header_footer(const Page& p, const std::string& title, const std::string& subtitle,
                        const std::string& source) {
    const double m = p.mm(10);
    const double th = p.text(title, m, m - p.mm(1), 17, true, "#000000", p.width() - 2 * m);
    p.text(subtitle, m, m + th + p.mm(0.5), 9, false, "#333333", p.width() - 2 * m);
    p.text(source, m, p.height() - m - p.mm(4.5), 6.5, false, "#444444", p.width() - 2 * m);
}

// A scale bar of a round length, about a fifth of the frame, in its lower left corner.
void draw_scale_bar(const Page& p, const Layout& l, double ground_width_m) {
    const double target = ground_width_m / 5;
    const double mag = std::pow(10.0, std::floor(std::log10(target)));
    double nice = mag;
    for (double f : {1.0, 2.0, 5.0, 10.0}) {
        if (f * mag <= target) nice = f * mag;
    }
    const double bar_w = nice / ground_width_m * l.map_w;
    const double x = l.map_x + p.mm(5);
    const double y = l.map_y + l.map_h - p.mm(10);
    cairo_t* cr = p.cr();
    cairo_set_source_rgba(cr, 1, 1, 1, 0.85);
    cairo_rectangle(cr, x - p.mm(2), y - p.mm(5), bar_w + p.mm(14), p.mm(12));
    cairo_fill(cr);
    const double h = p.mm(1.6);
    for (int i = 0; i < 4; ++i) {
        p.rect(x + bar_w * i / 4, y, bar_w / 4, h, i % 2 == 0 ? "#000000" : "#ffffff", "#000000", p.mm(0.15));
    }
    const bool km = nice >= 1000;
    const std::string label = km ? trim_number(nice / 1000) + " 千米" : trim_number(nice) + " 米";
    p.text("0", x, y - p.mm(4), 7, false, "#000000", -1, PANGO_ALIGN_CENTER);
    p.text(label, x + bar_w, y - p.mm(4), 7, false, "#000000", -1, PANGO_ALIGN_CENTER);
    p.text("比例尺（地面距离）", x, y + h + p.mm(0.6), 6, false, "#333333");
}

void draw_north_arrow(const Page& p, const Layout& l) {
    cairo_t* cr = p.cr();
    const double cx = l.map_x + l.map_w - p.mm(10);
    const double top = l.map_y + p.mm(5);
    const double h = p.mm(12);
    cairo_set_source_rgba(cr, 1, 1, 1, 0.85);
    cairo_arc(cr, cx, top + h * 0.62, p.mm(7.5), 0, 2 * M_PI);
    cairo_fill(cr);
    cairo_move_to(cr, cx, top + p.mm(3.5));
    cairo_line_to(cr, cx + p.mm(3), top + h);
    cairo_line_to(cr, cx, top + h - p.mm(2.5));
    cairo_close_path(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_fill(cr);
    cairo_move_to(cr, cx, top + p.mm(3.5));
    cairo_line_to(cr, cx - p.mm(3), top + h);
    cairo_line_to(cr, cx, top + h - p.mm(2.5));
    cairo_close_path(cr);
    cairo_set_line_width(cr, p.mm(0.25));
    cairo_stroke(cr);
    p.text("北", cx, top - p.mm(1.2), 8, true, "#000000", -1, PANGO_ALIGN_CENTER);
}

}  // namespace

// SheetRenderer's implementation inside kepu15-render.so (render/detail/sheet_backend.hpp).
class MapnikSheets final : public detail::SheetBackend {
public:
    explicit MapnikSheets(const std::string& folder);
    ~MapnikSheets() override;
    MapnikSheets(const MapnikSheets&) = delete;
    MapnikSheets& operator=(const MapnikSheets&) = delete;

    [[nodiscard]] const nlohmann::json& manifest() const override;
    [[nodiscard]] const nlohmann::json& summary() const override;
    RenderedSheet travel_time_map(const std::string& kind, const std::string& method, const PageSpec& page,
                                  const std::string& path) const override;
    RenderedSheet coverage_map(const std::string& method, const std::string& town_code, const PageSpec& page,
                               const std::string& path) const override;
    RenderedSheet coverage_chart(const PageSpec& page, const std::string& path) const override;
    RenderedSheet minutes_chart(const PageSpec& page, const std::string& path) const override;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

// ---- MapnikSheets (the module's SheetBackend) ---------------------------------------------

struct MapnikSheets::Impl {
    std::string folder;
    json manifest;
    json summary;
    std::unique_ptr<detail::MapLayers> layers;

    [[nodiscard]] std::string kind_label(const std::string& kind) const {
        for (const auto& k : manifest["kinds"]) {
            if (k["kind"] == kind) return k.value("label", kind);
        }
        return kind;
    }
    [[nodiscard]] json method_entry(const std::string& method) const {
        for (const auto& m : manifest["methods"]) {
            if (m["method"] == method) return m;
        }
        return {{"method", method}, {"label_zh", method}, {"unit", method == "crowfly" ? "m" : "min"}};
    }
    [[nodiscard]] const json& measure(const std::string& kind, const std::string& method) const {
        for (const auto& m : manifest["measures"]) {
            if (m["kind"] == kind && m["method"] == method) return m;
        }
        throw config_error("render: no measure for kind '" + kind + "' and method '" + method +
                           "' in manifest.json (kinds and methods come from the run)");
    }
    [[nodiscard]] std::string threshold_text(const json& m) const {
        const double t = m["threshold"].get<double>();
        return m["unit"] == "m" ? thousands(t) + " 米" : trim_number(t) + " 分钟";
    }
    // "数据日期 <[study] data_date>", or the run's date labelled as such when the study gives none.
    [[nodiscard]] std::string date_text() const {
        const auto& st = manifest["study"];
        if (st.contains("data_date") && st["data_date"].is_string()) return "数据日期 " + st["data_date"].get<std::string>();
        return "运行日期 " + manifest.value("generated", std::string());
    }
    [[nodiscard]] std::string study_line() const {
        const auto& st = manifest["study"];
        std::string s = st.value("name", std::string("kepu15 study"));
        if (st.value("synthetic", false)) s += " · 合成数据（非真实，仅供演示）";
        return s;
    }
    [[nodiscard]] std::string source_line() const {
        std::string s = "数据来源：" + manifest["study"].value("name", std::string()) +
                        "（研究自带的人口格网、设施、道路、水系与区镇/村界）";
        if (manifest["study"].value("synthetic", false)) s += "，均为合成数据，不可用于规划决策";
        s += "。计算与制图：" + manifest.value("generator", std::string("kepu15")) + "（Mapnik），运行日期 " +
             manifest.value("generated", std::string("")) + "。投影 " +
             manifest["study"].value("working_crs", std::string("")) + "。";
        return s;
    }

    std::vector<LegendBlock> background_legend(bool roads_major_minor) const {
        LegendBlock b{"底图", {}};
        if (layers->has_layer("water")) b.entries.push_back({Symbol::fill, "#a6c8e0", "水系"});
        if (layers->has_layer("roads") && roads_major_minor) {
            b.entries.push_back({Symbol::line, "#3a3a3a", "主要道路", 1.1 * mapnik_pixel_mm / 0.3528});
            b.entries.push_back({Symbol::line, "#8a8a8a", "次要道路", 0.5 * mapnik_pixel_mm / 0.3528});
        }
        if (layers->has_layer("towns"))
            b.entries.push_back({Symbol::line, "#1a1a1a", "区镇界", 1.3 * mapnik_pixel_mm / 0.3528});
        if (layers->has_layer("villages")) b.entries.push_back({Symbol::line, "#777777", "村/社区界", 0.4});
        return {b};
    }

    RenderedSheet map_sheet(const MapContent& content, const std::string& title, const std::string& subtitle,
                            std::vector<LegendBlock> legend, const PageSpec& spec,
                            const std::string& path) const {
        Page page(spec, path);
        const Layout l = layout_of(page, true);
        draw_header_footer(page, title, subtitle, source_line());
        cairo_t* cr = page.cr();
        cairo_save(cr);
        cairo_translate(cr, l.map_x, l.map_y);
        const double scale_factor = spec.dpi / (25.4 / mapnik_pixel_mm);
        const auto extent = layers->draw(cr, static_cast<int>(std::lround(l.map_w)),
                                         static_cast<int>(std::lround(l.map_h)), scale_factor, content);
        cairo_restore(cr);
        page.rect(l.map_x, l.map_y, std::lround(l.map_w), std::lround(l.map_h), "", "#000000", page.mm(0.3));
        draw_scale_bar(page, l, (extent.maxx - extent.minx) * extent.metres_per_unit);
        draw_north_arrow(page, l);
        for (auto& b : background_legend(true)) legend.push_back(std::move(b));
        draw_legend(page, legend, l.legend_x, l.legend_y, l.legend_w, l.legend_h);
        page.finish();
        RenderedSheet out{path, title, SheetFrame{}};
        out.frame =
            SheetFrame{l.map_x,     l.map_y,     std::round(l.map_w), std::round(l.map_h), extent.minx,
                       extent.miny, extent.maxx, extent.maxy,         extent.srs};
        return out;
    }
};

MapnikSheets::MapnikSheets(const std::string& folder) : m_impl(std::make_unique<Impl>()) {
    m_impl->folder = folder;
    m_impl->manifest = read_json(fs::path(folder) / "manifest.json");
    if (m_impl->manifest.value("format", std::string()) != "kepu15-manifest") {
        throw input_error((fs::path(folder) / "manifest.json").string() +
                          ": not a kepu15 manifest (key 'format')");
    }
    m_impl->summary = read_json(fs::path(folder) / "summary.json");
    m_impl->layers = std::make_unique<detail::MapLayers>(folder, m_impl->manifest);
}

MapnikSheets::~MapnikSheets() = default;

const json& MapnikSheets::manifest() const { return m_impl->manifest; }
const json& MapnikSheets::summary() const { return m_impl->summary; }

RenderedSheet MapnikSheets::travel_time_map(const std::string& kind, const std::string& method,
                                             const PageSpec& spec, const std::string& path) const {
    const auto& d = *m_impl;
    const json& m = d.measure(kind, method);
    const json me = d.method_entry(method);
    const bool metres = m["unit"] == "m";
    const std::string label = d.kind_label(kind);
    const std::string method_zh = me.value("label_zh", method);
    const std::string title =
        metres ? "到最近" + label + "的直线距离" : "到最近" + label + "的" + method_zh + "时间";
    const std::string subtitle = d.study_line() + " · 设施：" + label + " · 方法：" + method_zh + " · 阈值 " +
                                 d.threshold_text(m) + " · " + d.date_text();
    MapContent content;
    content.theme = Theme::travel_time;
    content.measure = m;

    LegendBlock classes{metres ? "直线距离（米）" : method_zh + "时间（分钟）", {}};
    const auto breaks = m["breaks"].get<std::vector<double>>();
    const auto colours = m["colours"].get<std::vector<std::string>>();
    double lower = 0;
    for (std::size_t i = 0; i < breaks.size(); ++i) {
        const std::string range =
            i == 0 ? "≤ " + trim_number(breaks[i]) : trim_number(lower) + " – " + trim_number(breaks[i]);
        classes.entries.push_back({Symbol::fill, colours[i], range});
        lower = breaks[i];
    }
    const std::string none = m.value("no_value_colour", std::string("#2b0a3d"));
    if (colours.size() > breaks.size())
        classes.entries.push_back({Symbol::fill, colours[breaks.size()], "> " + trim_number(lower)});
    if (!metres) {
        const double horizon = d.manifest.value("horizon_minutes", 60.0);
        classes.entries.push_back({Symbol::fill, none, trim_number(horizon) + " 分钟内无法到达或无道路"});
    }
    LegendBlock other{"服务与设施", {}};
    other.entries.push_back({Symbol::dashed, "#d81b60", "服务缺口（阈值以外，标注人口）", 1.0});
    other.entries.push_back(
        {Symbol::marker, d.manifest["kind_colours"].value(kind, std::string("#4477aa")), label});
    if (d.layers->has_layer("sites")) other.entries.push_back({Symbol::ring, "#000000", "拟建设施点"});
    return d.map_sheet(content, title, subtitle, {classes, other}, spec, path);
}

RenderedSheet MapnikSheets::coverage_map(const std::string& method, const std::string& town_code,
                                          const PageSpec& spec, const std::string& path) const {
    const auto& d = *m_impl;
    const json me = d.method_entry(method);
    const std::string method_zh = me.value("label_zh", method);
    MapContent content;
    content.theme = Theme::coverage_any;
    content.method = method;
    content.hatch = spec.format == Format::png;
    std::string where = "全域";
    if (!town_code.empty()) {
        content.focus = d.layers->town_box(town_code);
        if (!content.focus)
            throw input_error("render: 区镇 '" + town_code + "' not found in towns or villages");
        content.focus_town_code = town_code;
        for (const auto& u : d.summary.value("units", json::array())) {
            if (u.value("code", std::string()) == town_code) where = u.value("name", town_code);
        }
    }
    std::string thresholds;
    for (const auto& m : d.manifest["measures"]) {
        if (m["method"] != method) continue;
        if (!thresholds.empty()) thresholds += "，";
        thresholds += d.kind_label(m["kind"]) + " " + d.threshold_text(m);
        if (thresholds.size() > 200) break;
    }
    const std::string title = where + "科普设施覆盖与服务缺口（" + method_zh + "）";
    const std::string subtitle = d.study_line() + " · 任一类设施 · 方法：" + method_zh + " · 阈值：" +
                                 thresholds + " · " + d.date_text();
    LegendBlock cov{"覆盖（任一类设施，" + method_zh + "）", {}};
    cov.entries.push_back({Symbol::fill, "#8fd1c4", "已覆盖"});
    cov.entries.push_back(
        {content.hatch ? Symbol::hatch : Symbol::fill, "#ee7733", "未覆盖（村名下标注未覆盖人口）"});
    if (d.layers->has_layer("newly_covered"))
        cov.entries.push_back({Symbol::fill, "#ee3377", "方案新增覆盖"});
    LegendBlock fac{"设施", {}};
    for (const auto& k : d.manifest["kinds"]) {
        fac.entries.push_back(
            {Symbol::marker, d.manifest["kind_colours"].value(k["kind"].get<std::string>(), std::string()),
             k.value("label", std::string()) + "（" + std::to_string(k.value("facilities", 0)) + "）"});
    }
    if (d.layers->has_layer("sites")) fac.entries.push_back({Symbol::ring, "#000000", "拟建设施点"});
    return d.map_sheet(content, title, subtitle, {cov, fac}, spec, path);
}

namespace {

// Axes box with gridlines at 0, 20, ... 100 % on x (horizontal bars) or y.
void percent_grid(const Page& p, double x, double y, double w, double h, bool horizontal) {
    cairo_t* cr = p.cr();
    cairo_set_line_width(cr, p.mm(0.12));
    for (int i = 0; i <= 5; ++i) {
        const double f = i / 5.0;
        cairo_set_source_rgb(cr, 0.8, 0.8, 0.8);
        if (horizontal) {
            cairo_move_to(cr, x + w * f, y);
            cairo_line_to(cr, x + w * f, y + h);
            cairo_stroke(cr);
            p.text(std::to_string(i * 20) + "%", x + w * f, y + h + p.mm(1), 7, false, "#333333", -1,
                   PANGO_ALIGN_CENTER);
        } else {
            cairo_move_to(cr, x, y + h - h * f);
            cairo_line_to(cr, x + w, y + h - h * f);
            cairo_stroke(cr);
            p.text(std::to_string(i * 20) + "%", x - p.mm(1), y + h - h * f - p.mm(1.6), 7, false, "#333333",
                   -1, PANGO_ALIGN_RIGHT);
        }
    }
    p.rect(x, y, w, h, "", "#000000", p.mm(0.2));
}

}  // namespace

// The method of the standard charts and maps: the primary method.
RenderedSheet MapnikSheets::coverage_chart(const PageSpec& spec, const std::string& path) const {
    const auto& d = *m_impl;
    const std::string method = d.manifest.value("primary_method", std::string("crowfly"));
    const json me = d.method_entry(method);
    Page page(spec, path);
    const std::string title = "各区镇科普设施覆盖率（" + me.value("label_zh", method) + "）";
    draw_header_footer(page, title,
                       d.study_line() + " · 覆盖人口占常住人口比例，按设施类别 · " + d.date_text(),
                       d.source_line());
    const Layout l = layout_of(page, false);
    std::vector<std::pair<std::string, const json*>> rows;
    rows.emplace_back("全域", &d.summary["region"]);
    for (const auto& u : d.summary["units"]) rows.emplace_back(u.value("name", std::string()), &u);
    std::vector<std::string> kinds;
    for (const auto& k : d.manifest["kinds"]) kinds.push_back(k["kind"]);
    const double legend_h = page.mm(10);
    const double label_w = page.mm(38);
    const double gx = l.map_x + label_w;
    const double gy = l.map_y + legend_h;
    const double gw = l.map_w - label_w - page.mm(4);
    const double gh = l.map_h - legend_h - page.mm(8);
    percent_grid(page, gx, gy, gw, gh, true);
    // Legend across the top.
    double lx = gx;
    for (const auto& k : kinds) {
        page.rect(lx, l.map_y + page.mm(1), page.mm(6), page.mm(4),
                  d.manifest["kind_colours"].value(k, std::string()));
        double tw = 0;
        page.text(d.kind_label(k), lx + page.mm(8), l.map_y, 8, false, "#000000", -1, PANGO_ALIGN_LEFT, &tw);
        lx += page.mm(12) + tw;
    }
    const double row_h = gh / static_cast<double>(rows.size());
    const double bar_h = row_h * 0.8 / static_cast<double>(std::max<std::size_t>(kinds.size(), 1));
    for (std::size_t r = 0; r < rows.size(); ++r) {
        const double ry = gy + row_h * static_cast<double>(r);
        page.text(rows[r].first, gx - page.mm(2), ry + row_h / 2 - page.mm(2.2), 8, r == 0, "#000000", -1,
                  PANGO_ALIGN_RIGHT);
        for (std::size_t k = 0; k < kinds.size(); ++k) {
            const json& kj = (*rows[r].second)["kinds"].value(kinds[k], json::object());
            double share = NAN;
            if (method == "crowfly" && kj.contains("crowfly"))
                share = kj["crowfly"].value("share", NAN);
            else if (kj.contains("network") && kj["network"].contains(method))
                share = kj["network"][method].value("share", NAN);
            if (!std::isfinite(share)) continue;
            const double by = ry + row_h * 0.1 + bar_h * static_cast<double>(k);
            page.rect(gx, by, gw * share, bar_h * 0.92,
                      d.manifest["kind_colours"].value(kinds[k], std::string()));
            std::ostringstream pct;
            pct.setf(std::ios::fixed);
            pct.precision(0);
            pct << share * 100 << "%";
            page.text(pct.str(), gx + gw * share + page.mm(1), by + bar_h * 0.46 - page.pt(3.3), 5.5, false,
                      "#333333");
        }
    }
    page.finish();
    return {path, title, std::nullopt};
}

RenderedSheet MapnikSheets::minutes_chart(const PageSpec& spec, const std::string& path) const {
    const auto& d = *m_impl;
    const std::string method = d.manifest.value("primary_method", std::string("crowfly"));
    const json me = d.method_entry(method);
    const bool metres = me.value("unit", std::string("min")) == "m";
    std::vector<const json*> measures;
    for (const auto& m : d.manifest["measures"]) {
        if (m["method"] == method) measures.push_back(&m);
    }
    std::vector<std::string> fields{"population"};
    std::vector<std::pair<std::string, std::string>> groups{{"全体居民", "#000000"}};
    const char* group_colours[] = {"#ee7733", "#0077bb", "#009988", "#cc3311"};
    for (const auto& g : d.manifest.value("groups", json::array())) {
        fields.push_back(g["field"]);
        groups.emplace_back(g.value("label_zh", g["group"].get<std::string>()),
                            group_colours[std::min<std::size_t>(groups.size() - 1, 3)]);
    }
    const std::size_t value0 = fields.size();
    for (const auto* m : measures) fields.push_back((*m)["cells"]["value"]);
    const auto cols = d.layers->cell_columns(fields);

    Page page(spec, path);
    const std::string unit = metres ? "米" : "分钟";
    const std::string title =
        "居民到最近科普设施的" + me.value("label_zh", method) + (metres ? "距离" : "时间") + "分布";
    draw_header_footer(page, title,
                       d.study_line() + " · 累计人口比例：在横轴" + unit +
                           "内可达的居民占该人群的比例 · " + d.date_text(),
                       d.source_line());
    const Layout l = layout_of(page, false);
    const std::size_t n = std::max<std::size_t>(measures.size(), 1);
    const std::size_t per_row = page.portrait() ? std::min<std::size_t>(n, 2) : std::min<std::size_t>(n, 3);
    const std::size_t rows = (n + per_row - 1) / per_row;
    const double legend_h = page.mm(10);
    const double pw = l.map_w / static_cast<double>(per_row);
    const double ph = (l.map_h - legend_h) / static_cast<double>(rows);
    double lx = l.map_x + page.mm(14);
    for (const auto& [label, colour] : groups) {
        cairo_set_line_width(page.cr(), page.mm(0.6));
        set_colour(page.cr(), colour);
        cairo_move_to(page.cr(), lx, l.map_y + page.mm(3));
        cairo_line_to(page.cr(), lx + page.mm(8), l.map_y + page.mm(3));
        cairo_stroke(page.cr());
        double tw = 0;
        page.text(label, lx + page.mm(10), l.map_y, 8, false, "#000000", -1, PANGO_ALIGN_LEFT, &tw);
        lx += page.mm(16) + tw;
    }
    for (std::size_t k = 0; k < measures.size(); ++k) {
        const json& m = *measures[k];
        const double x0 = l.map_x + pw * static_cast<double>(k % per_row) + page.mm(14);
        const double y0 = l.map_y + legend_h + ph * static_cast<double>(k / per_row) + page.mm(8);
        const double w = pw - page.mm(20);
        const double h = ph - page.mm(22);
        const double threshold = m["threshold"].get<double>();
        const double x_max = threshold * 2;
        page.text(d.kind_label(m["kind"]), x0 + w / 2, y0 - page.mm(7), 9.5, true, "#000000", -1,
                  PANGO_ALIGN_CENTER);
        percent_grid(page, x0, y0, w, h, false);
        const int ticks = metres ? 4 : 6;
        for (int t = 0; t <= ticks; ++t) {
            page.text(trim_number(x_max * t / ticks), x0 + w * t / ticks, y0 + h + page.mm(1), 7, false,
                      "#333333", -1, PANGO_ALIGN_CENTER);
        }
        page.text(unit, x0 + w / 2, y0 + h + page.mm(5.5), 7.5, false, "#333333", -1, PANGO_ALIGN_CENTER);
        // Threshold line.
        cairo_set_source_rgb(page.cr(), 0.85, 0.1, 0.38);
        cairo_set_line_width(page.cr(), page.mm(0.25));
        const double dash[] = {page.mm(1), page.mm(0.7)};
        cairo_set_dash(page.cr(), dash, 2, 0);
        cairo_move_to(page.cr(), x0 + w * threshold / x_max, y0);
        cairo_line_to(page.cr(), x0 + w * threshold / x_max, y0 + h);
        cairo_stroke(page.cr());
        cairo_set_dash(page.cr(), nullptr, 0, 0);
        // Cumulative share per group, on 200 bins.
        const auto& values = cols[value0 + k];
        constexpr int bins = 200;
        for (std::size_t g = 0; g < groups.size(); ++g) {
            std::vector<double> hist(bins + 1, 0.0);
            double total = 0;
            for (std::size_t i = 0; i < values.size(); ++i) {
                const double wgt = cols[g][i];
                if (!std::isfinite(wgt)) continue;
                total += wgt;
                if (!std::isfinite(values[i]) || values[i] > x_max) continue;
                hist[static_cast<std::size_t>(std::ceil(values[i] / x_max * bins))] += wgt;
            }
            if (total <= 0) continue;
            set_colour(page.cr(), groups[g].second);
            cairo_set_line_width(page.cr(), page.mm(g == 0 ? 0.6 : 0.45));
            double acc = 0;
            for (int b = 0; b <= bins; ++b) {
                acc += hist[static_cast<std::size_t>(b)];
                const double px = x0 + w * b / bins;
                const double py = y0 + h - h * acc / total;
                if (b == 0)
                    cairo_move_to(page.cr(), px, py);
                else
                    cairo_line_to(page.cr(), px, py);
            }
            cairo_stroke(page.cr());
        }
    }
    page.finish();
    return {path, title, std::nullopt};
}

}  // namespace kepu15::render

KEPU15_DEFINE_MODULE_VERSION

KEPU15_MODULE_EXPORT kepu15::render::detail::SheetBackend* kepu15_render_open(const std::string* folder) {
    return new kepu15::render::MapnikSheets(*folder);
}
