// GeoPackage layers whose rows and R-tree kepu15 writes with SQLite (io/detail/gpkg_rows.hpp),
// checked against the same layer written by GDAL's own GPKG driver (io::write_vector), against a
// brute-force scan for the spatial index, and by GDAL's validator and ogrinfo.
#include <sqlite3.h>
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <random>
#include <set>

#include "export_fixtures.hpp"
#include "kepu15/io/detail/gpkg_rows.hpp"
#include "kepu15/io/sink.hpp"
#include "kepu15/io/vector_writer.hpp"

using namespace kepu15;
using namespace kepu15::test;
namespace fs = std::filesystem;

namespace {

// Squares of `side` on a grid, with Chinese field names and text, nulls, NaN and infinity (both
// written as null), empty text, features without geometry, unclosed rings (closed by the writer
// as GDAL closes them) and holes. Fixed seed.
io::Layer grid_layer(std::size_t n, std::uint64_t seed) {
    io::Layer l;
    l.name = "cells";
    l.geometry_kind = io::GeometryKind::polygon;
    l.fields = {{"cell_id", io::FieldType::integer}, {"人口", io::FieldType::real},
                {"村名", io::FieldType::string},     {"station_walk_min", io::FieldType::real},
                {"covered", io::FieldType::integer}, {"code", io::FieldType::string}};
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    const double step = 0.001;
    const std::vector<std::string> names{"玉山镇", "城北社区居委会", "", "Zhoushi \"north\", 周市"};
    for (std::size_t i = 0; i < n; ++i) {
        io::OutputFeature f;
        const double x = 120.8 + step * static_cast<double>(i % 71);
        const double y = 31.2 + step * static_cast<double>(i / 71);
        if (i % 97 != 5) {
            f.geometry.kind = io::GeometryKind::polygon;
            Polygon p;
            p.outer = square(x, y, step);
            if (i % 13 == 0) p.outer.pop_back();  // unclosed
            if (i % 17 == 0) {
                Ring hole = square(x + step / 4, y + step / 4, step / 2);
                std::reverse(hole.begin(), hole.end());
                p.holes.push_back(hole);
            }
            f.geometry.polygons.push_back(p);
        }
        f.values.emplace_back(static_cast<std::int64_t>(i) * 1000003 - 7);
        const double r = u(rng);
        if (r < 0.1) {
            f.values.emplace_back(std::monostate{});
        } else if (r < 0.15) {
            f.values.emplace_back(std::numeric_limits<double>::quiet_NaN());
        } else if (r < 0.17) {
            f.values.emplace_back(std::numeric_limits<double>::infinity());
        } else {
            f.values.emplace_back(u(rng) * 1e5);
        }
        f.values.emplace_back(i % 11 == 0 ? io::FieldValue{} : io::FieldValue{names[rng() % names.size()]});
        f.values.emplace_back(u(rng) < 0.2 ? io::FieldValue{}
                                           : io::FieldValue{std::round(u(rng) * 600.0) / 10.0});
        f.values.emplace_back(u(rng) < 0.1 ? io::FieldValue{}
                                           : io::FieldValue{static_cast<std::int64_t>(rng() % 2)});
        f.values.emplace_back(std::to_string(320583000000 + rng() % 1000));
        l.features.push_back(std::move(f));
    }
    return l;
}

void write_with_sink(const std::string& path, const std::vector<io::Layer>& layers,
                     const std::string& crs = "", unsigned threads = 0) {
    io::SinkOptions options;
    options.output_crs = crs;
    options.threads = threads;
    auto sink = io::open_sink(path, options);
    for (const auto& l : layers) sink->add_layer(l);
    sink->commit();
}

// The same layer through GDAL's GPKG driver, feature by feature.
void write_with_gdal(const std::string& path, const io::Layer& layer, const std::string& crs = "") {
    io::WriteOptions options;
    options.layer_name = layer.name;
    options.geometry_kind = layer.geometry_kind;
    options.output_crs = crs;
    io::write_vector(path, layer.fields, layer.features, options);
}

// Every feature of `name` in `ours` equals GDAL's: fid, each field's null state and text, the
// geometry (WKB), the SRS, geometry type, field definitions, count and extent.
void check_same_as_gdal(const std::string& ours, const std::string& reference, const std::string& name) {
    auto a = open_vector(ours);
    auto b = open_vector(reference);
    REQUIRE(a);
    REQUIRE(b);
    OGRLayer* la = a->GetLayerByName(name.c_str());
    OGRLayer* lb = b->GetLayerByName(name.c_str());
    REQUIRE(la != nullptr);
    REQUIRE(lb != nullptr);
    CHECK(la->GetGeomType() == lb->GetGeomType());
    REQUIRE(la->GetSpatialRef() != nullptr);
    CHECK(la->GetSpatialRef()->IsSame(lb->GetSpatialRef()));
    CHECK(std::string(la->GetFIDColumn()) == lb->GetFIDColumn());
    CHECK(std::string(la->GetGeometryColumn()) == lb->GetGeometryColumn());
    CHECK(la->GetFeatureCount(FALSE) == lb->GetFeatureCount(FALSE));  // gpkg_ogr_contents
    OGRFeatureDefn* da = la->GetLayerDefn();
    OGRFeatureDefn* db = lb->GetLayerDefn();
    REQUIRE(da->GetFieldCount() == db->GetFieldCount());
    for (int k = 0; k < da->GetFieldCount(); ++k) {
        CHECK(std::string(da->GetFieldDefn(k)->GetNameRef()) == db->GetFieldDefn(k)->GetNameRef());
        CHECK(da->GetFieldDefn(k)->GetType() == db->GetFieldDefn(k)->GetType());
    }
    OGREnvelope ea;
    OGREnvelope eb;
    if (lb->GetExtent(&eb, FALSE) == OGRERR_NONE) {
        REQUIRE(la->GetExtent(&ea, FALSE) == OGRERR_NONE);
        // GDAL keeps its extent to about 15 significant digits (583011.587816439 for kepu15's exact
        // 583011.5878164396 in EPSG:4549): equal to a relative 1e-14.
        CHECK(ea.MinX == Approx(eb.MinX).epsilon(1e-14));
        CHECK(ea.MaxX == Approx(eb.MaxX).epsilon(1e-14));
        CHECK(ea.MinY == Approx(eb.MinY).epsilon(1e-14));
        CHECK(ea.MaxY == Approx(eb.MaxY).epsilon(1e-14));
    }
    la->ResetReading();
    lb->ResetReading();
    std::size_t count = 0;
    for (;;) {
        OGRFeatureUniquePtr fa(la->GetNextFeature());
        OGRFeatureUniquePtr fb(lb->GetNextFeature());
        REQUIRE((fa == nullptr) == (fb == nullptr));
        if (fa == nullptr) break;
        ++count;
        INFO("feature " << fb->GetFID());
        REQUIRE(fa->GetFID() == fb->GetFID());
        for (int k = 0; k < da->GetFieldCount(); ++k) {
            INFO("field " << da->GetFieldDefn(k)->GetNameRef());
            REQUIRE(fa->IsFieldSetAndNotNull(k) == fb->IsFieldSetAndNotNull(k));
            CHECK(std::string(fa->GetFieldAsString(k)) == fb->GetFieldAsString(k));
            if (da->GetFieldDefn(k)->GetType() == OFTReal && fb->IsFieldSetAndNotNull(k)) {
                CHECK(fa->GetFieldAsDouble(k) == fb->GetFieldAsDouble(k));
            }
        }
        const OGRGeometry* ga = fa->GetGeometryRef();
        const OGRGeometry* gb = fb->GetGeometryRef();
        REQUIRE((ga == nullptr) == (gb == nullptr));
        if (ga != nullptr) {
            REQUIRE(ga->WkbSize() == gb->WkbSize());
            std::vector<unsigned char> wa(static_cast<std::size_t>(ga->WkbSize()));
            std::vector<unsigned char> wb(wa.size());
            ga->exportToWkb(wkbNDR, wa.data(), wkbVariantIso);
            gb->exportToWkb(wkbNDR, wb.data(), wkbVariantIso);
            CHECK(wa == wb);
        }
    }
    CHECK(count == static_cast<std::size_t>(lb->GetFeatureCount()));
}

// One value of an SQL query on the file, through SQLite.
std::string sql_value(const std::string& path, const std::string& sql) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    std::string out;  // "" when there is no row
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
        out = std::string("error: ") + sqlite3_errmsg(db);
    } else if (const int rc = sqlite3_step(st); rc == SQLITE_ROW) {
        const auto* t = sqlite3_column_text(st, 0);
        out = t != nullptr ? reinterpret_cast<const char*>(t) : "NULL";
    } else if (rc != SQLITE_DONE) {
        out = std::string("error: ") + sqlite3_errmsg(db);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
}

// Every row of a query, each column as its storage class and bytes (so 1 and 1.0 differ).
std::vector<std::string> sql_rows(const std::string& path, const std::string& sql) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    std::vector<std::string> rows;
    REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        std::string row;
        for (int c = 0; c < sqlite3_column_count(st); ++c) {
            row += std::to_string(sqlite3_column_type(st, c)) + ":";
            const auto* bytes = static_cast<const char*>(sqlite3_column_blob(st, c));
            row.append(bytes != nullptr ? bytes : "", static_cast<std::size_t>(sqlite3_column_bytes(st, c)));
            row += '|';
        }
        rows.push_back(std::move(row));
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rows;
}

// SQLite's own consistency check of an R-tree (parents contain children, _rowid and _parent agree
// with the nodes).
std::string rtree_check(const std::string& path, const std::string& rtree) {
    return sql_value(path, "SELECT rtreecheck('" + rtree + "')");
}

// Fids whose bounding box meets [x0, x1] x [y0, y1], by GDAL's spatial filter (the R-tree) and by
// a scan of every feature's geometry.
std::pair<std::set<GIntBig>, std::set<GIntBig>> filtered_and_scanned(OGRLayer* layer, double x0, double y0,
                                                                     double x1, double y1) {
    std::set<GIntBig> filtered;
    layer->SetSpatialFilterRect(x0, y0, x1, y1);
    layer->ResetReading();
    for (OGRFeatureUniquePtr f(layer->GetNextFeature()); f; f.reset(layer->GetNextFeature()))
        filtered.insert(f->GetFID());
    layer->SetSpatialFilter(nullptr);
    std::set<GIntBig> scanned;
    layer->ResetReading();
    for (OGRFeatureUniquePtr f(layer->GetNextFeature()); f; f.reset(layer->GetNextFeature())) {
        const OGRGeometry* g = f->GetGeometryRef();
        if (g == nullptr || g->IsEmpty()) continue;
        OGREnvelope e;
        g->getEnvelope(&e);
        if (e.MinX <= x1 && e.MaxX >= x0 && e.MinY <= y1 && e.MaxY >= y0) scanned.insert(f->GetFID());
    }
    return {filtered, scanned};
}

// Random query rectangles over the grid (never on a cell edge: a filter touching an edge is
// decided by GDAL's geometry test, the same way in both).
void check_filters(OGRLayer* layer, std::uint64_t seed, int queries) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> ux(120.79, 120.88);
    std::uniform_real_distribution<double> uy(31.19, 31.28);
    std::uniform_real_distribution<double> size(0.0, 0.02);
    for (int q = 0; q < queries; ++q) {
        const double x0 = ux(rng) + 0.00037;
        const double y0 = uy(rng) + 0.00041;
        const double x1 = x0 + size(rng);
        const double y1 = y0 + size(rng);
        INFO("query " << q << ": " << x0 << " " << y0 << " " << x1 << " " << y1);
        const auto [filtered, scanned] = filtered_and_scanned(layer, x0, y0, x1, y1);
        CHECK(filtered == scanned);
    }
}

int run_quiet(const std::string& command, const fs::path& capture) {
    const int status = std::system((command + " >" + shell_quote(capture.string()) + " 2>&1").c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_CASE("GeoPackage rows written with SQLite read back in GDAL as GDAL's own writer writes them",
          "[export]") {
    TempDir dir("gpkg-rows");
    const io::Layer cells = grid_layer(2500, 20261201);
    REQUIRE(io::detail::gpkg_rows_supported(cells));
    REQUIRE(io::detail::gpkg_rows_supported(places_layer()));
    REQUIRE(io::detail::gpkg_rows_supported(areas_layer()));
    for (const std::string crs : {"", "CGCS2000", "EPSG:4549"}) {
        INFO("output CRS '" << crs << "'");
        const std::string ours = dir.file("ours" + crs.substr(0, 4) + ".gpkg");
        write_with_sink(ours, {cells, places_layer(), areas_layer()}, crs, 2);
        for (const io::Layer& l : {cells, places_layer(), areas_layer()}) {
            INFO("layer " << l.name);
            const std::string reference = dir.file("gdal-" + l.name + crs.substr(0, 4) + ".gpkg");
            write_with_gdal(reference, l, crs);
            check_same_as_gdal(ours, reference, l.name);
            // The geometry blobs themselves (header, envelope, WKB) are GDAL's, byte for byte.
            const std::string blobs = "SELECT hex(group_concat(hex(geom), ',')) FROM (SELECT geom FROM \"" +
                                      l.name + "\" ORDER BY fid)";
            CHECK(sql_value(ours, blobs) == sql_value(reference, blobs));
            CHECK(rtree_check(ours, "rtree_" + l.name + "_geom") == "ok");
        }
        CHECK(sql_value(ours, "PRAGMA application_id") == "1196444487");  // 'GPKG'
        CHECK(sql_value(ours, "PRAGMA integrity_check") == "ok");
        CHECK(sql_value(ours, "PRAGMA foreign_key_check").empty());
        CHECK(sql_value(ours, "PRAGMA user_version") ==
              sql_value(dir.file("gdal-cells" + crs.substr(0, 4) + ".gpkg"), "PRAGMA user_version"));
    }
}

TEST_CASE("GeoPackage: the same tables, triggers and extension rows as GDAL's spatial index makes",
          "[export]") {
    TempDir dir("gpkg-rows-schema");
    const io::Layer cells = grid_layer(300, 7);
    write_with_sink(dir.file("ours.gpkg"), {cells});
    write_with_gdal(dir.file("gdal.gpkg"), cells);
    const std::string schema =
        "SELECT group_concat(type || ' ' || name || ' ' || tbl_name || ' ' || coalesce(sql, ''), char(10)) "
        "FROM "
        "(SELECT * FROM sqlite_master ORDER BY type, name)";
    CHECK(sql_value(dir.file("ours.gpkg"), schema) == sql_value(dir.file("gdal.gpkg"), schema));
    const std::string extensions =
        "SELECT group_concat(table_name || ' ' || column_name || ' ' || extension_name || ' ' || definition "
        "|| ' ' || "
        "scope, char(10)) FROM gpkg_extensions";
    CHECK(sql_value(dir.file("ours.gpkg"), extensions) == sql_value(dir.file("gdal.gpkg"), extensions));
    const std::string contents =
        "SELECT table_name || data_type || min_x || min_y || max_x || max_y || srs_id FROM "
        "gpkg_contents WHERE table_name = 'cells'";
    CHECK(sql_value(dir.file("ours.gpkg"), contents) == sql_value(dir.file("gdal.gpkg"), contents));
    CHECK(sql_value(dir.file("ours.gpkg"), "SELECT feature_count FROM gpkg_ogr_contents") == "300");
    // The same entries in the R-tree (packed otherwise: GDAL inserts them one by one, kepu15 packs
    // them), each box containing its geometry (float32 bounds, rounded outwards).
    const std::string entries = "SELECT count(*) || ' ' || sum(id) FROM rtree_cells_geom";
    CHECK(sql_value(dir.file("ours.gpkg"), entries) == sql_value(dir.file("gdal.gpkg"), entries));
    auto ds = open_vector(dir.file("ours.gpkg"));
    OGRLayer* layer = ds->GetLayerByName("cells");
    std::size_t boxes = 0;
    for (OGRFeatureUniquePtr f(layer->GetNextFeature()); f; f.reset(layer->GetNextFeature())) {
        const OGRGeometry* g = f->GetGeometryRef();
        if (g == nullptr) continue;
        OGREnvelope e;
        g->getEnvelope(&e);
        const std::string id = std::to_string(f->GetFID());
        const std::string box = "FROM rtree_cells_geom WHERE id = " + id;
        INFO("feature " << id);
        CHECK(std::stod(sql_value(dir.file("ours.gpkg"), "SELECT printf('%.17g', minx) " + box)) <= e.MinX);
        CHECK(std::stod(sql_value(dir.file("ours.gpkg"), "SELECT printf('%.17g', maxx) " + box)) >= e.MaxX);
        CHECK(std::stod(sql_value(dir.file("ours.gpkg"), "SELECT printf('%.17g', miny) " + box)) <= e.MinY);
        CHECK(std::stod(sql_value(dir.file("ours.gpkg"), "SELECT printf('%.17g', maxy) " + box)) >= e.MaxY);
        ++boxes;
    }
    CHECK(boxes == 296);
}

TEST_CASE("GeoPackage R-tree: spatial filters answer as a brute-force scan, also after GDAL edits the layer",
          "[export]") {
    TempDir dir("gpkg-rows-rtree");
    const std::string path = dir.file("cells.gpkg");
    // 6,000 features: three levels of 51-cell nodes (leaves, one level of inner nodes, the root).
    write_with_sink(path, {grid_layer(6000, 42)});
    CHECK(rtree_check(path, "rtree_cells_geom") == "ok");
    CHECK(sql_value(path, "SELECT count(*) FROM rtree_cells_geom") == std::to_string(6000 - 6000 / 97 - 1));
    CHECK(sql_value(path, "SELECT substr(hex(data), 1, 4) FROM rtree_cells_geom_node WHERE nodeno = 1") ==
          "0002");
    {
        auto ds = open_vector(path);
        REQUIRE(ds);
        check_filters(ds->GetLayerByName("cells"), 1, 200);
    }
    // Edits through GDAL (as QGIS would make them) go through the triggers into the index.
    {
        GDALDatasetUniquePtr ds(
            GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_UPDATE, nullptr, nullptr, nullptr));
        REQUIRE(ds);
        OGRLayer* layer = ds->GetLayerByName("cells");
        for (GIntBig fid = 1; fid <= 400; fid += 20) REQUIRE(layer->DeleteFeature(fid) == OGRERR_NONE);
        for (GIntBig fid = 2; fid <= 2000; fid += 50) {
            OGRFeatureUniquePtr f(layer->GetFeature(fid));
            REQUIRE(f);
            OGRPolygon moved;
            auto* ring = new OGRLinearRing();
            const double x = 120.85 + 0.0001 * static_cast<double>(fid % 300);
            ring->addPoint(x, 31.25);
            ring->addPoint(x + 0.0005, 31.25);
            ring->addPoint(x + 0.0005, 31.2505);
            ring->addPoint(x, 31.2505);
            ring->addPoint(x, 31.25);
            moved.addRingDirectly(ring);
            f->SetGeometry(&moved);
            REQUIRE(layer->SetFeature(f.get()) == OGRERR_NONE);
        }
        for (int k = 0; k < 30; ++k) {
            OGRFeature f(layer->GetLayerDefn());
            OGRPoint corner(120.81 + 0.002 * k, 31.21);
            OGRPolygon p;
            auto* ring = new OGRLinearRing();
            ring->addPoint(corner.getX(), corner.getY());
            ring->addPoint(corner.getX() + 0.003, corner.getY());
            ring->addPoint(corner.getX() + 0.003, corner.getY() + 0.003);
            ring->addPoint(corner.getX(), corner.getY() + 0.003);
            ring->addPoint(corner.getX(), corner.getY());
            p.addRingDirectly(ring);
            f.SetGeometry(&p);
            REQUIRE(layer->CreateFeature(&f) == OGRERR_NONE);
        }
    }
    CHECK(rtree_check(path, "rtree_cells_geom") == "ok");
    CHECK(sql_value(path, "SELECT count(*) FROM rtree_cells_geom") ==
          sql_value(path, "SELECT count(*) FROM cells WHERE geom IS NOT NULL"));
    CHECK(sql_value(path, "SELECT feature_count FROM gpkg_ogr_contents WHERE table_name = 'cells'") ==
          std::to_string(6000 - 20 + 30));
    auto ds = open_vector(path);
    REQUIRE(ds);
    check_filters(ds->GetLayerByName("cells"), 2, 200);
}

TEST_CASE("GeoPackage written with SQLite: an empty layer, then GDAL adds to it", "[export]") {
    TempDir dir("gpkg-rows-empty");
    const std::string path = dir.file("empty.gpkg");
    io::Layer empty = grid_layer(0, 1);
    REQUIRE(io::detail::gpkg_rows_supported(empty));
    write_with_sink(path, {empty});
    write_with_gdal(dir.file("gdal.gpkg"), empty);
    check_same_as_gdal(path, dir.file("gdal.gpkg"), "cells");
    CHECK(rtree_check(path, "rtree_cells_geom") == "ok");
    CHECK(sql_value(path, "SELECT count(*) FROM rtree_cells_geom") == "0");
    {
        GDALDatasetUniquePtr ds(
            GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_UPDATE, nullptr, nullptr, nullptr));
        REQUIRE(ds);
        OGRLayer* layer = ds->GetLayerByName("cells");
        OGRFeature f(layer->GetLayerDefn());
        f.SetField("村名", "淀山湖镇");
        OGRPolygon poly;
        auto* ring = new OGRLinearRing();
        ring->addPoint(120.95, 31.1);
        ring->addPoint(120.96, 31.1);
        ring->addPoint(120.96, 31.11);
        ring->addPoint(120.95, 31.11);
        ring->addPoint(120.95, 31.1);
        poly.addRingDirectly(ring);
        f.SetGeometry(&poly);
        REQUIRE(layer->CreateFeature(&f) == OGRERR_NONE);
    }
    CHECK(rtree_check(path, "rtree_cells_geom") == "ok");
    auto ds = open_vector(path);
    OGRLayer* layer = ds->GetLayerByName("cells");
    layer->SetSpatialFilterRect(120.955, 31.101, 120.956, 31.102);
    OGRFeatureUniquePtr f(layer->GetNextFeature());
    REQUIRE(f);
    CHECK(std::string(f->GetFieldAsString("村名")) == "淀山湖镇");
}

TEST_CASE("GeoPackage written with SQLite passes GDAL's validator and opens in ogrinfo without warnings",
          "[export]") {
    TempDir dir("gpkg-rows-validate");
    const std::string path = dir.file("results.gpkg");
    write_with_sink(path, {grid_layer(3000, 3), places_layer(), areas_layer(), towns_table()}, "EPSG:4549");
    const fs::path capture = dir.path() / "out.txt";
    CHECK(run_quiet("ogrinfo -ro -al -so " + shell_quote(path), capture) == 0);
    const std::string info = slurp(capture.string());
    INFO(info);
    CHECK(info.find("Warning") == std::string::npos);
    CHECK(info.find("ERROR") == std::string::npos);
    CHECK(info.find("Feature Count: 3000") != std::string::npos);
    std::string validator;
    for (const char* p : {"/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py",
                          "/usr/share/doc/python3-gdal/examples/validate_gpkg.py"}) {
        if (fs::exists(p)) {
            validator = p;
            break;
        }
    }
    if (validator.empty()) {
        WARN("validate_gpkg.py (python3-gdal) not found: GDAL's GeoPackage validator not run");
        return;
    }
    const int rc = run_quiet("/usr/bin/python3 " + shell_quote(validator) + " " + shell_quote(path), capture);
    const std::string report = slurp(capture.string());
    INFO(report);
    CHECK(rc == 0);
    CHECK(report.find("Error") == std::string::npos);
}

TEST_CASE("GeoPackage: a layer whose values GDAL must convert is written by GDAL", "[export]") {
    TempDir dir("gpkg-rows-mixed");
    io::Layer l = places_layer();
    l.features[0].values[1] = std::string("125");  // text in an integer field
    CHECK_FALSE(io::detail::gpkg_rows_supported(l));
    write_with_sink(dir.file("mixed.gpkg"), {l});
    auto ds = open_vector(dir.file("mixed.gpkg"));
    OGRFeatureUniquePtr f(ds->GetLayerByName("places")->GetFeature(1));
    REQUIRE(f);
    CHECK(f->GetFieldAsInteger64("population") == 125);
    CHECK(rtree_check(dir.file("mixed.gpkg"), "rtree_places_geom") == "ok");
}

TEST_CASE("GeoPackage rows split over two threads (scratch database copied in) equal the rows written on one",
          "[export]") {
    TempDir dir("gpkg-rows-split");
    // 20,000 features: more than two runs of encoding, so that two threads split the rows.
    const io::Layer cells = grid_layer(20000, 9);
    REQUIRE(cells.features.size() >= 2 * io::detail::gpkg_rows_run_features);
    const std::string one = dir.file("one.gpkg");
    const std::string two = dir.file("two.gpkg");
    write_with_sink(one, {cells}, "EPSG:4549", 1);
    write_with_sink(two, {cells}, "EPSG:4549", 2);
    write_with_gdal(dir.file("gdal.gpkg"), cells, "EPSG:4549");
    check_same_as_gdal(two, dir.file("gdal.gpkg"), "cells");
    // Every row's values and blob, the contents rows and the R-tree's shadow tables, as written on one thread.
    for (const std::string& sql :
         {std::string("SELECT * FROM cells ORDER BY fid"), std::string("SELECT * FROM rtree_cells_geom_node ORDER BY nodeno"),
          std::string("SELECT * FROM rtree_cells_geom_rowid ORDER BY rowid"),
          std::string("SELECT * FROM rtree_cells_geom_parent ORDER BY nodeno"),
          std::string("SELECT table_name, data_type, min_x, min_y, max_x, max_y, srs_id FROM gpkg_contents"),
          std::string("SELECT * FROM gpkg_ogr_contents"), std::string("SELECT * FROM sqlite_sequence")}) {
        INFO(sql);
        const auto a = sql_rows(one, sql);
        CHECK_FALSE(a.empty());
        CHECK(sql_rows(two, sql) == a);
    }
    CHECK(sql_value(two, "SELECT seq FROM sqlite_sequence WHERE name = 'cells'") == "20000");
    CHECK(rtree_check(two, "rtree_cells_geom") == "ok");
    CHECK(sql_value(two, "PRAGMA integrity_check") == "ok");
    // No scratch database left attached or on disk: the folder holds the GeoPackages only.
    std::size_t files = 0;
    for (const auto& e : fs::directory_iterator(dir.path())) {
        INFO(e.path().filename().string());
        CHECK(e.path().extension() == ".gpkg");
        ++files;
    }
    CHECK(files == 3);
}

TEST_CASE("GeoPackage rows split over two threads: a value GDAL must convert in either part leaves the layer to GDAL",
          "[export]") {
    TempDir dir("gpkg-rows-split-mixed");
    for (const std::size_t bad : {std::size_t{3}, std::size_t{19990}}) {
        INFO("text in an integer field at feature " << bad);
        io::Layer cells = grid_layer(20000, 5);
        cells.features[bad].values[4] = std::string("1");  // "covered", an integer field
        CHECK_FALSE(io::detail::gpkg_rows_supported(cells));
        const std::string path = dir.file("mixed" + std::to_string(bad) + ".gpkg");
        write_with_sink(path, {cells, places_layer()}, "", 2);
        auto ds = open_vector(path);
        REQUIRE(ds);
        OGRLayer* layer = ds->GetLayerByName("cells");
        REQUIRE(layer != nullptr);
        CHECK(layer->GetFeatureCount() == 20000);
        OGRFeatureUniquePtr f(layer->GetFeature(static_cast<GIntBig>(bad) + 1));
        REQUIRE(f);
        CHECK(f->GetFieldAsInteger64("covered") == 1);
        CHECK(rtree_check(path, "rtree_cells_geom") == "ok");
        CHECK(rtree_check(path, "rtree_places_geom") == "ok");
        CHECK(sql_value(path, "SELECT count(*) FROM rtree_cells_geom") == std::to_string(20000 - 20000 / 97 - 1));
    }
}

TEST_CASE("GeoPackage R-tree of a layer split over two threads answers random boxes as a brute-force scan",
          "[export]") {
    TempDir dir("gpkg-rows-split-rtree");
    const std::string path = dir.file("cells.gpkg");
    write_with_sink(path, {grid_layer(20000, 77)}, "", 2);
    CHECK(rtree_check(path, "rtree_cells_geom") == "ok");
    auto ds = open_vector(path);
    REQUIRE(ds);
    check_filters(ds->GetLayerByName("cells"), 3, 150);
}
