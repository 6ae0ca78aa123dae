#include "kepu15/coverage/gap_patches.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace kepu15::coverage {

namespace {

std::uint64_t key(std::int32_t col, std::int32_t row) {
    return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(row)) << 32) | static_cast<std::uint32_t>(col);
}

void sorted_unique(std::vector<std::int32_t>& v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
}

}  // namespace

GapPatches gap_patches(const GapCells& cells, const GapPatchOptions& options) {
    const std::size_t n = cells.population.size();
    std::unordered_map<std::uint64_t, std::uint32_t> uncovered;
    uncovered.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        if (!cells.covered[i]) uncovered.emplace(key(cells.col[i], cells.row[i]), static_cast<std::uint32_t>(i));
    }
    static constexpr int four[4][2] = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}};
    static constexpr int eight[8][2] = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}, {1, 1}, {1, -1}, {-1, 1}, {-1, -1}};
    const bool use_eight = options.connectivity == Connectivity::eight;
    const int neighbours = use_eight ? 8 : 4;

    std::vector<std::uint8_t> seen(n, 0);
    std::vector<std::uint32_t> stack;
    GapPatches out;
    for (std::size_t start = 0; start < n; ++start) {
        if (cells.covered[start] || seen[start]) continue;
        GapPatch patch;
        patch.groups.assign(cells.groups.size(), 0.0);
        stack.assign(1, static_cast<std::uint32_t>(start));
        seen[start] = 1;
        while (!stack.empty()) {
            const std::uint32_t i = stack.back();
            stack.pop_back();
            patch.cells.push_back(i);
            for (int d = 0; d < neighbours; ++d) {
                const int* off = use_eight ? eight[d] : four[d];
                const auto it = uncovered.find(key(cells.col[i] + off[0], cells.row[i] + off[1]));
                if (it != uncovered.end() && !seen[it->second]) {
                    seen[it->second] = 1;
                    stack.push_back(it->second);
                }
            }
        }
        std::sort(patch.cells.begin(), patch.cells.end());
        double weighted_minutes = 0.0, reached = 0.0;
        for (auto i : patch.cells) {
            const double pop = cells.population[i];
            patch.population += pop;
            for (std::size_t g = 0; g < cells.groups.size(); ++g) patch.groups[g] += cells.groups[g][i];
            if (std::isfinite(cells.minutes[i])) {
                weighted_minutes += pop * cells.minutes[i];
                reached += pop;
            } else {
                patch.unreached_population += pop;
            }
            if (cells.unit[i] >= 0) patch.units.push_back(cells.unit[i]);
            if (cells.village[i] >= 0) patch.villages.push_back(cells.village[i]);
        }
        patch.area_km2 = static_cast<double>(patch.cells.size()) * cells.cell_area_km2;
        patch.mean_minutes = reached > 0 ? weighted_minutes / reached : std::nan("");
        sorted_unique(patch.units);
        sorted_unique(patch.villages);
        if (patch.population < options.min_population) {
            ++out.dropped_patches;
            out.dropped_population += patch.population;
            continue;
        }
        out.patches.push_back(std::move(patch));
    }
    std::stable_sort(out.patches.begin(), out.patches.end(),
                     [](const GapPatch& a, const GapPatch& b) { return a.population > b.population; });
    return out;
}

}  // namespace kepu15::coverage
