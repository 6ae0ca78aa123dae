// Gap patches and equity of a run: the bundled Kunshan study is prepared and evaluated once
// (without service areas or access), then the report's gap patches (flood fill, outlines, one
// batch to WGS84) and the equity figures of every measure are computed `repetitions` times on one
// thread. Prints the median and minimum seconds of each.
// Usage: bench_gaps STUDY.toml [repetitions]   DEFAULT: 5 repetitions
#include "kepu15/huge_pages.hpp"
#include "kepu15/pipeline/evaluate.hpp"
#include "kepu15/pipeline/prepared.hpp"
#include "kepu15/pipeline/result.hpp"
#include "kepu15/report/equity.hpp"
#include "kepu15/report/gaps.hpp"
#include "kepu15/study/study.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

using namespace kepu15;
using clock_type = std::chrono::steady_clock;

int main(int argc, char** argv) {
    kepu15::use_huge_page_heap();  // as the kepu15 executable does
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_gaps STUDY.toml [repetitions]\n");
        return 2;
    }
    const int reps = argc > 2 ? std::atoi(argv[2]) : 5;
    study::Study s = study::load_study(argv[1]);
    s.isochrones = false;
    s.access.reset();
    Diagnostics diag;
    Timings timings;
    const pipeline::PreparedStudy prepared = pipeline::prepare(s, 2, diag, timings);
    const pipeline::StudyResult r =
        pipeline::summarise(prepared, pipeline::evaluate(prepared, prepared.inputs.facilities, {}, 2, diag, timings), 2);
    std::vector<double> gaps_s, equity_s, layer_s;
    std::size_t features = 0;
    for (int k = 0; k < reps; ++k) {
        auto t0 = clock_type::now();
        report::RunGaps gaps(r);
        for (std::size_t t = 0; t < gaps.task_count(); ++t) gaps.run(t);
        const auto t1 = clock_type::now();
        features = gaps.layer().features.size();
        gaps_s.push_back(std::chrono::duration<double>(clock_type::now() - t0).count());
        layer_s.push_back(std::chrono::duration<double>(clock_type::now() - t1).count());
        t0 = clock_type::now();
        for (std::size_t m = 0; m < r.measures().size(); ++m) {
            (void)report::measure_equity(r, m, report::equity_horizon(r, m));
        }
        equity_s.push_back(std::chrono::duration<double>(clock_type::now() - t0).count());
    }
    std::sort(gaps_s.begin(), gaps_s.end());
    std::sort(equity_s.begin(), equity_s.end());
    std::sort(layer_s.begin(), layer_s.end());
    std::printf("%zu cells, %zu measures, %zu gap features\n", r.inputs().cells.size(), r.measures().size(), features);
    std::printf("gap patches (one thread): median %.4f s, min %.4f s\n", gaps_s[gaps_s.size() / 2], gaps_s.front());
    std::printf("  of which the layer (vertices to WGS84, fields): median %.4f s\n", layer_s[layer_s.size() / 2]);
    std::printf("equity (one thread):      median %.4f s, min %.4f s\n", equity_s[equity_s.size() / 2], equity_s.front());
    return 0;
}
