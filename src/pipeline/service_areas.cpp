#include "kepu15/pipeline/service_areas.hpp"

#include "kepu15/geo/grid_mask.hpp"
#include "kepu15/parallel.hpp"
#include "kepu15/routing/reach_table.hpp"

#include <algorithm>
#include <cmath>

namespace kepu15::pipeline {

namespace {

// Service areas are the reached street parts drawn on a grid of study.isochrone_cell_m cells and
// widened by one cell on each side (a corridor of about 1.5 cells, 75 m at the default 50 m), then
// polygonized: the streets reached and the land beside them, with holes where blocks are not reached.
// Buffering every segment with GEOS gave the same shapes but took seconds per area.
constexpr int service_area_radius_cells = 1;

// One service area per facility x profile x band (kind, profile, facility, band order), with the
// people inside from one reach table per kind x profile up to the widest band. Facilities without
// a road within max_snap_m get none.
std::vector<ServiceArea> per_facility_service_areas(const PreparedStudy& prepared,
                                                    const std::vector<study::FacilitySet>& facilities,
                                                    const std::vector<std::vector<SnapList>>& facility_snaps,
                                                    unsigned threads) {
    const study::Study& study = prepared.study;
    const PreparedNetwork& net = *prepared.network;
    const auto& cells = prepared.inputs.cells;
    const auto& profiles = net.profiles();
    const auto& bands = study.isochrone_minutes;
    const double widest = *std::max_element(bands.begin(), bands.end());
    struct Task {
        std::size_t area;  // index in `areas` of the first band
        std::size_t profile, kind, facility;
    };
    std::vector<ServiceArea> areas;
    std::vector<Task> tasks;
    for (std::size_t k = 0; k < facilities.size(); ++k) {
        for (std::size_t p = 0; p < profiles.size(); ++p) {
            const auto& snaps = facility_snaps[p][k];
            const std::size_t first = areas.size();
            for (std::size_t f = 0; f < snaps.size(); ++f) {
                if (!snaps[f]) continue;
                tasks.push_back({areas.size(), p, k, f});
                for (double band : bands) {
                    ServiceArea a;
                    a.kind = facilities[k].kind;
                    a.profile = profiles[p];
                    a.minutes = band;
                    a.facility = static_cast<std::int32_t>(f);
                    a.groups.assign(cells.groups.size(), 0.0);
                    areas.push_back(std::move(a));
                }
            }
            if (areas.size() == first) continue;
            // People inside: every (cell, facility) pair within the widest band, once per band it is within.
            const coverage::CostTable table =
                routing::reach_table(net.roads(), profiles[p], net.reverse_graph(p), snaps, net.cell_snaps(p), widest,
                                     net.off_road_kmh(p), threads);
            std::vector<std::size_t> area_of(snaps.size(), 0);  // first area of each snapped facility
            for (std::size_t i = first; i < areas.size(); i += bands.size()) {
                area_of[static_cast<std::size_t>(areas[i].facility)] = i;
            }
            for (std::size_t i = 0; i < cells.size(); ++i) {
                for (const auto& e : table.of(i)) {
                    const double minutes = std::round(e.cost * 100.0) / 100.0;
                    for (std::size_t b = 0; b < bands.size(); ++b) {
                        if (minutes > bands[b]) continue;
                        ServiceArea& a = areas[area_of[e.destination] + b];
                        a.population += cells.population[i];
                        for (std::size_t g = 0; g < cells.groups.size(); ++g) a.groups[g] += cells.groups[g][i];
                    }
                }
            }
        }
    }
    // One search per facility x profile for all bands; its areas are consecutive from task.area.
    parallel_for(tasks.size(), threads, [&](std::size_t t) {
        const Task& task = tasks[t];
        const auto parts = routing::reached_edge_parts_by_band(
            net.roads(), profiles[task.profile], net.reverse_graph(task.profile),
            {facility_snaps[task.profile][task.kind][task.facility]}, bands, net.off_road_kmh(task.profile));
        for (std::size_t b = 0; b < bands.size(); ++b) {
            areas[task.area + b].shape_m =
                geo::polygonize(geo::rasterize_lines(parts[b], study.isochrone_cell_m, service_area_radius_cells));
        }
    });
    return areas;
}

// The service area of every facility of a kind (facility -1) from its reached street parts.
ServiceArea drawn_area(const std::string& kind, network::Profile profile, double minutes,
                       const std::vector<LineString>& parts, double cell_m) {
    ServiceArea a;
    a.kind = kind;
    a.profile = profile;
    a.minutes = minutes;
    a.shape_m = geo::polygonize(geo::rasterize_lines(parts, cell_m, service_area_radius_cells));
    return a;
}

}  // namespace

bool wants_service_areas(const PreparedStudy& prepared) {
    const study::Study& study = prepared.study;
    return prepared.network != nullptr && study.isochrones && !study.isochrone_minutes.empty();
}

std::vector<ServiceArea> service_areas(const PreparedStudy& prepared, const std::vector<study::FacilitySet>& facilities,
                                       const std::vector<std::vector<SnapList>>& facility_snaps, unsigned threads) {
    const study::Study& study = prepared.study;
    if (study.service_areas_per_facility) return per_facility_service_areas(prepared, facilities, facility_snaps, threads);
    const PreparedNetwork& net = *prepared.network;
    const auto& profiles = net.profiles();
    const std::size_t kinds = facilities.size();
    const auto& bands = study.isochrone_minutes;
    // Areas in kind x profile x band order. One search per kind x profile for all its bands
    // (routing::reached_edge_parts_by_band gives each band's parts as its own search would);
    // then one task per band draws and polygonizes its mask.
    std::vector<ServiceArea> areas(kinds * profiles.size() * bands.size());
    std::vector<std::vector<std::vector<LineString>>> parts(kinds * profiles.size());
    parallel_for(parts.size(), threads, [&](std::size_t task) {
        const std::size_t p = task % profiles.size();
        const std::size_t k = task / profiles.size();
        parts[task] = routing::reached_edge_parts_by_band(net.roads(), profiles[p], net.reverse_graph(p),
                                                          facility_snaps[p][k], bands, net.off_road_kmh(p));
    });
    parallel_for(areas.size(), threads, [&](std::size_t task) {
        const std::size_t b = task % bands.size();
        const std::size_t p = (task / bands.size()) % profiles.size();
        const std::size_t k = task / (bands.size() * profiles.size());
        auto& lines = parts[task / bands.size()][b];
        areas[task] = drawn_area(facilities[k].kind, profiles[p], bands[b], lines, study.isochrone_cell_m);
        std::vector<LineString>().swap(lines);  // drawn: free it
    });
    return areas;
}

std::vector<ServiceArea> kind_service_areas(const PreparedStudy& prepared, const study::FacilitySet& facilities,
                                            const SnapList& snaps, std::size_t profile) {
    const PreparedNetwork& net = *prepared.network;
    const auto& bands = prepared.study.isochrone_minutes;
    const network::Profile p = net.profiles()[profile];
    auto parts = routing::reached_edge_parts_by_band(net.roads(), p, net.reverse_graph(profile), snaps, bands,
                                                     net.off_road_kmh(profile));
    std::vector<ServiceArea> areas;
    areas.reserve(bands.size());
    for (std::size_t b = 0; b < bands.size(); ++b) {
        areas.push_back(drawn_area(facilities.kind, p, bands[b], parts[b], prepared.study.isochrone_cell_m));
        std::vector<LineString>().swap(parts[b]);
    }
    return areas;
}

}  // namespace kepu15::pipeline
