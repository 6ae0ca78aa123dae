// Regression (issue 11 §4): the process-wide cache of PROJ operations created a CRS pair's operation in
// the direction asked for first, and applied it inverted for the other direction. An operation and
// its inverse differ in the last bits, and the road reader's thread races the inputs' loader to ask
// first, so a whole run and a partition of the jiangsu-like study (which reads its roads after its
// inputs) put 2,729 of 20,000 facilities up to 3e-9 m apart and measured 13 crow-fly cells one
// float32 step apart. Now each pair is created in one direction whatever is asked first.
#include "bitwise_points.hpp"
#include "kepu15/geo/crs.hpp"

#include <proj.h>

#include <catch2/catch.hpp>

#include <memory>
#include <random>
#include <span>
#include <string>
#include <vector>

using kepu15::Point;
using kepu15::test::bitwise_different;
using kepu15::geo::Transformer;

namespace {

struct Proj {
    PJ_CONTEXT* ctx = proj_context_create();
    PJ* op = nullptr;
    // PROJ's own operation from WGS84 to `crs`, in GIS axis order: what every Transformer between
    // the two must apply (forward from WGS84, inverted towards it).
    explicit Proj(const char* crs) {
        proj_log_level(ctx, PJ_LOG_NONE);
        PJ* raw = proj_create_crs_to_crs(ctx, "EPSG:4326", crs, nullptr);
        REQUIRE(raw != nullptr);
        op = proj_normalize_for_visualization(ctx, raw);
        proj_destroy(raw);
        REQUIRE(op != nullptr);
    }
    ~Proj() {
        proj_destroy(op);
        proj_context_destroy(ctx);
    }
    Proj(const Proj&) = delete;
    Proj& operator=(const Proj&) = delete;
    [[nodiscard]] std::vector<Point> apply(std::vector<Point> pts, PJ_DIRECTION dir) const {
        proj_trans_generic(op, dir, &pts[0].x, sizeof(Point), pts.size(), &pts[0].y, sizeof(Point), pts.size(),
                           nullptr, 0, 0, nullptr, 0, 0);
        return pts;
    }
};

// Seeded points around the central meridian `cm` of a 3-degree Gauss-Kruger zone of CGCS2000.
std::vector<Point> lonlat_sample(double cm, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> lon(cm - 1.4, cm + 1.4), lat(21.0, 45.0);
    std::vector<Point> pts(2000);
    for (auto& p : pts) p = {lon(rng), lat(rng)};
    return pts;
}

// Both directions of WGS84 <-> `crs`, asked in the order given, equal PROJ's operation bit for bit.
void require_canonical(const char* crs, double cm, bool projected_first) {
    CAPTURE(crs, projected_first);
    std::unique_ptr<Transformer> to_wgs84;
    std::unique_ptr<Transformer> from_wgs84;
    if (projected_first) to_wgs84 = std::make_unique<Transformer>(crs, "EPSG:4326");
    from_wgs84 = std::make_unique<Transformer>("EPSG:4326", crs);
    if (!projected_first) to_wgs84 = std::make_unique<Transformer>(crs, "EPSG:4326");

    const Proj reference(crs);
    const std::vector<Point> lonlat = lonlat_sample(cm, 20261202);
    const std::vector<Point> metres = reference.apply(lonlat, PJ_FWD);

    std::vector<Point> got = lonlat;
    from_wgs84->forward(std::span<Point>(got));
    REQUIRE(bitwise_different(got, metres) == 0);

    got = metres;
    to_wgs84->forward(std::span<Point>(got));
    REQUIRE(bitwise_different(got, reference.apply(metres, PJ_INV)) == 0);

    // The inverse of the other Transformer is the same operation, so it agrees too.
    got = metres;
    from_wgs84->inverse(std::span<Point>(got));
    REQUIRE(bitwise_different(got, reference.apply(metres, PJ_INV)) == 0);
}

}  // namespace

TEST_CASE("a CRS pair transforms points bit for bit the same whichever direction was asked for first",
          "[geo]") {
    // EPSG:4547 and EPSG:4548 (CGCS2000 3-degree Gauss-Kruger, CM 114E and 117E) are used by no
    // other test of this program, so the process-wide cache meets them here first, in the order
    // given. With 4547 asked projected -> WGS84 first, the old cache gave other last bits for
    // WGS84 -> 4547 than PROJ's own operation (and than 4548, asked the other way round).
    require_canonical("EPSG:4547", 114.0, true);
    require_canonical("EPSG:4548", 117.0, false);
}
