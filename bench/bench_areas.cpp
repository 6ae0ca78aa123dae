// Service areas of the bundled study, part by part, on one thread: the bounded searches and street
// parts (one search per band, or one per kind x profile for all bands), rasterizing, and
// polygonizing the masks with the lattice tracer and, for reference, with GDALPolygonize (a MEM
// raster and an OGR memory layer, what kepu15 used before). Prints the median CPU time of each
// part over the repetitions: a figure the machine's load inflates much less than wall time.
// Usage: bench_areas STUDY.toml [repetitions]
#include "kepu15/geo/grid_mask.hpp"
#include "kepu15/huge_pages.hpp"
#include "kepu15/pipeline/evaluate.hpp"
#include "kepu15/pipeline/prepared.hpp"
#include "kepu15/routing/network_coverage.hpp"
#include "kepu15/study/study.hpp"

#include <gdal_alg.h>
#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <vector>

using namespace kepu15;

namespace {

double cpu_s() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

std::size_t gdal_polygonize(const geo::GridMask& mask) {
    GDALDriver* mem = GetGDALDriverManager()->GetDriverByName("MEM");
    GDALDriver* vmem = GetGDALDriverManager()->GetDriverByName("Memory");
    GDALDatasetUniquePtr raster(mem->Create("", mask.width, mask.height, 1, GDT_Byte, nullptr));
    double gt[6] = {mask.min_x, mask.cell_m, 0.0, mask.max_y, 0.0, -mask.cell_m};
    raster->SetGeoTransform(gt);
    GDALRasterBand* band = raster->GetRasterBand(1);
    if (band->RasterIO(GF_Write, 0, 0, mask.width, mask.height, const_cast<std::uint8_t*>(mask.cells.data()),
                       mask.width, mask.height, GDT_Byte, 0, 0, nullptr) != CE_None) {
        std::abort();
    }
    GDALDatasetUniquePtr vector(vmem->Create("", 0, 0, 0, GDT_Unknown, nullptr));
    OGRLayer* layer = vector->CreateLayer("areas", nullptr, wkbPolygon, nullptr);
    OGRFieldDefn value("value", OFTInteger);
    layer->CreateField(&value);
    if (GDALPolygonize(band, band, layer, 0, nullptr, nullptr, nullptr) != CE_None) std::abort();
    return static_cast<std::size_t>(layer->GetFeatureCount());
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    kepu15::use_huge_page_heap();  // as the kepu15 executable does
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_areas STUDY.toml [repetitions]\n");
        return 2;
    }
    const int reps = argc > 2 ? std::max(1, std::atoi(argv[2])) : 5;
    GDALAllRegister();
    const study::Study s = study::load_study(argv[1]);
    Diagnostics diag;
    Timings timings;
    const pipeline::PreparedStudy prepared = pipeline::prepare(s, 1, diag, timings);
    pipeline::EvaluateOptions opt;
    opt.service_areas = false;
    const auto ev = pipeline::evaluate(prepared, prepared.inputs.facilities, opt, 1, diag, timings);
    const pipeline::PreparedNetwork& net = *prepared.network;
    const auto& bands = s.isochrone_minutes;
    constexpr int radius_cells = 1;  // as pipeline::evaluate

    std::vector<double> per_band, shared, raster, lattice, gdal;
    std::size_t set_cells = 0, cells = 0, masks = 0, polygons = 0, gdal_polygons = 0;
    for (int r = 0; r < reps; ++r) {
        double t_band = 0, t_shared = 0, t_raster = 0, t_lattice = 0, t_gdal = 0;
        set_cells = cells = masks = polygons = gdal_polygons = 0;
        for (std::size_t k = 0; k < ev.facilities.size(); ++k) {
            for (std::size_t p = 0; p < net.profiles().size(); ++p) {
                const auto& snaps = ev.facility_snaps[p][k];
                double t = cpu_s();
                std::vector<std::vector<LineString>> parts;
                for (double b : bands) {
                    parts.push_back(routing::reached_edge_parts(net.roads(), net.profiles()[p], net.reverse_graph(p), snaps,
                                                                b, net.off_road_kmh(p)));
                }
                t_band += cpu_s() - t;
                t = cpu_s();
                const auto together = routing::reached_edge_parts_by_band(net.roads(), net.profiles()[p],
                                                                          net.reverse_graph(p), snaps, bands,
                                                                          net.off_road_kmh(p));
                t_shared += cpu_s() - t;
                for (std::size_t b = 0; b < bands.size(); ++b) {
                    if (together[b].size() != parts[b].size()) std::abort();
                    t = cpu_s();
                    const geo::GridMask mask = geo::rasterize_lines(parts[b], s.isochrone_cell_m, radius_cells);
                    t_raster += cpu_s() - t;
                    t = cpu_s();
                    polygons += geo::polygonize(mask).size();
                    t_lattice += cpu_s() - t;
                    t = cpu_s();
                    gdal_polygons += gdal_polygonize(mask);
                    t_gdal += cpu_s() - t;
                    cells += static_cast<std::size_t>(mask.width) * static_cast<std::size_t>(mask.height);
                    set_cells += mask.count();
                    ++masks;
                }
            }
        }
        per_band.push_back(t_band);
        shared.push_back(t_shared);
        raster.push_back(t_raster);
        lattice.push_back(t_lattice);
        gdal.push_back(t_gdal);
    }
    std::printf("%zu masks, %.1f M cells in all, %.1f M set; %zu polygons traced, %zu by GDAL\n", masks,
                static_cast<double>(cells) / 1e6, static_cast<double>(set_cells) / 1e6, polygons, gdal_polygons);
    std::printf("median CPU over %d repetitions, one thread:\n", reps);
    std::printf("  searches + street parts, one search per band      %.3f s\n", median(per_band));
    std::printf("  searches + street parts, one search for all bands %.3f s\n", median(shared));
    std::printf("  rasterize_lines                                   %.3f s\n", median(raster));
    std::printf("  polygonize: lattice tracer                        %.3f s\n", median(lattice));
    std::printf("  polygonize: GDALPolygonize (before)               %.3f s\n", median(gdal));
    return 0;
}
