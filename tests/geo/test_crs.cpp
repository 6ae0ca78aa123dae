#include "kepu15/geo/crs.hpp"

#include "bitwise_points.hpp"
#include "kepu15/error.hpp"
#include "kepu15/geo/chinese_datum.hpp"

#include <catch2/catch.hpp>

#include <proj.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

using kepu15::Point;
using kepu15::test::bitwise_different;
using namespace kepu15::geo;

TEST_CASE("EPSG:4326 to EPSG:4549 matches cs2cs to 1 mm", "[geo]") {
    // Expected values computed at development time with PROJ 9.1.1:
    //   printf "31.35515 120.94647\n" | cs2cs -d 4 EPSG:4326 EPSG:4549   -> 3470737.7658 590057.0746
    // and with GDAL osr (traditional GIS order) for the other two points:
    //   (121.0, 31.0) -> 595506.5563 3431403.6101;  (120.0, 31.5) -> 500000.0000 3486411.2106
    // EPSG:4549's own axis order is northing, easting; ours is easting, northing.
    Transformer t("EPSG:4326", "EPSG:4549");
    struct Case {
        Point lonlat, expected_m;
    };
    const Case cases[] = {
        {{120.94647, 31.35515}, {590057.0746, 3470737.7658}},  // 昆山南站
        {{121.0, 31.0}, {595506.5563, 3431403.6101}},
        {{120.0, 31.5}, {500000.0000, 3486411.2106}},  // on the central meridian
    };
    for (const auto& c : cases) {
        const Point m = t.forward(c.lonlat);
        CHECK(m.x == Approx(c.expected_m.x).margin(1e-3));
        CHECK(m.y == Approx(c.expected_m.y).margin(1e-3));
        const Point back = t.inverse(m);
        CHECK(back.x == Approx(c.lonlat.x).margin(1e-9));
        CHECK(back.y == Approx(c.lonlat.y).margin(1e-9));
    }

    // The span overload gives the same answers in place.
    std::vector<Point> pts;
    for (const auto& c : cases) pts.push_back(c.lonlat);
    t.forward(pts);
    for (std::size_t i = 0; i < pts.size(); ++i) {
        CHECK(pts[i].x == Approx(cases[i].expected_m.x).margin(1e-3));
        CHECK(pts[i].y == Approx(cases[i].expected_m.y).margin(1e-3));
    }
    t.inverse(pts);
    for (std::size_t i = 0; i < pts.size(); ++i) {
        CHECK(pts[i].x == Approx(cases[i].lonlat.x).margin(1e-9));
        CHECK(pts[i].y == Approx(cases[i].lonlat.y).margin(1e-9));
    }
}

TEST_CASE("EPSG:4326 to UTM 51N matches cs2cs", "[geo]") {
    // printf "31.35515 120.94647\n" | cs2cs -d 4 EPSG:4326 EPSG:32651 -> 304668.5779 3470784.4590
    Transformer t("EPSG:4326", utm_crs_for({120.94647, 31.35515}));
    const Point m = t.forward({120.94647, 31.35515});
    CHECK(m.x == Approx(304668.5779).margin(1e-3));
    CHECK(m.y == Approx(3470784.4590).margin(1e-3));
}

TEST_CASE("Transformer round trips on a seeded sample around Kunshan", "[geo]") {
    const unsigned seed = 4549;
    INFO("seed " << seed);
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> lon(120.7, 121.3);
    std::uniform_real_distribution<double> lat(31.0, 31.6);
    std::vector<Point> original;
    for (int i = 0; i < 1000; ++i) original.push_back({lon(rng), lat(rng)});

    for (const char* to : {"EPSG:4549", "EPSG:32651", "EPSG:4490", "GCJ-02", "BD-09"}) {
        INFO("to " << to);
        Transformer t("EPSG:4326", to);
        std::vector<Point> pts = original;
        t.forward(pts);
        t.inverse(pts);
        double worst = 0.0;
        for (std::size_t i = 0; i < pts.size(); ++i) {
            worst = std::max({worst, std::abs(pts[i].x - original[i].x), std::abs(pts[i].y - original[i].y)});
        }
        CHECK(worst < 1e-7);
    }
}

TEST_CASE("GCJ-02 chains through WGS84", "[geo]") {
    const Point wgs{120.94647, 31.35515};
    const Point gcj = wgs84_to_gcj02(wgs);

    Transformer to_wgs("gcj02", "EPSG:4326");
    const Point w = to_wgs.forward(gcj);
    CHECK(w.x == Approx(wgs.x).margin(1e-9));
    CHECK(w.y == Approx(wgs.y).margin(1e-9));

    // GCJ-02 -> EPSG:4549 equals GCJ-02 -> WGS84 -> EPSG:4549 (cs2cs value as above).
    Transformer to_gk("GCJ-02", "EPSG:4549");
    const Point m = to_gk.forward(gcj);
    CHECK(m.x == Approx(590057.0746).margin(1e-3));
    CHECK(m.y == Approx(3470737.7658).margin(1e-3));
    const Point back = to_gk.inverse(m);
    CHECK(back.x == Approx(gcj.x).margin(1e-9));
    CHECK(back.y == Approx(gcj.y).margin(1e-9));

    // BD-09 <-> GCJ-02 without PROJ in between.
    Transformer bd_to_gcj("bd-09", "Gcj-02");
    const Point bd = gcj02_to_bd09(gcj);
    const Point g = bd_to_gcj.forward(bd);
    CHECK(g.x == Approx(gcj.x).margin(1e-9));
    CHECK(g.y == Approx(gcj.y).margin(1e-9));
    CHECK(bd_to_gcj.from_crs() == "bd-09");
    CHECK(bd_to_gcj.to_crs() == "Gcj-02");
}

TEST_CASE("Chinese pseudo-CRS names are recognised case-insensitively", "[geo]") {
    CHECK(chinese_datum_of("GCJ-02") == ChineseDatum::gcj02);
    CHECK(chinese_datum_of("gcj02") == ChineseDatum::gcj02);
    CHECK(chinese_datum_of("BD-09") == ChineseDatum::bd09);
    CHECK(chinese_datum_of("Bd09") == ChineseDatum::bd09);
    CHECK(chinese_datum_of("EPSG:4326") == ChineseDatum::none);
    CHECK(chinese_datum_of("GCJ-2") == ChineseDatum::none);
    CHECK(is_geographic("GCJ-02"));
    CHECK(is_geographic("EPSG:4326"));
    CHECK(is_geographic("EPSG:4490"));
    CHECK_FALSE(is_geographic("EPSG:4549"));
    CHECK_FALSE(is_geographic("EPSG:32651"));
    CHECK_NOTHROW(validate_crs("BD09"));
}

TEST_CASE("UTM zone choice", "[geo]") {
    CHECK(utm_crs_for({120.954, 31.384}) == "EPSG:32651");  // Kunshan
    CHECK(utm_crs_for({2.35, 48.86}) == "EPSG:32631");      // Paris
    CHECK(utm_crs_for({-74.0, 40.7}) == "EPSG:32618");      // New York
    CHECK(utm_crs_for({151.2, -33.9}) == "EPSG:32756");     // Sydney, southern hemisphere
    CHECK(utm_crs_for({-58.4, -34.6}) == "EPSG:32721");     // Buenos Aires
    CHECK(utm_crs_for({-180.0, 10.0}) == "EPSG:32601");
    CHECK(utm_crs_for({179.99, 10.0}) == "EPSG:32660");
    CHECK(utm_crs_for({180.0, 10.0}) == "EPSG:32601");  // the antimeridian wraps to zone 1
    CHECK_THROWS_AS(utm_crs_for({NAN, 10.0}), kepu15::crs_error);
}

TEST_CASE("Unknown CRS gives crs_error naming it", "[geo]") {
    CHECK_THROWS_AS(validate_crs("EPSG:999999"), kepu15::crs_error);
    CHECK_THROWS_WITH(validate_crs("EPSG:999999"), Catch::Contains("EPSG:999999"));
    CHECK_THROWS_WITH(Transformer("EPSG:4326", "NOT-A-CRS"), Catch::Contains("NOT-A-CRS"));
    CHECK_THROWS_WITH(Transformer("wgs-85", "EPSG:4326"), Catch::Contains("wgs-85"));
    CHECK_THROWS_AS(Transformer("GCJ-02", "bogus"), kepu15::crs_error);
    CHECK_THROWS_AS(crs_name(""), kepu15::crs_error);
    CHECK_NOTHROW(validate_crs("EPSG:4549"));
    // A PROJ string without +type=crs is accepted as the CRS it describes.
    CHECK_NOTHROW(validate_crs("+proj=utm +zone=51 +datum=WGS84"));
    CHECK_FALSE(is_geographic("+proj=utm +zone=51 +datum=WGS84"));
}

TEST_CASE("CRS names and WKT", "[geo]") {
    CHECK(crs_name("EPSG:4549") == "CGCS2000 / 3-degree Gauss-Kruger CM 120E");
    CHECK(crs_name("EPSG:4326") == "WGS 84");
    CHECK(crs_name("gcj-02") == "GCJ-02");
    CHECK(crs_name("BD09") == "BD-09");
    const std::string wkt = crs_wkt("EPSG:4549");
    CHECK_THAT(wkt, Catch::Contains("CGCS2000") && Catch::Contains("4549"));
    CHECK(crs_wkt("GCJ-02") == crs_wkt("EPSG:4326"));
}

TEST_CASE("Transformer is movable and failures become NaN", "[geo]") {
    Transformer a("EPSG:4326", "EPSG:4549");
    Transformer b = std::move(a);
    const Point m = b.forward({120.94647, 31.35515});
    CHECK(m.x == Approx(590057.0746).margin(1e-3));
    // Latitude 100 is impossible: PROJ fails and the point becomes NaN, not HUGE_VAL.
    std::vector<Point> pts{{120.0, 100.0}, {120.94647, 31.35515}};
    b.forward(pts);
    CHECK(std::isnan(pts[0].x));
    CHECK(std::isnan(pts[0].y));
    CHECK(pts[1].x == Approx(590057.0746).margin(1e-3));
}

namespace {

// PROJ's own answer for `from` -> `to`, in a fresh context (no cache, no shortcut), on lon/lat-ordered
// points (normalised for visualisation, as Transformer is); PJ_INV applies that operation inverted.
std::vector<Point> proj_reference(const std::string& from, const std::string& to, std::vector<Point> pts,
                                  PJ_DIRECTION direction = PJ_FWD) {
    PJ_CONTEXT* ctx = proj_context_create();
    PJ* op = proj_create_crs_to_crs(ctx, from.c_str(), to.c_str(), nullptr);
    REQUIRE(op != nullptr);
    PJ* norm = proj_normalize_for_visualization(ctx, op);
    REQUIRE(norm != nullptr);
    proj_trans_generic(norm, direction, &pts[0].x, sizeof(Point), pts.size(), &pts[0].y, sizeof(Point), pts.size(),
                       nullptr, 0, 0, nullptr, 0, 0);
    proj_destroy(norm);
    proj_destroy(op);
    proj_context_destroy(ctx);
    return pts;
}

}  // namespace

TEST_CASE("Transformer gives PROJ's own proj_create_crs_to_crs answer bit for bit", "[geo]") {
    // Pairs through the shortcut (WGS84 -> a projected CRS on CGCS2000: a ballpark no-op to its base),
    // its reverse and its leg, pairs PROJ answers directly, and pairs with a real datum shift (the
    // shortcut must fall back). Points: seeded (logged) uniform samples in each projection's area.
    struct Pair {
        const char* from;
        const char* to;
        double lon0, lat0, lon1, lat1;  // sample box, lon/lat
    };
    const Pair pairs[] = {
        {"EPSG:4326", "EPSG:4549", 119.5, 30.5, 121.5, 32.0},  // WGS84 -> CGCS2000 / GK CM 120E
        {"EPSG:4490", "EPSG:4326", 119.5, 30.5, 121.5, 32.0},  // the leg, reversed
        {"EPSG:4326", "EPSG:4490", 119.5, 30.5, 121.5, 32.0},
        {"OGC:CRS84", "EPSG:4549", 119.5, 30.5, 121.5, 32.0},  // lon/lat order source
        {"EPSG:4490", "EPSG:4549", 119.5, 30.5, 121.5, 32.0},  // the projection's own base
        {"EPSG:4326", "EPSG:4547", 112.5, 22.0, 115.5, 25.0},  // CGCS2000 / GK CM 114E (Guangzhou)
        {"EPSG:4326", "EPSG:32651", 120.0, 30.0, 122.0, 32.0},  // UTM on WGS84 itself
        {"EPSG:4326", "EPSG:2154", 0.0, 44.0, 6.0, 48.0},       // Lambert-93 on RGF93
        {"EPSG:4326", "EPSG:2326", 113.9, 22.2, 114.3, 22.5},   // Hong Kong 1980 Grid: a datum shift
        {"EPSG:4326", "EPSG:27700", -5.0, 50.5, 1.5, 55.0},     // British National Grid: a datum shift
        // Without PROJ's intermediate-CRS search (one side's datum has no operation in proj.db):
        {"EPSG:4490", "EPSG:4258", 119.5, 30.5, 121.5, 32.0},  // CGCS2000 -> ETRS89 (a ballpark)
        {"EPSG:3821", "EPSG:4326", 120.0, 22.0, 122.0, 25.0},  // TWD67 -> WGS84
        {"EPSG:4326", "EPSG:3821", 120.0, 22.0, 122.0, 25.0},
    };
    const unsigned seed = 20261202;
    INFO("seed " << seed);
    std::mt19937_64 rng(seed);
    for (const auto& p : pairs) {
        INFO(p.from << " -> " << p.to);
        std::uniform_real_distribution<double> lon(p.lon0, p.lon1);
        std::uniform_real_distribution<double> lat(p.lat0, p.lat1);
        std::vector<Point> lonlat(2000);
        for (auto& q : lonlat) q = {lon(rng), lat(rng)};
        const auto expected = proj_reference(p.from, p.to, lonlat);
        const Transformer t(p.from, p.to);
        std::vector<Point> got = lonlat;
        t.forward(got);
        CHECK(bitwise_different(got, expected) == 0);
        // And back: the inverse applies PROJ's operation inverted.
        const auto expected_back = proj_reference(p.from, p.to, expected, PJ_INV);
        std::vector<Point> back = expected;
        t.inverse(back);
        CHECK(bitwise_different(back, expected_back) == 0);
    }
}

TEST_CASE("datums that no operation of PROJ's database reaches are recognised, and only those", "[geo]") {
    using kepu15::geo::detail::datum_without_operations;
    REQUIRE(datum_without_operations("EPSG:4490"));   // CGCS2000
    REQUIRE(datum_without_operations("EPSG:4480"));   // CGCS2000, 3D
    REQUIRE(datum_without_operations("EPSG:3821"));   // TWD67
    REQUIRE_FALSE(datum_without_operations("EPSG:4326"));  // WGS84: an ensemble, many operations
    REQUIRE_FALSE(datum_without_operations("EPSG:4269"));  // NAD83
    REQUIRE_FALSE(datum_without_operations("EPSG:4258"));  // ETRS89
    REQUIRE_FALSE(datum_without_operations("EPSG:4549"));  // projected: not a geographic CRS of the database
    // The same CRS as WKT without an identifier: unsure, so no.
    REQUIRE_FALSE(datum_without_operations(
        "GEOGCRS[\"CGCS2000 without id\",DATUM[\"China 2000\",ELLIPSOID[\"CGCS2000\",6378137,298.257222101]],"
        "CS[ellipsoidal,2],AXIS[\"latitude\",north,ANGLEUNIT[\"degree\",0.0174532925199433]],"
        "AXIS[\"longitude\",east,ANGLEUNIT[\"degree\",0.0174532925199433]]]"));
}
