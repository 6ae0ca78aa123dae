// Stage 2 of a run: the study's inputs with its road network made ready for any number of
// evaluations — one reverse graph per profile and the snaps of every populated cell, built once.
// A scenario or a candidate site is then evaluated without reading or snapping cells again (R5's
// network/travel-time split; pandana's "build once, query many POI sets").
#pragma once

#include "kepu15/diagnostics.hpp"
#include "kepu15/network/graph.hpp"
#include "kepu15/network/road_network.hpp"
#include "kepu15/network/snap.hpp"
#include "kepu15/pipeline/catchment_cache.hpp"
#include "kepu15/study/inputs.hpp"
#include "kepu15/study/study.hpp"
#include "kepu15/timings.hpp"

#include <memory>
#include <optional>
#include <vector>

namespace kepu15::pipeline {

using SnapList = std::vector<std::optional<network::Snap>>;

// Reverse graphs: one search from the facilities over reversed arcs gives every home's time *to*
// its nearest facility (one-way streets count in the direction residents travel).
// Profiles allowed on exactly the same edges (walk and elderly) share one list of cell snaps; the
// distinct profiles share one snapping index, which snaps every cell for all of them in one pass.
class PreparedNetwork {
public:
    PreparedNetwork(network::RoadNetwork roads, std::vector<network::Profile> profiles, const network::ProfileSpeeds& speeds,
                    double max_snap_m, const std::vector<Point>& cells_m, unsigned threads, Timings& timings);

    [[nodiscard]] const network::RoadNetwork& roads() const { return m_roads; }
    [[nodiscard]] const std::vector<network::Profile>& profiles() const { return m_profiles; }
    [[nodiscard]] const network::Graph& reverse_graph(std::size_t p) const { return m_graphs[p]; }
    [[nodiscard]] double off_road_kmh(std::size_t p) const { return m_off_road_kmh[p]; }
    [[nodiscard]] double max_snap_m() const { return m_max_snap_m; }
    // Snaps of the populated cells (study order) for profile index p.
    [[nodiscard]] const SnapList& cell_snaps(std::size_t p) const { return m_cell_snaps[m_source[p]]; }
    // Snaps of any points (facilities, candidate sites) for profile index p.
    [[nodiscard]] SnapList snap(std::size_t p, const std::vector<Point>& points_m) const;
    // True when profiles p and q share their snaps (same usable edges).
    [[nodiscard]] bool same_snaps(std::size_t p, std::size_t q) const { return m_source[p] == m_source[q]; }

private:
    network::RoadNetwork m_roads;
    std::vector<network::Profile> m_profiles;
    std::vector<network::Graph> m_graphs;
    std::vector<double> m_off_road_kmh;
    double m_max_snap_m;
    std::vector<std::size_t> m_source;           // profile whose snaps profile p shares
    std::unique_ptr<network::Snapper> m_snapper;  // one index for the distinct profiles
    std::vector<std::size_t> m_snap_index;       // profile p's index in m_snapper
    std::vector<SnapList> m_cell_snaps;          // set for distinct profiles
};

// Everything a study needs before facilities are evaluated. Not copyable (the network holds
// indexes into itself); keep it alive while its evaluations are used.
struct PreparedStudy {
    study::Study study;
    study::Inputs inputs;                       // units, villages, populated cells, baseline facilities
    std::unique_ptr<PreparedNetwork> network;   // null when the study has no network method
    // Access catchments kept across evaluations (pipeline/catchment_cache.hpp). DEFAULT: null, off
    // (a single run); set it where several facility sets are evaluated (compare, benchmarks).
    std::unique_ptr<CatchmentCache> catchments;
};

// Stages 1 and 2: loads every layer and, when the study uses the network, reads it, builds the
// graphs and snaps the cells.
PreparedStudy prepare(const study::Study& study, unsigned threads, Diagnostics& diag, Timings& timings);

}  // namespace kepu15::pipeline
