#include "kepu15/io/polygonize.hpp"

#include "kepu15/error.hpp"
#include "kepu15/io/detail/gdal_util.hpp"

#include <gdal_alg.h>

namespace kepu15::io {

namespace {

Ring ring_of(const OGRLinearRing& r) {
    Ring out;
    out.reserve(static_cast<std::size_t>(r.getNumPoints()));
    for (int i = 0; i < r.getNumPoints(); ++i) out.push_back({r.getX(i), r.getY(i)});
    return out;
}

}  // namespace

MultiPolygon polygonize(const geo::GridMask& mask) {
    MultiPolygon out;
    if (mask.width == 0 || mask.height == 0 || mask.count() == 0) return out;
    detail::register_gdal();
    detail::GdalErrorScope errors;
    GDALDriver* mem = GetGDALDriverManager()->GetDriverByName("MEM");
    GDALDriver* vmem = GetGDALDriverManager()->GetDriverByName("Memory");
    if (mem == nullptr || vmem == nullptr) throw error("GDAL's MEM/Memory drivers are not available");
    GDALDatasetUniquePtr raster(mem->Create("", mask.width, mask.height, 1, GDT_Byte, nullptr));
    if (!raster) detail::throw_gdal(detail::ErrorKind::output, "service areas: cannot create a grid", errors);
    const double gt[6] = {mask.min_x, mask.cell_m, 0.0, mask.max_y, 0.0, -mask.cell_m};
    raster->SetGeoTransform(const_cast<double*>(gt));
    GDALRasterBand* band = raster->GetRasterBand(1);
    detail::check(band->RasterIO(GF_Write, 0, 0, mask.width, mask.height, const_cast<std::uint8_t*>(mask.cells.data()),
                                 mask.width, mask.height, GDT_Byte, 0, 0, nullptr),
                  detail::ErrorKind::output, "service areas: cannot fill the grid", errors);
    GDALDatasetUniquePtr vector(vmem->Create("", 0, 0, 0, GDT_Unknown, nullptr));
    OGRLayer* layer = vector->CreateLayer("areas", nullptr, wkbPolygon, nullptr);
    OGRFieldDefn value("value", OFTInteger);
    layer->CreateField(&value);
    // The band is its own mask: cells with 0 produce no polygon.
    detail::check(GDALPolygonize(band, band, layer, 0, nullptr, nullptr, nullptr), detail::ErrorKind::output,
                  "service areas: polygonize failed", errors);
    layer->ResetReading();
    for (auto& feature : *layer) {
        const OGRGeometry* g = feature->GetGeometryRef();
        if (g == nullptr || wkbFlatten(g->getGeometryType()) != wkbPolygon) continue;
        const OGRPolygon* p = g->toPolygon();
        Polygon poly;
        poly.outer = ring_of(*p->getExteriorRing());
        for (int i = 0; i < p->getNumInteriorRings(); ++i) poly.holes.push_back(ring_of(*p->getInteriorRing(i)));
        out.push_back(std::move(poly));
    }
    return out;
}

}  // namespace kepu15::io
