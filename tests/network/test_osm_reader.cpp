// OSM reader: profile rules, splitting, bad inputs and the two real extracts.
#include "kepu15/error.hpp"
#include "kepu15/geo/crs.hpp"
#include "kepu15/network/graph.hpp"
#include "kepu15/network/osm_reader.hpp"

#include "../support/paths.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <fstream>
#include <random>

using namespace kepu15;
using namespace kepu15::network;
using kepu15::test::fixtures_dir;

namespace {

// EPSG:4087 (World Equidistant Cylindrical): x = a * lon, y = a * lat, so 0.001 degree is
// exactly this many metres on both axes.
const double step_m = 6378137.0 * std::numbers::pi / 180.0 * 0.001;  // 111.3194908 m

std::string fixture(const std::string& name) { return (fixtures_dir() / "network" / name).string(); }

const RoadEdge* edge_of_way(const RoadNetwork& net, std::int64_t way_id) {
    const RoadEdge* found = nullptr;
    for (const auto& e : net.edges) {
        if (e.source_id == way_id) {
            REQUIRE(found == nullptr);  // fixture ways are single edges
            found = &e;
        }
    }
    return found;
}

float fwd(const RoadEdge& e, Profile p) { return e.forward_kmh[static_cast<std::size_t>(p)]; }
float bwd(const RoadEdge& e, Profile p) { return e.backward_kmh[static_cast<std::size_t>(p)]; }

// Expected speeds of one profile: forward, backward.
void check(const RoadNetwork& net, std::int64_t way, Profile p, double f, double b) {
    INFO("way " << way << " profile " << profile_name(p));
    const RoadEdge* e = edge_of_way(net, way);
    REQUIRE(e != nullptr);
    CHECK(fwd(*e, p) == Approx(f));
    CHECK(bwd(*e, p) == Approx(b));
}

void check_walk_bike_drive(const RoadNetwork& net, std::int64_t way, double walk, double bike_f, double bike_b,
                           double drive_f, double drive_b) {
    check(net, way, Profile::walk, walk, walk);
    check(net, way, Profile::elderly, walk > 0 ? 2.7 : 0.0, walk > 0 ? 2.7 : 0.0);
    check(net, way, Profile::bike, bike_f, bike_b);
    check(net, way, Profile::drive, drive_f, drive_b);
}

std::string error_of(const std::string& path, const geo::Transformer& tr) {
    try {
        (void)read_osm(path, tr);
    } catch (const input_error& e) {
        return e.what();
    }
    return "no input_error";
}

}  // namespace

TEST_CASE("OSM profile rules give each way the expected speeds per profile and direction", "[network]") {
    const geo::Transformer tr{"EPSG:4326", "EPSG:4087"};
    const RoadNetwork net = read_osm(fixture("profile_rules.osm"), tr);
    //                        way  walk  bike fwd/back  drive fwd/back
    check_walk_bike_drive(net, 1, 0.0, 0.0, 0.0, 100.0, 0.0);   // motorway: drive only, implied oneway
    check_walk_bike_drive(net, 2, 4.5, 15.0, 15.0, 70.0, 70.0);  // maxspeed 70 beats class 60
    check_walk_bike_drive(net, 3, 0.0, 15.0, 15.0, 30.0, 30.0);  // foot=no
    CHECK(edge_of_way(net, 4) == nullptr);                       // access=private: nobody
    check_walk_bike_drive(net, 5, 4.5, 0.0, 0.0, 0.0, 0.0);      // private, foot=yes
    check_walk_bike_drive(net, 6, 4.5, 15.0, 0.0, 30.0, 0.0);    // oneway=yes
    check_walk_bike_drive(net, 7, 4.5, 15.0, 15.0, 30.0, 0.0);   // oneway:bicycle=no
    check_walk_bike_drive(net, 8, 4.5, 0.0, 15.0, 0.0, 30.0);    // oneway=-1
    check_walk_bike_drive(net, 9, 4.5, 15.0, 0.0, 40.0, 0.0);    // roundabout
    check_walk_bike_drive(net, 10, 4.5, 15.0, 15.0, 30 * 1.609344, 30 * 1.609344);  // 30 mph
    check_walk_bike_drive(net, 11, 4.5, 15.0, 15.0, 60.0, 60.0);  // CN:urban -> primary 60
    check_walk_bike_drive(net, 12, 4.5, 0.0, 0.0, 0.0, 0.0);      // footway
    check_walk_bike_drive(net, 13, 4.5, 15.0, 15.0, 0.0, 0.0);    // footway bicycle=yes
    check_walk_bike_drive(net, 14, 4.5, 15.0, 15.0, 0.0, 0.0);    // track motor_vehicle=no
    check_walk_bike_drive(net, 15, 4.5, 15.0, 15.0, 0.0, 0.0);    // motorcar=private
    check_walk_bike_drive(net, 16, 4.5, 15.0, 15.0, 0.0, 0.0);    // cycleway
    CHECK(edge_of_way(net, 17) == nullptr);                       // waterway
    CHECK(edge_of_way(net, 18) == nullptr);                       // construction
    check_walk_bike_drive(net, 19, 4.5, 0.0, 0.0, 0.0, 0.0);      // steps
    check_walk_bike_drive(net, 20, 0.0, 0.0, 0.0, 60.0, 60.0);    // motorway_link
    check_walk_bike_drive(net, 21, 0.0, 0.0, 0.0, 30.0, 30.0);    // access=no, motor_vehicle=yes
    check_walk_bike_drive(net, 22, 4.5, 15.0, 15.0, 10.0, 10.0);  // maxspeed=none -> living_street 10

    CHECK(net.edges.size() == 19);  // 22 ways minus 4, 17, 18
    CHECK(net.nodes_m.size() == 38);
    CHECK(net.source == fixture("profile_rules.osm"));
    for (const auto& e : net.edges) {
        CHECK(e.length_m == Approx(step_m).epsilon(1e-9));
        REQUIRE(e.geometry_m.size() == 2);
        CHECK(e.geometry_m.front() == net.nodes_m[e.from]);
        CHECK(e.geometry_m.back() == net.nodes_m[e.to]);
        // Each way runs west to east at lat k/1000.
        CHECK(e.geometry_m.back().x - e.geometry_m.front().x == Approx(step_m));
        CHECK(e.geometry_m.front().y == Approx(step_m * static_cast<double>(e.source_id)));
    }
}

TEST_CASE("OSM custom speeds table and constants are used", "[network]") {
    const geo::Transformer tr{"EPSG:4326", "EPSG:4087"};
    ProfileSpeeds speeds;
    speeds.walk_kmh = 5.0;
    speeds.elderly_kmh = 3.0;
    speeds.bike_kmh = 12.0;
    speeds.drive_kmh_by_highway["residential"] = 25.0;
    const RoadNetwork net = read_osm(fixture("profile_rules.osm"), tr, speeds);
    check(net, 3, Profile::drive, 25.0, 25.0);
    check(net, 6, Profile::walk, 5.0, 5.0);
    check(net, 6, Profile::elderly, 3.0, 3.0);
    check(net, 6, Profile::bike, 12.0, 0.0);
    check(net, 2, Profile::drive, 70.0, 70.0);  // maxspeed still wins
}

TEST_CASE("OSM ways are split at nodes shared by routable ways and at their ends", "[network]") {
    const geo::Transformer tr{"EPSG:4326", "EPSG:4087"};
    const RoadNetwork net = read_osm(fixture("split_at_shared_nodes.osm"), tr);
    REQUIRE(net.nodes_m.size() == 6);
    REQUIRE(net.edges.size() == 6);

    // Junction positions in grid steps: 1 (0,0), 3 (2,0), 4 (3,0), 5 (2,1), 6 (2,-1), 10 (4,1).
    std::vector<std::pair<double, double>> got;
    for (const Point& p : net.nodes_m) got.emplace_back(std::round(p.x / step_m), std::round(p.y / step_m));
    std::sort(got.begin(), got.end());
    const std::vector<std::pair<double, double>> expected{{0, 0}, {2, -1}, {2, 0}, {2, 1}, {3, 0}, {4, 1}};
    CHECK(got == expected);

    // (way, length in steps, geometry points), sorted as the edges are found below.
    std::vector<std::tuple<std::int64_t, long, std::size_t>> edges;
    double total = 0.0;
    for (const auto& e : net.edges) {
        edges.emplace_back(e.source_id, std::lround(e.length_m / step_m * 1000.0), e.geometry_m.size());
        total += e.length_m;
        CHECK(e.geometry_m.front() == net.nodes_m[e.from]);
        CHECK(e.geometry_m.back() == net.nodes_m[e.to]);
    }
    std::sort(edges.begin(), edges.end());
    const std::vector<std::tuple<std::int64_t, long, std::size_t>> expected_edges{
        {100, 1000, 2}, {100, 2000, 3}, {101, 1000, 2}, {101, 1000, 2}, {103, 2000, 3}, {105, 3414, 4}};
    CHECK(edges == expected_edges);
    CHECK(total == Approx(step_m * (2 + 1 + 1 + 1 + 2 + 2 + std::sqrt(2.0))).epsilon(1e-9));

    // The footway loop starts and ends at junction 10 and is walk/bike only (no drive).
    const auto loop = std::find_if(net.edges.begin(), net.edges.end(), [](const RoadEdge& e) { return e.source_id == 105; });
    REQUIRE(loop != net.edges.end());
    CHECK(loop->from == loop->to);
    CHECK(loop->forward_kmh[static_cast<std::size_t>(Profile::drive)] == 0.0F);

    // Walking graph: one component holding all 6 junctions.
    const Components c = connected_components(build_graph(net, Profile::walk));
    CHECK(c.size.size() == 1);
}

TEST_CASE("OSM bad inputs are input_errors naming the file", "[network]") {
    const geo::Transformer tr{"EPSG:4326", "EPSG:4087"};
    const test::TempDir dir{"osm-bad"};

    const std::string missing = dir.file("no_such_file.osm.pbf");
    CHECK_THAT(error_of(missing, tr), Catch::Contains(missing) && Catch::Contains("not found"));

    // 4 KiB of pseudo-random bytes (fixed seed 20240601) named like a PBF file.
    const std::string garbage = dir.file("garbage.osm.pbf");
    {
        std::mt19937 rng{20240601};
        std::ofstream out{garbage, std::ios::binary};
        for (int i = 0; i < 4096; ++i) out.put(static_cast<char>(rng() & 0xFF));
    }
    CHECK_THAT(error_of(garbage, tr), Catch::Contains(garbage) && Catch::Contains("cannot read"));

    const std::string not_xml = dir.file("broken.osm");
    {
        std::ofstream out{not_xml};
        out << "<osm version=\"0.6\"><node id=\"1\" lat=\"0\" lon=\"0\"><way></osm";
    }
    CHECK_THAT(error_of(not_xml, tr), Catch::Contains(not_xml) && Catch::Contains("cannot read"));

    CHECK_THAT(error_of(fixture("nodes_only.osm"), tr),
               Catch::Contains("nodes_only.osm") && Catch::Contains("no ways"));
    CHECK_THAT(error_of(fixture("waterways_only.osm"), tr),
               Catch::Contains("waterways_only.osm") && Catch::Contains("no routable highway ways") &&
                   Catch::Contains("3 ways, 1 with a highway tag"));
}

namespace {

struct Extract {
    RoadNetwork net;
    std::size_t largest_walk = 0;
    std::size_t largest_drive = 0;
};

Extract load_extract(const std::string& path, Point centre_lonlat) {
    const std::string crs = geo::utm_crs_for(centre_lonlat);
    const geo::Transformer tr{"EPSG:4326", crs};
    Extract x;
    x.net = read_osm(path, tr);
    const Components walk = connected_components(build_graph(x.net, Profile::walk));
    const Components drive = connected_components(build_graph(x.net, Profile::drive));
    x.largest_walk = *std::max_element(walk.size.begin(), walk.size.end());
    x.largest_drive = *std::max_element(drive.size.begin(), drive.size.end());
    double total_km = 0.0;
    for (const auto& e : x.net.edges) total_km += e.length_m / 1000.0;
    WARN(path << " in " << crs << ": " << x.net.nodes_m.size() << " nodes, " << x.net.edges.size()
              << " edges, " << total_km << " km; largest walk component " << x.largest_walk
              << " nodes, largest drive component " << x.largest_drive << " nodes");
    for (const auto& e : x.net.edges) {
        REQUIRE(e.from < x.net.nodes_m.size());
        REQUIRE(e.to < x.net.nodes_m.size());
        REQUIRE(e.geometry_m.size() >= 2);
        REQUIRE(e.length_m >= 0.0);
    }
    return x;
}

}  // namespace

TEST_CASE("OSM real extracts load into plausible networks", "[network]") {
    if (!test::have_shared_raw()) {
        WARN("SKIPPED: " << test::shared_raw_dir() << " is absent; real OSM extracts not tested");
        return;
    }
    const auto dir = test::shared_raw_dir() / "osm-testdata-graphhopper";

    SECTION("Andorra PBF") {
        // osmium fileinfo/tags-count: 69,644 nodes, 2,725 ways, 1,615 of them with a highway tag
        // (2 highway=construction). Every routable way gives at least one edge and each split adds
        // one, so edges >= 1,600; junctions are a subset of the 69,644 nodes.
        const Extract x = load_extract((dir / "andorra.osm.pbf").string(), {1.55, 42.55});
        CHECK(x.net.edges.size() >= 1600);
        CHECK(x.net.edges.size() <= 20000);
        CHECK(x.net.nodes_m.size() >= 1000);
        CHECK(x.net.nodes_m.size() < 69644);
        // Driving: the valley roads form one piece. Walking: 94 ways carry foot=no (tunnels and
        // main roads), which cuts some valleys off on foot, so "most" is 70 % here.
        CHECK(x.largest_drive > x.net.nodes_m.size() * 8 / 10);
        CHECK(x.largest_walk > x.net.nodes_m.size() * 7 / 10);
    }
    SECTION("Monaco gzip XML") {
        // 13,739 nodes, 1,944 ways; 866 with a highway tag (tags-count), none under construction.
        const Extract x = load_extract((dir / "monaco.osm.gz").string(), {7.42, 43.73});
        CHECK(x.net.edges.size() >= 866);
        CHECK(x.net.edges.size() <= 10000);
        CHECK(x.net.nodes_m.size() >= 500);
        CHECK(x.net.nodes_m.size() < 13739);
        CHECK(x.largest_walk > x.net.nodes_m.size() * 8 / 10);
    }
}
