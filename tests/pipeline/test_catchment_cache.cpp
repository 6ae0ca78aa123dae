// The prepared study's catchment cache (pipeline/catchment_cache.hpp): access computed from cached
// catchments is equal to the last bit to access searched again and to compute_access on the reach
// table of the same pairs; a scenario evaluated on a warm cache writes byte-identical outputs to a
// fresh prepared study's evaluation; the memory budget is respected without changing any result.
#include "../support/cli.hpp"
#include "../support/paths.hpp"

#include "kepu15/access/fca.hpp"
#include "kepu15/commands/run.hpp"
#include "kepu15/pipeline/catchment_cache.hpp"
#include "kepu15/pipeline/evaluate.hpp"
#include "kepu15/pipeline/prepared.hpp"
#include "kepu15/pipeline/result.hpp"
#include "kepu15/routing/reach_table.hpp"
#include "kepu15/study/study.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>

namespace fs = std::filesystem;
using namespace kepu15;

namespace {

void same_bits(const std::vector<double>& a, const std::vector<double>& b) {
    REQUIRE(a.size() == b.size());
    std::size_t differ = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const bool same = std::isnan(a[i]) ? std::isnan(b[i]) : a[i] == b[i];
        differ += same ? 0 : 1;
    }
    CHECK(differ == 0);
}

void same_access(const pipeline::Evaluation& a, const pipeline::Evaluation& b) {
    REQUIRE(a.access.size() == b.access.size());
    REQUIRE(a.measures.size() == b.measures.size());
    for (std::size_t m = 0; m < a.access.size(); ++m) {
        CAPTURE(a.measures[m].key());
        same_bits(a.access[m].score, b.access[m].score);
        same_bits(a.access[m].ratio, b.access[m].ratio);
        same_bits(a.access[m].catchment_population, b.access[m].catchment_population);
        same_bits(a.measures[m].value, b.measures[m].value);
    }
}

// The bundled study on two profiles (walk and drive: the smallest and the largest catchments).
study::Study bundled_study() {
    study::Study s = study::load_study((test::source_dir() / "geodata" / "kunshan" / "study.toml").string());
    s.profiles = {network::Profile::walk, network::Profile::drive};
    REQUIRE(s.access);
    return s;
}

// `base` with some facilities of every kind removed, some moved by up to 300 m and some added
// (copies of others moved by up to 2 km), at random with a fixed seed.
std::vector<study::FacilitySet> changed_sets(const std::vector<study::FacilitySet>& base, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> near(-300.0, 300.0);
    std::uniform_real_distribution<double> far(-2000.0, 2000.0);
    std::vector<study::FacilitySet> out;
    for (const auto& fs : base) {
        study::FacilitySet c = fs;
        c.position_m.clear();
        c.position_lonlat.clear();
        c.id.clear();
        c.name.clear();
        c.capacity.clear();
        c.unit.clear();
        const auto take = [&](std::size_t j, Point at, const std::string& id) {
            c.position_m.push_back(at);
            c.position_lonlat.push_back(fs.position_lonlat[j]);
            c.id.push_back(id);
            c.name.push_back(fs.name[j]);
            c.capacity.push_back(fs.capacity[j]);
            c.unit.push_back(fs.unit[j]);
        };
        for (std::size_t j = 0; j < fs.id.size(); ++j) {
            const auto roll = rng() % 10;
            if (roll < 2) continue;  // removed
            Point at = fs.position_m[j];
            if (roll == 2) at = {at.x + near(rng), at.y + near(rng)};  // moved
            take(j, at, fs.id[j]);
        }
        for (std::size_t a = 0; a < 1 + fs.id.size() / 8; ++a) {  // added
            const std::size_t j = rng() % fs.id.size();
            take(j, {fs.position_m[j].x + far(rng), fs.position_m[j].y + far(rng)}, "NEW-" + std::to_string(a));
        }
        out.push_back(std::move(c));
    }
    return out;
}

pipeline::Evaluation evaluate(const pipeline::PreparedStudy& prepared, std::vector<study::FacilitySet> sets,
                              unsigned threads) {
    Diagnostics diag;
    Timings timings;
    pipeline::EvaluateOptions eo;
    eo.service_areas = false;
    return pipeline::evaluate(prepared, std::move(sets), eo, threads, diag, timings);
}

}  // namespace

TEST_CASE("access from cached catchments equals access searched again and compute_access on the reach table, "
          "to the last bit",
          "[pipeline]") {
    Diagnostics diag;
    Timings timings;
    pipeline::PreparedStudy prepared = pipeline::prepare(bundled_study(), 2, diag, timings);
    const auto& base = prepared.inputs.facilities;
    const pipeline::Evaluation reference = evaluate(prepared, base, 2);  // no cache: every catchment searched

    // compute_access on the reach table of the same pairs (station by walk: many small catchments).
    std::size_t m = 0;
    while (reference.measures[m].key() != "station_walk") ++m;
    {
        const pipeline::PreparedNetwork& net = *prepared.network;
        const std::size_t k = 2;
        REQUIRE(base[k].kind == "station");
        const coverage::CostTable table =
            routing::reach_table(net.roads(), net.profiles()[0], net.reverse_graph(0), reference.facility_snaps[0][k],
                                 net.cell_snaps(0), reference.access[m].catchment, net.off_road_kmh(0), 2);
        access::AccessOptions opt = prepared.study.access->options;
        opt.catchment = reference.access[m].catchment;
        std::vector<double> capacity;
        for (const double c : base[k].capacity) capacity.push_back(std::isfinite(c) ? c : 1.0);
        const access::AccessResult expected =
            access::compute_access(table, prepared.inputs.cells.population, capacity, opt);
        same_bits(reference.access[m].score, expected.access);
        same_bits(reference.access[m].ratio, expected.ratio);
        same_bits(reference.access[m].catchment_population, expected.catchment_demand);
    }

    prepared.catchments = std::make_unique<pipeline::CatchmentCache>();
    for (const unsigned threads : {2U, 1U}) {
        CAPTURE(threads);
        const pipeline::Evaluation cold = evaluate(prepared, base, threads);  // fills the cache (first round)
        same_access(cold, reference);
    }
    const auto stored = prepared.catchments->stats();
    REQUIRE(stored.catchments > 0);
    REQUIRE(stored.refused == 0);
    for (const std::uint32_t seed : {11U, 12U, 13U}) {
        CAPTURE(seed);
        const auto sets = changed_sets(base, seed);
        // Without the cache (moved away for the reference), then twice with it: new catchments
        // searched and stored, then every catchment read from the cache.
        auto cache = std::move(prepared.catchments);
        const pipeline::Evaluation searched = evaluate(prepared, sets, 2);
        prepared.catchments = std::move(cache);
        const std::size_t before = prepared.catchments->stats().catchments;
        for (const unsigned threads : {2U, 1U, 3U}) {
            CAPTURE(threads);
            same_access(evaluate(prepared, sets, threads), searched);
        }
        REQUIRE(prepared.catchments->stats().catchments > before);  // the moved and added sites were stored
    }
}

TEST_CASE("a scenario that removes, moves and adds facilities, evaluated on a warm catchment cache, writes the "
          "same bytes as a fresh prepared study",
          "[pipeline]") {
    test::TempDir dir("catchment_cache");
    const study::Study s = bundled_study();
    Diagnostics diag;
    Timings timings;
    pipeline::PreparedStudy warm = pipeline::prepare(s, 2, diag, timings);
    warm.catchments = std::make_unique<pipeline::CatchmentCache>();
    (void)evaluate(warm, warm.inputs.facilities, 2);  // the baseline fills the cache
    const auto sets = changed_sets(warm.inputs.facilities, 21);

    const auto write = [&](const pipeline::PreparedStudy& prepared, const std::string& name) {
        Diagnostics d;
        Timings t;
        const auto result = pipeline::summarise(prepared, pipeline::evaluate(prepared, sets, {}, 2, d, t));
        commands::RunOptions opt;
        opt.out_dir = dir.file(name);
        opt.threads = 2;
        commands::write_outputs(result, opt, d);
    };
    write(warm, "warm");
    const pipeline::PreparedStudy fresh = pipeline::prepare(s, 2, diag, timings);
    REQUIRE(fresh.catchments == nullptr);
    write(fresh, "fresh");

    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir.path() / "fresh")) names.push_back(e.path().filename().string());
    REQUIRE(names.size() >= 8);
    for (const auto& n : names) {
        CAPTURE(n);
        REQUIRE(fs::exists(dir.path() / "warm" / n));
        REQUIRE(test::slurp((dir.path() / "warm" / n).string()) == test::slurp((dir.path() / "fresh" / n).string()));
    }
}

TEST_CASE("the catchment cache stays within its budget and the results do not change", "[pipeline]") {
    SECTION("inserts beyond the budget are refused, stored lists stay put") {
        pipeline::CatchmentCache cache(100 * sizeof(access::CompactEntry));
        network::Snap a;
        a.edge = 3;
        a.offset_m = 12.5;
        network::Snap b = a;
        b.offset_m = std::nextafter(12.5, 13.0);  // one bit apart: another catchment
        const auto ka = pipeline::CatchmentCache::key(0, 15.0, a);
        const auto kb = pipeline::CatchmentCache::key(0, 15.0, b);
        REQUIRE_FALSE(ka == kb);
        REQUIRE_FALSE(ka == pipeline::CatchmentCache::key(1, 15.0, a));
        REQUIRE_FALSE(ka == pipeline::CatchmentCache::key(0, 10.0, a));
        const std::vector<access::CompactEntry> sixty(60, {7, 1000});
        const auto* stored = cache.insert(ka, sixty);
        REQUIRE(stored != nullptr);
        REQUIRE(cache.find(ka) == stored);
        REQUIRE(stored->size() == 60);
        REQUIRE(cache.insert(kb, sixty) == nullptr);  // 120 pairs > 100
        REQUIRE(cache.find(kb) == nullptr);
        REQUIRE(cache.insert(kb, std::vector<access::CompactEntry>(40, {1, 2})) != nullptr);  // exactly 100
        REQUIRE(cache.find(ka) == stored);
        const auto st = cache.stats();
        CHECK(st.catchments == 2);
        CHECK(st.bytes == 100 * sizeof(access::CompactEntry));
        CHECK(st.refused == 1);
    }
    SECTION("a small budget on the bundled study: some catchments not stored, the same bits") {
        Diagnostics diag;
        Timings timings;
        pipeline::PreparedStudy prepared = pipeline::prepare(bundled_study(), 2, diag, timings);
        const pipeline::Evaluation reference = evaluate(prepared, prepared.inputs.facilities, 2);
        const std::size_t budget = std::size_t{4} << 20;  // 4 MB: the walk catchments, not every drive one
        prepared.catchments = std::make_unique<pipeline::CatchmentCache>(budget);
        for (int round = 0; round < 2; ++round) same_access(evaluate(prepared, prepared.inputs.facilities, 2), reference);
        const auto st = prepared.catchments->stats();
        CHECK(st.bytes <= budget);
        CHECK(st.refused > 0);
        CHECK(st.catchments > 0);
    }
}

TEST_CASE("releasing all catchments but those a scenario reads keeps its access to the last bit, "
          "twice in a row",
          "[pipeline]") {
    SECTION("release_all_but on a hand-made cache") {
        pipeline::CatchmentCache cache;
        network::Snap a;
        a.edge = 3;
        a.offset_m = 12.5;
        network::Snap b = a;
        b.edge = 4;
        const auto ka = pipeline::CatchmentCache::key(0, 15.0, a);
        const auto kb = pipeline::CatchmentCache::key(0, 15.0, b);
        const auto kc = pipeline::CatchmentCache::key(1, 15.0, a);
        const auto* stored = cache.insert(ka, std::vector<access::CompactEntry>(60, {7, 1000}));
        REQUIRE(cache.insert(kb, std::vector<access::CompactEntry>(40, {1, 2})) != nullptr);
        REQUIRE(cache.insert(kc, std::vector<access::CompactEntry>(10, {1, 2})) != nullptr);
        const std::vector<pipeline::CatchmentCache::Key> keep{ka, ka};
        CHECK(cache.release_all_but(keep) == 2);
        CHECK(cache.find(ka) == stored);  // the kept list stays where it was
        CHECK(cache.find(kb) == nullptr);
        CHECK(cache.find(kc) == nullptr);
        CHECK(cache.stats().catchments == 1);
        CHECK(cache.stats().bytes == 60 * sizeof(access::CompactEntry));
        CHECK(cache.release_all_but({}) == 1);
        CHECK(cache.stats().bytes == 0);
        // Released keys are stored again when searched again.
        REQUIRE(cache.insert(kb, std::vector<access::CompactEntry>(5, {1, 2})) != nullptr);
        CHECK(cache.find(kb)->size() == 5);
    }
    SECTION("the bundled study: two scenarios in a row on one prepared study, each after a release, equal "
            "a cache-less evaluation") {
        Diagnostics diag;
        Timings timings;
        pipeline::PreparedStudy prepared = pipeline::prepare(bundled_study(), 2, diag, timings);
        const auto& base = prepared.inputs.facilities;
        prepared.catchments = std::make_unique<pipeline::CatchmentCache>();
        const pipeline::Evaluation baseline = evaluate(prepared, base, 2);  // fills the cache
        const std::size_t stored = prepared.catchments->stats().catchments;
        REQUIRE(stored > 0);
        prepared.catchments->set_storing(false);  // as compare's scenario
        for (const std::uint32_t seed : {31U, 32U}) {
            CAPTURE(seed);
            const auto sets = changed_sets(base, seed);
            auto cache = std::move(prepared.catchments);
            // Without the cache: every catchment searched.
            const pipeline::Evaluation searched = evaluate(prepared, sets, 2);
            prepared.catchments = std::move(cache);
            // Keep only the baseline catchments of station x walk that the scenario still has.
            std::size_t m = 0;
            while (baseline.measures[m].key() != "station_walk") ++m;
            const auto keep = pipeline::catchment_keys(prepared, searched.facilities, searched.facility_snaps,
                                                       baseline.measures[m]);
            const std::size_t released = prepared.catchments->release_all_but(keep);
            CHECK(released > 0);
            const std::size_t left = prepared.catchments->stats().catchments;
            CHECK(left > 0);
            CHECK(left < keep.size());  // moved and added stations were never stored
            CHECK(left + released <= stored);
            std::size_t drive = 0;
            while (baseline.measures[drive].key() != "station_drive") ++drive;
            std::size_t found = 0;
            const auto drive_keys =
                pipeline::catchment_keys(prepared, base, baseline.facility_snaps, baseline.measures[drive]);
            for (const auto& key : drive_keys) {
                found += prepared.catchments->find(key) != nullptr ? 1 : 0;
            }
            CHECK(found == 0);  // another measure's catchments: released
            // The scenario reads the kept ones and searches the rest again: the same bits.
            same_access(evaluate(prepared, sets, 2), searched);
        }
    }
}
