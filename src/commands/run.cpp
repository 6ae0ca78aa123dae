#include "kepu15/commands/run.hpp"

#include "kepu15/commands/merge.hpp"
#include "kepu15/io/vector_writer.hpp"
#include "kepu15/pipeline/evaluate.hpp"
#include "kepu15/pipeline/memory.hpp"
#include "kepu15/pipeline/prepared.hpp"
#include "kepu15/report/outputs.hpp"

#include <iomanip>
#include <ostream>
#include <sstream>

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

}  // namespace

void run_study(const study::Study& study, const RunOptions& options, std::ostream& log, Diagnostics& diag) {
    Timings timings(&diag);
    const pipeline::PreparedStudy prepared = pipeline::prepare(study, options.threads, diag, timings);
    if (options.cells_vector) {  // prepare checked the budget without the cell polygons
        pipeline::check_memory(study, prepared.inputs.cells.size(),
                               prepared.network ? prepared.network->roads().edges.size() : 0, true);
    }
    pipeline::Evaluation ev =
        pipeline::evaluate(prepared, prepared.inputs.facilities, {}, options.threads, diag, timings);
    timings.start("aggregate");
    const pipeline::StudyResult result = pipeline::summarise(prepared, std::move(ev), options.threads);
    timings.start("write");
    const nlohmann::json summary = write_outputs(result, options, diag);
    timings.stop();

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
    }
    if (options.finished) options.finished();
}

}  // namespace kepu15::commands
