// The bundled Kunshan study end to end: the CLI's outputs, re-read with GDAL, against figures this
// test computes independently (raster read directly with GDAL, brute-force nearest facility and
// ray-cast point-in-polygon instead of the k-d tree and R-tree).
#include "kepu15/geo/crs.hpp"
#include "kepu15/io/vector_reader.hpp"
#include "kepu15/study/study.hpp"

#include "../support/cli.hpp"

#include <catch2/catch.hpp>
#include <gdal_priv.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <map>
#include <memory>

namespace fs = std::filesystem;
using kepu15::Point;
using nlohmann::json;

namespace {

const fs::path& study_file() {
    static const fs::path p = kepu15::test::source_dir() / "geodata" / "kunshan" / "study.toml";
    return p;
}

// Runs the CLI once per configuration and keeps the output folder for all test cases.
const fs::path& run_once(const std::string& tag, const std::vector<std::string>& extra) {
    static std::map<std::string, std::unique_ptr<kepu15::test::TempDir>> dirs;
    static std::map<std::string, fs::path> outs;
    if (outs.count(tag) == 0) {
        dirs[tag] = std::make_unique<kepu15::test::TempDir>("kunshan-" + tag);
        const fs::path out = dirs[tag]->path() / "maps";
        std::vector<std::string> args{"run", study_file().string(), "--out", out.string(), "--cells-vector"};
        args.insert(args.end(), extra.begin(), extra.end());
        const auto r = kepu15::test::run_cli(args);
        INFO(r.out << r.err);
        REQUIRE(r.exit_code == 0);
        outs[tag] = out;
    }
    return outs[tag];
}

bool ray_cast(const kepu15::MultiPolygon& mp, Point p) {
    bool inside = false;
    for (const auto& poly : mp) {
        const auto test_ring = [&](const kepu15::Ring& r) {
            for (std::size_t i = 0, j = r.size() - 1; i < r.size(); j = i++) {
                if ((r[i].y > p.y) != (r[j].y > p.y) &&
                    p.x < (r[j].x - r[i].x) * (p.y - r[i].y) / (r[j].y - r[i].y) + r[i].x) {
                    inside = !inside;
                }
            }
        };
        test_ring(poly.outer);
        for (const auto& h : poly.holes) test_ring(h);
    }
    return inside;
}

kepu15::MultiPolygon project(kepu15::MultiPolygon mp, const kepu15::geo::Transformer& t) {
    for (auto& poly : mp) {
        t.forward(std::span<Point>(poly.outer));
        for (auto& h : poly.holes) t.forward(std::span<Point>(h));
    }
    return mp;
}

// The study's inputs, recomputed independently.
struct Reference {
    double raster_total = 0;
    std::vector<Point> centre_m;  // populated cells
    std::vector<double> population;
    std::vector<std::int64_t> cell_id;
    std::vector<std::string> town_of_cell;
    std::vector<std::string> kinds;
    std::map<std::string, std::vector<Point>> facilities_m;
    std::map<std::string, std::vector<std::string>> facility_ids;
    std::map<std::string, std::vector<double>> nearest_m;      // per kind, per cell
    std::map<std::string, std::vector<std::string>> nearest_id;
    std::map<std::string, double> radius_m;
};

const Reference& reference() {
    static const Reference ref = [] {
        Reference r;
        const auto study = kepu15::study::load_study(study_file().string());
        REQUIRE(study.working_crs == "EPSG:4549");
        GDALAllRegister();
        const std::unique_ptr<GDALDataset> ds(
            GDALDataset::Open(study.population.path.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
        REQUIRE(ds != nullptr);
        const int w = ds->GetRasterXSize();
        const int h = ds->GetRasterYSize();
        std::vector<double> band(static_cast<std::size_t>(w) * static_cast<std::size_t>(h));
        REQUIRE(ds->GetRasterBand(1)->RasterIO(GF_Read, 0, 0, w, h, band.data(), w, h, GDT_Float64, 0, 0) == CE_None);
        double gt[6];
        ds->GetGeoTransform(gt);
        const auto* srs = ds->GetSpatialRef();
        REQUIRE(srs != nullptr);
        // The bundled raster is in the working CRS, so cell centres need no transformation.
        REQUIRE(std::string(srs->GetAuthorityCode(nullptr)) == "4549");
        for (int row = 0; row < h; ++row) {
            for (int col = 0; col < w; ++col) {
                const double v = band[static_cast<std::size_t>(row) * w + col];
                if (!(v > 0)) continue;
                r.raster_total += v;
                r.centre_m.push_back({gt[0] + (col + 0.5) * gt[1], gt[3] + (row + 0.5) * gt[5]});
                r.population.push_back(v);
                r.cell_id.push_back(static_cast<std::int64_t>(row) * w + col);
            }
        }
        const kepu15::geo::Transformer to_m(kepu15::geo::wgs84, "EPSG:4549");
        const auto towns = kepu15::io::read_vector(study.units.source.path, study.units.source.read);
        const std::size_t code_i = towns.field_index("code");
        std::vector<std::pair<std::string, kepu15::MultiPolygon>> shapes;
        for (const auto& f : towns.features) {
            shapes.emplace_back(kepu15::io::as_text(f.values[code_i]), project(f.geometry.polygons, to_m));
        }
        for (const auto& c : r.centre_m) {
            std::string town;
            for (const auto& [code, shape] : shapes) {
                if (ray_cast(shape, c)) {
                    town = code;
                    break;
                }
            }
            r.town_of_cell.push_back(town);
        }
        for (const auto& f : study.facilities) {
            r.kinds.push_back(f.kind);
            r.radius_m[f.kind] = study.radius_for(f);
            const auto layer = kepu15::io::read_vector(f.source.path, f.source.read);
            const std::size_t id_i = layer.field_index(f.id_field);
            auto& pts = r.facilities_m[f.kind];
            for (const auto& feat : layer.features) {
                pts.push_back(to_m.forward(feat.geometry.points.front()));
                r.facility_ids[f.kind].push_back(kepu15::io::as_text(feat.values[id_i]));
            }
            auto& dist = r.nearest_m[f.kind];
            auto& ids = r.nearest_id[f.kind];
            for (const auto& c : r.centre_m) {
                double best = INFINITY;
                std::size_t best_i = 0;
                for (std::size_t i = 0; i < pts.size(); ++i) {
                    const double d = std::hypot(c.x - pts[i].x, c.y - pts[i].y);
                    if (d < best) {
                        best = d;
                        best_i = i;
                    }
                }
                dist.push_back(best);
                ids.push_back(r.facility_ids[f.kind][best_i]);
            }
        }
        return r;
    }();
    return ref;
}

double field_number(const kepu15::io::VectorLayer& layer, const kepu15::io::Feature& f, const std::string& name) {
    const auto v = kepu15::io::as_number(f.values[layer.field_index(name)]);
    return v ? *v : NAN;
}

}  // namespace

TEST_CASE("Kunshan crow-fly study: summary and towns.csv match an independent computation", "[e2e][kunshan]") {
    const auto& ref = reference();
    const fs::path out = run_once("crowfly", {"--methods", "crowfly"});
    const json summary = json::parse(kepu15::test::slurp((out / "summary.json").string()));

    // Population is conserved: raster total = populated cells = sum over units.
    REQUIRE(ref.raster_total == Approx(2.092e6).epsilon(0.002));
    REQUIRE(summary["total_population"].get<double>() == Approx(ref.raster_total).margin(0.5));
    REQUIRE(summary["populated_cells"].get<std::size_t>() == ref.population.size());
    double unit_sum = 0;
    for (const auto& u : summary["units"]) unit_sum += u["population"].get<double>();
    REQUIRE(unit_sum == Approx(ref.raster_total).margin(0.5));
    REQUIRE(summary["units"].size() == 11);

    for (const auto& kind : ref.kinds) {
        CAPTURE(kind);
        std::map<std::string, double> pop;
        std::map<std::string, double> covered;
        double region_covered = 0;
        for (std::size_t i = 0; i < ref.population.size(); ++i) {
            pop[ref.town_of_cell[i]] += ref.population[i];
            if (ref.nearest_m.at(kind)[i] <= ref.radius_m.at(kind)) {
                covered[ref.town_of_cell[i]] += ref.population[i];
                region_covered += ref.population[i];
            }
        }
        REQUIRE(pop.count("") == 0);  // every populated cell lies in a town
        const auto& region = summary["region"]["kinds"][kind];
        REQUIRE(region["covered_population"].get<double>() == Approx(region_covered).margin(0.5));
        REQUIRE(region["share"].get<double>() == Approx(region_covered / ref.raster_total).margin(2e-6));
        for (const auto& u : summary["units"]) {
            const std::string code = u["code"];
            CAPTURE(code);
            REQUIRE(u["population"].get<double>() == Approx(pop[code]).margin(0.05));
            REQUIRE(u["kinds"][kind]["covered_population"].get<double>() == Approx(covered[code]).margin(0.05));
        }
    }

    // towns.csv carries the same figures as summary.json.
    const std::string csv = kepu15::test::slurp((out / "towns.csv").string());
    for (const auto& u : summary["units"]) {
        const std::string code = u["code"];
        REQUIRE(csv.find("\n" + code + "," + u["name"].get<std::string>() + ",") != std::string::npos);
    }
    REQUIRE(csv.find("\nALL,合计,") != std::string::npos);
}

TEST_CASE("Kunshan crow-fly study: cells.geojson re-read with GDAL matches field by field", "[e2e][kunshan]") {
    const auto& ref = reference();
    const fs::path out = run_once("crowfly", {"--methods", "crowfly"});
    const auto cells = kepu15::io::read_vector((out / "cells.geojson").string());
    REQUIRE(cells.features.size() == ref.population.size());
    std::map<std::int64_t, std::size_t> index;
    for (std::size_t i = 0; i < ref.cell_id.size(); ++i) index[ref.cell_id[i]] = i;
    double total = 0;
    const std::size_t id_i = cells.field_index("cell_id");
    const std::size_t town_i = cells.field_index("town_code");
    for (const auto& f : cells.features) {
        const auto id = static_cast<std::int64_t>(*kepu15::io::as_number(f.values[id_i]));
        REQUIRE(index.count(id) == 1);
        const std::size_t i = index[id];
        CAPTURE(id);
        const double pop = field_number(cells, f, "population");
        REQUIRE(pop == Approx(ref.population[i]).margin(0.005));
        total += pop;
        REQUIRE(kepu15::io::as_text(f.values[town_i]) == ref.town_of_cell[i]);
        for (const auto& kind : ref.kinds) {
            const double d = field_number(cells, f, kind + "_dist_m");
            REQUIRE(d == Approx(ref.nearest_m.at(kind)[i]).margin(0.051));
            const bool covered = field_number(cells, f, kind + "_covered") == 1.0;
            REQUIRE(covered == (ref.nearest_m.at(kind)[i] <= ref.radius_m.at(kind)));
            // The nearest facility's id (ties aside: equal distances may name either).
            const std::string nid = kepu15::io::as_text(f.values[cells.field_index(kind + "_id")]);
            if (nid != ref.nearest_id.at(kind)[i]) {
                const auto& ids = ref.facility_ids.at(kind);
                const auto k = static_cast<std::size_t>(std::find(ids.begin(), ids.end(), nid) - ids.begin());
                REQUIRE(k < ids.size());
                const Point p = ref.facilities_m.at(kind)[k];
                REQUIRE(std::hypot(p.x - ref.centre_m[i].x, p.y - ref.centre_m[i].y) ==
                        Approx(ref.nearest_m.at(kind)[i]).margin(1e-6));
            }
        }
        // Cell polygons are 100 m squares (in lon/lat here, ~0.00105 by 0.0009 degrees at Kunshan).
        REQUIRE(f.geometry.kind == kepu15::io::GeometryKind::polygon);
        REQUIRE(f.geometry.polygons.front().outer.size() == 5);
    }
    REQUIRE(total == Approx(ref.raster_total).margin(0.5));
}

TEST_CASE("Kunshan crow-fly study: villages, gaps and facilities layers are consistent", "[e2e][kunshan]") {
    const auto& ref = reference();
    const fs::path out = run_once("crowfly", {"--methods", "crowfly"});
    const json summary = json::parse(kepu15::test::slurp((out / "summary.json").string()));

    const auto villages = kepu15::io::read_vector((out / "villages.geojson").string());
    REQUIRE(villages.features.size() >= 350);
    REQUIRE(villages.features.size() <= 450);
    double vpop = 0;
    double last_share = -1;
    std::int64_t rank = 0;
    for (const auto& f : villages.features) {
        REQUIRE(field_number(villages, f, "rank") == static_cast<double>(++rank));
        const double pop = field_number(villages, f, "population");
        vpop += pop;
        const double share = field_number(villages, f, "any_crowfly_share");
        if (pop > 0) {
            REQUIRE(share >= last_share);  // worst served first
            last_share = share;
            for (const auto& kind : ref.kinds) {
                const double c = field_number(villages, f, kind + "_covered_pop");
                REQUIRE(c <= pop + 1e-6);
                REQUIRE(field_number(villages, f, kind + "_share") == Approx(c / pop).margin(2e-6));
            }
        }
    }
    REQUIRE(vpop == Approx(ref.raster_total).margin(1.0));

    const auto gaps = kepu15::io::read_vector((out / "gaps.geojson").string());
    std::map<std::string, double> gap_pop;
    std::map<std::string, double> gap_area;
    std::map<std::string, std::int64_t> gap_cells;
    for (const auto& f : gaps.features) {
        const std::string kind = kepu15::io::as_text(f.values[gaps.field_index("kind")]);
        gap_pop[kind] += field_number(gaps, f, "population");
        gap_area[kind] += field_number(gaps, f, "area_km2");
        gap_cells[kind] += static_cast<std::int64_t>(field_number(gaps, f, "cells"));
        REQUIRE(f.geometry.kind == kepu15::io::GeometryKind::polygon);
    }
    // Gap patches of at least 50 people (the DEFAULT minimum); the rest are counted in summary.json,
    // so kept + dropped = every uncovered person. Each polygon is the union of its cells: its area in
    // the working CRS is area_km2.
    const kepu15::geo::Transformer to_working(kepu15::geo::wgs84, "EPSG:4549");
    for (const auto& f : gaps.features) {
        REQUIRE(field_number(gaps, f, "population") >= 50);
        const auto shape = kepu15::geo::transform(f.geometry.polygons, to_working);
        REQUIRE(kepu15::area(shape) / 1e6 == Approx(field_number(gaps, f, "area_km2")).epsilon(1e-3));
    }
    for (const auto& kind : ref.kinds) {
        CAPTURE(kind);
        const double covered = summary["region"]["kinds"][kind]["covered_population"];
        const double dropped = summary["gaps"]["sets"][kind]["dropped_population"];
        REQUIRE(gap_pop[kind] + dropped == Approx(ref.raster_total - covered).margin(1.0));
        // area_km2 = cells x 0.01 km2.
        REQUIRE(gap_area[kind] == Approx(gap_cells[kind] * 0.01).epsilon(1e-6));
        std::int64_t uncovered_cells = 0;
        for (std::size_t i = 0; i < ref.population.size(); ++i) {
            uncovered_cells += ref.nearest_m.at(kind)[i] <= ref.radius_m.at(kind) ? 0 : 1;
        }
        REQUIRE(gap_cells[kind] <= uncovered_cells);
        REQUIRE(gap_cells[kind] >= uncovered_cells / 2);
    }
    // Covered by no kind: the same balance with the any-kind share.
    const double any_covered = summary["region"]["any_kind"]["crowfly"]["covered_population"];
    REQUIRE(gap_pop["any"] + summary["gaps"]["sets"]["any_crowfly"]["dropped_population"].get<double>() ==
            Approx(ref.raster_total - any_covered).margin(1.0));

    // The study's background layer is copied for the viewer: 12 lakes and 5 canals.
    const auto water = kepu15::io::read_vector((out / "water.geojson").string());
    REQUIRE(water.features.size() == 17);

    const auto facilities = kepu15::io::read_vector((out / "facilities.geojson").string());
    std::size_t expected = 0;
    for (const auto& kind : ref.kinds) expected += ref.facilities_m.at(kind).size();
    REQUIRE(facilities.features.size() == expected);
}

TEST_CASE("Kunshan network study: travel times are consistent with distances, speeds and thresholds",
          "[e2e][kunshan][network]") {
    const auto& ref = reference();
    const fs::path out = run_once("network", {"--travel-time-rasters"});
    const json summary = json::parse(kepu15::test::slurp((out / "summary.json").string()));
    REQUIRE(summary["primary_method"] == "walk");
    // The study's data date ([study] data_date) reaches the maps through manifest.json.
    const json manifest = json::parse(kepu15::test::slurp((out / "manifest.json").string()));
    REQUIRE(manifest["study"]["data_date"] == "2020-11-01");
    REQUIRE(manifest["study"]["synthetic"] == true);
    REQUIRE(summary["network"]["nodes"].get<std::size_t>() > 5000);  // junctions and dead ends
    const auto cells = kepu15::io::read_vector((out / "cells.geojson").string());
    REQUIRE(cells.features.size() == ref.population.size());
    std::map<std::int64_t, std::size_t> index;
    for (std::size_t i = 0; i < ref.cell_id.size(); ++i) index[ref.cell_id[i]] = i;
    const std::size_t id_i = cells.field_index("cell_id");
    const std::vector<std::pair<std::string, double>> profiles{{"walk", 4.5}, {"elderly", 2.7}, {"bike", 15.0}};
    for (const auto& kind : ref.kinds) {
        CAPTURE(kind);
        std::map<std::string, double> covered_pop;
        std::map<std::string, double> weighted_minutes;
        std::map<std::string, double> reached_pop;
        std::map<std::string, std::size_t> beyond_threshold;
        std::size_t reached_walk = 0;
        for (const auto& f : cells.features) {
            const std::size_t i = index.at(static_cast<std::int64_t>(*kepu15::io::as_number(f.values[id_i])));
            const double walk = field_number(cells, f, kind + "_walk_min");
            const double elderly = field_number(cells, f, kind + "_elderly_min");
            for (const auto& [profile, kmh] : profiles) {
                const double minutes = field_number(cells, f, kind + "_" + profile + "_min");
                const bool covered = field_number(cells, f, kind + "_" + profile + "_covered") == 1.0;
                CAPTURE(profile, minutes, i);
                // Covered exactly when reached within the 15-minute threshold; minutes are known up
                // to the 60-minute horizon and null only beyond it.
                REQUIRE(covered == (std::isfinite(minutes) && minutes <= 15.0));
                if (covered) covered_pop[profile] += ref.population[i];
                if (!std::isfinite(minutes)) continue;
                REQUIRE(minutes <= 60.0 + 1e-9);
                if (minutes > 15.0) ++beyond_threshold[profile];
                weighted_minutes[profile] += minutes * ref.population[i];
                reached_pop[profile] += ref.population[i];
                // A street path is never shorter than the straight line, and off-road legs are walked:
                // minutes >= straight distance / max(speed, walking speed).
                const double fastest = std::max(kmh, 4.5);
                REQUIRE(minutes + 0.006 >= ref.nearest_m.at(kind)[i] / (fastest * 1000.0 / 60.0));
            }
            // Elderly walkers use the same streets at 2.7 instead of 4.5 km/h: 4.5/2.7 times the walk time
            // whenever both reach a facility (ms rounding per edge aside).
            if (std::isfinite(walk) && std::isfinite(elderly)) {
                ++reached_walk;
                REQUIRE(elderly == Approx(walk * 4.5 / 2.7).margin(0.02 + 0.002 * walk));
            }
            // Whatever the elderly reach in 15 minutes, walkers reach.
            if (std::isfinite(elderly)) REQUIRE(std::isfinite(walk));
        }
        REQUIRE(reached_walk > 1000);
        for (const auto& [profile, kmh] : profiles) {
            const double s = summary["region"]["kinds"][kind]["network"][profile]["covered_population"];
            REQUIRE(s == Approx(covered_pop[profile]).margin(1.0));
            // The horizon gives minutes beyond the threshold, and the summary's mean is the
            // population-weighted mean of the reached cells' minutes.
            REQUIRE(beyond_threshold[profile] > 0);
            const double mean =
                summary["region"]["kinds"][kind]["network"][profile]["travel_time"]["mean_min"].get<double>();
            REQUIRE(mean == Approx(weighted_minutes[profile] / reached_pop[profile]).margin(0.01));
        }
        // Slower profiles cover less; crow-fly 1 km flatters walking in a water town.
        const auto& net = summary["region"]["kinds"][kind]["network"];
        REQUIRE(net["elderly"]["share"].get<double>() <= net["walk"]["share"].get<double>());
        REQUIRE(net["walk"]["share"].get<double>() <= net["bike"]["share"].get<double>());
    }

    // The travel-time raster carries the cell's minutes.
    GDALAllRegister();
    const std::unique_ptr<GDALDataset> tif(
        GDALDataset::Open((out / "traveltime_station_walk.tif").c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
    REQUIRE(tif != nullptr);
    const int w = tif->GetRasterXSize();
    std::vector<float> band(static_cast<std::size_t>(w) * tif->GetRasterYSize());
    REQUIRE(tif->GetRasterBand(1)->RasterIO(GF_Read, 0, 0, w, tif->GetRasterYSize(), band.data(), w,
                                            tif->GetRasterYSize(), GDT_Float32, 0, 0) == CE_None);
    std::size_t compared = 0;
    for (const auto& f : cells.features) {
        const auto id = static_cast<std::int64_t>(*kepu15::io::as_number(f.values[id_i]));
        const double minutes = field_number(cells, f, "station_walk_min");
        const float v = band[static_cast<std::size_t>(id)];
        if (std::isfinite(minutes)) {
            REQUIRE(v == Approx(minutes).margin(0.006));
            ++compared;
        } else {
            REQUIRE(v == -9999.0F);
        }
    }
    REQUIRE(compared > 1000);

    // The multi-band cells.tif carries the same minutes, one band per measure named by its field.
    const std::unique_ptr<GDALDataset> cog(
        GDALDataset::Open((out / "cells.tif").c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
    REQUIRE(cog != nullptr);
    REQUIRE(cog->GetRasterCount() == 15);  // 3 kinds x (crow-fly + 4 profiles)
    int station_walk = 0;
    for (int b = 1; b <= cog->GetRasterCount(); ++b) {
        if (std::string(cog->GetRasterBand(b)->GetDescription()) == "station_walk_min") station_walk = b;
    }
    REQUIRE(station_walk > 0);
    std::vector<float> cband(band.size());
    REQUIRE(cog->GetRasterBand(station_walk)->RasterIO(GF_Read, 0, 0, w, tif->GetRasterYSize(), cband.data(), w,
                                                       tif->GetRasterYSize(), GDT_Float32, 0, 0) == CE_None);
    REQUIRE(cband == band);
}

TEST_CASE("Kunshan network study: service areas grow with the minutes and keep holes", "[e2e][kunshan][network]") {
    const fs::path out = run_once("network", {"--travel-time-rasters"});
    const auto iso = kepu15::io::read_vector((out / "isochrones.geojson").string());
    std::map<std::string, std::map<double, double>> area;  // kind/profile -> minutes -> km2
    std::size_t holes = 0;
    for (const auto& f : iso.features) {
        const std::string key = kepu15::io::as_text(f.values[iso.field_index("kind")]) + "/" +
                                kepu15::io::as_text(f.values[iso.field_index("profile")]);
        area[key][field_number(iso, f, "minutes")] = field_number(iso, f, "area_km2");
        for (const auto& p : f.geometry.polygons) holes += p.holes.size();
    }
    REQUIRE(area.size() == 12);  // 3 kinds x 4 profiles
    for (const auto& [key, by_minutes] : area) {
        CAPTURE(key);
        REQUIRE(by_minutes.size() == 3);
        REQUIRE(by_minutes.at(5) < by_minutes.at(10));
        REQUIRE(by_minutes.at(10) < by_minutes.at(15));
        REQUIRE(by_minutes.at(15) < 1000.0);  // never more than the region (~930 km2) plus a margin
    }
    REQUIRE(holes > 0);
    // The walk area within 15 minutes of the stations is smaller than their 1,125 m circles would be.
    const auto summary = json::parse(kepu15::test::slurp((out / "summary.json").string()));
    const double stations = summary["facilities"]["station"]["count"];
    REQUIRE(area.at("station/walk").at(15) < stations * 3.14159 * 1.125 * 1.125);
}
