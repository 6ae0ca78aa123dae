// A partitioned run (docs/scale.md): the cells of some units, plus the facilities within a halo of
// them, so that partitions of a study can run as independent processes and be merged afterwards.
// Header-only: plain filtering of loaded Inputs, no file access.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "kepu15/error.hpp"
#include "kepu15/study/inputs.hpp"

namespace kepu15::study {

namespace detail {

template <class T>
void keep_where(std::vector<T>& v, const std::vector<char>& keep) {
    std::size_t k = 0;
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (!keep[i]) continue;
        if (k != i) v[k] = std::move(v[i]);  // never a self-move (it empties a std::string)
        ++k;
    }
    v.resize(k);
}

}  // namespace detail

// Keeps only the cells whose unit code is in `unit_codes`, and only the facilities inside the
// bounding box of those cells widened by `halo_m` (a box keeps every facility within halo_m of a
// kept cell). Units and villages stay whole, so codes and names are those of the whole study.
// REQUIRES: cells are assigned to units. Throws config_error for a code that is not a unit.
// Results equal the whole run's for the kept cells when halo_m >= the farthest trip measured
// (horizon minutes x the fastest speed of any profile) and >= every kept cell's crow-fly distance
// to its nearest facility of each kind.
inline void apply_partition(Inputs& in, const std::vector<std::string>& unit_codes, double halo_m) {
    std::vector<char> unit_in(in.units.size(), 0);
    for (const std::string& code : unit_codes) {
        auto it =
            std::find_if(in.units.begin(), in.units.end(), [&](const Unit& u) { return u.code == code; });
        if (it == in.units.end())
            throw config_error("--partition: '" + code + "' is not a unit code of the study");
        unit_in[static_cast<std::size_t>(it - in.units.begin())] = 1;
    }
    PopulationCells& c = in.cells;
    std::vector<char> keep(c.size(), 0);
    Box box;
    for (std::size_t i = 0; i < c.size(); ++i) {
        if (c.unit[i] >= 0 && unit_in[static_cast<std::size_t>(c.unit[i])]) {
            keep[i] = 1;
            box.expand(c.centre_m[i]);
        }
    }
    detail::keep_where(c.centre_m, keep);
    detail::keep_where(c.population, keep);
    for (auto& g : c.groups) detail::keep_where(g, keep);
    detail::keep_where(c.col, keep);
    detail::keep_where(c.row, keep);
    detail::keep_where(c.unit, keep);
    detail::keep_where(c.village, keep);

    for (FacilitySet& f : in.facilities) {
        std::vector<char> near(f.position_m.size(), 0);
        for (std::size_t i = 0; i < f.position_m.size(); ++i) {
            const Point p = f.position_m[i];
            near[i] = !box.empty() && p.x >= box.min_x - halo_m && p.x <= box.max_x + halo_m &&
                      p.y >= box.min_y - halo_m && p.y <= box.max_y + halo_m;
        }
        detail::keep_where(f.position_m, near);
        detail::keep_where(f.position_lonlat, near);
        detail::keep_where(f.id, near);
        detail::keep_where(f.name, near);
        if (f.capacity.size() == near.size()) detail::keep_where(f.capacity, near);
        detail::keep_where(f.unit, near);
    }
}

}  // namespace kepu15::study
