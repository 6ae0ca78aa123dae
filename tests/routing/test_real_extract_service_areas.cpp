// Service areas on the real Monaco and Andorra OSM extracts (../shared/geodata-raw): the reached
// street parts stay within walking distance, grow with the minutes, and polygonize into areas
// smaller than the crow-fly circle (streets, hills and the sea make detours).
#include "kepu15/geo/crs.hpp"
#include "kepu15/geo/grid_mask.hpp"
#include "kepu15/geo/grid_mask.hpp"
#include "kepu15/network/graph.hpp"
#include "kepu15/network/osm_reader.hpp"
#include "kepu15/network/snap.hpp"
#include "kepu15/routing/network_coverage.hpp"

#include "../support/paths.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace kepu15;

namespace {

struct AreaCheck {
    double area_km2 = 0;
    double farthest_m = 0;
    std::size_t parts = 0;
};

void check_extract(const std::string& file, Point centre_lonlat) {
    const auto path = (kepu15::test::shared_raw_dir() / "osm-testdata-graphhopper" / file).string();
    const std::string crs = geo::utm_crs_for(centre_lonlat);
    const geo::Transformer to_m(geo::wgs84, crs);
    const auto net = network::read_osm(path, to_m);
    const auto graph = network::build_graph(net, network::Profile::walk, network::Direction::reverse);
    const network::Snapper snapper(net, network::Profile::walk);
    const Point facility_m = to_m.forward(centre_lonlat);
    const auto snap = snapper.snap(facility_m);
    REQUIRE(snap.has_value());
    const std::vector<std::optional<network::Snap>> facilities{snap};
    std::vector<AreaCheck> checks;
    for (double minutes : {5.0, 10.0, 15.0}) {
        CAPTURE(file, minutes);
        const auto parts = routing::reached_edge_parts(net, network::Profile::walk, graph, facilities, minutes);
        REQUIRE_FALSE(parts.empty());
        AreaCheck c;
        c.parts = parts.size();
        // Every reached point is within the walking distance of the facility: 4.5 km/h x minutes,
        // plus the off-road leg (which only shortens the budget).
        const double budget_m = 4.5 / 60.0 * 1000.0 * minutes;
        for (const auto& line : parts) {
            for (const auto& p : line) c.farthest_m = std::max(c.farthest_m, distance(p, snap->snapped_m));
        }
        REQUIRE(c.farthest_m <= budget_m + 1.0);
        // ... and the walk really goes some way: at least a fifth of the budget.
        REQUIRE(c.farthest_m >= budget_m / 5.0);
        const auto polygons = geo::polygonize(geo::rasterize_lines(parts, 50.0, 1));
        c.area_km2 = area(polygons) / 1e6;
        // Never more than the crow-fly circle widened by the 75 m corridor.
        const double circle_km2 = 3.14159265 * std::pow((budget_m + 100.0) / 1000.0, 2);
        REQUIRE(c.area_km2 > 0.0);
        REQUIRE(c.area_km2 < circle_km2);
        checks.push_back(c);
    }
    REQUIRE(checks[0].area_km2 < checks[1].area_km2);
    REQUIRE(checks[1].area_km2 < checks[2].area_km2);
    REQUIRE(checks[0].parts <= checks[2].parts);
}

}  // namespace

TEST_CASE("walking service areas on the real Monaco and Andorra extracts are sensible", "[routing][real]") {
    if (!kepu15::test::have_shared_raw()) {
        WARN("../shared/geodata-raw is absent: the real-extract service-area checks are skipped");
        return;
    }
    SECTION("Monaco, from Monte-Carlo") { check_extract("monaco.osm.gz", {7.4246, 43.7384}); }
    SECTION("Andorra la Vella") { check_extract("andorra.osm.pbf", {1.5218, 42.5063}); }
}
