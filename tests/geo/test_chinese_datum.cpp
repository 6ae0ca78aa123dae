#include "kepu15/geo/chinese_datum.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <random>

using kepu15::Point;
using namespace kepu15::geo;

namespace {

double max_abs_diff(Point a, Point b) { return std::max(std::abs(a.x - b.x), std::abs(a.y - b.y)); }

}  // namespace

TEST_CASE("WGS84 to GCJ-02 matches the published test vectors", "[geo]") {
    // googollee/eviltransform, c/test.c and python/test.py (wgsLat, wgsLng, gcjLat, gcjLng),
    // same Krasovsky-parameter formula.
    struct Vector {
        double wgs_lat, wgs_lon, gcj_lat, gcj_lon;
    };
    const Vector vectors[] = {
        {31.1774276, 121.5272106, 31.17530398364597, 121.531541859215},     // Shanghai
        {22.543847, 113.912316, 22.540796131694766, 113.9171764808363},     // Shenzhen
        {39.911954, 116.377817, 39.91334545536069, 116.38404722455657},     // Beijing
    };
    for (const auto& v : vectors) {
        const Point gcj = wgs84_to_gcj02({v.wgs_lon, v.wgs_lat});
        INFO("WGS84 " << v.wgs_lon << ", " << v.wgs_lat);
        CHECK(gcj.x == Approx(v.gcj_lon).margin(1e-9));
        CHECK(gcj.y == Approx(v.gcj_lat).margin(1e-9));
        // Our inverse is exact to 1e-7 degrees (eviltransform's own test allows 0.5 m).
        const Point back = gcj02_to_wgs84({v.gcj_lon, v.gcj_lat});
        CHECK(back.x == Approx(v.wgs_lon).margin(1e-7));
        CHECK(back.y == Approx(v.wgs_lat).margin(1e-7));
    }

    // feiquan123/coordtransform-go, coordtransform_test.go: p = (114.363089, 30.517411).
    const Point wuhan{114.363089, 30.517411};
    const Point gcj = wgs84_to_gcj02(wuhan);
    CHECK(gcj.x == Approx(114.36861383019243).margin(1e-9));
    CHECK(gcj.y == Approx(30.515078352018758).margin(1e-9));
}

TEST_CASE("GCJ-02 to BD-09 matches the published test vectors", "[geo]") {
    // feiquan123/coordtransform-go, coordtransform_test.go: p = (114.363089, 30.517411).
    const Point p{114.363089, 30.517411};
    const Point bd = gcj02_to_bd09(p);
    CHECK(bd.x == Approx(114.36951652929112).margin(1e-9));
    CHECK(bd.y == Approx(30.523754384540837).margin(1e-9));
    // WGS84toBD09 of the same point (forward only, so exact).
    const Point wgs_bd = wgs84_to_bd09(p);
    CHECK(wgs_bd.x == Approx(114.3750500836037).margin(1e-9));
    CHECK(wgs_bd.y == Approx(30.521392123098003).margin(1e-9));
    // The published BD09toGCJ02 is a closed-form approximation, (114.356659806424, 30.511068245460944);
    // ours iterates to the exact inverse, which differs from it by well under 1e-5 degrees (~1 m).
    const Point g = bd09_to_gcj02(p);
    CHECK(g.x == Approx(114.356659806424).margin(1e-5));
    CHECK(g.y == Approx(30.511068245460944).margin(1e-5));
    CHECK(max_abs_diff(gcj02_to_bd09(g), p) < 1e-9);
}

TEST_CASE("GCJ-02 shift at Kunshan is about +0.0042 lon, -0.0021 lat", "[geo]") {
    // Figures from ../shared/geodata-raw/kunshan-boundary-datav/PROVENANCE.md (~400 m E, ~230 m S).
    const Point wgs{120.954, 31.384};
    const Point gcj = wgs84_to_gcj02(wgs);
    CHECK(gcj.x - wgs.x == Approx(0.00425).margin(0.0002));
    CHECK(gcj.y - wgs.y == Approx(-0.00210).margin(0.0002));
}

TEST_CASE("Chinese datum round trips within 1e-7 degrees on a seeded grid over China", "[geo]") {
    const unsigned seed = 20240515;
    INFO("seed " << seed);
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> lon_dist(73.5, 134.5);
    std::uniform_real_distribution<double> lat_dist(18.0, 53.0);
    double worst_gcj = 0.0;
    double worst_bd = 0.0;
    double worst_inverse = 0.0;
    for (int i = 0; i < 5000; ++i) {
        const Point wgs{lon_dist(rng), lat_dist(rng)};
        REQUIRE(in_china_box(wgs));
        const Point gcj = wgs84_to_gcj02(wgs);
        REQUIRE(max_abs_diff(gcj, wgs) > 1e-4);  // the shift is hundreds of metres everywhere
        worst_gcj = std::max(worst_gcj, max_abs_diff(gcj02_to_wgs84(gcj), wgs));
        worst_bd = std::max(worst_bd, max_abs_diff(bd09_to_wgs84(wgs84_to_bd09(wgs)), wgs));
        // The other way round: treat the random point as GCJ-02 / BD-09.
        worst_inverse = std::max(worst_inverse, max_abs_diff(wgs84_to_gcj02(gcj02_to_wgs84(wgs)), wgs));
        worst_inverse = std::max(worst_inverse, max_abs_diff(gcj02_to_bd09(bd09_to_gcj02(wgs)), wgs));
    }
    CHECK(worst_gcj < 1e-7);
    CHECK(worst_bd < 1e-7);
    CHECK(worst_inverse < 1e-8);
}

TEST_CASE("GCJ-02 is the identity outside China", "[geo]") {
    const Point outside[] = {{2.3522, 48.8566}, {-74.006, 40.7128}, {0.0, 0.0}, {151.2, -33.9}, {139.7, 35.7}};
    for (const Point p : outside) {
        INFO(p.x << ", " << p.y);
        CHECK_FALSE(in_china_box(p));
        CHECK(wgs84_to_gcj02(p) == p);
        CHECK(gcj02_to_wgs84(p) == p);
    }
    CHECK(in_china_box({120.95, 31.38}));
    CHECK_FALSE(in_china_box({71.9, 30.0}));
    CHECK_FALSE(in_china_box({100.0, 56.0}));
}
