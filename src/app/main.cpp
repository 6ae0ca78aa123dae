// kepu15 command line. Parses arguments into a config struct and calls one run_* function per
// subcommand; maps exceptions to the documented exit codes (README "Exit codes").
#include "kepu15/commands/compare.hpp"
#include "kepu15/commands/access.hpp"
#include "kepu15/commands/coverage.hpp"
#include "kepu15/commands/render.hpp"
#include "kepu15/commands/merge.hpp"
#include "kepu15/commands/run.hpp"
#include "kepu15/commands/site.hpp"
#include "kepu15/diagnostics.hpp"
#include "kepu15/error.hpp"
#include "kepu15/geo/crs.hpp"
#include "kepu15/huge_pages.hpp"
#include "kepu15/io/sink.hpp"
#include "kepu15/module_loader.hpp"
#include "kepu15/network/profile.hpp"
#include "kepu15/range.hpp"
#include "kepu15/study/study.hpp"

#include "terminal.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <new>
#include <thread>

// Out of memory is reported with the size that was asked for: the global operator new records it.
// Large blocks go on transparent huge pages (kepu15/huge_pages.hpp: 40 % less CPU at province scale).
namespace {
std::atomic<std::size_t> g_failed_allocation{0};
}  // namespace

void* operator new(std::size_t size) {
    if (void* p = std::malloc(size == 0 ? 1 : size)) {
        kepu15::advise_huge_pages(p, size);
        return p;
    }
    g_failed_allocation.store(size);
    throw std::bad_alloc();
}
// GCC 12 flags free() in a replaced operator delete as mismatched with operator new (a false
// positive: the operator new above allocates with malloc).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t /*size*/) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace {

namespace fs = std::filesystem;
using namespace kepu15;

// The bundled study and the default output folder, relative to the project root. The root is
// KEPU15_HOME when set, else the source tree this binary was built from.
fs::path project_root() {
    if (const char* home = std::getenv("KEPU15_HOME"); home != nullptr && *home != '\0') return home;
    return KEPU15_PROJECT_ROOT;
}

// CLI11 check of a number against its declared range (NaN, infinity, magnitudes and, for whole
// numbers, text such as "abc" get a message saying what is expected).
CLI::Validator range_check(const Range& r) {
    const std::string unit = *r.unit != '\0' ? std::string(" ") + r.unit : std::string();
    return CLI::Validator(
        [r](std::string& text) -> std::string {
            const char* begin = text.c_str();
            char* end = nullptr;
            const double v = std::strtod(begin, &end);
            if (end == begin || *end != '\0') {
                return "'" + text + "' is not a" + std::string(r.integer ? " whole" : "") + " number";
            }
            return range_problem(r, v);
        },
        "[" + short_number(r.min) + ".." + short_number(r.max) + unit + "]");
}

// An empty path would silently mean "the default" or the current folder.
const CLI::Validator non_empty_path(
    [](std::string& text) -> std::string { return text.empty() ? "must not be empty" : std::string(); }, "PATH");

constexpr Range threads_range{"", 1.0, 256.0, true};

struct RunArgs {
    std::string study;
    std::string out;
    unsigned threads = 0;
    bool timings = false;
    std::vector<std::string> methods;
    std::vector<std::string> profiles;
    bool no_isochrones = false;
    bool no_roads = false;
    bool partition_file_only = false;
    bool no_access = false;
    std::vector<std::string> partition;  // unit codes of a partitioned run (docs/scale.md)
    double halo_m = -1.0;
    bool travel_time_rasters = false;
    double horizon_minutes = 0.0;
    double memory_limit_gb = -1.0;
    io::SinkOptions sink;
    bool cells_vector = false;
    bool render = false;
    double gap_min_population = -1.0;
    std::string service_areas;
};

// Output options shared by run and coverage, declared once with their help text.
void add_sink_options(CLI::App* cmd, io::SinkOptions& sink) {
    cmd->add_option("--format", sink.format,
                    std::string("Output format: ") + io::sink_formats_help() + ". DEFAULT: from --out");
    cmd->add_option("--schema", sink.schema, "PostGIS schema (created when missing). DEFAULT: public");
    cmd->add_flag("--overwrite", sink.overwrite,
                  "Replace existing PostGIS tables / GeoPackage layers of the same name. DEFAULT: error when they exist");
    cmd->add_option("--out-crs", sink.output_crs,
                    "CRS of vector outputs: WGS84, CGCS2000 (EPSG:4490), working, any PROJ CRS (EPSG:4549, WKT), "
                    "or GCJ-02 / BD-09 for layers shown on Chinese web maps (AMap, Tencent / Baidu). "
                    "DEFAULT: WGS84 (GeoJSON requires it), or the study's output_crs");
}

// The terminal of this process (set in main): warnings, progress and errors on stderr.
app::Terminal* g_terminal = nullptr;

Diagnostics stderr_diagnostics() { return g_terminal->diagnostics(); }

// Summary lines go to stdout unless --quiet.
std::ostream& summary_stream() {
    static std::ostream null_stream(nullptr);
    return g_terminal->quiet() ? null_stream : std::cout;
}

struct RenderArgs {
    std::string folder;
    std::string out;
    std::string paper = "A4";
    std::string orientation = "landscape";
    double dpi = 300;
    std::string format = "png";
    bool no_town_maps = false;
};

commands::RenderRequest render_request(const RenderArgs& a) {
    commands::RenderRequest r;
    r.folder = a.folder.empty() ? (project_root() / "maps").string() : a.folder;
    r.out_dir = a.out;
    r.page.paper = a.paper == "A3" ? render::Paper::a3 : render::Paper::a4;
    r.page.orientation =
        a.orientation == "portrait" ? render::Orientation::portrait : render::Orientation::landscape;
    r.page.dpi = a.dpi;
    r.page.format = a.format == "svg" ? render::Format::svg : a.format == "pdf" ? render::Format::pdf : render::Format::png;
    r.town_maps = !a.no_town_maps;
    return r;
}

int render_command(const RenderArgs& args) {
    Diagnostics diagnostics = stderr_diagnostics();
    const auto files = commands::run_render(render_request(args), diagnostics);
    summary_stream() << "kepu15 render: " << files.size() << " sheets written\n";
    g_terminal->done();
    return exit_code::ok;
}

// Ends the process once a command's outputs are committed (renamed into place, GDAL datasets closed,
// staging removed, lock released) and its summary printed: the terminal's line is closed and the
// streams flushed, but the run's large structures are not freed one by one nor static destructors
// run; the kernel takes the memory back (about 25 ms less CPU on the bundled study).
[[noreturn]] void end_process(int code) {
    g_terminal->done();
    g_terminal->close();
    std::cout.flush();
    std::cerr.flush();
    std::fflush(nullptr);
    std::_Exit(code);
}

int run_command(const RunArgs& args) {
    const std::string study_path =
        args.study.empty() ? (project_root() / "geodata" / "kunshan" / "study.toml").string() : args.study;
    study::Study s = study::load_study(study_path);
    if (!args.methods.empty()) {
        s.methods.clear();
        for (const auto& m : args.methods) {
            if (std::count(args.methods.begin(), args.methods.end(), m) > 1) {
                throw config_error("--methods: '" + m + "' is listed twice");
            }
            if (m == "crowfly") {
                s.methods.push_back(study::Method::crowfly);
            } else if (m == "network") {
                if (!s.network) throw config_error("--methods network: the study has no [network] table");
                s.methods.push_back(study::Method::network);
            } else {
                throw config_error("--methods: unknown method '" + m + "' (use crowfly or network)");
            }
        }
    }
    if (!args.profiles.empty()) {
        s.profiles.clear();
        for (const auto& p : args.profiles) {
            auto prof = network::parse_profile(p);
            if (!prof) throw config_error("--profiles: unknown profile '" + p + "' (walk, elderly, bike, drive)");
            if (std::find(s.profiles.begin(), s.profiles.end(), *prof) != s.profiles.end()) {
                throw config_error("--profiles: '" + p + "' is listed twice");
            }
            s.profiles.push_back(*prof);
        }
    }
    if (args.no_isochrones) s.isochrones = false;
    if (args.no_roads) s.roads = false;
    if (args.no_access) s.access.reset();
    if (!args.partition.empty()) {
        if (args.halo_m < 0) throw config_error("--partition needs --halo-m (the farthest trip measured, in metres)");
        if (s.access) {
            throw config_error("--partition: access scores ([access]) share each facility among every cell of its "
                               "catchment, across partitions; run the whole study, or add --no-access");
        }
        s.partition_units = args.partition;
        s.partition_halo_m = args.halo_m;
    }
    if (args.travel_time_rasters) s.travel_time_rasters = true;
    if (args.gap_min_population >= 0) s.gap_min_population = args.gap_min_population;
    if (!args.service_areas.empty()) {
        if (args.service_areas != "per-kind" && args.service_areas != "per-facility") {
            throw config_error("--service-areas: '" + args.service_areas + "' (use per-kind or per-facility)");
        }
        s.service_areas_per_facility = args.service_areas == "per-facility";
    }
    if (args.memory_limit_gb >= 0) s.memory_limit_gb = args.memory_limit_gb;
    if (args.horizon_minutes > 0) {
        s.horizon_minutes = args.horizon_minutes;
        for (const auto& f : s.facilities) {
            if (s.minutes_for(f) > s.horizon_minutes) {
                throw config_error("--horizon " + std::to_string(s.horizon_minutes) + " is below the threshold of kind '" +
                                   f.kind + "' (" + std::to_string(s.minutes_for(f)) + " min)");
            }
        }
    }
    commands::RunOptions opt;
    opt.out_dir = args.out.empty() ? (project_root() / "maps").string() : args.out;
    opt.sink = args.sink;
    if (opt.sink.output_crs.empty()) opt.sink.output_crs = s.output_crs;
    opt.sink.working_crs = s.working_crs;  // empty when the study uses its default UTM zone: run sets it
    opt.cells_vector = args.cells_vector || args.render;  // the maps draw the cell layer
    opt.threads = args.threads > 0 ? args.threads : std::max(1U, std::thread::hardware_concurrency());
    opt.timings = args.timings;
    if (args.partition_file_only) {
        if (args.partition.empty()) throw config_error("--partition-file-only needs --partition");
        opt.partition_file_only = true;
    }
    if (!args.render) opt.finished = [] { end_process(exit_code::ok); };
    Diagnostics diag = stderr_diagnostics();
    commands::run_study(s, opt, summary_stream(), diag);
    if (args.render) {
        RenderArgs ra;
        ra.folder = opt.out_dir;
        const auto files = commands::run_render(render_request(ra), diag);
        summary_stream() << "kepu15 render: " << files.size() << " sheets written\n";
    }
    g_terminal->done();
    return exit_code::ok;
}

int merge_command(commands::MergeRequest req) {
    if (req.threads == 0) req.threads = std::max(1U, std::thread::hardware_concurrency());
    Diagnostics diag = stderr_diagnostics();
    const auto s = commands::run_merge(req, diag);
    g_terminal->done();
    summary_stream() << "kepu15 merge: " << s.partitions << " partitions, " << s.cells << " populated cells, population "
                     << std::fixed << std::setprecision(0) << s.population << "\n  outputs in " << req.out_dir << '\n';
    return exit_code::ok;
}

int coverage_command(const commands::CoverageRequest& req, const std::string& profile, bool timings) {
    commands::CoverageRequest r = req;
    if ((r.out_path.rfind("PG:", 0) == 0 || r.sink.format == "postgis") && r.sink.layer_name.empty()) {
        throw config_error("--out PG:...: name the table with --layer");
    }
    auto prof = network::parse_profile(profile);
    if (!prof) throw config_error("--profile: unknown profile '" + profile + "' (walk, elderly, bike, drive)");
    r.profile = *prof;
    if (!r.working_crs.empty()) geo::require_metric_crs(r.working_crs, "--working-crs");
    r.network.speeds.validate("coverage options");
    Diagnostics diag = stderr_diagnostics();
    Timings t(&diag);
    const auto s = commands::run_coverage(r, t, diag);
    g_terminal->done();
    std::ostream& out = summary_stream();
    out << "kepu15 coverage: " << s.features << " features, " << s.covered << " covered ("
              << std::fixed << std::setprecision(1) << (s.features ? 100.0 * s.covered / s.features : 0.0) << " %)";
    if (s.weighted) {
        out << ", population " << std::setprecision(0) << s.population << ", covered "
                  << s.covered_population << " (" << std::setprecision(1)
                  << (s.population > 0 ? 100.0 * s.covered_population / s.population : 0.0) << " %)";
    }
    if (!r.network.path.empty()) out << ", " << s.no_road_access << " without road access";
    out << "\n  written " << io::redact_connection(r.out_path) << '\n';
    if (timings) {
        for (const auto& [name, sec] : t.stages()) {
            out << "  time " << std::left << std::setw(16) << name << std::right << std::setprecision(3) << sec
                      << " s\n";
        }
    }
    return exit_code::ok;
}

struct SiteArgs {
    std::string study;
    commands::SiteRequest req;
    std::string model = "mclp";
    std::string solver = "auto";
    double threshold = 0.0;
    double horizon = 0.0;
    unsigned threads = 0;
    double gap_min_population = -1.0;
};

int site_command(SiteArgs& args) {
    const std::string study_path =
        args.study.empty() ? (project_root() / "geodata" / "kunshan" / "study.toml").string() : args.study;
    const study::Study s = study::load_study(study_path);
    auto& req = args.req;
    const auto model = siting::parse_model(args.model);
    if (!model) throw config_error("--model: unknown model '" + args.model + "' (mclp, lscp, p-median)");
    req.model = *model;
    if (args.solver == "auto") {
        req.solver.solver = siting::SolverChoice::automatic;
    } else if (args.solver == "exact") {
        req.solver.solver = siting::SolverChoice::exact;
    } else if (args.solver == "heuristic") {
        req.solver.solver = siting::SolverChoice::heuristic;
    } else {
        throw config_error("--solver: unknown solver '" + args.solver + "' (auto, exact, heuristic)");
    }
    if (args.threshold > 0) req.threshold = args.threshold;
    if (args.horizon > 0) req.horizon = args.horizon;
    if (args.gap_min_population >= 0) req.gap_min_population = args.gap_min_population;
    if (req.out_dir.empty()) req.out_dir = (project_root() / "maps" / "site").string();
    req.threads = args.threads > 0 ? args.threads : std::max(1U, std::thread::hardware_concurrency());
    Diagnostics diag = stderr_diagnostics();
    commands::run_site(s, req, summary_stream(), diag);
    return exit_code::ok;
}

// Option values of `kepu15 access` that need parsing after CLI11 (names, optional numbers).
struct AccessArgs {
    commands::AccessRequest request;
    std::string profile = "walk";
    std::string method = "2sfca";
    std::string decay;
    std::string cost_unit = "min";
    double radius_m = 0.0;
    double catchment = 0.0;
    double min_cost = 0.0;
};

int access_command(const AccessArgs& args, const CLI::App& cmd) {
    commands::AccessRequest r = args.request;
    const auto prof = network::parse_profile(args.profile);
    if (!prof) throw config_error("--profile: unknown profile '" + args.profile + "' (walk, elderly, bike, drive)");
    r.profile = *prof;
    const auto method = access::parse_method(args.method);
    if (!method) throw config_error("--method: unknown method '" + args.method + "' (2sfca, e2sfca, gravity)");
    r.method = *method;
    if (!args.decay.empty()) {
        const auto decay = access::parse_decay(args.decay);
        if (!decay) throw config_error("--decay: unknown decay '" + args.decay + "' (none, stepped, gaussian, power)");
        r.decay = *decay;
    }
    if (args.cost_unit == "min") {
        r.cost_unit = coverage::CostUnit::minutes;
    } else if (args.cost_unit == "m") {
        r.cost_unit = coverage::CostUnit::metres;
    } else {
        throw config_error("--cost-unit: unknown unit '" + args.cost_unit + "' (min or m)");
    }
    if (cmd.count("--radius-m") > 0) r.radius_m = args.radius_m;
    if (cmd.count("--catchment") > 0) r.catchment = args.catchment;
    if (cmd.count("--min-cost") > 0) r.min_cost = args.min_cost;
    Diagnostics diagnostics([](const std::string& level, const std::string& message) {
        if (level == "warning") std::cerr << "kepu15: warning: " << message << '\n';
    });
    const auto s = commands::run_access(r, diagnostics);
    const char* unit = coverage::cost_unit_name(s.unit);
    std::cout << "kepu15 access: " << access::method_name(s.options.method) << " (decay "
              << access::decay_name(s.options.decay) << "), catchment " << s.catchment << ' ' << unit << ", "
              << s.demand_features << " demand features (" << std::fixed << std::setprecision(0) << s.demand
              << " persons), " << s.supply_features << " supplies (capacity " << s.capacity << "), " << s.pairs
              << " pairs within the catchment\n"
              << "  mean access " << std::setprecision(6) << s.mean_access << " per person; "
              << std::setprecision(0) << s.unreached_demand << " persons reach no supply; "
              << s.supplies_without_demand << " supplies have nobody within reach\n"
              << "  written " << r.out_path << (r.supply_out_path.empty() ? "" : ", " + r.supply_out_path) << '\n';
    return exit_code::ok;
}

}  // namespace

int main(int argc, char** argv) {
    kepu15::use_huge_page_heap();  // before any thread: one arena, on huge pages
    CLI::App app{"kepu15: accessibility of science-popularisation (科普) facilities, the 15-minute circle"};
    app.set_version_flag("--version", std::string("kepu15 ") + KEPU15_VERSION);
    app.require_subcommand(1);
    app.fallthrough();  // --quiet and --log-format also after the subcommand
    bool quiet = false;
    std::string log_format = "text";
    app.add_flag("--quiet,-q", quiet, "Only warnings and errors on stderr; no summary on stdout");
    app.add_option("--log-format", log_format,
                   "Warnings, progress and errors on stderr as text or JSON lines (for scripts). DEFAULT: text")
        ->check(CLI::IsMember({"text", "json"}));
    app.footer("Exit codes: 0 ok, 1 internal error, 2 bad command line, 3 bad input data, 4 unknown CRS,\n"
               "5 unusable geometry, 6 bad study file or option, 7 cannot write output, 8 out of memory.");

    RunArgs run;
    auto* run_cmd = app.add_subcommand("run", "Run a study file: coverage, gap maps, tables (all outputs or none)");
    run_cmd->add_option("study", run.study,
                        "Study file (TOML). DEFAULT: the bundled Kunshan study geodata/kunshan/study.toml");
    run_cmd->add_option("--out,-o", run.out,
                        "Output: a folder (created if missing), x.gpkg or PG:\"dbname=...\". DEFAULT: maps/ in the project")
        ->check(non_empty_path);
    add_sink_options(run_cmd, run.sink);
    run_cmd->add_flag("--cells-vector", run.cells_vector,
                      "Also write the 100 m cell polygons as a vector layer (cells). DEFAULT: per-cell results "
                      "only in the multi-band GeoTIFF cells.tif");
    run_cmd->add_option("--threads,-j", run.threads,
                        "Threads for searches and writers. DEFAULT: number of cores")
        ->check(range_check(threads_range));
    run_cmd->add_flag("--timings", run.timings, "Print wall seconds per stage (read, graph, snap, search, ...)");
    run_cmd->add_option("--methods", run.methods,
                        "Override [coverage] methods: crowfly and/or network. DEFAULT: the study's")
        ->delimiter(',');
    run_cmd->add_option("--profiles", run.profiles,
                        "Override [coverage] profiles: walk, elderly, bike, drive. DEFAULT: the study's")
        ->delimiter(',');
    run_cmd->add_option("--horizon", run.horizon_minutes,
                        "Travel times up to this many minutes (null beyond). DEFAULT: the study's horizon_minutes, 60")
        ->check(CLI::PositiveNumber);
    run_cmd->add_option("--memory-limit-gb", run.memory_limit_gb,
                        "Refuse a run estimated to need more memory, GB. DEFAULT: [study] memory_limit_gb, else 80 % of RAM")
        ->check(CLI::Range(0.0, 1e6));
    run_cmd->add_flag("--no-isochrones", run.no_isochrones, "Skip isochrones.geojson (service areas)");
    run_cmd->add_flag("--partition-file-only", run.partition_file_only,
                      "With --partition: write only partition_cells.bin (what kepu15 merge reads), not the "
                      "partition's own maps and tables");
    run_cmd->add_flag("--no-roads", run.no_roads,
                      "Skip roads.geojson (the map background); with --partition, read only the roads within the "
                      "partition's cells' box widened by --halo-m (docs/scale.md)");
    run_cmd->add_option("--service-areas", run.service_areas,
                        "per-kind (one service area per kind x profile x minutes, the union of its facilities') or "
                        "per-facility (one per facility, with the population inside). DEFAULT: [coverage] "
                        "service_areas, per-kind")
        ->check(CLI::IsMember({"per-kind", "per-facility"}));
    run_cmd->add_option("--gap-min-population", run.gap_min_population,
                        "Gap patches (contiguous uncovered cells) with fewer people are left out of the gaps layer, "
                        "persons. DEFAULT: [coverage] gap_min_population, 50")
        ->check(range_check(study::gap_min_population_range));
    run_cmd->add_flag("--no-access", run.no_access, "Skip the [access] scores (2SFCA) of the study");
    run_cmd->add_option("--partition", run.partition,
                        "Compute and write only the cells of these unit codes (comma-separated); merge partitions "
                        "with a whole run's summary by `kepu15 merge`. DEFAULT: every unit")
        ->delimiter(',');
    run_cmd->add_option("--halo-m", run.halo_m,
                        "With --partition: keep facilities within this many metres of the partition's cells; at "
                        "least horizon minutes x the fastest speed (m)")
        ->check(CLI::NonNegativeNumber);
    run_cmd->add_flag("--travel-time-rasters", run.travel_time_rasters,
                      "Also write traveltime_<kind>_<profile>.tif (minutes per populated cell, Float32 GeoTIFF)");

    run_cmd->add_flag("--render", run.render,
                      "Also render the standard printable maps and charts into the output folder (see `render`); implies --cells-vector");

    RenderArgs rnd;
    auto* render_cmd = app.add_subcommand(
        "render", "Printable maps (PNG, SVG, PDF) and charts of a run's outputs, drawn with Mapnik");
    render_cmd->add_option("folder", rnd.folder,
                           "A run's output folder (manifest.json, summary.json, GeoJSON). DEFAULT: maps/ in the project");
    render_cmd->add_option("--out,-o", rnd.out, "Folder for the sheets. DEFAULT: sheets/ in the run's folder");
    render_cmd->add_option("--paper", rnd.paper, "Paper size: A4 or A3. DEFAULT: A4")
        ->check(CLI::IsMember({"A4", "A3"}));
    render_cmd->add_option("--orientation", rnd.orientation, "landscape or portrait. DEFAULT: landscape")
        ->check(CLI::IsMember({"landscape", "portrait"}));
    render_cmd->add_option("--dpi", rnd.dpi, "Dots per inch (PNG pixels; symbol scale). DEFAULT: 300")
        ->check(CLI::Range(30.0, 1200.0));
    render_cmd->add_option("--format", rnd.format, "png, svg or pdf. DEFAULT: png")
        ->check(CLI::IsMember({"png", "svg", "pdf"}));
    render_cmd->add_flag("--no-town-maps", rnd.no_town_maps, "Skip the one-map-per-区镇 overviews");
    commands::MergeRequest merge;
    merge.threads = 0;  // 0: the number of cores
    auto* merge_cmd = app.add_subcommand(
        "merge", "Combine the outputs of partitioned runs (kepu15 run --partition) into the whole study's outputs");
    merge_cmd->add_option("out", merge.out_dir, "Output folder (created if missing)")->required();
    merge_cmd->add_option("partitions", merge.part_dirs,
                          "Output folders of `kepu15 run --partition` runs; together they must hold every unit once")
        ->required();
    merge_cmd->add_option("--threads,-j", merge.threads, "Threads for writers. DEFAULT: number of cores")
        ->check(CLI::Range(1, 256));
    merge_cmd->add_flag("--cells-vector", merge.cells_vector,
                        "Also write the cell polygons as a vector layer (as run --cells-vector)");

    commands::CoverageRequest cov;
    std::string profile = "walk";
    bool cov_timings = false;
    auto* cov_cmd = app.add_subcommand(
        "coverage", "Ad-hoc coverage of a population layer by a facility layer, without a study file");
    cov_cmd->add_option("--population", cov.population_path,
                        "Population: points, polygons (any GDAL vector) or a raster (persons per cell)")
        ->required();
    cov_cmd->add_option("--population-layer", cov.population_layer, "Layer name. DEFAULT: first layer");
    cov_cmd->add_option("--population-crs", cov.population_crs,
                        "CRS of the population (EPSG:xxxx, WKT, GCJ-02, BD-09). DEFAULT: the file's own");
    cov_cmd->add_option("--population-field", cov.population_field,
                        "Field with persons per feature, to report covered population. DEFAULT: none");
    cov_cmd->add_option("--population-band", cov.population_band, "Raster band (1-based). DEFAULT: 1")
        ->check(range_check(study::band_range));
    cov_cmd->add_option("--facilities", cov.facilities_path, "Facility points (any GDAL vector, CSV lon/lat)")
        ->required();
    cov_cmd->add_option("--facilities-layer", cov.facilities_layer, "Layer name. DEFAULT: first layer");
    cov_cmd->add_option("--facilities-crs", cov.facilities_crs,
                        "CRS of the facilities, e.g. GCJ-02 for AMap exports. DEFAULT: the file's own (CSV: WGS84)");
    cov_cmd->add_option("--facilities-id-field", cov.facilities_id_field,
                        "Field identifying a facility. DEFAULT: the feature id");
    cov_cmd->add_option("--working-crs", cov.working_crs,
                        "Metric CRS for distances. DEFAULT: UTM zone of the population's centre");
    cov_cmd->add_option("--radius-m", cov.radius_m, "Crow-fly threshold in metres. DEFAULT: 1000 (GB 50180)")
        ->check(range_check(study::radius_m_range));
    cov_cmd->add_option("--network", cov.network.path,
                        "Road network: OSM (.pbf, .osm, .osm.gz) or a GDAL line layer. DEFAULT: none (crow-fly)");
    cov_cmd->add_option("--network-layer", cov.network.read.layer, "Line layer name. DEFAULT: first layer");
    cov_cmd->add_option("--network-crs", cov.network.read.crs, "CRS of the line layer. DEFAULT: the file's own");
    cov_cmd->add_option("--profile", profile, "Network profile: walk, elderly, bike or drive. DEFAULT: walk");
    cov_cmd->add_option("--minutes", cov.minutes, "Network threshold in minutes. DEFAULT: 15")
        ->check(range_check(study::minutes_range));
    cov_cmd->add_option("--speed-field", cov.network.speed_field, "Line layer: field with drive speed in km/h. DEFAULT: none");
    cov_cmd->add_option("--class-field", cov.network.class_field,
                        "Line layer: field with road class (OSM highway values) for drive speeds. DEFAULT: none");
    cov_cmd->add_option("--oneway-field", cov.network.oneway_field,
                        "Line layer: one-way field (yes/no, 1/-1/0, true/false). DEFAULT: none (two-way)");
    cov_cmd->add_option("--walk-field", cov.network.walk_field,
                        "Line layer: a false value (no/0/false) excludes walking. DEFAULT: none");
    cov_cmd->add_option("--bike-field", cov.network.bike_field,
                        "Line layer: a false value (no/0/false) excludes cycling. DEFAULT: none");
    cov_cmd->add_option("--horizon", cov.horizon_minutes,
                        "Report minutes up to this many (null beyond). DEFAULT: the --minutes threshold")
        ->check(range_check(study::minutes_range));
    cov_cmd->add_option("--snap-tolerance-m", cov.network.snap_tolerance_m,
                        "Line layer: join line ends closer than this, metres. DEFAULT: 0")
        ->check(range_check(study::snap_tolerance_m_range));
    cov_cmd->add_option("--max-snap-m", cov.network.max_snap_m,
                        "Farther than this from any road = no_road_access, metres. DEFAULT: 500")
        ->check(range_check(study::max_snap_m_range));
    cov_cmd->add_option("--walk-kmh", cov.network.speeds.walk_kmh, "Walking speed, km/h. DEFAULT: 4.5")
        ->check(range_check(network::walk_kmh_range));
    cov_cmd->add_option("--elderly-kmh", cov.network.speeds.elderly_kmh, "Elderly walking speed, km/h. DEFAULT: 2.7")
        ->check(range_check(network::elderly_kmh_range));
    cov_cmd->add_option("--bike-kmh", cov.network.speeds.bike_kmh, "Bicycle / e-bike speed, km/h. DEFAULT: 15")
        ->check(range_check(network::bike_kmh_range));
    cov_cmd->add_option("--drive-default-kmh", cov.network.speeds.drive_default_kmh,
                        "Drive speed for roads of unknown class, km/h. DEFAULT: 30")
        ->check(range_check(network::drive_kmh_range));
    cov_cmd->add_option("--encoding", cov.encoding,
                        "Text encoding of CSV and Shapefile attributes, e.g. GBK. DEFAULT: .cpg, else UTF-8 "
                        "(GB18030 tried with a warning when the text is not UTF-8)");
    cov_cmd->add_option("--out,-o", cov.out_path,
                        "Output: .geojson, .gpkg, .shp (UTF-8, names of at most 10 bytes), .fgb, .csv or PG:\"...\"")
        ->required()
        ->check(non_empty_path);
    cov_cmd->add_option("--layer", cov.sink.layer_name,
                        "Layer (GeoPackage) or table (PostGIS) name; other layers of a GeoPackage are kept. "
                        "DEFAULT: the file name without extension; required for PG:");
    add_sink_options(cov_cmd, cov.sink);
    cov_cmd->add_flag("--timings", cov_timings, "Print wall seconds per stage");

    SiteArgs site;
    auto* site_cmd = app.add_subcommand("site", "Choose sites for new facilities of one kind (MCLP, LSCP or p-median)");
    site_cmd->add_option("study", site.study, "Study file. DEFAULT: the bundled Kunshan study");
    site_cmd->add_option("--kind", site.req.kind, "Facility kind to site; its existing facilities are kept")->required();
    site_cmd->add_option("--model", site.model,
                         "mclp (K sites covering the most), lscp (fewest sites to a target share), p-median "
                         "(K sites minimising weighted minutes). DEFAULT: mclp");
    site_cmd->add_option("--k", site.req.k, "Number of new sites (mclp, p-median). DEFAULT: 10")->check(CLI::PositiveNumber);
    site_cmd->add_option("--target", site.req.target_share, "lscp: covered share to reach, 0-1. DEFAULT: 0.95")
        ->check(CLI::Range(0.0, 1.0));
    site_cmd->add_option("--method", site.req.method,
                         "crowfly, walk, elderly, bike or drive. DEFAULT: walk when the study has a network, else crowfly");
    site_cmd->add_option("--threshold", site.threshold, "Covering threshold, minutes (network) or metres (crowfly). "
                                                        "DEFAULT: the kind's threshold in the study")
        ->check(CLI::PositiveNumber);
    site_cmd->add_option("--horizon", site.horizon, "p-median: cost charged to unreached people. DEFAULT: 2 x threshold")
        ->check(CLI::PositiveNumber);
    site_cmd->add_option("--candidates", site.req.candidates_path,
                         "Candidate sites: a point or polygon layer; 'grid' (a grid over populated cells, every "
                         "--grid-spacing-m); or 'gaps' (the centre of each gap patch of the kind by the method, plus "
                         "grid points inside patches larger than one grid block). DEFAULT: grid");
    site_cmd->add_option("--gap-min-population", site.gap_min_population,
                         "--candidates gaps: patches with fewer people are left out, persons. "
                         "DEFAULT: [coverage] gap_min_population, 50")
        ->check(range_check(study::gap_min_population_range));
    site_cmd->add_option("--candidates-layer", site.req.candidates_read.layer, "Layer of --candidates. DEFAULT: first");
    site_cmd->add_option("--candidates-crs", site.req.candidates_read.crs, "CRS of --candidates. DEFAULT: the file's");
    site_cmd->add_option("--candidates-id-field", site.req.candidates_id_field, "Id field of --candidates. DEFAULT: feature id");
    site_cmd->add_option("--candidates-name-field", site.req.candidates_name_field, "Name field of --candidates");
    site_cmd->add_option("--grid-spacing-m", site.req.grid_spacing_m, "Spacing of grid candidates, metres. DEFAULT: 500")
        ->check(CLI::PositiveNumber);
    site_cmd->add_option("--weight", site.req.weight, "population or a population group (elderly, youth). DEFAULT: population");
    site_cmd->add_option("--solver", site.solver,
                         "auto (exact with CBC when small: <= 20,000 cell-site pairs and 1,000 sites), exact or "
                         "heuristic (greedy + interchange with an optimality bound). DEFAULT: auto");
    site_cmd->add_option("--out,-o", site.req.out_dir, "Output folder (proposals.geojson, site.json). DEFAULT: maps/site");
    site_cmd->add_option("--threads", site.threads, "Worker threads. DEFAULT: all cores");

    commands::CompareRequest cmp;
    unsigned cmp_threads = 0;
    auto* cmp_cmd = app.add_subcommand("compare", "Compare a scenario file with its baseline study");
    cmp_cmd->add_option("baseline", cmp.baseline, "Baseline study file")->required();
    cmp_cmd->add_option("scenario", cmp.scenario, "Scenario file (TOML edits of the baseline)")->required();
    cmp_cmd->add_option("--out,-o", cmp.out_dir, "Output folder (compare.json, compare.csv, newly_covered.geojson, "
                                                 "lost_coverage.geojson, baseline/ and scenario/ run folders)")->required();
    cmp_cmd->add_option("--threads", cmp_threads, "Worker threads. DEFAULT: all cores");
    bool cmp_full = false;
    bool cmp_render = false;
    cmp_cmd->add_flag("--cells-vector", cmp.cells_vector,
                      "Also write the 100 m cell polygons (cells.geojson) in the baseline/ and scenario/ run folders");
    cmp_cmd->add_flag("--render", cmp_render,
                      "Also render the standard printable maps of both sides into baseline/sheets/ and "
                      "scenario/sheets/ (the scenario's coverage map shows the newly covered areas); implies "
                      "--cells-vector");
    cmp_cmd->add_flag("--timings", cmp.timings,
                      "Also print the compare step's CPU time, page faults and heap figures");
    cmp_cmd->add_flag("--full", cmp_full,
                      "Evaluate the scenario in full instead of incrementally from the changed sites (same outputs). "
                      "DEFAULT: incremental");
    AccessArgs acc;
    auto* acc_cmd = app.add_subcommand(
        "access", "Capacity-aware accessibility (2SFCA, E2SFCA, gravity) of a demand layer to a supply layer");
    commands::AccessRequest& ar = acc.request;
    acc_cmd->add_option("--demand", ar.demand_path,
                        "Demand: points, polygons (any GDAL vector) or a population raster (persons per cell)")
        ->required();
    acc_cmd->add_option("--demand-layer", ar.demand_layer, "Layer name. DEFAULT: first layer");
    acc_cmd->add_option("--demand-crs", ar.demand_crs, "CRS of the demand (EPSG:xxxx, WKT, GCJ-02, BD-09). DEFAULT: the file's own");
    acc_cmd->add_option("--demand-field", ar.demand_field,
                        "Field with persons per feature. DEFAULT: 1 per feature (raster: the cell value)");
    acc_cmd->add_option("--demand-band", ar.demand_band, "Raster band (1-based). DEFAULT: 1")->check(CLI::PositiveNumber);
    acc_cmd->add_option("--demand-id-field", ar.demand_id_field,
                        "Field matched against the cost table's origin ids. DEFAULT: the feature id (CSV: row number; "
                        "raster: col_row)");
    acc_cmd->add_option("--supply", ar.supply_path, "Supply: points or polygons (any GDAL vector, CSV lon/lat)")->required();
    acc_cmd->add_option("--supply-layer", ar.supply_layer, "Layer name. DEFAULT: first layer");
    acc_cmd->add_option("--supply-crs", ar.supply_crs, "CRS of the supply, e.g. GCJ-02. DEFAULT: the file's own (CSV: WGS84)");
    acc_cmd->add_option("--supply-id-field", ar.supply_id_field,
                        "Field matched against the cost table's destination ids. DEFAULT: the feature id");
    acc_cmd->add_option("--capacity-field", ar.capacity_field,
                        "Field with each supply's capacity (seats, staff, m2; >= 0). DEFAULT: 1 per supply");
    acc_cmd->add_option("--working-crs", ar.working_crs,
                        "Metric CRS for crow-fly and network costs. DEFAULT: UTM zone of the demand's centre");
    acc_cmd->add_option("--costs", ar.costs_path,
                        "Origin-destination cost table: CSV or any GDAL table (origin id, destination id, cost)");
    acc_cmd->add_option("--costs-layer", ar.costs_layer, "Layer of the cost table. DEFAULT: first layer");
    acc_cmd->add_option("--origin-field", ar.origin_field, "Cost table: origin (demand) id field. DEFAULT: origin");
    acc_cmd->add_option("--destination-field", ar.destination_field,
                        "Cost table: destination (supply) id field. DEFAULT: destination");
    acc_cmd->add_option("--cost-field", ar.cost_field, "Cost table: cost field (>= 0). DEFAULT: cost");
    acc_cmd->add_option("--cost-unit", acc.cost_unit, "Cost table: unit of the costs, min or m. DEFAULT: min");
    acc_cmd->add_option("--radius-m", acc.radius_m, "Crow-fly costs: search radius in metres (costs in m)")
        ->check(CLI::PositiveNumber);
    acc_cmd->add_option("--network", ar.network.path,
                        "Network costs: OSM (.pbf, .osm, .osm.gz) or a GDAL line layer (costs in min)");
    acc_cmd->add_option("--network-layer", ar.network.read.layer, "Line layer name. DEFAULT: first layer");
    acc_cmd->add_option("--network-crs", ar.network.read.crs, "CRS of the line layer. DEFAULT: the file's own");
    acc_cmd->add_option("--profile", acc.profile, "Network profile: walk, elderly, bike or drive. DEFAULT: walk");
    acc_cmd->add_option("--minutes", ar.minutes, "Network search limit in minutes. DEFAULT: 15")
        ->check(CLI::PositiveNumber);
    acc_cmd->add_option("--speed-field", ar.network.speed_field, "Line layer: field with drive speed in km/h. DEFAULT: none");
    acc_cmd->add_option("--class-field", ar.network.class_field,
                        "Line layer: field with road class (OSM highway values) for drive speeds. DEFAULT: none");
    acc_cmd->add_option("--oneway-field", ar.network.oneway_field,
                        "Line layer: one-way field (yes/no, 1/-1/0, true/false). DEFAULT: none (two-way)");
    acc_cmd->add_option("--walk-field", ar.network.walk_field,
                        "Line layer: a false value (no/0/false) excludes walking. DEFAULT: none");
    acc_cmd->add_option("--bike-field", ar.network.bike_field,
                        "Line layer: a false value (no/0/false) excludes cycling. DEFAULT: none");
    acc_cmd->add_option("--snap-tolerance-m", ar.network.snap_tolerance_m,
                        "Line layer: join line ends closer than this, metres. DEFAULT: 0");
    acc_cmd->add_option("--max-snap-m", ar.network.max_snap_m,
                        "Farther than this from any road = no road access (access 0), metres. DEFAULT: 500")
        ->check(CLI::PositiveNumber);
    acc_cmd->add_option("--walk-kmh", ar.network.speeds.walk_kmh, "Walking speed, km/h. DEFAULT: 4.5")
        ->check(CLI::PositiveNumber);
    acc_cmd->add_option("--elderly-kmh", ar.network.speeds.elderly_kmh, "Elderly walking speed, km/h. DEFAULT: 2.7")
        ->check(CLI::PositiveNumber);
    acc_cmd->add_option("--bike-kmh", ar.network.speeds.bike_kmh, "Bicycle / e-bike speed, km/h. DEFAULT: 15")
        ->check(CLI::PositiveNumber);
    acc_cmd->add_option("--drive-default-kmh", ar.network.speeds.drive_default_kmh,
                        "Drive speed for roads of unknown class, km/h. DEFAULT: 30")
        ->check(CLI::PositiveNumber);
    ar.threads = std::max(1U, std::thread::hardware_concurrency());
    acc_cmd->add_option("--threads,-j", ar.threads, "Threads for the network searches. DEFAULT: number of cores")
        ->check(CLI::Range(1, 256));
    acc_cmd->add_option("--method", acc.method,
                        "2sfca (Luo & Wang 2003), e2sfca (Luo & Qi 2009; Dai 2010) or gravity (Shen 1998). "
                        "DEFAULT: 2sfca");
    acc_cmd->add_option("--decay", acc.decay,
                        "Distance decay: none (2sfca), stepped or gaussian (e2sfca), power (gravity). "
                        "DEFAULT: the method's (none, stepped, power)");
    acc_cmd->add_option("--catchment", acc.catchment,
                        "Catchment d0 in the cost unit (min or m). DEFAULT: --minutes or --radius-m; "
                        "required with --costs")
        ->check(CLI::PositiveNumber);
    acc_cmd->add_option("--step-weights", ar.step_weights,
                        "Stepped decay: weight per equal zone of the catchment, in [0, 1]. DEFAULT: 1,0.68,0.22")
        ->delimiter(',');
    acc_cmd->add_option("--beta", ar.beta, "Gravity: distance-decay exponent (>= 0). DEFAULT: 1")
        ->check(CLI::NonNegativeNumber);
    acc_cmd->add_option("--min-cost", acc.min_cost,
                        "Gravity: costs below this count as this, in the cost unit. DEFAULT: catchment / 15")
        ->check(CLI::PositiveNumber);
    acc_cmd->add_option("--out,-o", ar.out_path,
                        "Output: demand features + access (supply per person), .geojson, .gpkg, .shp, .csv or PG:...")
        ->required();
    acc_cmd->add_option("--supply-out", ar.supply_out_path,
                        "Output: supply features + catchment_pop (decay-weighted persons) and ratio "
                        "(capacity per person; null when nobody is within reach). DEFAULT: none");

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return exit_code::usage;
    }

    app::Terminal terminal(quiet, log_format == "json" ? app::LogFormat::json : app::LogFormat::text);
    g_terminal = &terminal;
    // Readers that still warn through the process-wide sink show on the same terminal.
    set_warning_sink([](const std::string& message) { g_terminal->diagnostics().warn(message); });
    try {
        if (*run_cmd) return run_command(run);
        if (*render_cmd) return render_command(rnd);
        if (*cov_cmd) return coverage_command(cov, profile, cov_timings);
        if (*site_cmd) return site_command(site);
        if (*cmp_cmd) {
            cmp.threads = cmp_threads > 0 ? cmp_threads : std::max(1U, std::thread::hardware_concurrency());
            cmp.incremental = !cmp_full;
            Diagnostics diag = stderr_diagnostics();
            cmp.cells_vector = cmp.cells_vector || cmp_render;  // the maps draw the cell layer
            commands::run_compare(cmp, summary_stream(), diag);
            if (cmp_render) {
                for (const char* side : {"baseline", "scenario"}) {
                    RenderArgs ra;
                    ra.folder = (std::filesystem::path(cmp.out_dir) / side).string();
                    const auto files = commands::run_render(render_request(ra), diag);
                    summary_stream() << "kepu15 render: " << files.size() << " sheets written in " << side << "/sheets\n";
                }
            }
            return exit_code::ok;
        }
        if (*acc_cmd) return access_command(acc, *acc_cmd);
        if (*merge_cmd) return merge_command(merge);
    } catch (const input_error& e) {
        terminal.error(exit_code::input, "input", e.what());
        return exit_code::input;
    } catch (const crs_error& e) {
        terminal.error(exit_code::crs, "CRS", e.what());
        return exit_code::crs;
    } catch (const geometry_error& e) {
        terminal.error(exit_code::geometry, "geometry", e.what());
        return exit_code::geometry;
    } catch (const config_error& e) {
        terminal.error(exit_code::config, "configuration", e.what());
        return exit_code::config;
    } catch (const output_error& e) {
        terminal.error(exit_code::output, "output", e.what());
        return exit_code::output;
    } catch (const module_error& e) {
        terminal.error(exit_code::internal, "installation", e.what());
        return exit_code::internal;
    } catch (const std::bad_alloc&) {
        const std::size_t size = g_failed_allocation.load();
        std::cerr << "kepu15: out of memory";
        if (size >= 1000000) {
            std::cerr << " (an allocation of " << std::fixed << std::setprecision(1)
                      << static_cast<double>(size) / 1e6 << " MB failed)";
        } else if (size > 0) {
            std::cerr << " (an allocation of " << size << " bytes failed)";
        }
        std::cerr << ": the inputs or options ask for more memory than this machine has; clip the population "
                     "raster or network to the study area, or raise isochrone_cell_m\n";
        return exit_code::memory;
    } catch (const std::exception& e) {
        terminal.error(exit_code::internal, "internal", e.what());
        return exit_code::internal;
    }
    return exit_code::usage;
}
