#include "kepu15/scenario/incremental.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

namespace kepu15::scenario {

namespace {

constexpr double none_cost = std::numeric_limits<double>::quiet_NaN();

// Strictly better: lower cost, or equal cost and lower id (the tie rule of the full recomputation).
bool better(double cost, std::uint32_t facility, double best_cost, std::int32_t best) {
    if (best < 0) return true;
    return cost < best_cost || (cost == best_cost && static_cast<std::int32_t>(facility) < best);
}

}  // namespace

Nearest nearest_from_table(const coverage::CostTable& by_cell, std::span<const std::uint8_t> active) {
    Nearest n;
    n.facility.assign(by_cell.origin_count, -1);
    n.cost.assign(by_cell.origin_count, none_cost);
    for (std::size_t i = 0; i < by_cell.origin_count; ++i) {
        for (const auto& e : by_cell.of(i)) {
            if (!active.empty() && !active[e.destination]) continue;
            if (better(e.cost, e.destination, n.cost[i], n.facility[i])) {
                n.cost[i] = e.cost;
                n.facility[i] = static_cast<std::int32_t>(e.destination);
            }
        }
    }
    return n;
}

IncrementalNearest::IncrementalNearest(const coverage::CostTable& by_cell, std::vector<double> weight, double threshold)
    : m_by_cell(&by_cell), m_weight(std::move(weight)), m_threshold(threshold) {
    assert(m_weight.size() == by_cell.origin_count);
    const auto t = coverage::transpose(by_cell);
    m_col_first = t.first;
    m_col = t.entries;
    m_added_by_cell.resize(by_cell.origin_count);
    m_active.assign(by_cell.destination_count, 1);
    m_nearest = nearest_from_table(by_cell);
    for (std::size_t i = 0; i < by_cell.origin_count; ++i) {
        if (covered(i)) m_covered_weight += m_weight[i];
    }
    m_touched_flag.assign(by_cell.origin_count, 0);
}

void IncrementalNearest::touch(std::uint32_t cell) {
    if (!m_touched_flag[cell]) {
        m_touched_flag[cell] = 1;
        m_touched.push_back(cell);
    }
}

void IncrementalNearest::set(std::uint32_t cell, std::int32_t facility, double cost) {
    const bool was = covered(cell);
    m_nearest.facility[cell] = facility;
    m_nearest.cost[cell] = cost;
    const bool now = covered(cell);
    if (was != now) m_covered_weight += now ? m_weight[cell] : -m_weight[cell];
    touch(cell);
}

void IncrementalNearest::rescan(std::uint32_t cell) {
    std::int32_t best = -1;
    double best_cost = none_cost;
    for (const auto& e : m_by_cell->of(cell)) {
        if (m_active[e.destination] && better(e.cost, e.destination, best_cost, best)) {
            best = static_cast<std::int32_t>(e.destination);
            best_cost = e.cost;
        }
    }
    for (const auto& e : m_added_by_cell[cell]) {
        if (m_active[e.destination] && better(e.cost, e.destination, best_cost, best)) {
            best = static_cast<std::int32_t>(e.destination);
            best_cost = e.cost;
        }
    }
    set(cell, best, best_cost);
}

std::uint32_t IncrementalNearest::add(std::span<const coverage::CostEntry> reach) {
    const auto id = static_cast<std::uint32_t>(m_active.size());
    m_active.push_back(1);
    m_added_reach.emplace_back(reach.begin(), reach.end());
    for (const auto& e : reach) {
        const std::uint32_t cell = e.destination;
        m_added_by_cell[cell].push_back({id, e.cost});
        if (better(e.cost, id, m_nearest.cost[cell], m_nearest.facility[cell])) {
            set(cell, static_cast<std::int32_t>(id), e.cost);
        }
    }
    return id;
}

void IncrementalNearest::remove(std::uint32_t facility) {
    if (!m_active[facility]) return;
    m_active[facility] = 0;
    auto fix = [&](std::uint32_t cell) {
        if (m_nearest.facility[cell] == static_cast<std::int32_t>(facility)) rescan(cell);
    };
    if (facility < m_by_cell->destination_count) {
        for (std::uint64_t k = m_col_first[facility]; k < m_col_first[facility + 1]; ++k) fix(m_col[k].destination);
    } else {
        for (const auto& e : m_added_reach[facility - m_by_cell->destination_count]) fix(e.destination);
    }
}

void IncrementalNearest::restore(std::uint32_t facility) {
    if (m_active[facility]) return;
    m_active[facility] = 1;
    auto offer = [&](std::uint32_t cell, double cost) {
        if (better(cost, facility, m_nearest.cost[cell], m_nearest.facility[cell])) {
            set(cell, static_cast<std::int32_t>(facility), cost);
        }
    };
    if (facility < m_by_cell->destination_count) {
        for (std::uint64_t k = m_col_first[facility]; k < m_col_first[facility + 1]; ++k) offer(m_col[k].destination, m_col[k].cost);
    } else {
        for (const auto& e : m_added_reach[facility - m_by_cell->destination_count]) offer(e.destination, e.cost);
    }
}

void IncrementalNearest::set_threshold(double threshold) {
    m_threshold = threshold;
    m_covered_weight = 0.0;
    for (std::size_t i = 0; i < m_weight.size(); ++i) {
        if (covered(i)) m_covered_weight += m_weight[i];
    }
}

std::vector<std::uint32_t> IncrementalNearest::take_touched() {
    std::vector<std::uint32_t> out;
    out.swap(m_touched);
    for (auto c : out) m_touched_flag[c] = 0;
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace kepu15::scenario
