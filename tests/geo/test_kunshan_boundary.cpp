// The real Kunshan county boundary (DataV.GeoAtlas, GCJ-02 as published, and its WGS84 conversion;
// see ../shared/geodata-raw/kunshan-boundary-datav/PROVENANCE.md).
#include "kepu15/geo/chinese_datum.hpp"
#include "kepu15/geo/crs.hpp"
#include "kepu15/geo/polygon_ops.hpp"

#include "../support/paths.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>

using kepu15::MultiPolygon;
using kepu15::Point;
using kepu15::Polygon;
using namespace kepu15::geo;

namespace {

MultiPolygon read_multipolygon(const std::filesystem::path& path) {
    std::ifstream in(path);
    REQUIRE(in.good());
    const nlohmann::json doc = nlohmann::json::parse(in);
    const auto& geometry = doc.at("features").at(0).at("geometry");
    REQUIRE(geometry.at("type") == "MultiPolygon");
    MultiPolygon mp;
    for (const auto& poly_json : geometry.at("coordinates")) {
        Polygon poly;
        for (std::size_t r = 0; r < poly_json.size(); ++r) {
            kepu15::Ring ring;
            for (const auto& c : poly_json[r]) ring.push_back({c.at(0).get<double>(), c.at(1).get<double>()});
            if (r == 0) {
                poly.outer = std::move(ring);
            } else {
                poly.holes.push_back(std::move(ring));
            }
        }
        mp.push_back(std::move(poly));
    }
    return mp;
}

}  // namespace

TEST_CASE("Kunshan boundary: GCJ-02 converts to the published WGS84 and has the known area", "[geo]") {
    using kepu15::test::shared_raw_dir;
    if (!kepu15::test::have_shared_raw()) {
        WARN("skipped: " << shared_raw_dir() << " is absent (real Kunshan boundary data)");
        SUCCEED("no shared data");
        return;
    }
    const auto dir = shared_raw_dir() / "kunshan-boundary-datav";
    const MultiPolygon gcj = read_multipolygon(dir / "kunshan_320583_gcj02.geojson");
    const MultiPolygon wgs = read_multipolygon(dir / "kunshan_320583_wgs84.geojson");
    REQUIRE(gcj.size() == 1);
    REQUIRE(wgs.size() == 1);
    REQUIRE(gcj[0].outer.size() == 590);
    REQUIRE(wgs[0].outer.size() == gcj[0].outer.size());

    // Compare vertex by vertex in CGCS2000 Gauss-Kruger metres.
    const Transformer gcj_to_gk("GCJ-02", "EPSG:4549");
    const Transformer wgs_to_gk("EPSG:4326", "EPSG:4549");
    double worst_m = 0.0;
    double min_raw_shift_m = 1e9;
    for (std::size_t i = 0; i < gcj[0].outer.size(); ++i) {
        const Point g = gcj[0].outer[i];
        const Point w = wgs[0].outer[i];
        const Point via_function = wgs_to_gk.forward(gcj02_to_wgs84(g));
        const Point via_chain = gcj_to_gk.forward(g);
        const Point expected = wgs_to_gk.forward(w);
        worst_m = std::max({worst_m, kepu15::distance(via_function, expected), kepu15::distance(via_chain, expected)});
        // Without the conversion the vertices are hundreds of metres off: the check can fail.
        min_raw_shift_m = std::min(min_raw_shift_m, kepu15::distance(wgs_to_gk.forward(g), expected));
    }
    INFO("worst vertex distance " << worst_m << " m");
    CHECK(worst_m < 1.0);
    CHECK(min_raw_shift_m > 300.0);

    // Planar area in EPSG:4549 against the land area of the Suzhou Statistical Yearbook (931.51 km²).
    MultiPolygon wgs_m = wgs;
    for (Polygon& poly : wgs_m) wgs_to_gk.forward(poly.outer);
    const double area_km2 = kepu15::area(wgs_m) / 1e6;
    INFO("area " << area_km2 << " km²");
    CHECK(area_km2 == Approx(931.5).epsilon(0.005));
    CHECK(is_valid(wgs_m));

    // The government seat (WGS84, kunshan-facts.md) lies inside the boundary.
    const Point seat_m = wgs_to_gk.forward({120.954, 31.384});
    CHECK(kepu15::area(intersection(wgs_m, MultiPolygon{kepu15::box_polygon(seat_m.x - 10, seat_m.y - 10,
                                                                              seat_m.x + 10, seat_m.y + 10)})) ==
          Approx(400.0).epsilon(1e-9));
}
