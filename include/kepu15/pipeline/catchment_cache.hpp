// Catchments kept for the life of a prepared study. A facility's catchment (every populated cell
// within the access catchment limit, with its whole milliseconds) depends only on the profile's
// graph, the facility's snap, the limit and the cells' snaps, all fixed by the PreparedStudy. A
// re-evaluation, a compare or a siting run evaluates facility sets that share almost all their
// facilities, so a catchment searched once is read back instead of searched again: the same list
// of pairs, summed in the same order, so the access results are equal to the last bit.
// Not used by a single `kepu15 run` (one evaluation: storing millions of pairs there only costs
// page faults); enable it with pipeline::enable_catchment_cache where several sets are evaluated.
#pragma once

#include "kepu15/access/searched.hpp"
#include "kepu15/network/snap.hpp"
#include "kepu15/routing/reach_table.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <unordered_map>
#include <vector>

namespace kepu15::pipeline {

class CatchmentCache {
public:
    // DEFAULT: 512 MB of pairs (8 bytes each: 67 M pairs; the bundled study's network catchments
    // hold about 7 M). The points' indexes (a few MB per profile and limit) are not counted.
    static constexpr std::size_t default_budget_bytes = std::size_t{512} << 20;

    // What identifies a catchment: profile index, limit and snap fields, bit for bit.
    struct Key {
        std::uint32_t profile = 0;
        std::uint32_t edge = 0;
        std::uint64_t limit_bits = 0;
        std::uint64_t offset_bits = 0;
        std::uint64_t off_road_bits = 0;
        bool operator==(const Key&) const = default;
    };
    static Key key(std::size_t profile, double limit_minutes, const network::Snap& snap);

    explicit CatchmentCache(std::size_t budget_bytes = default_budget_bytes) : m_budget(budget_bytes) {}
    CatchmentCache(const CatchmentCache&) = delete;
    CatchmentCache& operator=(const CatchmentCache&) = delete;

    // The stored catchment (pairs sorted by cell), or nullptr. A stored list is never changed, nor
    // removed but by release(), so the pointer stays valid until then. Thread-safe.
    [[nodiscard]] const std::vector<access::CompactEntry>* find(const Key& key) const;
    // Stores `pairs` under `key` unless that would take the cache beyond its budget (then nothing
    // is stored and nullptr returned: the caller searches again next time, results unchanged) or
    // storing is off (nullptr, not counted as refused).
    // A key already stored keeps its list. Thread-safe.
    const std::vector<access::CompactEntry>* insert(const Key& key, std::span<const access::CompactEntry> pairs);

    // Releases every stored catchment but those under the keys in `keep` and returns the number
    // released: their memory goes back to the heap, where the next allocations reuse it instead of
    // touching fresh pages (kepu15 compare, before its scenario's evaluation). The points' indexes
    // and the workers stay. Pointers that find or insert gave for released keys are invalid
    // afterwards. REQUIRES: no evaluation is using the cache at the time.
    std::size_t release_all_but(std::span<const Key> keep);

    // Whether insert stores (DEFAULT: true). Off, the cache is only read: for an evaluation whose
    // new catchments will not be needed again (the scenario of kepu15 compare), so that they cost no
    // copy into fresh memory.
    void set_storing(bool on);

    // The points' side of catchment searches (routing::catchment_points) for profile index p and
    // this limit: `build` is called on first use (outside the lock, so that indexes of different
    // profiles are built side by side), then the same index is handed out. Thread-safe.
    std::shared_ptr<const routing::CatchmentPoints> points(
        std::size_t profile, double limit_minutes,
        const std::function<std::shared_ptr<const routing::CatchmentPoints>()>& build);

    struct Stats {
        std::size_t catchments = 0;  // stored
        std::size_t bytes = 0;       // of the stored pairs
        std::size_t refused = 0;     // inserts refused by the budget
    };
    [[nodiscard]] Stats stats() const;

    // Spare search workers (their buffers) kept between the measures and evaluations that use this
    // cache: a measure takes one per thread and gives it back.
    [[nodiscard]] routing::CatchmentWorkers& workers() { return m_workers; }
    [[nodiscard]] std::size_t budget_bytes() const { return m_budget; }

private:
    struct Hash {
        std::size_t operator()(const Key& k) const;
    };
    std::size_t m_budget;
    mutable std::mutex m_mutex;
    std::unordered_map<Key, std::vector<access::CompactEntry>, Hash> m_map;  // node-based: lists never move
    std::size_t m_bytes = 0;
    std::size_t m_refused = 0;
    bool m_storing = true;
    std::map<std::pair<std::size_t, std::uint64_t>, std::shared_ptr<const routing::CatchmentPoints>> m_points;
    routing::CatchmentWorkers m_workers;
};

}  // namespace kepu15::pipeline
