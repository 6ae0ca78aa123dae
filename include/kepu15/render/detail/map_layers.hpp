// The map part of a printed sheet, drawn by Mapnik from a run's GeoJSON layers. This header keeps
// Mapnik's (heavy) headers out of everything else: only src/render/map_layers.cpp includes them.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

using cairo_t = struct _cairo;

namespace kepu15::render::detail {

struct BoxLonLat {
    double min_lon = 0, min_lat = 0, max_lon = 0, max_lat = 0;
};

enum class Theme {
    travel_time,   // cells by minutes (or metres) to the nearest facility of one kind by one method
    coverage_any,  // cells covered by at least one kind vs not, by one method
};

struct MapContent {
    Theme theme = Theme::travel_time;
    nlohmann::json measure;          // travel_time: one entry of the manifest's "measures"
    std::string method;              // coverage_any: the method
    std::optional<BoxLonLat> focus;  // DEFAULT: every cell
    std::string focus_town_code;     // this 区镇's outline is drawn heavier
    // coverage_any: hatch uncovered cells. Off for SVG/PDF, where a pattern per cell made a 50 MB
    // PDF of the Kunshan region.
    bool hatch = true;
};

// What was drawn: the extent in the map's CRS and the ground metres per CRS unit at its centre.
struct DrawnExtent {
    double minx = 0, miny = 0, maxx = 0, maxy = 0;
    double metres_per_unit = 1;
    std::string srs;
};

class MapLayers {
public:
    // Opens the GeoJSON layers of `folder` that the manifest lists (each parsed once and shared by
    // every map) and registers Mapnik's input plugins and the Noto CJK fonts. Throws input_error
    // naming the file when a layer cannot be read.
    MapLayers(const std::string& folder, const nlohmann::json& manifest);
    ~MapLayers();
    MapLayers(const MapLayers&) = delete;
    MapLayers& operator=(const MapLayers&) = delete;

    // Draws the map into `cr`, whose user space is page pixels, in the rectangle (0, 0, width_px,
    // height_px); `scale_factor` scales symbols and labels (dpi / 90.7, Mapnik's 0.28 mm pixel).
    DrawnExtent draw(cairo_t* cr, int width_px, int height_px, double scale_factor,
                     const MapContent& content) const;

    // Per-cell values of `fields` (NaN for null or missing), one column per field.
    [[nodiscard]] std::vector<std::vector<double>> cell_columns(const std::vector<std::string>& fields) const;

    // Bounding box of a 区镇 (from towns.geojson, else from its villages or cells); nullopt if unknown.
    [[nodiscard]] std::optional<BoxLonLat> town_box(const std::string& town_code) const;

    [[nodiscard]] bool has_layer(const std::string& name) const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

// Projects lon/lat into the map CRS `srs` (as returned in DrawnExtent::srs).
void project_lonlat(const std::string& srs, double lon, double lat, double& x, double& y);

}  // namespace kepu15::render::detail
