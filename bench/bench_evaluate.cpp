// Re-evaluation on a prepared study: the bundled Kunshan study is prepared once (inputs, network,
// graphs, cell snaps), then a changed facility set (every second station removed, then restored) is
// evaluated and summarised repeatedly: crow-fly plus 3 kinds x the study's 4 profiles, travel
// times up to the horizon, aggregation by 区镇 and village. Service areas and writing are not part of
// an evaluation (they are output stages). Prints the prepare time and per-evaluation times without
// the catchment cache (every catchment searched, as in a single run), the first evaluation with it
// (cold: searched and stored) and the re-evaluations on the warm cache (the target figure), also
// with stations moved to new places; with [access], also the access stage alone without the cache
// (wall and CPU) and each measure's access on one thread.
// Usage: bench_evaluate STUDY.toml [repetitions] [threads]
#include "kepu15/access/fca.hpp"
#include "kepu15/coverage/crowfly.hpp"
#include "kepu15/huge_pages.hpp"
#include "kepu15/parallel.hpp"
#include "kepu15/pipeline/catchment_cache.hpp"
#include "kepu15/pipeline/evaluate.hpp"
#include "kepu15/pipeline/prepared.hpp"
#include "kepu15/pipeline/result.hpp"
#include "kepu15/routing/reach_table.hpp"
#include "kepu15/study/study.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <limits>
#include <string>
#include <vector>

using namespace kepu15;
using clock_type = std::chrono::steady_clock;

namespace {

// CPU time of the calling thread.
double thread_cpu_ms() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

struct Figures {
    std::vector<double> wall_ms, cpu_ms;
    void add(clock_type::time_point t, std::clock_t c) {
        wall_ms.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - t).count());
        cpu_ms.push_back(1e3 * static_cast<double>(std::clock() - c) / CLOCKS_PER_SEC);
    }
    static double median(std::vector<double> v) {
        std::sort(v.begin(), v.end());
        return v[v.size() / 2];
    }
    static double min(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }
};

}  // namespace

int main(int argc, char** argv) {
    kepu15::use_huge_page_heap();  // as the kepu15 executable does
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_evaluate STUDY.toml [repetitions] [threads]\n");
        return 2;
    }
    const int reps = argc > 2 ? std::atoi(argv[2]) : 10;
    const unsigned threads = argc > 3 ? static_cast<unsigned>(std::atoi(argv[3])) : 2U;
    const study::Study s = study::load_study(argv[1]);
    Diagnostics diag;
    Timings timings;
    const auto t0 = clock_type::now();
    pipeline::PreparedStudy prepared = pipeline::prepare(s, threads, diag, timings);
    const double prepare_s = std::chrono::duration<double>(clock_type::now() - t0).count();
    std::printf("prepare (read, network, graphs, cell snaps): %.3f s, %zu cells, %zu kinds x %zu profiles\n",
                prepare_s, prepared.inputs.cells.size(), prepared.inputs.facilities.size(), s.profiles.size());

    // The changed set: every second facility of the last kind removed.
    auto changed = prepared.inputs.facilities;
    auto& last = changed.back();
    study::FacilitySet half = last;
    half.position_m.clear();
    half.position_lonlat.clear();
    half.id.clear();
    half.name.clear();
    half.capacity.clear();
    half.unit.clear();
    for (std::size_t i = 0; i < last.id.size(); i += 2) {
        half.position_m.push_back(last.position_m[i]);
        half.position_lonlat.push_back(last.position_lonlat[i]);
        half.id.push_back(last.id[i]);
        half.name.push_back(last.name[i]);
        half.capacity.push_back(last.capacity[i]);
        half.unit.push_back(last.unit[i]);
    }
    last = half;

    // The changed set again with 10 of its stations moved 40 m further east at every repetition:
    // their catchments are new (searched and stored), the others are read from the cache.
    const auto moved = [&](int r) {
        auto set = changed;
        auto& st = set.back();
        for (std::size_t i = 0; i < st.position_m.size() && i < 20; i += 2) st.position_m[i].x += 40.0 * (r + 1);
        return set;
    };

    pipeline::EvaluateOptions opt;
    opt.service_areas = false;
    double checksum = 0.0;
    // One evaluation + summary of `set`: wall and CPU (all threads: a figure the load does not inflate).
    const auto evaluate_once = [&](std::vector<study::FacilitySet> set, Figures& fig, bool print_stages) {
        const auto t = clock_type::now();
        const std::clock_t c = std::clock();
        Timings t_eval;
        auto ev = pipeline::evaluate(prepared, std::move(set), opt, threads, diag, t_eval);
        t_eval.start("summarise");
        const auto result = pipeline::summarise(prepared, std::move(ev), threads);
        t_eval.stop();
        fig.add(t, c);
        if (print_stages) {
            for (const auto& [name, sec] : t_eval.stages()) std::printf("    %-16s %.1f ms wall\n", name.c_str(), sec * 1e3);
        }
        checksum += result.by_unit.region.covered_any[0];
    };
    const auto report = [&](const char* what, const Figures& f) {
        std::printf("%s (%zu runs, %u threads): median %.1f ms wall (min %.1f, max %.1f), median %.1f ms CPU\n", what,
                    f.wall_ms.size(), threads, Figures::median(f.wall_ms), Figures::min(f.wall_ms),
                    *std::max_element(f.wall_ms.begin(), f.wall_ms.end()), Figures::median(f.cpu_ms));
    };

    // Without the catchment cache: every evaluation searches every catchment (as a single run does).
    Figures uncached;
    for (int r = 0; r < reps; ++r) evaluate_once((r % 2 == 0) ? changed : prepared.inputs.facilities, uncached, false);
    report("without the catchment cache: evaluate + summarise, half the stations / all of them", uncached);

    // With the cache: the first evaluation (cold: every catchment searched and stored), then
    // re-evaluations of changed sets on the warm cache.
    prepared.catchments = std::make_unique<pipeline::CatchmentCache>();
    Figures cold;
    std::printf("first evaluation with the cache (cold: every catchment searched and stored), stages:\n");
    evaluate_once(prepared.inputs.facilities, cold, true);
    const auto st = prepared.catchments->stats();
    report("  cold evaluate + summarise", cold);
    std::printf("  cache: %zu catchments, %.1f MB of pairs\n", st.catchments, static_cast<double>(st.bytes) / 1048576.0);
    Figures warm;
    for (int r = 0; r < reps; ++r) evaluate_once((r % 2 == 0) ? changed : prepared.inputs.facilities, warm, r == 0);
    report("RE-EVALUATION (target figure): evaluate + summarise on the warm cache, half the stations / all of them", warm);
    Figures warm_moved;
    for (int r = 0; r < reps; ++r) evaluate_once(moved(r), warm_moved, false);
    report("re-evaluation on the warm cache, half the stations with 10 of them moved (new catchments)", warm_moved);
    // The access stage alone (as pipeline::evaluate runs it: network measures one after another on
    // every thread, crow-fly ones side by side), on one evaluation's measures and snaps, with the
    // warm cache and without it; then each measure on one thread with and without it.
    if (s.access) {
        Timings t_eval;
        const auto ev = pipeline::evaluate(prepared, prepared.inputs.facilities, opt, threads, diag, t_eval);
        auto cache = std::move(prepared.catchments);
        for (const bool with_cache : {true, false}) {
            if (with_cache) prepared.catchments = std::move(cache);
            else cache = std::move(prepared.catchments);
            Figures now;
            for (int r = 0; r < reps; ++r) {
                auto t = clock_type::now();
                std::clock_t c = std::clock();
                const std::vector<pipeline::AccessMeasure> out = pipeline::access_stage(prepared, ev, threads);
                checksum += out.back().score.empty() ? 0.0 : out.back().score[0];
                now.add(t, c);
            }
            std::printf("access stage alone, %s (%zu measures, %d runs, %u threads): median %.1f ms wall (min %.1f), "
                        "median %.1f ms CPU (min %.1f)\n",
                        with_cache ? "warm cache" : "no cache (searched)", ev.measures.size(), reps, threads,
                        Figures::median(now.wall_ms), Figures::min(now.wall_ms), Figures::median(now.cpu_ms),
                        Figures::min(now.cpu_ms));
        }
        // The access part of `kepu15 compare` adding 50 venues (scripts/bench-compare.sh): the first
        // kind gains 50 sites 300 m east of the first 50 facilities of the last kind; its measures'
        // access continues the baseline's (pipeline::access_measure_appended) on the warm cache,
        // which stores nothing (as compare's scenario): network measures one after another on
        // every thread, then crow-fly.
        prepared.catchments = std::move(cache);
        {
            auto added = prepared.inputs.facilities;
            auto& first = added.front();
            const auto& from = prepared.inputs.facilities.back();
            for (std::size_t i = 0; i < 50 && i < from.position_m.size(); ++i) {
                first.position_m.push_back({from.position_m[i].x + 300.0, from.position_m[i].y});
                first.position_lonlat.push_back(from.position_lonlat[i]);
                first.id.push_back("BENCH-" + std::to_string(i + 1));
                first.name.push_back("");
                first.capacity.push_back(std::numeric_limits<double>::quiet_NaN());
                first.unit.push_back(from.unit[i]);
            }
            Timings t_added;
            prepared.catchments->set_storing(false);
            const auto ev_added = pipeline::evaluate(prepared, added, opt, threads, diag, t_added);
            Figures appended;
            for (int r = 0; r < reps; ++r) {
                auto t = clock_type::now();
                std::clock_t c = std::clock();
                for (std::size_t m = 0; m < ev.measures.size(); ++m) {
                    if (ev.measures[m].kind != first.kind || !ev.measures[m].is_network()) continue;
                    checksum += pipeline::access_measure_appended(prepared, ev_added, m, ev.access[m], threads).score[0];
                }
                for (std::size_t m = 0; m < ev.measures.size(); ++m) {
                    if (ev.measures[m].kind != first.kind || ev.measures[m].is_network()) continue;
                    checksum += pipeline::access_measure_appended(prepared, ev_added, m, ev.access[m], 1).score[0];
                }
                appended.add(t, c);
            }
            prepared.catchments->set_storing(true);
            std::printf("access of 50 added %s sites, continuing the baseline's (as kepu15 compare; %d runs, %u threads): "
                        "median %.1f ms wall (min %.1f), median %.1f ms CPU (min %.1f)\n",
                        first.kind.c_str(), reps, threads, Figures::median(appended.wall_ms), Figures::min(appended.wall_ms),
                        Figures::median(appended.cpu_ms), Figures::min(appended.cpu_ms));
        }
        cache = std::move(prepared.catchments);
        // The searches alone, per profile on one thread (thread CPU, the least of the repetitions,
        // the figure least disturbed by other processes): the points' index built for every cell
        // (as the cache and a run now share it), then every facility of the last kind searched.
        {
            const pipeline::PreparedNetwork& net = *prepared.network;
            const double limit = s.access->catchment_minutes.value_or(s.minutes_for(s.facilities.back()));
            for (std::size_t p = 0; p < net.profiles().size(); ++p) {
                const auto& snaps = ev.facility_snaps[p].back();
                std::vector<double> build_ms, search_ms;
                std::size_t pairs = 0;
                for (int r = 0; r < std::max(reps, 5); ++r) {
                    double t = thread_cpu_ms();
                    auto points = routing::catchment_points(net.roads(), net.profiles()[p], net.reverse_graph(p),
                                                            net.cell_snaps(p), limit, net.off_road_kmh(p));
                    build_ms.push_back(thread_cpu_ms() - t);
                    const routing::CatchmentSearch search(net.roads(), net.profiles()[p], net.reverse_graph(p), snaps,
                                                          net.cell_snaps(p), limit, net.off_road_kmh(p), points);
                    auto worker = search.worker();
                    t = thread_cpu_ms();
                    pairs = 0;
                    for (std::size_t f = 0; f < snaps.size(); ++f) pairs += worker.search(f, true).size();
                    search_ms.push_back(thread_cpu_ms() - t);
                }
                std::printf("  %s catchments of the %zu %s (%zu pairs), one thread: points' index %.1f ms, searches "
                            "%.1f ms CPU (least of %zu)\n",
                            network::profile_name(net.profiles()[p]), snaps.size(), ev.facilities.back().kind.c_str(),
                            pairs, Figures::min(build_ms), Figures::min(search_ms), search_ms.size());
            }
        }
        for (std::size_t m = 0; m < ev.measures.size(); ++m) {  // per measure on one thread, CPU time
            double cpu[2];
            for (const bool with_cache : {true, false}) {
                if (with_cache) prepared.catchments = std::move(cache);
                else cache = std::move(prepared.catchments);
                const std::clock_t c = std::clock();
                const auto a = pipeline::access_measure(prepared, ev, m, 1);
                cpu[with_cache ? 0 : 1] = 1e3 * static_cast<double>(std::clock() - c) / CLOCKS_PER_SEC;
                checksum += a.score.empty() ? 0.0 : a.score[0];
            }
            const auto& me = ev.measures[m];
            std::printf("  measure %zu %s %s, one thread: %.1f ms CPU warm cache, %.1f ms searched\n", m, me.kind.c_str(),
                        me.is_network() ? network::profile_name(me.method.profile) : "crowfly", cpu[0], cpu[1]);
        }
    }
    std::printf("(checksum %.0f)\n", checksum);
    return 0;
}
