#include "kepu15/geo/lattice_outline.hpp"

#include <bit>
#include <cassert>
#include <algorithm>
#include <cstring>
#include <iterator>
#include <utility>

namespace kepu15::geo {

// Every side of a cell whose neighbour is not in its group is a directed edge with the cell on its
// left in map orientation (x = column, up = -row): bottom sides run east, right sides north, top
// sides west, left sides south. Rings follow the edges; at a corner where two cells of the same
// 4-connected group touch diagonally (two edges leave the vertex) the ring turns right, hugging the
// empty cell, so that each ring bounds one region outside the group and never touches itself.
// Edges of other groups are not followed, so cells touching only at a corner stay apart.

namespace {

enum Dir : int { east = 0, north = 1, west = 2, south = 3 };
constexpr int dx[4] = {1, 0, -1, 0};
constexpr int dy[4] = {0, -1, 0, 1};  // rows grow downwards
// The cell (relative to the vertex) whose side the edge leaving a vertex in direction d is.
constexpr int cell_dx[4] = {0, -1, -1, 0};
constexpr int cell_dy[4] = {-1, -1, 0, 0};

// The first index in [from, to) whose byte is not 0, or `to`; eight bytes at a time over the
// empty stretches that make up most of a service-area mask.
std::size_t next_nonzero(const std::uint8_t* bytes, std::size_t from, std::size_t to) {
    while (from < to && (from % 8) != 0 && bytes[from] == 0) ++from;
    while (from + 8 <= to) {
        std::uint64_t word;
        std::memcpy(&word, bytes + from, 8);
        if (word != 0) break;
        from += 8;
    }
    while (from < to && bytes[from] == 0) ++from;
    return from;
}

}  // namespace

MultiPolygon lattice_outline(std::span<const std::uint8_t> inside, std::int64_t w, std::int64_t h,
                             const LatticeTransform& to) {
    assert(static_cast<std::int64_t>(inside.size()) == w * h);
    MultiPolygon out;
    if (w <= 0 || h <= 0) return out;
    // The set as 0/1 bytes on a lattice padded by one empty cell on every side, so that neighbours
    // need no bounds checks: cell (c, r) is at (r + 1) * pw + c + 1.
    const std::int64_t pw = w + 2;
    const auto padded = static_cast<std::size_t>(pw * (h + 2));
    std::vector<std::uint8_t> set(padded, 0);
    for (std::int64_t r = 0; r < h; ++r) {
        const std::uint8_t* in = inside.data() + r * w;
        std::uint8_t* row = set.data() + (r + 1) * pw + 1;
        for (std::int64_t c = 0; c < w; ++c) row[c] = in[c] != 0 ? 1 : 0;
    }
    // Groups from the runs of set cells of each row: a run joins every run of the row above that
    // it overlaps (4-connected), by union-find keeping the earliest run as the root, so groups are
    // numbered in row-major order of their first cell. A cell's group is looked up in its row's
    // runs, which the tracer needs only where a ring starts and at corners where two edges leave.
    struct Run {
        std::int64_t c0, c1;  // columns [c0, c1)
        std::int32_t parent;
    };
    std::vector<Run> runs;
    std::vector<std::size_t> row_runs(static_cast<std::size_t>(h) + 1, 0);  // runs of row r: [row_runs[r], row_runs[r + 1])
    const auto find = [&](std::int32_t i) {
        std::int32_t root = i;
        while (runs[static_cast<std::size_t>(root)].parent != root) root = runs[static_cast<std::size_t>(root)].parent;
        while (runs[static_cast<std::size_t>(i)].parent != root) {
            const std::int32_t next = runs[static_cast<std::size_t>(i)].parent;
            runs[static_cast<std::size_t>(i)].parent = root;
            i = next;
        }
        return root;
    };
    for (std::int64_t r = 0; r < h; ++r) {
        const std::uint8_t* row = set.data() + (r + 1) * pw + 1;  // row[w] is padding (0)
        row_runs[static_cast<std::size_t>(r)] = runs.size();
        std::size_t above = r > 0 ? row_runs[static_cast<std::size_t>(r - 1)] : 0;
        const std::size_t above_end = runs.size();
        for (auto c = static_cast<std::int64_t>(next_nonzero(row, 0, static_cast<std::size_t>(w))); c < w;) {
            std::int64_t c1 = c;
            while (row[c1] != 0) ++c1;
            const auto id = static_cast<std::int32_t>(runs.size());
            runs.push_back({c, c1, id});
            // Runs above that end before this one starts can overlap no later run either.
            while (above < above_end && runs[above].c1 <= c) ++above;
            for (std::size_t a = above; a < above_end && runs[a].c0 < c1; ++a) {
                const std::int32_t ra = find(static_cast<std::int32_t>(a)), rb = find(id);
                if (ra != rb) runs[static_cast<std::size_t>(std::max(ra, rb))].parent = std::min(ra, rb);
            }
            c = static_cast<std::int64_t>(next_nonzero(row, static_cast<std::size_t>(c1), static_cast<std::size_t>(w)));
        }
    }
    row_runs[static_cast<std::size_t>(h)] = runs.size();
    std::vector<std::int32_t> run_group(runs.size(), -1);
    std::int32_t groups = 0;
    for (std::size_t i = 0; i < runs.size(); ++i) {
        const auto root = static_cast<std::size_t>(find(static_cast<std::int32_t>(i)));
        if (root == i) run_group[i] = groups++;
        run_group[i] = run_group[root];
    }
    // The group of cell (c, r), -1 outside the set.
    const auto group_of = [&](std::int64_t c, std::int64_t r) -> std::int32_t {
        if (r < 0 || r >= h || c < 0 || c >= w) return -1;
        const auto first = runs.begin() + static_cast<std::ptrdiff_t>(row_runs[static_cast<std::size_t>(r)]);
        const auto last = runs.begin() + static_cast<std::ptrdiff_t>(row_runs[static_cast<std::size_t>(r) + 1]);
        const auto it = std::upper_bound(first, last, c, [](std::int64_t col, const Run& run) { return col < run.c0; });
        if (it == first || std::prev(it)->c1 <= c) return -1;
        return run_group[static_cast<std::size_t>(std::prev(it) - runs.begin())];
    };
    if (groups == 0) return out;
    // Per vertex ((w + 1) x (h + 1)): bit d set when an edge leaves in direction d, bit 4 + d once
    // the edge is part of a ring. Set cells 4-adjacent to a cell share its group, so a side is an
    // edge exactly when the neighbour is outside the set. Of the four cells around vertex (vc, vr)
    // (top-left, top-right, bottom-left, bottom-right): the top-right's bottom side leaves east,
    // the top-left's right side north, the bottom-left's top side west, the bottom-right's left
    // side south.
    const std::int64_t vw = w + 1;
    std::vector<std::uint8_t> edges(static_cast<std::size_t>(vw * (h + 1)), 0);
    const auto vertex = [&](std::int64_t c, std::int64_t r) { return static_cast<std::size_t>(r * vw + c); };
    for (std::int64_t vr = 0; vr <= h; ++vr) {
        const std::uint8_t* top = set.data() + vr * pw;  // cell (vc - 1, vr - 1) at top[vc]
        const std::uint8_t* bottom = top + pw;
        std::uint8_t* e = edges.data() + vr * vw;
        for (std::int64_t vc = 0; vc <= w; ++vc) {
            const unsigned tl = top[vc], tr = top[vc + 1], bl = bottom[vc], br = bottom[vc + 1];
            e[vc] = static_cast<std::uint8_t>((tr & ~br & 1U) << east | (tl & ~tr & 1U) << north |
                                              (bl & ~tl & 1U) << west | (br & ~bl & 1U) << south);
        }
    }
    // The group owning the edge leaving (vc, vr) in direction d.
    const auto edge_group = [&](std::int64_t vc, std::int64_t vr, int d) {
        return group_of(vc + cell_dx[d], vr + cell_dy[d]);
    };
    std::vector<std::vector<Ring>> rings(static_cast<std::size_t>(groups));
    std::vector<std::pair<std::int64_t, std::int64_t>> corners;
    const std::size_t vertices = edges.size();
    for (std::size_t v = next_nonzero(edges.data(), 0, vertices); v < vertices;
         v = next_nonzero(edges.data(), v + 1, vertices)) {
        const auto vr = static_cast<std::int64_t>(v) / vw, vc = static_cast<std::int64_t>(v) % vw;
        {
            for (int d0 = 0; d0 < 4; ++d0) {
                const std::uint8_t e0 = edges[vertex(vc, vr)];
                if ((e0 & ~(e0 >> 4) & 0x0f) == 0) break;  // no unused edge leaves this vertex
                if (!(e0 & (1U << d0)) || (e0 & (16U << d0))) continue;
                const std::int32_t g = edge_group(vc, vr, d0);
                corners.clear();
                std::int64_t c = vc, r = vr;
                int d = d0, prev = -1;
                while (true) {
                    std::uint8_t& e = edges[vertex(c, r)];
                    e = static_cast<std::uint8_t>(e | (16U << d));
                    if (d != prev) corners.emplace_back(c, r);
                    prev = d;
                    c += dx[d];
                    r += dy[d];
                    const unsigned leaving = edges[vertex(c, r)] & 0x0fU;
                    int next = -1;
                    if (std::has_single_bit(leaving)) {
                        // The group's boundary goes on from every vertex it reaches, so a lone
                        // edge is the group's own.
                        next = std::countr_zero(leaving);
                    } else {
                        for (int turn : {3, 0, 1}) {  // right, straight, left
                            const int cand = (d + turn) % 4;
                            if ((leaving & (1U << cand)) && edge_group(c, r, cand) == g) {
                                next = cand;
                                break;
                            }
                        }
                    }
                    if (next < 0 || (c == vc && r == vr && next == d0)) break;  // next < 0: cannot happen
                    d = next;
                }
                if (prev == d0 && corners.size() > 1) corners.erase(corners.begin());  // the start was mid-edge
                corners.push_back(corners.front());
                // Shoelace in lattice units, exact: negative for an exterior (clockwise in (c, r)).
                std::int64_t twice_area = 0;
                for (std::size_t i = 0; i + 1 < corners.size(); ++i) {
                    twice_area += corners[i].first * corners[i + 1].second - corners[i + 1].first * corners[i].second;
                }
                Ring ring;
                ring.reserve(corners.size());
                for (const auto& [x, y] : corners) {
                    ring.push_back({to.x0 + static_cast<double>(x) * to.dx, to.y0 + static_cast<double>(y) * to.dy});
                }
                auto& group = rings[static_cast<std::size_t>(g)];
                // Kept first in its group's list: the exterior.
                if (twice_area < 0) {
                    group.insert(group.begin(), std::move(ring));
                } else {
                    group.push_back(std::move(ring));
                }
            }
        }
    }
    // Per group one exterior (the first ring), the rest its holes.
    out.resize(rings.size());
    for (std::size_t g = 0; g < rings.size(); ++g) {
        auto& group = rings[g];
        out[g].outer = std::move(group.front());
        out[g].holes.assign(std::make_move_iterator(group.begin() + 1), std::make_move_iterator(group.end()));
    }
    return out;
}

}  // namespace kepu15::geo
