#include <catch2/catch.hpp>

#include "kepu15/error.hpp"
#include "kepu15/io/raster_reader.hpp"
#include "test_support_io.hpp"

using namespace kepu15;
using namespace kepu15::io;
using Catch::Matchers::Contains;
using kepu15::test::io_fixture;

namespace {
// The 4x3 population grid of the fixtures, with nodata (-9999) and the negative -3 as 0.
const std::vector<double> pop_4x3{10, 20, 0, 5, 0, 0, 7.5, 100, 1, 2, 3, 4};
const std::array<double, 6> gt_4x3{500000.0, 100.0, 0.0, 3475000.0, 0.0, -100.0};
}  // namespace

TEST_CASE("A 4x3 GeoTIFF reads with nodata and clamped negatives as 0 and its geotransform", "[io]") {
    RasterReadOptions clamp;
    clamp.negative = NegativeValues::clamp;
    const RasterGrid grid = read_raster(io_fixture("pop_4x3_nodata_-9999.tif"), clamp);
    CHECK(grid.clamped == 1);
    CHECK(grid.clamped_sum == -3.0);
    CHECK(grid.width == 4);
    CHECK(grid.height == 3);
    CHECK(grid.geotransform == gt_4x3);
    CHECK_THAT(grid.crs, Contains("4549"));
    CHECK(grid.band_names == std::vector<std::string>{"band1"});
    REQUIRE(grid.bands.size() == 1);
    CHECK(grid.bands[0] == pop_4x3);

    CHECK(grid.cell_centre(0, 0) == Point{500050.0, 3474950.0});
    CHECK(grid.cell_centre(3, 2) == Point{500350.0, 3474750.0});
    const Polygon cell = grid.cell_polygon(1, 2);
    CHECK(signed_area(cell.outer) == Approx(10000.0));  // counter-clockwise, 100 m x 100 m
    CHECK(test::same_ring(cell.outer, box_polygon(500100, 3474700, 500200, 3474800).outer, 1e-9));
}

TEST_CASE("A two-band raster reads the requested bands with their descriptions", "[io]") {
    RasterReadOptions options;
    options.bands = {2, 1};
    const RasterGrid grid = read_raster(io_fixture("pop_4x3_two_bands.tif"), options);
    CHECK(grid.band_names == std::vector<std::string>{"elderly", "children"});
    REQUIRE(grid.bands.size() == 2);
    CHECK(grid.bands[0] == std::vector<double>{0, 0, 30, 40, 50, 60, 70, 80, 90, 100, 110, 0});
    CHECK(grid.bands[1] == std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});

    options.bands = {3};
    CHECK_THROWS_MATCHES(read_raster(io_fixture("pop_4x3_two_bands.tif"), options), input_error,
                         test::What(Contains("pop_4x3_two_bands.tif") && Contains("band 3 out of range") &&
                                    Contains("2 band(s)")));
}

TEST_CASE("A NaN raster cell is an input_error naming the cell", "[io]") {
    CHECK_THROWS_MATCHES(read_raster(io_fixture("pop_4x3_nan_at_col2_row1.tif")), input_error,
                         test::What(Contains("pop_4x3_nan_at_col2_row1.tif") && Contains("band 1") &&
                                    Contains("NaN value at cell (col 2, row 1)")));
}

TEST_CASE("A raster without CRS needs one given, then reads like the GeoTIFF", "[io]") {
    CHECK_THROWS_MATCHES(read_raster(io_fixture("pop_4x3_no_crs.asc")), crs_error,
                         test::What(Contains("pop_4x3_no_crs.asc") && Contains("no CRS")));
    RasterReadOptions options;
    options.crs = "EPSG:4549";
    options.negative = NegativeValues::clamp;
    const RasterGrid grid = read_raster(io_fixture("pop_4x3_no_crs.asc"), options);
    CHECK(grid.crs == "EPSG:4549");
    CHECK(grid.geotransform == gt_4x3);
    CHECK(grid.bands[0] == pop_4x3);
}

TEST_CASE("A missing raster is an input_error naming it", "[io]") {
    CHECK_THROWS_MATCHES(read_raster(io_fixture("nowhere.tif")), input_error,
                         test::What(Contains("nowhere.tif") && Contains("not found")));
    CHECK_THROWS_MATCHES(read_raster(io_fixture("pois_lnglat.csv")), input_error,
                         test::What(Contains("pois_lnglat.csv") && Contains("cannot open as raster")));
}

TEST_CASE("is_raster tells rasters from vector files and missing files", "[io]") {
    CHECK(is_raster(io_fixture("pop_4x3_nodata_-9999.tif")));
    CHECK(is_raster(io_fixture("pop_4x3_no_crs.asc")));
    CHECK_FALSE(is_raster(io_fixture("points_wgs84.geojson")));
    CHECK_FALSE(is_raster(io_fixture("pois_lnglat.csv")));
    CHECK_FALSE(is_raster(io_fixture("nowhere.tif")));
}

TEST_CASE("A negative raster cell is an input_error naming the cell unless clamping is asked for", "[io]") {
    // Regression (issue 7): negatives were zeroed without a word (2,092,000 became 2,091,204).
    CHECK_THROWS_MATCHES(read_raster(io_fixture("pop_4x3_nodata_-9999.tif")), input_error,
                         test::What(Contains("pop_4x3_nodata_-9999.tif, band 1: negative value -3 at cell") &&
                                    Contains("negative = \"clamp\"")));
}

TEST_CASE("A raster value above the per-cell maximum is an input_error naming the cell", "[io]") {
    // Regression (issue 7): a single cell of 3e38 (an undeclared Float32 nodata) was accepted.
    RasterReadOptions options;
    options.negative = NegativeValues::clamp;
    options.max_value = 50.0;
    CHECK_THROWS_MATCHES(read_raster(io_fixture("pop_4x3_nodata_-9999.tif"), options), input_error,
                         test::What(Contains("value 100 at cell (col 3, row 1)") && Contains("exceeds 50")));
}
