#include "kepu15/commands/run.hpp"

#include "kepu15/commands/merge.hpp"
#include "kepu15/io/vector_writer.hpp"
#include "kepu15/pipeline/evaluate.hpp"
#include "kepu15/pipeline/memory.hpp"
#include "kepu15/pipeline/prepared.hpp"
#include "kepu15/report/outputs.hpp"

#include <iomanip>
#include <ostream>

namespace kepu15::commands {

void write_outputs(const pipeline::StudyResult& result, const RunOptions& options, Diagnostics& diag) {
    io::SinkOptions sink_options = options.sink;
    sink_options.working_crs = result.inputs().working_crs;
    const auto sink = io::open_sink(options.out_dir, sink_options);
    report::ReportOptions report_options;
    report_options.cells_vector = options.cells_vector;
    report::write_study_outputs(result, *sink, options.threads, report_options, diag);
    if (!result.study().partition_units.empty()) {
        write_partition_file(result, sink->file_path(partition_file_name));
    }
    sink->commit();
}

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
    write_outputs(result, options, diag);
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
}

}  // namespace kepu15::commands
