// Writes Float32 GeoTIFFs through GDAL as Cloud-Optimized GeoTIFFs (COG driver), via a temporary
// file and rename: one band (write_raster) or one band per measure (write_cog).
#pragma once

#include <array>
#include <string>
#include <vector>

namespace kepu15::io {

struct RasterOutput {
    std::string crs;                       // any CRS string GDAL/PROJ accepts (WKT, EPSG:xxxx)
    std::array<double, 6> geotransform{};  // GDAL order
    int width = 0;
    int height = 0;
    std::vector<float> values;             // row-major, width * height
    float nodata = -9999.0F;
    std::string description;               // band description, e.g. "minutes to the nearest station (walk)"
};

struct CogOptions {
    // Threads GDAL may use to compress tiles (NUM_THREADS); the pixel values do not depend on it.
    unsigned threads = 1;
};

// Throws output_error naming the path; leaves no file behind on failure.
void write_raster(const std::string& path, const RasterOutput& raster, const CogOptions& options = {});

}  // namespace kepu15::io

namespace kepu15::io {

// One band of a multi-band raster.
struct RasterBand {
    std::string description;  // names the measure, e.g. "station_walk_min"; stored as the band description
    std::vector<float> values;  // row-major, width * height; nodata where there is no value
};

struct MultiBandRaster {
    std::string crs;
    std::array<double, 6> geotransform{};
    int width = 0;
    int height = 0;
    float nodata = -9999.0F;
    std::vector<RasterBand> bands;
};

// A Cloud-Optimized GeoTIFF (GDAL's COG driver: 256-pixel tiles, DEFLATE level 1 with the
// floating-point predictor, one Float32 band per measure with its description; overviews by
// averaging only when the raster is wider or taller than 512 pixels). Written to a temporary file
// and renamed. The bands are read in place, not copied. Throws output_error naming the path.
void write_cog(const std::string& path, const MultiBandRaster& raster, const CogOptions& options = {});

}  // namespace kepu15::io
