// The per-cell multi-band Cloud-Optimized GeoTIFF read back with GDAL.
#include "export_fixtures.hpp"
#include "kepu15/error.hpp"
#include "kepu15/io/raster_writer.hpp"

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

using namespace kepu15;

TEST_CASE("A multi-band COG has one described Float32 band per measure, nodata and a COG layout", "[export]") {
    kepu15::test::TempDir dir("export-cog");
    io::MultiBandRaster r;
    r.crs = "EPSG:4549";
    r.width = 300;
    r.height = 200;
    r.geotransform = {500000.0, 100.0, 0.0, 3480000.0, 0.0, -100.0};
    for (int b = 0; b < 3; ++b) {
        io::RasterBand band;
        band.description = b == 0 ? "population" : b == 1 ? "station_walk_min" : "station_crowfly_dist_m";
        band.values.resize(static_cast<std::size_t>(r.width * r.height));
        for (std::size_t i = 0; i < band.values.size(); ++i) {
            band.values[i] = (i % 7 == 0) ? r.nodata : static_cast<float>(b * 1000 + static_cast<int>(i % 997));
        }
        r.bands.push_back(std::move(band));
    }
    const std::string path = dir.file("cells.tif");
    io::write_cog(path, r);
    GDALAllRegister();
    GDALDatasetUniquePtr ds(GDALDataset::Open(path.c_str(), GDAL_OF_RASTER, nullptr, nullptr, nullptr));
    REQUIRE(ds);
    CHECK(ds->GetRasterCount() == 3);
    CHECK(ds->GetRasterXSize() == 300);
    const char* layout = ds->GetMetadataItem("LAYOUT", "IMAGE_STRUCTURE");
    REQUIRE(layout != nullptr);
    CHECK(std::string(layout) == "COG");
    double gt[6];
    ds->GetGeoTransform(gt);
    CHECK(gt[0] == 500000.0);
    CHECK(gt[5] == -100.0);
    CHECK(std::string(ds->GetSpatialRef()->GetAuthorityCode(nullptr)) == "4549");
    for (int b = 0; b < 3; ++b) {
        GDALRasterBand* band = ds->GetRasterBand(b + 1);
        CHECK(std::string(band->GetDescription()) == r.bands[static_cast<std::size_t>(b)].description);
        CHECK(band->GetRasterDataType() == GDT_Float32);
        int has = 0;
        CHECK(band->GetNoDataValue(&has) == -9999.0);
        CHECK(has == 1);
        std::vector<float> back(static_cast<std::size_t>(r.width * r.height));
        REQUIRE(band->RasterIO(GF_Read, 0, 0, r.width, r.height, back.data(), r.width, r.height, GDT_Float32, 0, 0,
                               nullptr) == CE_None);
        CHECK(back == r.bands[static_cast<std::size_t>(b)].values);
    }
    ds.reset();
    // No temporary left beside it.
    CHECK(std::distance(std::filesystem::directory_iterator(dir.path()), std::filesystem::directory_iterator()) == 1);
    r.bands[1].values.pop_back();
    CHECK_THROWS_AS(io::write_cog(dir.file("bad.tif"), r), output_error);
    CHECK_FALSE(std::filesystem::exists(dir.file("bad.tif")));
}

namespace {

io::MultiBandRaster patterned_raster(int width, int height, int bands) {
    io::MultiBandRaster r;
    r.crs = "EPSG:4549";
    r.width = width;
    r.height = height;
    r.geotransform = {500000.0, 100.0, 0.0, 3480000.0, 0.0, -100.0};
    for (int b = 0; b < bands; ++b) {
        io::RasterBand band;
        band.description = "band_" + std::to_string(b);
        band.values.resize(static_cast<std::size_t>(width) * static_cast<std::size_t>(height));
        for (std::size_t i = 0; i < band.values.size(); ++i) {
            band.values[i] = (i % 5 == 0) ? r.nodata : static_cast<float>(b) * 0.5F + static_cast<float>(i % 613) / 7.0F;
        }
        r.bands.push_back(std::move(band));
    }
    return r;
}

std::string file_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("A COG gets overviews only above 512 pixels, keeps every value, and is the same file on 1 or 2 threads",
          "[export]") {
    kepu15::test::TempDir dir("export-cog-overviews");
    GDALAllRegister();
    struct Case {
        int width, height, overviews;
    };
    // 340 x 486 is the Kunshan grid: 2 x 2 tiles, no overview. 700 x 300 gets GDAL's overviews down to
    // one tile: 350 x 150 and 175 x 75.
    for (const Case c : {Case{340, 486, 0}, Case{700, 300, 2}}) {
        const auto r = patterned_raster(c.width, c.height, 3);
        const std::string one = dir.file("one-" + std::to_string(c.width) + ".tif");
        const std::string two = dir.file("two-" + std::to_string(c.width) + ".tif");
        io::write_cog(one, r, {1});
        io::write_cog(two, r, {2});
        CHECK(file_bytes(one) == file_bytes(two));
        GDALDatasetUniquePtr ds(GDALDataset::Open(one.c_str(), GDAL_OF_RASTER, nullptr, nullptr, nullptr));
        REQUIRE(ds);
        const char* layout = ds->GetMetadataItem("LAYOUT", "IMAGE_STRUCTURE");
        REQUIRE(layout != nullptr);
        CHECK(std::string(layout) == "COG");
        const char* compression = ds->GetMetadataItem("COMPRESSION", "IMAGE_STRUCTURE");
        REQUIRE(compression != nullptr);
        CHECK(std::string(compression) == "DEFLATE");
        for (int b = 0; b < 3; ++b) {
            GDALRasterBand* band = ds->GetRasterBand(b + 1);
            CHECK(band->GetOverviewCount() == c.overviews);
            int bx = 0;
            int by = 0;
            band->GetBlockSize(&bx, &by);
            CHECK(bx == 256);
            CHECK(by == 256);
            std::vector<float> back(r.bands[static_cast<std::size_t>(b)].values.size());
            REQUIRE(band->RasterIO(GF_Read, 0, 0, c.width, c.height, back.data(), c.width, c.height, GDT_Float32, 0, 0,
                                   nullptr) == CE_None);
            CHECK(back == r.bands[static_cast<std::size_t>(b)].values);
        }
    }
}

TEST_CASE("A large COG's overviews are the averages of the valid pixels beneath, at the driver's levels", "[export]") {
    // The overviews are computed in memory before the COG driver copies them: same levels as the
    // driver's own (halving until one 256-pixel tile holds the image), nodata left out of averages.
    kepu15::test::TempDir dir("export-cog-overview-values");
    GDALAllRegister();
    const int width = 1100, height = 600;  // 550 x 300, 275 x 150, 137 x 75: three levels
    const auto r = patterned_raster(width, height, 2);
    const std::string path = dir.file("large.tif");
    io::write_cog(path, r, {2});
    GDALDatasetUniquePtr ds(GDALDataset::Open(path.c_str(), GDAL_OF_RASTER, nullptr, nullptr, nullptr));
    REQUIRE(ds);
    for (int b = 0; b < 2; ++b) {
        GDALRasterBand* band = ds->GetRasterBand(b + 1);
        REQUIRE(band->GetOverviewCount() == 3);
        GDALRasterBand* half = band->GetOverview(0);
        REQUIRE(half->GetXSize() == 550);
        REQUIRE(half->GetYSize() == 300);
        CHECK(band->GetOverview(1)->GetXSize() == 275);
        CHECK(band->GetOverview(2)->GetXSize() <= 256);
        std::vector<float> ovr(550 * 300);
        REQUIRE(half->RasterIO(GF_Read, 0, 0, 550, 300, ovr.data(), 550, 300, GDT_Float32, 0, 0, nullptr) == CE_None);
        const auto& v = r.bands[static_cast<std::size_t>(b)].values;
        for (int y = 0; y < 300; y += 37) {
            for (int x = 0; x < 550; x += 41) {
                double sum = 0.0;
                int valid = 0;
                for (int dy = 0; dy < 2; ++dy) {
                    for (int dx = 0; dx < 2; ++dx) {
                        const float s = v[static_cast<std::size_t>((2 * y + dy) * width + 2 * x + dx)];
                        if (s == r.nodata) continue;
                        sum += s;
                        ++valid;
                    }
                }
                CAPTURE(b, x, y);
                const float got = ovr[static_cast<std::size_t>(y * 550 + x)];
                if (valid == 0) {
                    CHECK(got == r.nodata);
                } else {
                    CHECK(got == Approx(sum / valid).epsilon(1e-5));
                }
            }
        }
    }
}
