#include "kepu15/io/raster_writer.hpp"

#include "kepu15/error.hpp"
#include "kepu15/io/detail/gdal_util.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <vector>

namespace kepu15::io {

namespace {

// DEFAULT: DEFLATE level 1. On the Kunshan cells.tif (340 x 486 cells, 15 bands) libdeflate's
// level 1 takes about a quarter less CPU than GDAL's default 6 for a file 0.9 % larger
// (3.91 vs 3.88 MB); see docs/exports.md.
constexpr int cog_deflate_level = 1;

// Overviews only for rasters wider or taller than two 256-pixel tiles: a smaller raster is read
// whole in one or two requests, and its overview cost 40 % of the writing time and 27 % of the
// file (GDAL's COG validator recommends overviews above 512 pixels, as here).
constexpr int cog_overview_min_size = 512;

}  // namespace

// One band is a Cloud-Optimized GeoTIFF with one band: the same writer, temporary file and rename.
void write_raster(const std::string& path, const RasterOutput& raster, const CogOptions& options) {
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
    write_cog(path, one, options);
}


void write_cog(const std::string& path, const MultiBandRaster& raster, const CogOptions& options) {
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
        // The MEM dataset points at the caller's bands (no copy of the values).
        GDALDatasetUniquePtr src(mem->Create("", raster.width, raster.height, 0, GDT_Float32, nullptr));
        if (!src) fail("cannot create the raster in memory");
        double gt[6];
        std::copy(raster.geotransform.begin(), raster.geotransform.end(), gt);
        src->SetGeoTransform(gt);
        OGRSpatialReference srs;
        srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
        if (srs.SetFromUserInput(raster.crs.c_str()) != OGRERR_NONE) fail("unknown CRS for the raster");
        src->SetSpatialRef(&srs);
        for (std::size_t b = 0; b < raster.bands.size(); ++b) {
            char pointer[64] = {};
            CPLPrintPointer(pointer, const_cast<float*>(raster.bands[b].values.data()), sizeof(pointer));
            const std::string data_pointer = std::string("DATAPOINTER=") + pointer;
            const char* band_options[] = {data_pointer.c_str(), nullptr};
            if (src->AddBand(GDT_Float32, const_cast<char**>(band_options)) != CE_None) {
                fail("cannot add band " + std::to_string(b + 1));
            }
            GDALRasterBand* band = src->GetRasterBand(static_cast<int>(b) + 1);
            band->SetNoDataValue(raster.nodata);
            band->SetDescription(raster.bands[b].description.c_str());
        }
        const bool overviews = raster.width > cog_overview_min_size || raster.height > cog_overview_min_size;
        if (overviews) {
            // The overviews are computed here, in memory, and the COG driver copies them (it uses a
            // source's overviews when it has some). Left to the driver, they go through a temporary
            // ZSTD-compressed file that is written, read back and compressed again: on the
            // province's 9 bands of 3,162 x 3,162 that took half of cells.tif's CPU time. Same
            // levels as the driver's (halving until the image fits one 256-pixel tile), same
            // resampling (average of the valid pixels).
            std::vector<int> levels;
            for (int f = 2;; f *= 2) {
                levels.push_back(f);
                if ((std::max(raster.width, raster.height) + f - 1) / f <= 256) break;
            }
            if (GDALBuildOverviews(GDALDataset::ToHandle(src.get()), "AVERAGE", static_cast<int>(levels.size()),
                                   levels.data(), 0, nullptr, nullptr, nullptr) != CE_None) {
                fail("cannot compute the overviews");
            }
        }
        const std::string level = "LEVEL=" + std::to_string(cog_deflate_level);
        const std::string threads = "NUM_THREADS=" + std::to_string(std::max(1U, options.threads));
        const char* cog_options[] = {"COMPRESS=DEFLATE",
                                     "PREDICTOR=YES",
                                     level.c_str(),
                                     "RESAMPLING=AVERAGE",
                                     "BLOCKSIZE=256",
                                     overviews ? "OVERVIEWS=AUTO" : "OVERVIEWS=NONE",
                                     threads.c_str(),
                                     nullptr};
        GDALDatasetUniquePtr out(
            cog->CreateCopy(tmp.c_str(), src.get(), FALSE, const_cast<char**>(cog_options), nullptr, nullptr));
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
