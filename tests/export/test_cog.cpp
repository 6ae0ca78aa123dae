// The per-cell multi-band Cloud-Optimized GeoTIFF read back with GDAL.
#include "export_fixtures.hpp"
#include "kepu15/error.hpp"
#include "kepu15/io/raster_writer.hpp"

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
