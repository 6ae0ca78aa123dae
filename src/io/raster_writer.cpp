#include "kepu15/io/raster_writer.hpp"

#include "kepu15/error.hpp"
#include "kepu15/io/detail/gdal_util.hpp"

#include <unistd.h>

#include <atomic>
#include <filesystem>

namespace kepu15::io {

void write_raster(const std::string& path, const RasterOutput& raster) {
    namespace fs = std::filesystem;
    detail::register_gdal();
    if (raster.values.size() != static_cast<std::size_t>(raster.width) * static_cast<std::size_t>(raster.height) ||
        raster.width <= 0 || raster.height <= 0) {
        throw output_error(path + ": raster size does not match its values");
    }
    const fs::path final_path(path);
    const fs::path dir = final_path.parent_path().empty() ? fs::path(".") : final_path.parent_path();
    static std::atomic<unsigned> counter{0};
    const fs::path tmp = dir / ("." + final_path.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-" +
                                std::to_string(counter++));
    detail::GdalErrorScope errors;
    try {
        GDALDriver* gtiff = GetGDALDriverManager()->GetDriverByName("GTiff");
        if (gtiff == nullptr) throw output_error(path + ": GDAL's GTiff driver is not available");
        const char* options[] = {"COMPRESS=DEFLATE", "PREDICTOR=3", "TILED=YES", nullptr};
        GDALDatasetUniquePtr ds(gtiff->Create(tmp.c_str(), raster.width, raster.height, 1, GDT_Float32,
                                              const_cast<char**>(options)));
        if (!ds) detail::throw_gdal(detail::ErrorKind::output, path + ": cannot create", errors);
        double gt[6];
        std::copy(raster.geotransform.begin(), raster.geotransform.end(), gt);
        detail::check(ds->SetGeoTransform(gt), detail::ErrorKind::output, path + ": cannot set the grid", errors);
        OGRSpatialReference srs;
        srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
        detail::check(srs.SetFromUserInput(raster.crs.c_str()), detail::ErrorKind::output,
                      path + ": unknown CRS for the raster", errors);
        detail::check(ds->SetSpatialRef(&srs), detail::ErrorKind::output, path + ": cannot set the CRS", errors);
        GDALRasterBand* band = ds->GetRasterBand(1);
        band->SetNoDataValue(raster.nodata);
        band->SetDescription(raster.description.c_str());
        detail::check(band->RasterIO(GF_Write, 0, 0, raster.width, raster.height,
                                     const_cast<float*>(raster.values.data()), raster.width, raster.height,
                                     GDT_Float32, 0, 0, nullptr),
                      detail::ErrorKind::output, path + ": cannot write values", errors);
        errors.clear();
        ds.reset();
        if (errors.failed()) detail::throw_gdal(detail::ErrorKind::output, path + ": cannot close", errors);
        fs::rename(tmp, final_path);
    } catch (const fs::filesystem_error& e) {
        std::error_code ec;
        fs::remove(tmp, ec);
        throw output_error(path + ": cannot rename into place (" + e.code().message() + ")");
    } catch (...) {
        std::error_code ec;
        fs::remove(tmp, ec);
        throw;
    }
}

}  // namespace kepu15::io
