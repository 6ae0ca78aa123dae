// Vector writing benchmark: one layer shaped like the Kunshan cell layer (88,000 100 m squares,
// 40 fields: integers, reals with nulls, Chinese and ASCII text), written by each format's
// writer into a temporary folder. Prints the median and minimum wall time of each writer and its
// ratio to the GeoJSON text writer (the target: GeoPackage and FlatGeobuf within 1.5x).
// Usage: bench_write [repetitions] [cells] [writer]   DEFAULT: 5 repetitions, 88,000 cells, every
// writer (writer: a name prefix such as GeoPackage, to profile one).
#include "kepu15/error.hpp"
#include "kepu15/huge_pages.hpp"
#include "kepu15/io/sink.hpp"
#include "kepu15/io/vector_writer.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

using namespace kepu15;
namespace fs = std::filesystem;

namespace {

io::Layer cell_layer(std::size_t cells) {
    io::Layer l;
    l.name = "cells";
    l.geometry_kind = io::GeometryKind::polygon;
    l.fields = {{"cell_id", io::FieldType::integer}, {"col", io::FieldType::integer},
                {"row", io::FieldType::integer},     {"population", io::FieldType::real},
                {"pop_youth", io::FieldType::real},  {"pop_elderly", io::FieldType::real},
                {"town_code", io::FieldType::string}, {"town_name", io::FieldType::string},
                {"village_code", io::FieldType::string}, {"village_name", io::FieldType::string}};
    for (const char* kind : {"venue", "school", "station"}) {
        l.fields.push_back({std::string(kind) + "_dist_m", io::FieldType::real});
        l.fields.push_back({std::string(kind) + "_id", io::FieldType::string});
        l.fields.push_back({std::string(kind) + "_covered", io::FieldType::integer});
        for (const char* profile : {"walk", "elderly", "bike", "drive"}) {
            l.fields.push_back({std::string(kind) + "_" + profile + "_min", io::FieldType::real});
            l.fields.push_back({std::string(kind) + "_" + profile + "_covered", io::FieldType::integer});
        }
    }
    l.fields.resize(40);
    std::mt19937_64 rng(20261201);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    const std::size_t side = 330;
    const double step = 0.001;  // about 100 m
    for (std::size_t i = 0; i < cells; ++i) {
        const double x = 120.8 + step * static_cast<double>(i % side);
        const double y = 31.2 + step * static_cast<double>(i / side);
        io::OutputFeature f;
        f.geometry.kind = io::GeometryKind::polygon;
        f.geometry.polygons = {
            Polygon{{{x, y}, {x + step, y}, {x + step, y + step}, {x, y + step}, {x, y}}, {}}};
        for (std::size_t k = 0; k < l.fields.size(); ++k) {
            const auto& def = l.fields[k];
            if (def.type == io::FieldType::integer) {
                f.values.emplace_back(static_cast<std::int64_t>(rng() % 100000));
            } else if (def.type == io::FieldType::real) {
                if (u(rng) < 0.2) {
                    f.values.emplace_back(std::monostate{});
                } else {
                    f.values.emplace_back(std::round(u(rng) * 100000.0) / 100.0);
                }
            } else if (def.name.find("name") != std::string::npos) {
                f.values.emplace_back(std::string(k % 2 == 0 ? "玉山镇" : "城北社区居委会"));
            } else {
                f.values.emplace_back(std::to_string(320583000000 + rng() % 1000));
            }
        }
        l.features.push_back(std::move(f));
    }
    return l;
}

struct Times {
    double wall = 0.0;
    double cpu = 0.0;  // user + system of the whole process (the machine may be shared)
};

Times measure(const std::function<void()>& f) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::clock_t c0 = std::clock();
    f();
    return {std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
            static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC};
}

}  // namespace

int main(int argc, char** argv) {
    kepu15::use_huge_page_heap();  // as the kepu15 executable does
    const int reps = argc > 1 ? std::atoi(argv[1]) : 5;
    const std::size_t cells = argc > 2 ? static_cast<std::size_t>(std::atoll(argv[2])) : 88000;
    const std::string only = argc > 3 ? argv[3] : "";
    kepu15::set_warning_sink([](const std::string&) {});  // shortened Shapefile names, every repetition
    const io::Layer layer = cell_layer(cells);
    const fs::path dir = fs::temp_directory_path() / ("kepu15-bench-write-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::printf("layer: %zu polygons, %zu fields; %d repetitions\n", layer.features.size(), layer.fields.size(), reps);

    struct Writer {
        const char* name;
        std::function<void(const fs::path&)> write;
    };
    const auto file_sink = [&](const std::string& file, unsigned threads = 0) {
        return [&, file, threads](const fs::path& d) {
            io::SinkOptions options;
            options.threads = threads;
            auto sink = io::open_sink((d / file).string(), options);
            sink->add_layer(layer);
            sink->commit();
        };
    };
    const std::vector<Writer> writers{
        {"GeoJSON text", file_sink("cells.geojson")},
        {"GeoPackage", file_sink("cells.gpkg")},
        {"GeoPackage, 1 thread", file_sink("cells.gpkg", 1)},
        {"FlatGeobuf", file_sink("cells.fgb")},
        {"FlatGeobuf, 1 thread", file_sink("cells.fgb", 1)},
        {"Shapefile", file_sink("cells.shp")},
        {"CSV (WKT)", file_sink("cells.csv")},
    };
    double geojson_wall = 0.0;
    double geojson_cpu = 0.0;
    for (const auto& w : writers) {
        if (!only.empty() && std::string(w.name).rfind(only, 0) != 0) continue;
        std::vector<double> wall;
        std::vector<double> cpu;
        for (int r = 0; r < reps; ++r) {
            const fs::path d = dir / std::to_string(r);
            fs::create_directories(d);
            const Times t = measure([&] { w.write(d); });
            wall.push_back(t.wall);
            cpu.push_back(t.cpu);
            fs::remove_all(d);
        }
        std::sort(wall.begin(), wall.end());
        std::sort(cpu.begin(), cpu.end());
        const double median_wall = wall[wall.size() / 2];
        const double median_cpu = cpu[cpu.size() / 2];
        if (geojson_wall == 0.0) {
            geojson_wall = median_wall;
            geojson_cpu = median_cpu;
        }
        std::printf("%-20s wall median %.3f s (min %.3f)  cpu median %.3f s  %.2fx GeoJSON wall, %.2fx cpu\n",
                    w.name, median_wall, wall.front(), median_cpu, median_wall / geojson_wall,
                    median_cpu / geojson_cpu);
    }
    fs::remove_all(dir);
    return 0;
}
