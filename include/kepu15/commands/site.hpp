// `kepu15 site`: where to open new facilities of one kind. Prepares the study once, evaluates the
// existing facilities, builds the cost table from every demand cell to every candidate (network
// travel time by one profile, or crow-fly metres), solves the chosen model (siting/solve.hpp) and
// writes proposals.geojson and site.json into the output folder (all or nothing).
#pragma once

#include "kepu15/diagnostics.hpp"
#include "kepu15/io/vector_reader.hpp"
#include "kepu15/siting/solve.hpp"
#include "kepu15/study/study.hpp"

#include <iosfwd>
#include <optional>
#include <string>

namespace kepu15::commands {

struct SiteRequest {
    std::string kind;                       // REQUIRED: a kind of the study; its facilities are kept
    siting::Model model = siting::Model::mclp;  // DEFAULT: maximal covering
    std::size_t k = 10;                     // DEFAULT: 10 new sites (mclp, p-median)
    double target_share = 0.95;             // DEFAULT: 95 % (lscp)
    std::string method;                     // "crowfly" or a profile. DEFAULT: walk with a network, else crowfly
    std::optional<double> threshold;        // DEFAULT: the kind's threshold for the method
    std::optional<double> horizon;          // p-median. DEFAULT: twice the threshold
    // A point or polygon layer; "grid": a grid over populated cells (DEFAULT); "gaps": drawn from the
    // gap patches of the kind by the method (coverage::gap_candidates; docs/siting.md).
    std::string candidates_path;
    std::optional<double> gap_min_population;  // "gaps": patches kept. DEFAULT: the study's (50)
    io::ReadOptions candidates_read;        // layer, crs, x/y fields of the candidate layer
    std::string candidates_id_field;        // DEFAULT: the feature id
    std::string candidates_name_field;      // DEFAULT: none
    double grid_spacing_m = 500.0;          // DEFAULT: 500 m between grid candidates
    std::string weight = "population";      // or a population group of the study (elderly, youth)
    siting::Options solver;
    std::string out_dir;                    // REQUIRED
    unsigned threads = 2;
};

struct SiteSummary {
    siting::Result result;
    std::size_t candidates = 0;
    std::size_t table_pairs = 0;
};

// Throws config_error for an unknown kind, method or weight, and what siting::validate throws.
SiteSummary run_site(const study::Study& study, const SiteRequest& request, std::ostream& log, Diagnostics& diag);

}  // namespace kepu15::commands
