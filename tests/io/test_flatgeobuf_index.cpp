// kepu15's own FlatGeobuf spatial index (io/detail/flatgeobuf_index.hpp): the packed R-tree's
// layout on a hand-computed case, and files read back through GDAL, whose spatial filter answers
// come from that index, compared with a linear scan over random rectangles (fixed seed).
#include <catch2/catch.hpp>
#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <set>

#include "kepu15/io/detail/flatgeobuf_index.hpp"
#include "kepu15/io/detail/layer_writer.hpp"
#include "kepu15/io/vector_writer.hpp"
#include "test_support_io.hpp"

using namespace kepu15;
using namespace kepu15::io;
using kepu15::test::TempDir;

namespace {

double f64_at(const std::string& s, std::size_t at) {
    double v = 0;
    std::memcpy(&v, s.data() + at, 8);  // little-endian host, like the file
    return v;
}
std::uint64_t u64_at(const std::string& s, std::size_t at) {
    std::uint64_t v = 0;
    std::memcpy(&v, s.data() + at, 8);
    return v;
}

}  // namespace

TEST_CASE("A packed R-tree of 3 leaves and node size 2: root, one level of parents, leaves", "[io]") {
    // Leaves a, b, c; parents p0 = {a, b}, p1 = {c}; root = {p0, p1}. Stored root first:
    // [root, p0, p1, a, b, c]; a parent's offset is the node index of its first child.
    const std::vector<detail::Box> boxes{{0, 0, 1, 1}, {2, 0, 3, 1}, {10, 5, 11, 6}};
    const std::vector<std::uint64_t> offsets{0, 100, 250};
    CHECK(detail::packed_rtree_nodes(3, 2) == 6);
    const std::string bytes = detail::packed_rtree(boxes, offsets, 2);
    REQUIRE(bytes.size() == 6 * 40);
    const auto node = [&](std::size_t i) {
        return std::vector<double>{f64_at(bytes, i * 40), f64_at(bytes, i * 40 + 8), f64_at(bytes, i * 40 + 16),
                                   f64_at(bytes, i * 40 + 24)};
    };
    CHECK(node(0) == std::vector<double>{0, 0, 11, 6});
    CHECK(u64_at(bytes, 32) == 1);
    CHECK(node(1) == std::vector<double>{0, 0, 3, 1});
    CHECK(u64_at(bytes, 72) == 3);
    CHECK(node(2) == std::vector<double>{10, 5, 11, 6});
    CHECK(u64_at(bytes, 112) == 5);
    CHECK(node(4) == std::vector<double>{2, 0, 3, 1});
    CHECK(u64_at(bytes, 4 * 40 + 32) == 100);
    CHECK(u64_at(bytes, 5 * 40 + 32) == 250);
    // One leaf still gets a root above it, as FlatGeobuf readers expect.
    CHECK(detail::packed_rtree_nodes(1, 16) == 2);
    CHECK(detail::packed_rtree_nodes(88000, 16) == 88000 + 5500 + 344 + 22 + 2 + 1);
}

TEST_CASE("Hilbert order keeps neighbours together and is a permutation", "[io]") {
    std::vector<detail::Box> boxes;
    for (int row = 0; row < 64; ++row) {
        for (int col = 0; col < 64; ++col) boxes.push_back({col * 1.0, row * 1.0, col + 1.0, row + 1.0});
    }
    const auto order = detail::hilbert_order(boxes);
    REQUIRE(order.size() == boxes.size());
    CHECK(std::set<std::size_t>(order.begin(), order.end()).size() == boxes.size());
    // On a Hilbert curve consecutive cells of a regular grid are edge neighbours.
    for (std::size_t i = 1; i < order.size(); ++i) {
        const auto& a = boxes[order[i - 1]];
        const auto& b = boxes[order[i]];
        CHECK(std::abs(a.min_x - b.min_x) + std::abs(a.min_y - b.min_y) == 1.0);
    }
}

TEST_CASE("FlatGeobuf written by kepu15: GDAL's spatial filter through its index equals a linear scan", "[io]") {
    TempDir dir("fgb-index");
    // 1,500 squares of varying size in a 1 x 1 degree block, written in random order, 2 fields.
    std::mt19937_64 rng(20261201);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    const std::vector<FieldDef> fields{{"id", FieldType::integer}, {"name", FieldType::string}};
    std::vector<OutputFeature> features;
    std::vector<detail::Box> boxes;
    for (std::int64_t i = 0; i < 1500; ++i) {
        const double x = 120.5 + u(rng);
        const double y = 31.0 + u(rng);
        const double side = 0.001 + 0.02 * u(rng);
        OutputFeature f;
        f.geometry.kind = GeometryKind::polygon;
        f.geometry.polygons.push_back(box_polygon(x, y, x + side, y + side));
        f.values = {i, std::string("格") + std::to_string(i)};
        features.push_back(std::move(f));
        boxes.push_back({x, y, x + side, y + side});
    }
    WriteOptions options;
    options.geometry_kind = GeometryKind::polygon;
    const std::string path = dir.file("cells.fgb");
    write_vector(path, fields, features, options);

    GDALDatasetUniquePtr ds(GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR));
    REQUIRE(ds);
    OGRLayer* layer = ds->GetLayer(0);
    CHECK(layer->GetFeatureCount() == 1500);
    CHECK(layer->TestCapability(OLCFastSpatialFilter));  // the file has an index
    // Every feature once, with its own attributes and geometry.
    std::set<std::int64_t> seen;
    for (auto& f : *layer) {
        const std::int64_t id = f->GetFieldAsInteger64("id");
        CHECK(std::string(f->GetFieldAsString("name")) == "格" + std::to_string(id));
        OGREnvelope e;
        f->GetGeometryRef()->getEnvelope(&e);
        CHECK(e.MinX == Approx(boxes[static_cast<std::size_t>(id)].min_x).margin(1e-9));
        seen.insert(id);
    }
    CHECK(seen.size() == 1500);
    for (int q = 0; q < 40; ++q) {
        const double x0 = 120.4 + 1.2 * u(rng);
        const double y0 = 30.9 + 1.2 * u(rng);
        const double w = 0.3 * u(rng);
        const double h = 0.3 * u(rng);
        std::set<std::int64_t> expected;
        for (std::size_t i = 0; i < boxes.size(); ++i) {
            const auto& b = boxes[i];
            if (b.max_x >= x0 && b.min_x <= x0 + w && b.max_y >= y0 && b.min_y <= y0 + h) {
                expected.insert(static_cast<std::int64_t>(i));
            }
        }
        layer->SetSpatialFilterRect(x0, y0, x0 + w, y0 + h);
        std::set<std::int64_t> got;
        for (auto& f : *layer) got.insert(f->GetFieldAsInteger64("id"));
        CAPTURE(q, x0, y0, w, h);
        CHECK(got == expected);
    }
}

TEST_CASE("FlatGeobuf encoded in parts on 3 threads is the file written on 1 thread, index and all", "[io]") {
    TempDir dir("fgb-parts");
    // 3 x flatgeobuf_part_features squares on a grid (3 parts), fields of each type with nulls.
    const std::size_t n = 3 * detail::flatgeobuf_part_features + 7;
    const std::vector<FieldDef> fields{
        {"id", FieldType::integer}, {"minutes", FieldType::real}, {"name", FieldType::string}};
    std::vector<OutputFeature> features;
    for (std::size_t i = 0; i < n; ++i) {
        const double x = 120.8 + 0.001 * static_cast<double>(i % 250);
        const double y = 31.2 + 0.001 * static_cast<double>(i / 250);
        OutputFeature f;
        f.geometry.kind = GeometryKind::polygon;
        f.geometry.polygons.push_back(box_polygon(x, y, x + 0.001, y + 0.001));
        f.values = {static_cast<std::int64_t>(i),
                    i % 9 == 0 ? FieldValue(std::monostate{}) : FieldValue(static_cast<double>(i % 600) / 10.0),
                    std::string("村") + std::to_string(i % 77)};
        features.push_back(std::move(f));
    }
    WriteOptions options;
    options.geometry_kind = GeometryKind::polygon;
    options.threads = 1;
    // The layer name (file stem) is in the header: the same name in two folders.
    std::filesystem::create_directories(dir.file("one"));
    std::filesystem::create_directories(dir.file("three"));
    const std::string one = dir.file("one/cells.fgb");
    write_vector(one, fields, features, options);
    options.threads = 3;
    const std::string three = dir.file("three/cells.fgb");
    write_vector(three, fields, features, options);
    const auto bytes = [](const std::string& path) {
        std::ifstream in(path, std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    };
    REQUIRE(bytes(one).size() > 40 * n);
    CHECK(bytes(one) == bytes(three));

    GDALDatasetUniquePtr ds(GDALDataset::Open(three.c_str(), GDAL_OF_VECTOR));
    REQUIRE(ds);
    OGRLayer* layer = ds->GetLayer(0);
    CHECK(layer->GetFeatureCount() == static_cast<GIntBig>(n));
    CHECK(layer->TestCapability(OLCFastSpatialFilter));
    std::set<std::int64_t> seen;
    for (auto& f : *layer) {
        const auto id = static_cast<std::size_t>(f->GetFieldAsInteger64("id"));
        REQUIRE(id < n);
        CHECK(f->IsFieldSetAndNotNull(1) == (id % 9 != 0));
        if (id % 9 != 0) CHECK(f->GetFieldAsDouble(1) == static_cast<double>(id % 600) / 10.0);
        CHECK(std::string(f->GetFieldAsString(2)) == "村" + std::to_string(id % 77));
        OGREnvelope e;
        f->GetGeometryRef()->getEnvelope(&e);
        CHECK(e.MinX == Approx(120.8 + 0.001 * static_cast<double>(id % 250)).margin(1e-9));
        seen.insert(static_cast<std::int64_t>(id));
    }
    CHECK(seen.size() == n);
    // A window in the middle rows (features of several parts): the index answers as a scan does.
    layer->SetSpatialFilterRect(120.85, 31.25, 120.90, 31.30);
    std::size_t got = 0;
    for (auto& f : *layer) {
        (void)f;
        ++got;
    }
    std::size_t expected = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const double x = 120.8 + 0.001 * static_cast<double>(i % 250);
        const double y = 31.2 + 0.001 * static_cast<double>(i / 250);
        if (x + 0.001 >= 120.85 && x <= 120.90 && y + 0.001 >= 31.25 && y <= 31.30) ++expected;
    }
    CHECK(got == expected);
}
