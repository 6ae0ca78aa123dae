// The printable-map module's interface (kepu15-render.so, kepu15/module_loader.hpp): SheetRenderer
// (render/sheet.hpp) forwards to a SheetBackend that the module creates, so only the module links
// Mapnik, cairo and pango.
#pragma once

#include "kepu15/render/sheet.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace kepu15::render::detail {

inline constexpr const char* render_module_file = "kepu15-render.so";

// SheetRenderer's operations, with the same contracts (render/sheet.hpp).
class SheetBackend {
public:
    virtual ~SheetBackend() = default;
    [[nodiscard]] virtual const nlohmann::json& manifest() const = 0;
    [[nodiscard]] virtual const nlohmann::json& summary() const = 0;
    virtual RenderedSheet travel_time_map(const std::string& kind, const std::string& method, const PageSpec& page,
                                          const std::string& path) const = 0;
    virtual RenderedSheet coverage_map(const std::string& method, const std::string& town_code,
                                       const PageSpec& page, const std::string& path) const = 0;
    virtual RenderedSheet coverage_chart(const PageSpec& page, const std::string& path) const = 0;
    virtual RenderedSheet minutes_chart(const PageSpec& page, const std::string& path) const = 0;
};

// The module's entry point "kepu15_render_open": a new backend for the run folder `*folder` (the
// caller owns it). Throws input_error like SheetRenderer's constructor.
using RenderOpenFn = SheetBackend* (*)(const std::string* folder);

}  // namespace kepu15::render::detail
