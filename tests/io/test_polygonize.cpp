// The service-area polygonizer (geo::polygonize) against
// GDALPolygonize, which it replaced: on the same random masks (fixed seeds) both give the same
// regions with the same areas and cover the same cell centres. GDAL is the oracle here only.
#include "kepu15/geo/grid_mask.hpp"

#include <catch2/catch.hpp>
#include <gdal_alg.h>
#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <random>

using kepu15::MultiPolygon;
using kepu15::geo::GridMask;

namespace {

struct GdalResult {
    std::vector<double> areas;  // per polygon, sorted
    std::vector<std::unique_ptr<OGRGeometry>> polygons;
};

// The former io::polygonize: a MEM raster, GDALPolygonize into an OGR memory layer, 4-connected.
GdalResult gdal_polygonize(const GridMask& mask) {
    GDALAllRegister();
    GdalResult out;
    GDALDriver* mem = GetGDALDriverManager()->GetDriverByName("MEM");
    GDALDriver* vmem = GetGDALDriverManager()->GetDriverByName("Memory");
    REQUIRE(mem != nullptr);
    REQUIRE(vmem != nullptr);
    GDALDatasetUniquePtr raster(mem->Create("", mask.width, mask.height, 1, GDT_Byte, nullptr));
    double gt[6] = {mask.min_x, mask.cell_m, 0.0, mask.max_y, 0.0, -mask.cell_m};
    raster->SetGeoTransform(gt);
    GDALRasterBand* band = raster->GetRasterBand(1);
    REQUIRE(band->RasterIO(GF_Write, 0, 0, mask.width, mask.height, const_cast<std::uint8_t*>(mask.cells.data()),
                           mask.width, mask.height, GDT_Byte, 0, 0, nullptr) == CE_None);
    GDALDatasetUniquePtr vector(vmem->Create("", 0, 0, 0, GDT_Unknown, nullptr));
    OGRLayer* layer = vector->CreateLayer("areas", nullptr, wkbPolygon, nullptr);
    OGRFieldDefn value("value", OFTInteger);
    layer->CreateField(&value);
    REQUIRE(GDALPolygonize(band, band, layer, 0, nullptr, nullptr, nullptr) == CE_None);
    layer->ResetReading();
    for (auto& feature : *layer) {
        const OGRGeometry* g = feature->GetGeometryRef();
        REQUIRE(g != nullptr);
        out.areas.push_back(g->toPolygon()->get_Area());
        out.polygons.emplace_back(g->clone());
    }
    std::sort(out.areas.begin(), out.areas.end());
    return out;
}

bool inside(const kepu15::Ring& ring, double x, double y) {
    bool in = false;
    for (std::size_t i = 0, j = ring.size() - 2; i + 1 < ring.size(); j = i++) {
        const auto& a = ring[i];
        const auto& b = ring[j];
        if ((a.y > y) != (b.y > y) && x < (b.x - a.x) * (y - a.y) / (b.y - a.y) + a.x) in = !in;
    }
    return in;
}

bool inside(const MultiPolygon& mp, double x, double y) {
    for (const auto& p : mp) {
        if (!inside(p.outer, x, y)) continue;
        if (std::none_of(p.holes.begin(), p.holes.end(), [&](const auto& h) { return inside(h, x, y); })) return true;
    }
    return false;
}

}  // namespace

TEST_CASE("polygonize gives the regions, areas and cover of GDALPolygonize on random masks", "[io]") {
    for (std::uint32_t seed = 1; seed <= 200; ++seed) {
        std::mt19937 rng(seed);
        INFO("seed " << seed);
        GridMask m;
        m.width = std::uniform_int_distribution<int>(1, 24)(rng);
        m.height = std::uniform_int_distribution<int>(1, 24)(rng);
        m.cell_m = 50.0;
        m.min_x = 350000.0;
        m.max_y = 3480000.0;
        std::bernoulli_distribution set(std::uniform_real_distribution<double>(0.1, 0.9)(rng));
        m.cells.resize(static_cast<std::size_t>(m.width * m.height));
        for (auto& c : m.cells) c = set(rng) ? 1 : 0;
        const MultiPolygon mp = kepu15::geo::polygonize(m);
        const GdalResult gdal = gdal_polygonize(m);
        std::vector<double> areas;
        for (const auto& p : mp) areas.push_back(kepu15::area(MultiPolygon{p}));
        std::sort(areas.begin(), areas.end());
        REQUIRE(areas == gdal.areas);
        for (int r = 0; r < m.height; ++r) {
            for (int c = 0; c < m.width; ++c) {
                const double x = m.min_x + (c + 0.5) * m.cell_m, y = m.max_y - (r + 0.5) * m.cell_m;
                const OGRPoint centre(x, y);
                const bool in_gdal = std::any_of(gdal.polygons.begin(), gdal.polygons.end(),
                                                 [&](const auto& g) { return g->Contains(&centre); });
                INFO("cell " << c << ", " << r);
                REQUIRE(inside(mp, x, y) == in_gdal);
                REQUIRE(in_gdal == (m.at(c, r) != 0));
            }
        }
    }
}
