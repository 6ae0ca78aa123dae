#include "kepu15/io/detail/gdal_util.hpp"
#include "kepu15/io/raster_reader.hpp"

namespace kepu15::io {

bool is_raster(const std::string& path) {
    detail::register_gdal();
    // A file that is not a raster is an expected answer here, not an error to report.
    detail::GdalErrorScope quiet;
    const GDALDatasetUniquePtr ds(
        GDALDataset::Open(path.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY, nullptr, nullptr, nullptr));
    return ds != nullptr && ds->GetRasterCount() > 0;
}

}  // namespace kepu15::io
