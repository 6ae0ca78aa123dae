#include "kepu15/geo/lattice_outline.hpp"

#include <bit>
#include <cassert>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
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
    // The set as 0/1 bytes and its group labels, on a lattice padded by one empty
    // cell on every side so that neighbours need no bounds checks: cell (c, r) is at
    // (r + 1) * pw + c + 1.
    const std::int64_t pw = w + 2;
    const auto padded = static_cast<std::size_t>(pw * (h + 2));
    std::vector<std::uint8_t> set(padded, 0);
    for (std::int64_t r = 0; r < h; ++r) {
        const std::uint8_t* in = inside.data() + r * w;
        std::uint8_t* row = set.data() + (r + 1) * pw + 1;
        for (std::int64_t c = 0; c < w; ++c) row[c] = in[c] != 0 ? 1 : 0;
    }
    const auto at = [&](std::int64_t c, std::int64_t r) { return static_cast<std::size_t>((r + 1) * pw + c + 1); };
    // Stored as group + 1 (0: none) in calloc'd memory: large blocks come as fresh zero pages, so
    // only the pages holding set cells are ever touched (most of a service-area mask is empty).
    const std::unique_ptr<std::int32_t[], decltype(&std::free)> label_store(
        static_cast<std::int32_t*>(std::calloc(padded, sizeof(std::int32_t))), &std::free);
    if (!label_store) throw std::bad_alloc();
    std::int32_t* const label = label_store.get();
    const std::int64_t step[4] = {1, -pw, -1, pw};
    std::int32_t groups = 0;
    std::vector<std::int64_t> stack;
    // Groups numbered in row-major order of their first cell (the padding is empty).
    for (std::size_t s = next_nonzero(set.data(), 0, padded); s < padded; s = next_nonzero(set.data(), s + 1, padded)) {
        if (label[s] != 0) continue;
        label[s] = groups + 1;
        stack.assign(1, static_cast<std::int64_t>(s));
        while (!stack.empty()) {
            const std::int64_t p = stack.back();
            stack.pop_back();
            for (const std::int64_t o : step) {
                const auto q = static_cast<std::size_t>(p + o);
                if (set[q] != 0 && label[q] == 0) {
                    label[q] = groups + 1;
                    stack.push_back(p + o);
                }
            }
        }
        ++groups;
    }
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
        return label[at(vc + cell_dx[d], vr + cell_dy[d])] - 1;
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
