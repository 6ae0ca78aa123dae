// SheetRenderer forwards to the printable-map module (kepu15-render.so), loaded on first use, so
// that only `kepu15 render` and `--render` map Mapnik, cairo and pango.
#include "kepu15/render/sheet.hpp"

#include "kepu15/module_loader.hpp"
#include "kepu15/render/detail/sheet_backend.hpp"

namespace kepu15::render {

struct SheetRenderer::Impl {
    std::unique_ptr<detail::SheetBackend> backend;
};

SheetRenderer::SheetRenderer(const std::string& folder) : m_impl(std::make_unique<Impl>()) {
    const auto open = reinterpret_cast<detail::RenderOpenFn>(
        module_symbol(detail::render_module_file, "kepu15_render_open", "printable maps: kepu15 render, --render"));
    m_impl->backend.reset(open(&folder));
}

SheetRenderer::~SheetRenderer() = default;

const nlohmann::json& SheetRenderer::manifest() const { return m_impl->backend->manifest(); }
const nlohmann::json& SheetRenderer::summary() const { return m_impl->backend->summary(); }

RenderedSheet SheetRenderer::travel_time_map(const std::string& kind, const std::string& method, const PageSpec& page,
                                             const std::string& path) const {
    return m_impl->backend->travel_time_map(kind, method, page, path);
}

RenderedSheet SheetRenderer::coverage_map(const std::string& method, const std::string& town_code,
                                          const PageSpec& page, const std::string& path) const {
    return m_impl->backend->coverage_map(method, town_code, page, path);
}

RenderedSheet SheetRenderer::coverage_chart(const PageSpec& page, const std::string& path) const {
    return m_impl->backend->coverage_chart(page, path);
}

RenderedSheet SheetRenderer::minutes_chart(const PageSpec& page, const std::string& path) const {
    return m_impl->backend->minutes_chart(page, path);
}

}  // namespace kepu15::render
