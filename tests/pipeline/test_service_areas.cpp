// pipeline::kind_service_areas, the per kind x profile job of `kepu15 run`, gives the same areas
// as pipeline::service_areas, which draws them all at once (evaluate, compare, run --threads 1
// at the end); tests/pipeline "evaluating another facility set ..." compares the files of both paths.
#include "../support/paths.hpp"

#include "kepu15/pipeline/evaluate.hpp"
#include "kepu15/pipeline/prepared.hpp"
#include "kepu15/pipeline/service_areas.hpp"
#include "kepu15/study/study.hpp"

#include <catch2/catch.hpp>

using namespace kepu15;

TEST_CASE("service areas drawn per kind x profile equal those drawn all at once, vertex for vertex", "[pipeline]") {
    study::Study study = study::load_study((test::source_dir() / "geodata" / "kunshan" / "study.toml").string());
    study.profiles = {network::Profile::walk, network::Profile::drive};
    Diagnostics diag;
    Timings timings;
    const pipeline::PreparedStudy prepared = pipeline::prepare(study, 2, diag, timings);
    REQUIRE(pipeline::wants_service_areas(prepared));
    pipeline::EvaluateOptions options;
    options.service_areas = false;
    const pipeline::Evaluation ev = pipeline::evaluate(prepared, prepared.inputs.facilities, options, 2, diag, timings);
    const auto all = pipeline::service_areas(prepared, ev.facilities, ev.facility_snaps, 2);
    const std::size_t profiles = prepared.network->profiles().size();
    const std::size_t bands = study.isochrone_minutes.size();
    REQUIRE(profiles == 2);
    REQUIRE(bands >= 2);
    REQUIRE(all.size() == ev.facilities.size() * profiles * bands);
    std::size_t i = 0;
    std::size_t rings = 0;
    for (std::size_t k = 0; k < ev.facilities.size(); ++k) {
        for (std::size_t p = 0; p < profiles; ++p) {
            const auto one = pipeline::kind_service_areas(prepared, ev.facilities[k], ev.facility_snaps[p][k], p);
            REQUIRE(one.size() == bands);
            for (const auto& a : one) {
                const auto& b = all[i++];
                CAPTURE(a.kind, a.minutes);
                REQUIRE(a.kind == b.kind);
                REQUIRE(a.profile == b.profile);
                REQUIRE(a.minutes == b.minutes);
                REQUIRE(a.facility == -1);
                REQUIRE(b.facility == -1);
                REQUIRE(a.shape_m.size() == b.shape_m.size());
                for (std::size_t g = 0; g < a.shape_m.size(); ++g) {
                    REQUIRE(a.shape_m[g].outer == b.shape_m[g].outer);
                    REQUIRE(a.shape_m[g].holes == b.shape_m[g].holes);
                    rings += 1 + a.shape_m[g].holes.size();
                }
            }
        }
    }
    REQUIRE(rings > 100);  // real shapes, not empty ones
}
