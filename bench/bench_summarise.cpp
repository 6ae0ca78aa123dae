// Summaries alone on a prepared and evaluated study (pipeline::summarise: aggregation by 区镇 and
// village, access means): the bundled Kunshan study is prepared and evaluated once, then summarised
// repeatedly. Prints median wall and CPU time (all threads) per summary.
// Usage: bench_summarise STUDY.toml [repetitions] [threads]
#include "kepu15/huge_pages.hpp"
#include "kepu15/pipeline/evaluate.hpp"
#include "kepu15/pipeline/prepared.hpp"
#include "kepu15/pipeline/result.hpp"
#include "kepu15/study/study.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

using namespace kepu15;
using clock_type = std::chrono::steady_clock;

int main(int argc, char** argv) {
    kepu15::use_huge_page_heap();  // as the kepu15 executable does
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_summarise STUDY.toml [repetitions] [threads]\n");
        return 2;
    }
    const int reps = argc > 2 ? std::atoi(argv[2]) : 20;
    const unsigned threads = argc > 3 ? static_cast<unsigned>(std::atoi(argv[3])) : 2U;
    const study::Study s = study::load_study(argv[1]);
    Diagnostics diag;
    Timings timings;
    const pipeline::PreparedStudy prepared = pipeline::prepare(s, threads, diag, timings);
    pipeline::EvaluateOptions opt;
    opt.service_areas = false;
    const pipeline::Evaluation ev = pipeline::evaluate(prepared, prepared.inputs.facilities, opt, threads, diag, timings);
    std::printf("%zu cells, %zu measures, %zu access measures, %zu units, %zu villages\n", prepared.inputs.cells.size(),
                ev.measures.size(), ev.access.size(), prepared.inputs.units.size(), prepared.inputs.villages.size());
    std::vector<double> ms, cpu_ms;
    double checksum = 0.0;
    for (int r = 0; r < reps; ++r) {
        pipeline::Evaluation copy = ev;
        const auto t = clock_type::now();
        const std::clock_t c = std::clock();
        const auto result = pipeline::summarise(prepared, std::move(copy), threads);
        ms.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - t).count());
        cpu_ms.push_back(1e3 * static_cast<double>(std::clock() - c) / CLOCKS_PER_SEC);
        checksum += result.by_village.region.stats[0].median + result.by_unit.units[0].stats.back().p90;
    }
    // The incremental summary of kepu15 compare when one kind changed (its measures and access).
    const pipeline::StudyResult before = pipeline::summarise(prepared, ev, threads);
    pipeline::Changes changes;
    const std::string kind = ev.measures.back().kind;
    for (const auto& me : ev.measures) changes.measure.push_back(me.kind == kind ? 1 : 0);
    if (!ev.access.empty()) changes.access = changes.measure;
    std::vector<double> inc_ms, inc_cpu_ms;
    // The first call of a process (as in kepu15 compare) also pays for first-touch page faults.
    for (int r = 0; r < reps; ++r) {
        pipeline::Evaluation copy = ev;
        const auto t = clock_type::now();
        const std::clock_t c = std::clock();
        const auto result = pipeline::summarise_changes(prepared, before, std::move(copy), changes, threads);
        inc_ms.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - t).count());
        inc_cpu_ms.push_back(1e3 * static_cast<double>(std::clock() - c) / CLOCKS_PER_SEC);
        checksum += result.by_village.region.stats[0].median;
    }
    std::printf("summarise_changes, first call: wall %.1f ms, CPU %.1f ms\n", inc_ms.front(), inc_cpu_ms.front());
    std::sort(inc_ms.begin(), inc_ms.end());
    std::sort(inc_cpu_ms.begin(), inc_cpu_ms.end());
    std::printf("summarise_changes, the measures of kind %s (%d runs, %u threads): wall median %.1f ms (min %.1f), "
                "CPU median %.1f ms (min %.1f)\n",
                kind.c_str(), reps, threads, inc_ms[inc_ms.size() / 2], inc_ms.front(), inc_cpu_ms[inc_cpu_ms.size() / 2],
                inc_cpu_ms.front());
    std::printf("summarise, first call: wall %.1f ms, CPU %.1f ms\n", ms.front(), cpu_ms.front());
    std::sort(ms.begin(), ms.end());
    std::sort(cpu_ms.begin(), cpu_ms.end());
    std::printf("summarise (%d runs, %u threads): wall median %.1f ms (min %.1f), CPU median %.1f ms (min %.1f) "
                "(checksum %.3f)\n",
                reps, threads, ms[ms.size() / 2], ms.front(), cpu_ms[cpu_ms.size() / 2], cpu_ms.front(), checksum);
    return 0;
}
