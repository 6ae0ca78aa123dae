#include "kepu15/coverage/candidates.hpp"

#include "kepu15/error.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <tuple>

namespace kepu15::coverage {

std::vector<std::uint32_t> candidate_grid(std::span<const std::int32_t> col, std::span<const std::int32_t> row,
                                          std::span<const double> population, const CandidateGridOptions& options) {
    if (!(options.spacing_m > 0) || !(options.cell_m > 0)) {
        throw config_error("candidate grid: spacing and cell size must be > 0");
    }
    const auto step = static_cast<std::int64_t>(std::max(1.0, std::round(options.spacing_m / options.cell_m)));
    auto block_of = [step](std::int32_t v) {
        return static_cast<std::int64_t>(std::floor(static_cast<double>(v) / static_cast<double>(step)));
    };
    // Distance to the block centre in half-cells (integers: exact comparisons).
    struct Best {
        std::int64_t d2;
        std::int32_t row, col;
        std::uint32_t index;
    };
    std::map<std::pair<std::int64_t, std::int64_t>, Best> best;
    for (std::size_t i = 0; i < population.size(); ++i) {
        if (!(population[i] > 0) || population[i] < options.min_population) continue;
        const std::int64_t bc = block_of(col[i]), br = block_of(row[i]);
        // Block centre at (bc * step + step / 2) in cell units; cell centre at col + 0.5. Doubled:
        const std::int64_t dx = 2 * col[i] + 1 - (2 * bc * step + step);
        const std::int64_t dy = 2 * row[i] + 1 - (2 * br * step + step);
        const Best b{dx * dx + dy * dy, row[i], col[i], static_cast<std::uint32_t>(i)};
        auto [it, inserted] = best.emplace(std::make_pair(br, bc), b);
        if (!inserted && std::tie(b.d2, b.row, b.col) < std::tie(it->second.d2, it->second.row, it->second.col)) {
            it->second = b;
        }
    }
    std::vector<std::uint32_t> out;
    out.reserve(best.size());
    for (const auto& [block, b] : best) out.push_back(b.index);
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<GapCandidate> gap_candidates(std::span<const std::int32_t> col, std::span<const std::int32_t> row,
                                         std::span<const Point> centre_m, std::span<const double> population,
                                         const GapPatches& patches, const CandidateGridOptions& options) {
    std::vector<GapCandidate> out;
    std::vector<std::int32_t> pc, pr;
    std::vector<double> pp;
    for (std::size_t k = 0; k < patches.patches.size(); ++k) {
        const auto& cells = patches.patches[k].cells;
        if (cells.empty()) continue;
        double w = 0.0, x = 0.0, y = 0.0;
        for (auto i : cells) {
            const double p = population[i] > 0 ? population[i] : 0.0;
            w += p;
            x += p * centre_m[i].x;
            y += p * centre_m[i].y;
        }
        if (!(w > 0)) {  // nobody lives there: the plain mean of the cells
            x = y = 0.0;
            for (auto i : cells) {
                x += centre_m[i].x;
                y += centre_m[i].y;
            }
            w = static_cast<double>(cells.size());
        }
        const Point mean{x / w, y / w};
        std::uint32_t best = cells.front();
        double best_d = std::numeric_limits<double>::infinity();
        bool best_populated = false;
        for (auto i : cells) {
            const bool populated = population[i] > 0;
            const double d = distance(centre_m[i], mean);
            if ((populated && !best_populated) || (populated == best_populated && d < best_d)) {
                best = i;
                best_d = d;
                best_populated = populated;
            }
        }
        out.push_back({best, static_cast<std::uint32_t>(k), true});
        pc.clear();
        pr.clear();
        pp.clear();
        for (auto i : cells) {
            pc.push_back(col[i]);
            pr.push_back(row[i]);
            pp.push_back(population[i]);
        }
        const auto in_grid = candidate_grid(pc, pr, pp, options);
        if (in_grid.size() <= 1) continue;  // one block: the centre is enough
        for (auto j : in_grid) {
            if (cells[j] != best) out.push_back({cells[j], static_cast<std::uint32_t>(k), false});
        }
    }
    return out;
}

}  // namespace kepu15::coverage
