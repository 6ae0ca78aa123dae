// kepu15 render on a hand-computed fixture: the tiny_network golden case (tests/e2e/cases), whose
// minutes per cell are worked out in its study.toml, plus hand-drawn water, roads and 区镇 layers.
//
//   grid (EPSG:4549, 100 m cells, x 500000..500400, y 3470000..3470300), walk minutes, threshold 5:
//     row 0:  2.67   .     5.33  2.67        classes (thirds of 5 min, then twice it): <=1.67 #fde725,
//     row 1:  1.33  2.67   .     1.33        1.67-3.33 #7ad151, 3.33-5 #22a884, 5-10 #2a788e,
//     row 2:   .    5.33  5.33   2.67        > 10 #414487; "." = no population
//   water (drawn by hand): the east half of cell (3, 1); roads (the run's roads.geojson): the streets
//   along y = 3470150 and x = 500200.
#include <cairo.h>
#include <cpl_minixml.h>

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "../support/cli.hpp"
#include "kepu15/commands/render.hpp"
#include "kepu15/error.hpp"
#include "kepu15/geo/crs.hpp"
#include "kepu15/render/sheet.hpp"
#include "kepu15/report/manifest.hpp"

using namespace kepu15;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

json read_json(const fs::path& p) {
    std::ifstream in(p);
    return json::parse(in);
}

void write_json(const fs::path& p, const json& j) { std::ofstream(p) << j.dump(); }

// lon/lat of a working-CRS point, as a GeoJSON position.
json lonlat(double x, double y) {
    static const geo::Transformer to_wgs84("EPSG:4549", geo::wgs84);
    const Point p = to_wgs84.forward(Point{x, y});
    return json::array({p.x, p.y});
}

json feature(json properties, json geometry) {
    return {{"type", "Feature"}, {"properties", std::move(properties)}, {"geometry", std::move(geometry)}};
}

json rectangle(double x0, double y0, double x1, double y1) {
    return {{"type", "Polygon"},
            {"coordinates", json::array({json::array({lonlat(x0, y0), lonlat(x1, y0), lonlat(x1, y1),
                                                      lonlat(x0, y1), lonlat(x0, y0)})})}};
}

// The run of the golden case with background layers added, made once for all tests.
const fs::path& fixture() {
    static test::TempDir dir("render-fixture");
    static bool made = false;
    if (made) return dir.path();
    const auto study = test::source_dir() / "tests" / "e2e" / "cases" / "tiny_network" / "study.toml";
    const auto r = test::run_cli({"run", study.string(), "--out", dir.path().string(), "--cells-vector"});
    REQUIRE(r.exit_code == 0);
    const auto collection = [](json features) {
        return json{{"type", "FeatureCollection"}, {"features", std::move(features)}};
    };
    write_json(dir.path() / "water.geojson",
               collection({feature({{"name", "东湖"}}, rectangle(500350, 3470100, 500420, 3470200))}));
    // Roads and towns come from the run itself (the network's ways by class; the units).
    REQUIRE(fs::exists(dir.path() / "roads.geojson"));
    REQUIRE(fs::exists(dir.path() / "towns.geojson"));
    json manifest = read_json(dir.path() / "manifest.json");
    manifest["layers"]["water"] = {
        {"file", "water.geojson"}, {"geometry", "polygon"}, {"fields", {{"name", "name"}}}};
    write_json(dir.path() / "manifest.json", manifest);
    made = true;
    return dir.path();
}

struct Image {
    std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)> surface{nullptr,
                                                                               cairo_surface_destroy};
    int width = 0, height = 0, stride = 0;
    const unsigned char* data = nullptr;

    explicit Image(const std::string& path) {
        surface.reset(cairo_image_surface_create_from_png(path.c_str()));
        REQUIRE(cairo_surface_status(surface.get()) == CAIRO_STATUS_SUCCESS);
        cairo_surface_flush(surface.get());
        width = cairo_image_surface_get_width(surface.get());
        height = cairo_image_surface_get_height(surface.get());
        stride = cairo_image_surface_get_stride(surface.get());
        data = cairo_image_surface_get_data(surface.get());
    }
    [[nodiscard]] std::array<int, 3> rgb(int x, int y) const {
        const auto* px = data + static_cast<std::ptrdiff_t>(y) * stride + static_cast<std::ptrdiff_t>(x) * 4;
        return {px[2], px[1], px[0]};  // CAIRO_FORMAT_(A)RGB32 is native-endian BGRA in memory
    }
};

std::array<int, 3> hex(const std::string& h) {
    return {std::stoi(h.substr(1, 2), nullptr, 16), std::stoi(h.substr(3, 2), nullptr, 16),
            std::stoi(h.substr(5, 2), nullptr, 16)};
}

bool near(std::array<int, 3> a, std::array<int, 3> b, int tolerance = 6) {
    for (int i = 0; i < 3; ++i) {
        if (std::abs(a[i] - b[i]) > tolerance) return false;
    }
    return true;
}

std::string hex_of(std::array<int, 3> c) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "#%02x%02x%02x", c[0], c[1], c[2]);
    return buf;
}

// Page pixel of a working-CRS point on a rendered map.
std::pair<int, int> pixel(const render::SheetFrame& f, double x, double y) {
    const double px = f.x_px + (x - f.minx) / (f.maxx - f.minx) * f.width_px;
    const double py = f.y_px + (f.maxy - y) / (f.maxy - f.miny) * f.height_px;
    return {static_cast<int>(std::lround(px)), static_cast<int>(std::lround(py))};
}

// A point 25 m from the centre of cell (col, row), towards the middle of the grid (away from the
// scale bar, the north arrow, the facility markers at cell centres and the road through row 1).
std::pair<double, double> sample_point(int col, int row) {
    const double cx = 500050 + 100.0 * col;
    const double cy = 3470250 - 100.0 * row;
    return {cx + (col < 2 ? 25 : -25), cy + (row == 0 ? -25 : 25)};
}

struct Stats {
    std::size_t distinct = 0;
    double non_white_share = 0;
};

Stats stats(const Image& img) {
    std::set<int> colours;
    std::size_t non_white = 0;
    for (int y = 0; y < img.height; y += 2) {
        for (int x = 0; x < img.width; x += 2) {
            const auto c = img.rgb(x, y);
            colours.insert((c[0] << 16) | (c[1] << 8) | c[2]);
            if (c[0] < 245 || c[1] < 245 || c[2] < 245) ++non_white;
        }
    }
    return {colours.size(),
            static_cast<double>(non_white) / (static_cast<double>(img.width * img.height) / 4)};
}

render::PageSpec page(double dpi, render::Format format = render::Format::png) {
    render::PageSpec p;
    p.dpi = dpi;
    p.format = format;
    return p;
}

}  // namespace

TEST_CASE("every standard sheet renders at the page size and is not blank", "[render]") {
    const auto& dir = fixture();
    test::TempDir out("render-out");
    const auto r = test::run_cli({"render", dir.string(), "--out", out.path().string(), "--dpi", "60"});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    const std::vector<std::string> expected{"map_station_walk.png", "map_coverage_walk.png",
                                            "map_town_W.png",       "map_town_E.png",
                                            "chart_coverage.png",   "chart_minutes.png"};
    for (const auto& name : expected) {
        INFO(name);
        REQUIRE(fs::exists(out.path() / name));
        const Image img((out.path() / name).string());
        // A4 landscape at 60 dpi: 297 x 210 mm.
        CHECK(img.width == 702);
        CHECK(img.height == 496);
        const Stats s = stats(img);
        CHECK(s.distinct > 20);
        CHECK(s.non_white_share > (name.rfind("chart", 0) == 0 ? 0.03 : 0.25));
    }
    // No staging folder left: the sheets and the folder's own manifest only.
    std::size_t visible = 0;
    for (const auto& f : test::files_below(out.path())) visible += fs::path(f).filename().string()[0] != '.' ? 1 : 0;
    CHECK(visible == expected.size());
    CHECK(test::files_below(out.path()).size() == expected.size() + 1);
}

TEST_CASE("travel-time classes are drawn where the hand-computed minutes say", "[render]") {
    const auto& dir = fixture();
    test::TempDir out("render-tt");
    const render::SheetRenderer renderer(dir.string());
    const auto sheet = renderer.travel_time_map("station", "walk", page(100), out.file("tt.png"));
    REQUIRE(sheet.frame);
    CHECK(sheet.frame->srs == "epsg:4549");
    const Image img(sheet.path);
    CHECK(img.width == 1169);
    CHECK(img.height == 827);
    struct Expect {
        int col, row;
        const char* colour;
    };
    const Expect cells[] = {{0, 0, "#7ad151"}, {2, 0, "#2a788e"}, {3, 0, "#7ad151"}, {0, 1, "#fde725"},
                            {1, 1, "#7ad151"}, {1, 2, "#2a788e"}, {2, 2, "#2a788e"}, {3, 2, "#7ad151"}};
    for (const auto& e : cells) {
        const auto [x, y] = sample_point(e.col, e.row);
        const auto [px, py] = pixel(*sheet.frame, x, y);
        INFO("cell " << e.col << "," << e.row << " at pixel " << px << "," << py << " is "
                     << hex_of(img.rgb(px, py)));
        CHECK(near(img.rgb(px, py), hex(e.colour)));
    }
    // Water over the east half of cell (3, 1), which is drawn above the cells.
    const auto [wx, wy] = pixel(*sheet.frame, 500385, 3470125);
    INFO("water pixel " << hex_of(img.rgb(wx, wy)));
    CHECK(near(img.rgb(wx, wy), hex("#a6c8e0")));
    // The west half of the same cell keeps its class (1.33 min).
    const auto [cx, cy] = pixel(*sheet.frame, 500325, 3470125);
    CHECK(near(img.rgb(cx, cy), hex("#fde725")));
    // The east-west street (a minor road at 30 km/h): darker than the cell under it (#7ad151, sum
    // 412), on the road line, away from the label of 西镇 at the centre of W.
    const auto [rx, ry] = pixel(*sheet.frame, 500160, 3470150);
    const auto road = std::min({img.rgb(rx, ry - 1), img.rgb(rx, ry), img.rgb(rx, ry + 1)},
                               [](auto a, auto b) { return a[0] + a[1] + a[2] < b[0] + b[1] + b[2]; });
    INFO("road pixel " << hex_of(road));
    CHECK(road[0] + road[1] + road[2] < 412 - 40);
    // The legend's first class swatch and the title are on the page, outside the frame.
    CHECK(sheet.title == "到最近station的步行时间");
}

TEST_CASE("coverage map: covered cells in teal, gaps in hatched orange", "[render]") {
    const auto& dir = fixture();
    test::TempDir out("render-cov");
    const render::SheetRenderer renderer(dir.string());
    const auto sheet = renderer.coverage_map("walk", "", page(100), out.file("cov.png"));
    REQUIRE(sheet.frame);
    const Image img(sheet.path);
    const auto share_of = [&](int col, int row, const char* colour) {
        const auto [x, y] = sample_point(col, row);
        const auto [px, py] = pixel(*sheet.frame, x, y);
        int hits = 0;
        int total = 0;
        for (int dy = -6; dy <= 6; ++dy) {
            for (int dx = -6; dx <= 6; ++dx) {
                ++total;
                if (near(img.rgb(px + dx, py + dy), hex(colour), 12)) ++hits;
            }
        }
        return static_cast<double>(hits) / total;
    };
    // Covered: (0,0), (0,1), (1,1), (3,2). Not covered: (2,0), (1,2), (2,2).
    for (auto [c, r] : {std::pair{0, 0}, {0, 1}, {1, 1}, {3, 2}}) {
        INFO("covered cell " << c << "," << r);
        CHECK(share_of(c, r, "#8fd1c4") > 0.95);
    }
    for (auto [c, r] : {std::pair{2, 0}, {1, 2}, {2, 2}}) {
        INFO("gap cell " << c << "," << r);
        const double orange = share_of(c, r, "#ee7733");
        CHECK(orange > 0.3);   // orange, with
        CHECK(orange < 0.95);  // the hatch lines across it
    }
}

TEST_CASE("a 区镇 overview shows that 区镇 and veils the others", "[render]") {
    const auto& dir = fixture();
    test::TempDir out("render-town");
    const render::SheetRenderer renderer(dir.string());
    const auto sheet = renderer.coverage_map("walk", "W", page(100), out.file("w.png"));
    REQUIRE(sheet.frame);
    CHECK(sheet.title == "西镇科普设施覆盖与服务缺口（步行）");
    // The frame is centred on W (x 500000..500200).
    CHECK((sheet.frame->minx + sheet.frame->maxx) / 2 == Approx(500100).margin(5));
    CHECK_THROWS_AS(renderer.coverage_map("walk", "NOPE", page(60), out.file("x.png")), input_error);
}

TEST_CASE("SVG sheets parse as XML and PDF sheets have one A3 page", "[render]") {
    const auto& dir = fixture();
    test::TempDir out("render-vec");
    const render::SheetRenderer renderer(dir.string());
    render::PageSpec a3 = page(150, render::Format::svg);
    a3.paper = render::Paper::a3;
    a3.orientation = render::Orientation::portrait;
    renderer.travel_time_map("station", "walk", a3, out.file("tt.svg"));
    const std::string svg = test::slurp(out.file("tt.svg"));
    CPLXMLNode* root = CPLParseXMLString(svg.c_str());
    REQUIRE(root != nullptr);
    const CPLXMLNode* svg_node = CPLSearchXMLNode(root, "=svg");
    REQUIRE(svg_node != nullptr);
    // A3 portrait in points: 841.89 x 1190.55.
    CHECK(std::stod(CPLGetXMLValue(svg_node, "width", "0")) == Approx(841.89).margin(0.5));
    CHECK(std::stod(CPLGetXMLValue(svg_node, "height", "0")) == Approx(1190.55).margin(0.5));
    CHECK(svg.find("<path") != std::string::npos);
    CPLDestroyXMLNode(root);

    a3.format = render::Format::pdf;
    renderer.coverage_chart(a3, out.file("chart.pdf"));
    renderer.travel_time_map("station", "walk", a3, out.file("tt.pdf"));
    for (const char* name : {"chart.pdf", "tt.pdf"}) {
        const std::string pdf = test::slurp(out.file(name));
        REQUIRE(pdf.rfind("%PDF-", 0) == 0);
        CHECK(pdf.find("%%EOF") != std::string::npos);
        if (std::system("command -v pdfinfo >/dev/null 2>&1") == 0) {
            const std::string cmd = "pdfinfo " + test::shell_quote(out.file(name)) + " > " +
                                    test::shell_quote(out.file("info.txt"));
            REQUIRE(std::system(cmd.c_str()) == 0);
            const std::string text = test::slurp(out.file("info.txt"));
            const auto pages = text.find("Pages:");
            REQUIRE(pages != std::string::npos);
            CHECK(std::stoi(text.substr(pages + 6)) == 1);
            CHECK(text.find("841.89 x 1190.55 pts (A3)") != std::string::npos);
        } else {
            WARN("pdfinfo (poppler-utils) not installed: PDF page count and size not checked");
        }
    }
}

TEST_CASE("manifest.json names fields that exist in the layers it lists", "[render][report]") {
    const auto& dir = fixture();
    const json manifest = read_json(dir / "manifest.json");
    CHECK(manifest["format"] == "kepu15-manifest");
    CHECK(manifest["primary_method"] == "walk");
    CHECK(manifest["study"]["synthetic"] == false);
    CHECK(manifest["study"]["data_date"].is_null());  // the study gives none: sheets show the run date
    REQUIRE(manifest["measures"].size() == 1);
    const json& m = manifest["measures"][0];
    CHECK(m["key"] == "station_walk");
    CHECK(m["unit"] == "min");
    CHECK(m["breaks"].get<std::vector<double>>() == std::vector<double>{5.0 / 3, 10.0 / 3, 5.0, 10.0});
    CHECK(m["colours"].size() == 5);
    CHECK(m["villages"]["mean"] == "station_walk_mean_min");
    CHECK(manifest["horizon_minutes"] == 60.0);
    const json cells = read_json(dir / "cells.geojson");
    const json& props = cells["features"][0]["properties"];
    CHECK(props.contains(m["cells"]["value"].get<std::string>()));
    CHECK(props.contains(m["cells"]["covered"].get<std::string>()));
    for (const auto& [name, field] : manifest["layers"]["cells"]["fields"].items()) {
        if (field.is_string()) CHECK(props.contains(field.get<std::string>()));
    }
    for (const auto& f : manifest["files"]) CHECK(fs::exists(dir / f.get<std::string>()));
    CHECK(report::measure_breaks(false, 1000) == std::vector<double>{250, 500, 1000, 2000});
    const json villages_or_towns = read_json(dir / "towns.geojson");
    CHECK(villages_or_towns["features"].size() == 2);
}

TEST_CASE("render without a manifest fails with exit code 3 and writes nothing", "[render]") {
    test::TempDir empty("render-empty");
    test::TempDir out("render-none");
    const auto r =
        test::run_cli({"render", empty.path().string(), "--out", out.path().string(), "--dpi", "60"});
    CHECK(r.exit_code == 3);
    CHECK(r.err.find("manifest.json") != std::string::npos);
    CHECK(test::files_below(out.path()).empty());
    const auto bad = test::run_cli({"render", empty.path().string(), "--paper", "A5"});
    CHECK(bad.exit_code == 2);
}

TEST_CASE("kepu15 run --render writes the outputs and the standard sheets", "[render]") {
    test::TempDir out("render-run");
    const auto study = test::source_dir() / "tests" / "e2e" / "cases" / "tiny_network" / "study.toml";
    const auto r = test::run_cli({"run", study.string(), "--out", out.path().string(), "--render"});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    // The run's outputs stay beside the sheets, which have their own folder.
    CHECK(fs::exists(out.path() / "manifest.json"));
    CHECK(fs::exists(out.path() / "summary.json"));
    CHECK(fs::exists(out.path() / "cells.geojson"));
    for (const char* name : {"map_station_walk.png", "map_coverage_walk.png", "map_town_W.png", "map_town_E.png",
                             "chart_coverage.png", "chart_minutes.png"}) {
        INFO(name);
        REQUIRE(fs::exists(out.path() / "sheets" / name));
        const Image img((out.path() / "sheets" / name).string());
        CHECK(img.width == 3508);  // A4 landscape at the default 300 dpi
        CHECK(img.height == 2480);
    }
}

// The tiny network case with a station added at the crossing J (500200, 3470150): the three cells
// its two stations leave beyond 5 minutes ((2,0), (1,2), (2,2): 400 m each) are 150 m from J, so
// every gap of the baseline is newly covered. The baseline's coverage map shows them as orange gaps;
// the scenario's shows the newly covered layer (#ee3377 at 55 % over the covered teal #8fd1c4 =
// #c37a9a) over the same area, and its legend gains the #ee3377 swatch.
TEST_CASE("kepu15 compare --render maps both sides, the scenario with its newly covered areas", "[render]") {
    test::TempDir dir("render-compare");
    const auto study = test::source_dir() / "tests" / "e2e" / "cases" / "tiny_network" / "study.toml";
    const std::string scenario = dir.file("scenario.toml");
    std::ofstream(scenario) << "[scenario]\nname = \"station at J\"\nbaseline = \"" << study.string()
                            << "\"\n[[add]]\nkind = \"station\"\nid = \"N1\"\nlon = 500200\nlat = 3470150\n"
                               "crs = \"EPSG:4549\"\n";
    const auto out = dir.path() / "out";
    const auto r = test::run_cli({"compare", study.string(), scenario, "--out", out.string(), "--render", "--threads", "2"});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(fs::exists(out / "scenario" / "cells.geojson"));  // --render implies --cells-vector
    const auto manifest = nlohmann::json::parse(test::slurp((out / "scenario" / "manifest.json").string()));
    CHECK(manifest.dump().find("newly_covered.geojson") != std::string::npos);
    // The added station is the scenario's proposed site (drawn as a ring, legend 拟建设施点).
    const auto sites = nlohmann::json::parse(test::slurp((out / "scenario" / "sites.geojson").string()));
    REQUIRE(sites["features"].size() == 1);
    CHECK(sites["features"][0]["properties"]["id"] == "N1");
    CHECK(sites["features"][0]["properties"]["kind"] == "station");
    CHECK_FALSE(fs::exists(out / "baseline" / "sites.geojson"));
    struct Counts {
        long gap = 0, newly = 0, swatch = 0;
    };
    auto count = [](const fs::path& png) {
        const Image img(png.string());
        CHECK(img.width == 3508);
        Counts c;
        for (int y = 0; y < img.height; ++y) {
            for (int x = 0; x < img.width; ++x) {
                const auto p = img.rgb(x, y);
                if (near(p, hex("#ee7733"), 12)) ++c.gap;
                if (near(p, {195, 122, 154}, 12)) ++c.newly;
                if (near(p, hex("#ee3377"), 12)) ++c.swatch;
            }
        }
        return c;
    };
    const Counts before = count(out / "baseline" / "sheets" / "map_coverage_walk.png");
    const Counts after = count(out / "scenario" / "sheets" / "map_coverage_walk.png");
    INFO("baseline gap " << before.gap << " newly " << before.newly << " swatch " << before.swatch << "; scenario gap "
                         << after.gap << " newly " << after.newly << " swatch " << after.swatch);
    CHECK(before.gap > 100000);  // three of eight cells are gaps on an A4 map
    CHECK(before.newly == 0);
    CHECK(before.swatch == 0);
    CHECK(after.newly > before.gap * 9 / 10);  // the newly covered layer covers the former gaps
    CHECK(after.gap < before.gap / 20);        // no gap is left (only the legend's swatch)
    CHECK(after.swatch > 1000);                // the legend entry 方案新增覆盖
}
