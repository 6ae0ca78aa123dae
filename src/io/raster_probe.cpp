#include "kepu15/io/raster_reader.hpp"

#include <cpl_error.h>
#include <gdal_priv.h>

#include <memory>
#include <mutex>

namespace kepu15::io {

bool is_raster(const std::string& path) {
    static std::once_flag once;
    std::call_once(once, [] { GDALAllRegister(); });
    // A file that is not a raster is an expected answer here, not an error to print.
    CPLPushErrorHandler(CPLQuietErrorHandler);
    const std::unique_ptr<GDALDataset> ds(
        GDALDataset::Open(path.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY, nullptr, nullptr, nullptr));
    CPLPopErrorHandler();
    return ds != nullptr && ds->GetRasterCount() > 0;
}

}  // namespace kepu15::io
