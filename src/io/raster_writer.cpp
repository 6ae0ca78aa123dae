#include "kepu15/io/raster_writer.hpp"

#include "kepu15/error.hpp"
#include "kepu15/io/detail/gdal_util.hpp"

#include <unistd.h>

#include <atomic>
#include <filesystem>

namespace kepu15::io {

// One band is a Cloud-Optimized GeoTIFF with one band: the same writer, temporary file and rename.
void write_raster(const std::string& path, const RasterOutput& raster) {
    if (raster.values.size() != static_cast<std::size_t>(raster.width) * static_cast<std::size_t>(raster.height) ||
        raster.width <= 0 || raster.height <= 0) {
        throw output_error(path + ": raster size does not match its values");
    }
    MultiBandRaster one;
    one.crs = raster.crs;
    one.geotransform = raster.geotransform;
    one.width = raster.width;
    one.height = raster.height;
    one.nodata = raster.nodata;
    one.bands.push_back({raster.description, raster.values});
    write_cog(path, one);
}


void write_cog(const std::string& path, const MultiBandRaster& raster) {
    namespace fs = std::filesystem;
    detail::register_gdal();
    const auto cells = static_cast<std::size_t>(raster.width) * static_cast<std::size_t>(raster.height);
    if (raster.width <= 0 || raster.height <= 0 || raster.bands.empty()) {
        throw output_error(path + ": a raster needs a size and at least one band");
    }
    for (const auto& b : raster.bands) {
        if (b.values.size() != cells) throw output_error(path + ": band '" + b.description + "' size does not match the grid");
    }
    const fs::path final_path(path);
    const fs::path dir = final_path.parent_path().empty() ? fs::path(".") : final_path.parent_path();
    static std::atomic<unsigned> counter{0};
    const fs::path tmp = dir / ("." + final_path.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-" +
                                std::to_string(counter++));
    detail::GdalErrorScope errors;
    const auto fail = [&](const std::string& what) { detail::throw_gdal(detail::ErrorKind::output, path + ": " + what, errors); };
    try {
        GDALDriver* mem = GetGDALDriverManager()->GetDriverByName("MEM");
        GDALDriver* cog = GetGDALDriverManager()->GetDriverByName("COG");
        if (mem == nullptr || cog == nullptr) throw output_error(path + ": GDAL's MEM or COG driver is not available");
        GDALDatasetUniquePtr src(mem->Create("", raster.width, raster.height, static_cast<int>(raster.bands.size()),
                                             GDT_Float32, nullptr));
        if (!src) fail("cannot create the raster in memory");
        double gt[6];
        std::copy(raster.geotransform.begin(), raster.geotransform.end(), gt);
        src->SetGeoTransform(gt);
        OGRSpatialReference srs;
        srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
        if (srs.SetFromUserInput(raster.crs.c_str()) != OGRERR_NONE) fail("unknown CRS for the raster");
        src->SetSpatialRef(&srs);
        for (std::size_t b = 0; b < raster.bands.size(); ++b) {
            GDALRasterBand* band = src->GetRasterBand(static_cast<int>(b) + 1);
            band->SetNoDataValue(raster.nodata);
            band->SetDescription(raster.bands[b].description.c_str());
            if (band->RasterIO(GF_Write, 0, 0, raster.width, raster.height,
                               const_cast<float*>(raster.bands[b].values.data()), raster.width, raster.height,
                               GDT_Float32, 0, 0, nullptr) != CE_None) {
                fail("cannot fill band " + std::to_string(b + 1));
            }
        }
        const char* options[] = {"COMPRESS=DEFLATE", "PREDICTOR=YES", "RESAMPLING=AVERAGE", "BLOCKSIZE=256", nullptr};
        GDALDatasetUniquePtr out(
            cog->CreateCopy(tmp.c_str(), src.get(), FALSE, const_cast<char**>(options), nullptr, nullptr));
        if (!out) fail("cannot write the Cloud-Optimized GeoTIFF");
        errors.clear();
        out.reset();
        if (errors.failed()) fail("cannot close");
        fs::rename(tmp, final_path);
    } catch (const fs::filesystem_error& e) {
        std::error_code ec;
        fs::remove(tmp, ec);
        throw output_error(path + ": cannot rename into place (" + e.code().message() + ")");
    } catch (...) {
        std::error_code ec;
        fs::remove(tmp, ec);
        fs::remove(tmp.string() + ".aux.xml", ec);
        throw;
    }
}

}  // namespace kepu15::io
