// Line-layer reading benchmark (scripts/bench-lines.sh): writes the seeded ~160,000-node road grid
// of bench_network as an RFC 7946 GeoJSON line layer (WGS84 lon/lat, one feature per edge, fields
// highway and maxspeed; the grid lies near Kunshan), or
// times network::read_road_lines on line layers given on the command line.
// Usage: bench_lines --write-grid FILE.geojson
//        bench_lines [--repeat N] [--speed-field F] [--class-field F] FILE...   (DEFAULT: 3, maxspeed, highway)
#include "road_grid.hpp"

#include "kepu15/geo/crs.hpp"
#include "kepu15/huge_pages.hpp"
#include "kepu15/network/line_reader.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

namespace {

using namespace kepu15;

// The grid lies in EPSG:4549 near Kunshan (the bench graph starts at 0,0).
constexpr double origin_x = 320000.0;
constexpr double origin_y = 3465000.0;

const char* class_of(float kmh) {
    if (kmh >= 100.0F) return "motorway";
    if (kmh >= 60.0F) return "primary";
    if (kmh >= 50.0F) return "secondary";
    return "residential";
}

int write_grid(const std::string& path) {
    const network::RoadNetwork net = bench::make_road_grid(20240615);
    const geo::Transformer to_wgs84("EPSG:4549", geo::wgs84);
    std::ofstream out(path);
    out << "{\"type\":\"FeatureCollection\",\"name\":\"roads\",\"features\":[\n";
    char buf[256];
    for (std::size_t i = 0; i < net.edges.size(); ++i) {
        const auto& e = net.edges[i];
        const float kmh = e.forward_kmh[3] > 0.0F ? e.forward_kmh[3] : e.backward_kmh[3];
        out << (i == 0 ? "" : ",\n") << "{\"type\":\"Feature\",\"properties\":{\"highway\":\"" << class_of(kmh)
            << "\",\"maxspeed\":" << kmh << "},\"geometry\":{\"type\":\"LineString\",\"coordinates\":[";
        for (std::size_t k = 0; k < e.geometry_m.size(); ++k) {
            const Point p = to_wgs84.forward({origin_x + e.geometry_m[k].x, origin_y + e.geometry_m[k].y});
            std::snprintf(buf, sizeof buf, "%s[%.8f,%.8f]", k == 0 ? "" : ",", p.x, p.y);
            out << buf;
        }
        out << "]}}";
    }
    out << "\n]}\n";
    std::cout << path << ": " << net.nodes_m.size() << " nodes, " << net.edges.size() << " edges\n";
    return out ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    kepu15::use_huge_page_heap();  // as the kepu15 executable does
    std::vector<std::string> files;
    int repeat = 3;
    network::LineNetworkOptions options;
    options.speed_field = "maxspeed";
    options.class_field = "highway";
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--write-grid" && i + 1 < argc) return write_grid(argv[i + 1]);
        if (a == "--repeat" && i + 1 < argc) {
            repeat = std::max(1, std::atoi(argv[++i]));
        } else if (a == "--speed-field" && i + 1 < argc) {
            options.speed_field = argv[++i];
        } else if (a == "--class-field" && i + 1 < argc) {
            options.class_field = argv[++i];
        } else {
            files.push_back(a);
        }
    }
    try {
        const geo::Transformer to_working(geo::wgs84, "EPSG:4549");
        for (const auto& f : files) {
            double best = 1e300;
            std::size_t nodes = 0;
            std::size_t edges = 0;
            for (int r = 0; r < repeat; ++r) {
                const auto t0 = std::chrono::steady_clock::now();
                const network::RoadNetwork net = network::read_road_lines(f, options, to_working);
                best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
                nodes = net.nodes_m.size();
                edges = net.edges.size();
            }
            std::printf("%s: %zu nodes, %zu edges, read in %.3f s (best of %d)\n", f.c_str(), nodes, edges, best,
                        repeat);
        }
    } catch (const std::exception& e) {
        std::cerr << "bench_lines: " << e.what() << '\n';
        return 1;
    }
    return 0;
}
