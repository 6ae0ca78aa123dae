#include "kepu15/commands/run.hpp"

#include "kepu15/commands/merge.hpp"
#include "kepu15/io/vector_writer.hpp"
#include "kepu15/job_queue.hpp"
#include "kepu15/pipeline/evaluate.hpp"
#include "kepu15/pipeline/memory.hpp"
#include "kepu15/pipeline/prepared.hpp"
#include "kepu15/pipeline/service_areas.hpp"
#include "kepu15/report/outputs.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <iomanip>
#include <mutex>
#include <ostream>
#include <span>
#include <sstream>
#include <utility>
#include <vector>

namespace kepu15::commands {

nlohmann::json write_outputs(const pipeline::StudyResult& result, const RunOptions& options, Diagnostics& diag) {
    io::SinkOptions sink_options = options.sink;
    sink_options.working_crs = result.inputs().working_crs;
    sink_options.threads = options.threads;
    const auto sink = io::open_sink(options.out_dir, sink_options);
    if (options.partition_file_only && !result.study().partition_units.empty()) {
        write_partition_file(result, sink->file_path(partition_file_name));
        sink->commit();
        return report::summary_json(result);  // without "gaps", which are not drawn
    }
    report::ReportOptions report_options;
    report_options.cells_vector = options.cells_vector;
    auto summary = report::write_study_outputs(result, *sink, options.threads, report_options, diag);
    if (!result.study().partition_units.empty()) {
        write_partition_file(result, sink->file_path(partition_file_name));
    }
    sink->commit();
    return summary;
}

namespace {

std::string percent(const nlohmann::json& share) {
    if (!share.is_number()) return "–";
    std::ostringstream s;
    s << std::fixed << std::setprecision(1) << 100.0 * share.get<double>() << " %";
    return s.str();
}

std::string points(const nlohmann::json& share) {
    if (!share.is_number()) return "–";
    std::ostringstream s;
    s << std::fixed << std::setprecision(1) << 100.0 * share.get<double>() << " points";
    return s.str();
}

// Under a measure's line: urban/rural shares, the 区镇 gap, the Gini of minutes, and its gap patches.
void print_equity_and_gaps(std::ostream& log, const nlohmann::json& summary, const std::string& key) {
    if (summary.contains("equity") && summary["equity"].contains(key)) {
        const auto& e = summary["equity"][key];
        log << "      urban " << percent(e["urban_share"]) << ", rural " << percent(e["rural_share"]) << "; 区镇 gap "
            << points(e["best_worst_gap"]);
        if (e.contains("best_unit")) {
            log << " (" << e["best_unit"].get<std::string>() << " " << percent(e["best_share"]) << ", "
                << e["worst_unit"].get<std::string>() << " " << percent(e["worst_share"]) << ")";
        }
        log << "; Gini " << (e["gini"].is_number() ? std::to_string(e["gini"].get<double>()).substr(0, 5) : "–") << '\n';
    }
    if (summary.contains("gaps") && summary["gaps"]["sets"].contains(key)) {
        const auto& g = summary["gaps"]["sets"][key];
        log << "      gaps: " << g["patches"].get<std::size_t>() << " patches of >= " << std::setprecision(0)
            << summary["gaps"]["min_population"].get<double>() << " people, " << g["population"].get<double>()
            << " people; largest " << g["largest_population"].get<double>() << '\n';
    }
}

// The terminal summary: per measure its share, equity and gaps; with --timings the seconds per stage
// on the main thread (their sum: the run's wall time from reading to commit) and, below, the jobs
// that ran beside them on the background thread.
void print_run(std::ostream& log, const study::Study& study, const pipeline::StudyResult& result,
               const nlohmann::json& summary, const RunOptions& options, const Timings& timings,
               const std::vector<std::pair<std::string, double>>& beside) {
    const auto& in = result.inputs();
    const auto& r = result.by_unit.region;
    log << "kepu15: " << study.name << ": " << in.cells.size() << " populated cells, population " << std::fixed
        << std::setprecision(0) << r.population << ", " << in.units.size() << " units, " << in.villages.size()
        << " villages\n";
    for (std::size_t m = 0; m < result.measures().size(); ++m) {
        const auto& me = result.measures()[m];
        log << "  " << std::left << std::setw(18) << me.key() << " covered " << std::right << std::setw(5)
            << std::setprecision(1) << 100.0 * r.share(m) << " %  (" << std::setprecision(0) << me.threshold.value
            << ' ' << coverage::cost_unit_name(me.threshold.unit) << "; mean " << std::setprecision(1)
            << r.stats[m].mean << ' ' << coverage::cost_unit_name(me.method.unit()) << ")\n";
        print_equity_and_gaps(log, summary, me.key());
    }
    for (const auto& method : result.by_unit.methods) {
        const std::string key = "any_" + method.name();
        if (summary.contains("gaps") && summary["gaps"]["sets"].contains(key)) {
            log << "  " << std::left << std::setw(18) << key << " covered " << std::right << std::setw(5)
                << std::setprecision(1) << 100.0 * r.any_share(result.by_unit.method_index(method)) << " %  (by any kind)\n";
            print_equity_and_gaps(log, summary, key);
        }
    }
    log << "  outputs in " << io::redact_connection(options.out_dir) << '\n';
    if (options.timings) {
        double total = 0;
        for (const auto& [name, s] : timings.stages()) {
            log << "  time " << std::left << std::setw(16) << name << std::right << std::setprecision(3) << s << " s\n";
            total += s;
        }
        log << "  time " << std::left << std::setw(16) << "total" << std::right << std::setprecision(3) << total
            << " s\n";
        for (const auto& [name, s] : beside) {
            log << "  beside " << std::left << std::setw(14) << name << std::right << std::setprecision(3) << s << " s\n";
        }
    }
}

}  // namespace

// The run's stages on the main thread, and beside them, on one background thread, the outputs
// whose inputs are ready: roads.geojson and water.geojson once the study is prepared; the service
// areas, isochrones.geojson and cells.tif once the searches have given every measure (they need
// neither access nor the summaries). What the background thread has not started when the main
// thread has written the rest, the main thread runs itself, so both cores stay busy to the end.
// The sink is the same all-or-nothing staging folder: nothing appears before commit, and a failure
// on either thread removes it.
void run_study(const study::Study& study, const RunOptions& options, std::ostream& log, Diagnostics& diag) {
    Timings timings(&diag);
    const pipeline::PreparedStudy prepared = pipeline::prepare(study, options.threads, diag, timings);
    if (options.cells_vector) {  // prepare checked the budget without the cell polygons
        pipeline::check_memory(study, prepared.inputs.cells.size(),
                               prepared.network ? prepared.network->roads().edges.size() : 0, true);
    }
    if (options.partition_file_only && !study.partition_units.empty()) {
        pipeline::Evaluation ev =
            pipeline::evaluate(prepared, prepared.inputs.facilities, {}, options.threads, diag, timings);
        timings.start("aggregate");
        const pipeline::StudyResult result = pipeline::summarise(prepared, std::move(ev), options.threads);
        timings.start("write");
        const nlohmann::json summary = write_outputs(result, options, diag);
        timings.stop();
        print_run(log, study, result, summary, options, timings, {});
        if (options.finished) options.finished();
        return;
    }
    io::SinkOptions sink_options = options.sink;
    sink_options.working_crs = prepared.inputs.working_crs;
    sink_options.threads = options.threads;
    const auto sink = io::open_sink(options.out_dir, sink_options);
    report::ReportOptions report_options;
    report_options.cells_vector = options.cells_vector;
    const std::string cells_tif = sink->file_path("cells.tif");
    report_options.written_by_caller.insert("cells.tif");
    // What the background jobs read, set on the main thread before their job is pushed. The
    // measures stay where they are while the evaluation is moved into the result (moving a vector
    // keeps its elements in place), and nothing changes them after the searches.
    std::vector<study::FacilitySet> area_facilities;
    std::vector<std::vector<pipeline::SnapList>> area_snaps;
    std::span<const coverage::Measure> measures;
    std::vector<pipeline::ServiceArea> kind_areas;  // per kind x profile x band, filled by their jobs
    std::atomic<std::size_t> areas_left{0};         // kind x profile jobs not finished
    std::mutex beside_mutex;
    std::vector<std::pair<std::string, double>> beside;  // seconds per background job, for --timings
    // Declared after everything its jobs use, so that when a stage throws it stops (dropping the
    // jobs not started, waiting for the running one) before any of it goes.
    JobQueue background(options.threads == 1 ? 0 : 1);  // --threads 1: the jobs run at the end, on this thread
    const auto push = [&](const char* name, std::function<void()> job) {
        background.push([&, name, job = std::move(job)] {
            const auto started = Timings::clock::now();
            job();
            const double s = std::chrono::duration<double>(Timings::clock::now() - started).count();
            const std::lock_guard lock(beside_mutex);
            const auto same = std::find_if(beside.begin(), beside.end(), [&](const auto& b) { return b.first == name; });
            if (same == beside.end()) {
                beside.emplace_back(name, s);
            } else {
                same->second += s;  // the service areas' jobs: their sum, on whichever thread
            }
        });
    };
    if (prepared.network && study.roads) {
        report_options.written_by_caller.insert("roads.geojson");
        push("roads.geojson", [&] { report::write_roads_layer(prepared, *sink, diag); });
    }
    if (!study.water_path.empty()) {
        report_options.written_by_caller.insert("water.geojson");
        push("water.geojson", [&] { report::write_water_layer(study, *sink); });
    }
    const auto push_cells_tif = [&] {
        push("cells.tif", [&] {
            report::write_cells_raster(prepared.inputs.cells, measures, cells_tif, options.threads, diag);
        });
    };
    pipeline::EvaluateOptions evaluate_options;
    evaluate_options.service_areas = false;  // drawn beside access
    evaluate_options.after_search = [&](const pipeline::Evaluation& ev) {
        measures = ev.measures;
        if (pipeline::wants_service_areas(prepared)) {
            report_options.written_by_caller.insert("isochrones.geojson");
            area_facilities = ev.facilities;
            area_snaps = ev.facility_snaps;
            if (study.service_areas_per_facility) {
                // The run's longest job (a reach table and masks per facility): the run's threads,
                // so that it does not keep the end of the run on one core.
                push("service areas", [&] {
                    const auto areas = pipeline::service_areas(prepared, area_facilities, area_snaps, options.threads);
                    report::write_isochrones_layer(prepared, area_facilities, areas, *sink);
                });
            } else {
                push_cells_tif();
                // Per kind (DEFAULT; 12 searches and 36 masks on the bundled study): one job per kind
                // x profile after cells.tif, so that the main thread, once it has written the rest,
                // takes those not started (JobQueue::finish); the job that completes the set writes
                // isochrones.geojson.
                const std::size_t profiles = prepared.network->profiles().size();
                const std::size_t bands = study.isochrone_minutes.size();
                kind_areas.assign(area_facilities.size() * profiles * bands, {});
                areas_left = area_facilities.size() * profiles;
                for (std::size_t k = 0; k < area_facilities.size(); ++k) {
                    for (std::size_t p = 0; p < profiles; ++p) {
                        push("service areas", [&, k, p, profiles, bands] {
                            auto drawn = pipeline::kind_service_areas(prepared, area_facilities[k], area_snaps[p][k], p);
                            std::move(drawn.begin(), drawn.end(),
                                      kind_areas.begin() + static_cast<std::ptrdiff_t>((k * profiles + p) * bands));
                            if (areas_left.fetch_sub(1) == 1) {  // the last: every area is in place
                                report::write_isochrones_layer(prepared, area_facilities, kind_areas, *sink);
                            }
                        });
                    }
                }
                if (areas_left == 0) {  // no kind or no profile: the layer, empty
                    push("service areas", [&] {
                        report::write_isochrones_layer(prepared, area_facilities, kind_areas, *sink);
                    });
                }
                return;
            }
        }
        push_cells_tif();
    };
    pipeline::Evaluation ev =
        pipeline::evaluate(prepared, prepared.inputs.facilities, evaluate_options, options.threads, diag, timings);
    timings.start("aggregate");
    const pipeline::StudyResult result = pipeline::summarise(prepared, std::move(ev), options.threads);
    timings.start("write");
    const nlohmann::json summary = report::write_study_outputs(result, *sink, options.threads, report_options, diag);
    if (!study.partition_units.empty()) write_partition_file(result, sink->file_path(partition_file_name));
    background.finish();
    sink->commit();
    timings.stop();
    print_run(log, study, result, summary, options, timings, beside);
    if (options.finished) options.finished();  // the background thread is idle: finish() returned
}

}  // namespace kepu15::commands
