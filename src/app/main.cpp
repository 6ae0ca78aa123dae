// kepu15 command line. Parses arguments into a config struct and calls one run_* function per
// subcommand; maps exceptions to the documented exit codes (README "Exit codes").
#include "kepu15/commands/compare.hpp"
#include "kepu15/commands/coverage.hpp"
#include "kepu15/commands/run.hpp"
#include "kepu15/commands/site.hpp"
#include "kepu15/diagnostics.hpp"
#include "kepu15/error.hpp"
#include "kepu15/network/profile.hpp"
#include "kepu15/study/study.hpp"

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
    bool travel_time_rasters = false;
    double horizon_minutes = 0.0;
};

// Warnings of a command, printed on stderr as they come.
Diagnostics stderr_diagnostics() {
    return Diagnostics([](const std::string& level, const std::string& message) {
        if (level == "warning") std::cerr << "kepu15: warning: " << message << '\n';
    });
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
    commands::run_study(s, opt, std::cout, diag);
    return exit_code::ok;
}

int coverage_command(const commands::CoverageRequest& req, const std::string& profile, bool timings) {
    commands::CoverageRequest r = req;
    auto prof = network::parse_profile(profile);
    if (!prof) throw config_error("--profile: unknown profile '" + profile + "' (walk, elderly, bike, drive)");
    r.profile = *prof;
    Timings t;
    Diagnostics diag = stderr_diagnostics();
    const auto s = commands::run_coverage(r, t, diag);
    std::cout << "kepu15 coverage: " << s.features << " features, " << s.covered << " covered ("
              << std::fixed << std::setprecision(1) << (s.features ? 100.0 * s.covered / s.features : 0.0) << " %)";
    if (s.weighted) {
        std::cout << ", population " << std::setprecision(0) << s.population << ", covered "
                  << s.covered_population << " (" << std::setprecision(1)
                  << (s.population > 0 ? 100.0 * s.covered_population / s.population : 0.0) << " %)";
    }
    if (!r.network.path.empty()) std::cout << ", " << s.no_road_access << " without road access";
    std::cout << "\n  written " << r.out_path << '\n';
    if (timings) {
        for (const auto& [name, sec] : t.stages()) {
            std::cout << "  time " << std::left << std::setw(16) << name << std::right << std::setprecision(3) << sec
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
    if (req.out_dir.empty()) req.out_dir = (project_root() / "maps" / "site").string();
    req.threads = args.threads > 0 ? args.threads : std::max(1U, std::thread::hardware_concurrency());
    Diagnostics diag = stderr_diagnostics();
    commands::run_site(s, req, std::cout, diag);
    return exit_code::ok;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"kepu15: accessibility of science-popularisation (科普) facilities, the 15-minute circle"};
    app.set_version_flag("--version", std::string("kepu15 ") + KEPU15_VERSION);
    app.require_subcommand(1);
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
    run_cmd->add_flag("--travel-time-rasters", run.travel_time_rasters,
                      "Also write traveltime_<kind>_<profile>.tif (minutes per populated cell, Float32 GeoTIFF)");

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
                         "Point or polygon layer of candidate sites. DEFAULT: a grid over populated cells");
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
                                                 "lost_coverage.geojson)")->required();
    cmp_cmd->add_option("--threads", cmp_threads, "Worker threads. DEFAULT: all cores");

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

    try {
        if (*run_cmd) return run_command(run);
        if (*cov_cmd) return coverage_command(cov, profile, cov_timings);
        if (*site_cmd) return site_command(site);
        if (*cmp_cmd) {
            cmp.threads = cmp_threads > 0 ? cmp_threads : std::max(1U, std::thread::hardware_concurrency());
            Diagnostics diag = stderr_diagnostics();
            commands::run_compare(cmp, std::cout, diag);
            return exit_code::ok;
        }
    } catch (const input_error& e) {
        std::cerr << "kepu15: input error: " << e.what() << '\n';
        return exit_code::input;
    } catch (const crs_error& e) {
        std::cerr << "kepu15: CRS error: " << e.what() << '\n';
        return exit_code::crs;
    } catch (const geometry_error& e) {
        std::cerr << "kepu15: geometry error: " << e.what() << '\n';
        return exit_code::geometry;
    } catch (const config_error& e) {
        std::cerr << "kepu15: configuration error: " << e.what() << '\n';
        return exit_code::config;
    } catch (const output_error& e) {
        std::cerr << "kepu15: output error: " << e.what() << '\n';
        return exit_code::output;
    } catch (const std::exception& e) {
        std::cerr << "kepu15: internal error: " << e.what() << '\n';
        return exit_code::internal;
    }
    return exit_code::usage;
}
