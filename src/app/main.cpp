// kepu15 command line. Parses arguments into a config struct and calls one run_* function per
// subcommand; maps exceptions to the documented exit codes (README "Exit codes").
#include "kepu15/commands/coverage.hpp"
#include "kepu15/commands/merge.hpp"
#include "kepu15/commands/run.hpp"
#include "kepu15/diagnostics.hpp"
#include "kepu15/error.hpp"
#include "kepu15/network/profile.hpp"
#include "kepu15/study/study.hpp"

#include "terminal.hpp"

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <thread>

namespace {

namespace fs = std::filesystem;
using namespace kepu15;

// The bundled study and the default output folder, relative to the project root. The root is
// KEPU15_HOME when set, else the source tree this binary was built from.
fs::path project_root() {
    if (const char* home = std::getenv("KEPU15_HOME"); home != nullptr && *home != '\0') return home;
    return KEPU15_PROJECT_ROOT;
}

struct RunArgs {
    std::string study;
    std::string out;
    unsigned threads = 0;
    bool timings = false;
    std::vector<std::string> methods;
    std::vector<std::string> profiles;
    bool no_isochrones = false;
    std::vector<std::string> partition;  // unit codes of a partitioned run (docs/scale.md)
    double halo_m = -1.0;
    bool travel_time_rasters = false;
    double horizon_minutes = 0.0;
};

// The terminal of this process (set in main): warnings, progress and errors on stderr.
app::Terminal* g_terminal = nullptr;

Diagnostics stderr_diagnostics() { return g_terminal->diagnostics(); }

// Summary lines go to stdout unless --quiet.
std::ostream& summary_stream() {
    static std::ostream null_stream(nullptr);
    return g_terminal->quiet() ? null_stream : std::cout;
}

int run_command(const RunArgs& args) {
    const std::string study_path =
        args.study.empty() ? (project_root() / "geodata" / "kunshan" / "study.toml").string() : args.study;
    study::Study s = study::load_study(study_path);
    if (!args.methods.empty()) {
        s.methods.clear();
        for (const auto& m : args.methods) {
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
            s.profiles.push_back(*prof);
        }
    }
    if (args.no_isochrones) s.isochrones = false;
    if (!args.partition.empty()) {
        if (args.halo_m < 0) throw config_error("--partition needs --halo-m (the farthest trip measured, in metres)");
        s.partition_units = args.partition;
        s.partition_halo_m = args.halo_m;
    }
    if (args.travel_time_rasters) s.travel_time_rasters = true;
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
    opt.threads = args.threads > 0 ? args.threads : std::max(1U, std::thread::hardware_concurrency());
    opt.timings = args.timings;
    Diagnostics diag = stderr_diagnostics();
    commands::run_study(s, opt, summary_stream(), diag);
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
    auto prof = network::parse_profile(profile);
    if (!prof) throw config_error("--profile: unknown profile '" + profile + "' (walk, elderly, bike, drive)");
    r.profile = *prof;
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
    out << "\n  written " << r.out_path << '\n';
    if (timings) {
        for (const auto& [name, sec] : t.stages()) {
            out << "  time " << std::left << std::setw(16) << name << std::right << std::setprecision(3) << sec
                      << " s\n";
        }
    }
    return exit_code::ok;
}

}  // namespace

int main(int argc, char** argv) {
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
               "5 unusable geometry, 6 bad study file or option, 7 cannot write output.");

    RunArgs run;
    auto* run_cmd = app.add_subcommand("run", "Run a study file: coverage, gap maps, tables (all outputs or none)");
    run_cmd->add_option("study", run.study,
                        "Study file (TOML). DEFAULT: the bundled Kunshan study geodata/kunshan/study.toml");
    run_cmd->add_option("--out,-o", run.out, "Output folder (created if missing). DEFAULT: maps/ in the project");
    run_cmd->add_option("--threads,-j", run.threads,
                        "Threads for searches and writers. DEFAULT: number of cores")
        ->check(CLI::Range(1, 256));
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
    run_cmd->add_flag("--no-isochrones", run.no_isochrones, "Skip isochrones.geojson (service areas)");
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
        ->check(CLI::PositiveNumber);
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
        ->check(CLI::PositiveNumber);
    cov_cmd->add_option("--network", cov.network.path,
                        "Road network: OSM (.pbf, .osm, .osm.gz) or a GDAL line layer. DEFAULT: none (crow-fly)");
    cov_cmd->add_option("--network-layer", cov.network.read.layer, "Line layer name. DEFAULT: first layer");
    cov_cmd->add_option("--network-crs", cov.network.read.crs, "CRS of the line layer. DEFAULT: the file's own");
    cov_cmd->add_option("--profile", profile, "Network profile: walk, elderly, bike or drive. DEFAULT: walk");
    cov_cmd->add_option("--minutes", cov.minutes, "Network threshold in minutes. DEFAULT: 15")
        ->check(CLI::PositiveNumber);
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
        ->check(CLI::PositiveNumber);
    cov_cmd->add_option("--snap-tolerance-m", cov.network.snap_tolerance_m,
                        "Line layer: join line ends closer than this, metres. DEFAULT: 0");
    cov_cmd->add_option("--max-snap-m", cov.network.max_snap_m,
                        "Farther than this from any road = no_road_access, metres. DEFAULT: 500")
        ->check(CLI::PositiveNumber);
    cov_cmd->add_option("--walk-kmh", cov.network.speeds.walk_kmh, "Walking speed, km/h. DEFAULT: 4.5")
        ->check(CLI::PositiveNumber);
    cov_cmd->add_option("--elderly-kmh", cov.network.speeds.elderly_kmh, "Elderly walking speed, km/h. DEFAULT: 2.7")
        ->check(CLI::PositiveNumber);
    cov_cmd->add_option("--bike-kmh", cov.network.speeds.bike_kmh, "Bicycle / e-bike speed, km/h. DEFAULT: 15")
        ->check(CLI::PositiveNumber);
    cov_cmd->add_option("--drive-default-kmh", cov.network.speeds.drive_default_kmh,
                        "Drive speed for roads of unknown class, km/h. DEFAULT: 30")
        ->check(CLI::PositiveNumber);
    cov_cmd->add_option("--out,-o", cov.out_path, "Output file: .geojson, .gpkg, .shp or PG:... ")->required();
    cov_cmd->add_flag("--timings", cov_timings, "Print wall seconds per stage");

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
        if (*cov_cmd) return coverage_command(cov, profile, cov_timings);
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
    } catch (const std::exception& e) {
        terminal.error(exit_code::internal, "internal", e.what());
        return exit_code::internal;
    }
    return exit_code::usage;
}
