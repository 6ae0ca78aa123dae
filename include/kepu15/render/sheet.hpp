// Printable sheets of a run's outputs: maps (drawn by Mapnik) and charts (cairo + pango), each with a
// Chinese title and subtitle, legend, scale bar, north arrow and source line, on A4 or A3.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace kepu15::render {

enum class Paper { a4, a3 };
enum class Orientation { landscape, portrait };
enum class Format { png, svg, pdf };

struct PageSpec {
    Paper paper = Paper::a4;                           // DEFAULT: A4
    Orientation orientation = Orientation::landscape;  // DEFAULT: landscape
    double dpi = 300;                                  // DEFAULT: 300 dots per inch
    Format format = Format::png;                       // DEFAULT: PNG

    [[nodiscard]] double width_mm() const;
    [[nodiscard]] double height_mm() const;
    // Size of a PNG (and of the page in "page pixels" for SVG/PDF, which are scaled to points).
    [[nodiscard]] int width_px() const;
    [[nodiscard]] int height_px() const;
    [[nodiscard]] const char* extension() const;  // ".png", ".svg", ".pdf"
};

// Where the map landed on a sheet: its frame in page pixels and the extent it shows, in the map's
// CRS (`srs`, e.g. "epsg:4549"). Tests use it to find a feature's pixel.
struct SheetFrame {
    double x_px = 0, y_px = 0, width_px = 0, height_px = 0;
    double minx = 0, miny = 0, maxx = 0, maxy = 0;
    std::string srs;
};

struct RenderedSheet {
    std::string path;
    std::string title;
    std::optional<SheetFrame> frame;  // maps only
};

// One run's output folder opened for printing. Layers are parsed once and shared by every sheet.
class SheetRenderer {
public:
    // `folder` holds manifest.json, summary.json and the GeoJSON layers. Throws input_error.
    explicit SheetRenderer(const std::string& folder);
    ~SheetRenderer();
    SheetRenderer(const SheetRenderer&) = delete;
    SheetRenderer& operator=(const SheetRenderer&) = delete;

    [[nodiscard]] const nlohmann::json& manifest() const;
    [[nodiscard]] const nlohmann::json& summary() const;

    // Minutes (or metres, crow-fly) to the nearest facility of `kind` by `method`, graduated.
    RenderedSheet travel_time_map(const std::string& kind, const std::string& method, const PageSpec& page,
                                  const std::string& path) const;
    // Cells covered by at least one kind by `method` versus gaps; with `town_code`, one 区镇.
    RenderedSheet coverage_map(const std::string& method, const std::string& town_code, const PageSpec& page,
                               const std::string& path) const;
    // Covered share by 区镇 and kind (primary method), grouped bars.
    RenderedSheet coverage_chart(const PageSpec& page, const std::string& path) const;
    // Share of each population group reached within t minutes (metres), per kind (primary method).
    RenderedSheet minutes_chart(const PageSpec& page, const std::string& path) const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace kepu15::render
