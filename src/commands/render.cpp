#include "kepu15/commands/render.hpp"

#include <chrono>
#include <filesystem>
#include <sstream>

#include "kepu15/error.hpp"
#include "kepu15/io/vector_writer.hpp"

namespace kepu15::commands {

namespace fs = std::filesystem;
using nlohmann::json;

std::string standard_map_method(const json& manifest) {
    for (const auto& m : manifest.value("methods", json::array())) {
        if (m.value("method", std::string()) != "crowfly") return m["method"];
    }
    return manifest.value("primary_method", std::string("crowfly"));
}

std::vector<std::string> run_render(const RenderRequest& request, Diagnostics& diagnostics) {
    const auto start = std::chrono::steady_clock::now();
    if (request.page.dpi < 30 || request.page.dpi > 1200) {
        throw config_error("render: --dpi " + std::to_string(request.page.dpi) + " is outside 30..1200");
    }
    const render::SheetRenderer renderer(request.folder);
    const auto& manifest = renderer.manifest();
    const std::string method = standard_map_method(manifest);
    const std::string ext = request.page.extension();

    // Sheets go to their own folder (DEFAULT: <run folder>/sheets), swapped in as a whole: the run's
    // outputs are another transaction, which keeps `sheets/` as a folder it does not own.
    io::StagedOutputs staged(request.out_dir.empty() ? (std::filesystem::path(request.folder) / "sheets").string()
                                                     : request.out_dir);
    std::vector<std::string> names;
    const auto sheet = [&](const std::string& name, const auto& draw) {
        const std::string file = name + ext;
        const std::string path = staged.staging_path(file);
        const auto r = draw(path);
        diagnostics.progress("rendered " + file + ": " + r.title);
        names.push_back(file);
    };
    for (const auto& k : manifest["kinds"]) {
        const std::string kind = k["kind"];
        sheet("map_" + kind + "_" + method,
              [&](const std::string& p) { return renderer.travel_time_map(kind, method, request.page, p); });
    }
    sheet("map_coverage_" + method,
          [&](const std::string& p) { return renderer.coverage_map(method, "", request.page, p); });
    if (request.town_maps) {
        for (const auto& u : renderer.summary().value("units", json::array())) {
            const std::string code = u.value("code", std::string());
            sheet("map_town_" + code,
                  [&](const std::string& p) { return renderer.coverage_map(method, code, request.page, p); });
        }
    }
    sheet("chart_coverage", [&](const std::string& p) { return renderer.coverage_chart(request.page, p); });
    sheet("chart_minutes", [&](const std::string& p) { return renderer.minutes_chart(request.page, p); });
    staged.commit();
    std::vector<std::string> files;
    for (const auto& n : names) files.push_back(staged.final_path(n));
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::ostringstream msg;
    msg.precision(2);
    msg << std::fixed << "rendered " << files.size() << " sheets in " << seconds << " s";
    diagnostics.progress(msg.str());
    return files;
}

}  // namespace kepu15::commands
