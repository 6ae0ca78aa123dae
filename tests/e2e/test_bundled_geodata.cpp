// The bundled synthetic Kunshan study: units tessellate the outline (no gaps, no overlaps, checked
// with GEOS), villages tessellate their units, population totals match the 2020 census figures the
// data were built from, and facility layers have the sizes and formats the study promises.
#include "kepu15/geo/crs.hpp"
#include "kepu15/geo/polygon_ops.hpp"
#include "kepu15/io/raster_reader.hpp"
#include "kepu15/io/vector_reader.hpp"
#include "kepu15/study/study.hpp"

#include "../support/paths.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <set>

using namespace kepu15;

namespace {
const study::Study& bundled() {
    static const study::Study s =
        study::load_study((kepu15::test::source_dir() / "geodata" / "kunshan" / "study.toml").string());
    return s;
}
}  // namespace

TEST_CASE("bundled 区镇 tessellate Kunshan's outline without gaps or overlaps", "[e2e][geodata]") {
    const auto& s = bundled();
    const geo::Transformer to_m(geo::wgs84, "EPSG:4549");
    const auto towns = io::read_vector(s.units.source.path, s.units.source.read);
    REQUIRE(towns.features.size() == 11);  // 2020 NBS vintage: 10 towns + 开发区
    std::set<std::string> codes;
    std::vector<MultiPolygon> shapes;
    double sum_km2 = 0;
    for (const auto& f : towns.features) {
        const std::string code = io::as_text(f.values[towns.field_index("code")]);
        REQUIRE(code.rfind("320583", 0) == 0);
        codes.insert(code);
        shapes.push_back(geo::transform(f.geometry.polygons, to_m));
        REQUIRE(geo::is_valid(shapes.back()));
        sum_km2 += area(shapes.back()) / 1e6;
    }
    REQUIRE(codes.size() == 11);
    REQUIRE(codes.count("320583400") == 1);
    // GBK-encoded names read back as Chinese.
    bool found_yushan = false;
    for (const auto& f : towns.features) found_yushan |= io::as_text(f.values[towns.field_index("name")]) == "玉山镇";
    REQUIRE(found_yushan);
    // No overlaps: every pair intersects in (at most) a line.
    for (std::size_t i = 0; i < shapes.size(); ++i) {
        for (std::size_t j = i + 1; j < shapes.size(); ++j) {
            CAPTURE(i, j);
            REQUIRE(area(geo::intersection(shapes[i], shapes[j])) < 1.0);  // m2
        }
    }
    // No gaps: the union is one polygon without holes whose area is the sum of the parts, about the
    // 927 km2 of the coarse outline the data were built on.
    const MultiPolygon all = geo::union_all(shapes);
    REQUIRE(all.size() == 1);
    REQUIRE(all[0].holes.empty());
    REQUIRE(area(all) / 1e6 == Approx(sum_km2).epsilon(1e-9));
    REQUIRE(sum_km2 == Approx(927.2).epsilon(0.005));
}

TEST_CASE("bundled villages tessellate their 区镇 and carry codes, names and an urban flag", "[e2e][geodata]") {
    const auto& s = bundled();
    const geo::Transformer to_m(geo::wgs84, "EPSG:4549");
    const auto towns = io::read_vector(s.units.source.path, s.units.source.read);
    std::map<std::string, MultiPolygon> town_shape;
    for (const auto& f : towns.features) {
        town_shape[io::as_text(f.values[towns.field_index("code")])] = geo::transform(f.geometry.polygons, to_m);
    }
    const auto villages = io::read_vector(s.villages->source.path, s.villages->source.read);
    REQUIRE(villages.features.size() >= 350);
    REQUIRE(villages.features.size() <= 450);
    std::map<std::string, double> village_km2;
    std::set<std::string> codes;
    int urban = 0;
    for (const auto& f : villages.features) {
        const std::string town = io::as_text(f.values[villages.field_index("town_code")]);
        const std::string code = io::as_text(f.values[villages.field_index("code")]);
        REQUIRE(code.size() == 12);
        REQUIRE(code.rfind(town, 0) == 0);
        codes.insert(code);
        urban += static_cast<int>(*io::as_number(f.values[villages.field_index("urban")]));
        const auto shape = geo::transform(f.geometry.polygons, to_m);
        REQUIRE(town_shape.count(town) == 1);
        // Inside its town: the part outside is (numerically) nothing.
        REQUIRE(area(geo::difference(shape, town_shape[town])) < 1.0);
        village_km2[town] += area(shape) / 1e6;
    }
    REQUIRE(codes.size() == villages.features.size());
    REQUIRE(urban > 100);
    REQUIRE(urban < static_cast<int>(villages.features.size()) - 100);
    for (const auto& [town, shape] : town_shape) {
        CAPTURE(town);
        REQUIRE(village_km2[town] == Approx(area(shape) / 1e6).epsilon(1e-6));
    }
}

TEST_CASE("bundled population grid matches the 2020 census totals and shares", "[e2e][geodata]") {
    const auto& s = bundled();
    io::RasterReadOptions opt;
    opt.bands = {1, 2, 3};
    const auto grid = io::read_raster(s.population.path, opt);
    REQUIRE(grid.geotransform[1] == 100.0);   // 100 m cells
    REQUIRE(grid.geotransform[5] == -100.0);
    double total = 0, youth = 0, elderly = 0;
    std::size_t populated = 0;
    for (std::size_t i = 0; i < grid.bands[0].size(); ++i) {
        total += grid.bands[0][i];
        youth += grid.bands[1][i];
        elderly += grid.bands[2][i];
        populated += grid.bands[0][i] > 0 ? 1 : 0;
        REQUIRE(grid.bands[1][i] + grid.bands[2][i] <= grid.bands[0][i] + 1e-6);
    }
    REQUIRE(total == Approx(2.092e6).epsilon(0.001));
    REQUIRE(youth / total == Approx(0.1529).epsilon(0.001 / 0.1529));
    REQUIRE(elderly / total == Approx(0.123).epsilon(0.001 / 0.123));
    REQUIRE(populated > 80000);
    REQUIRE(populated < 93500);
}

TEST_CASE("bundled facilities come in the formats real data arrives in", "[e2e][geodata]") {
    const auto& s = bundled();
    std::map<std::string, std::size_t> count;
    for (const auto& f : s.facilities) count[f.kind] = io::read_vector(f.source.path, f.source.read).features.size();
    REQUIRE(count["venue"] >= 25);
    REQUIRE(count["venue"] <= 40);
    REQUIRE(count["school"] >= 150);
    REQUIRE(count["school"] <= 200);
    REQUIRE(count["station"] > 300);
    // Venues: a CSV of GCJ-02 coordinates (经度/纬度) exported from a Chinese web map. Read as
    // GCJ-02 they sit ~400 m west and ~230 m north of the raw numbers.
    const auto& venue = s.facilities[0];
    REQUIRE(venue.source.path.size() > 4);
    REQUIRE(venue.source.path.substr(venue.source.path.size() - 4) == ".csv");
    REQUIRE(venue.source.read.crs == "GCJ-02");
    auto raw_options = venue.source.read;
    raw_options.crs = "EPSG:4326";
    const auto as_gcj = io::read_vector(venue.source.path, venue.source.read);
    const auto as_raw = io::read_vector(venue.source.path, raw_options);
    const geo::Transformer to_m(geo::wgs84, "EPSG:4549");
    const Point a = to_m.forward(as_gcj.features[0].geometry.points[0]);
    const Point b = to_m.forward(as_raw.features[0].geometry.points[0]);
    REQUIRE(b.x - a.x == Approx(400).margin(120));
    REQUIRE(a.y - b.y == Approx(230).margin(100));
    const auto cap = as_gcj.field_index("容量");
    for (const auto& f : as_gcj.features) REQUIRE(io::as_number(f.values[cap]).value_or(-1) > 0);
    // Schools: CGCS2000 GeoPackage with a demonstration-school flag.
    const auto schools = io::read_vector(s.facilities[1].source.path, s.facilities[1].source.read);
    REQUIRE(schools.source_crs.find("4490") != std::string::npos);
    int demo = 0;
    for (const auto& f : schools.features) demo += static_cast<int>(*io::as_number(f.values[schools.field_index("demo_school")]));
    REQUIRE(demo > 10);
    REQUIRE(demo < 60);
}
