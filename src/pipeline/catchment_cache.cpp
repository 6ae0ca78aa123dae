#include "kepu15/pipeline/catchment_cache.hpp"

#include <bit>
#include <unordered_set>

namespace kepu15::pipeline {

CatchmentCache::Key CatchmentCache::key(std::size_t profile, double limit_minutes, const network::Snap& snap) {
    Key k;
    k.profile = static_cast<std::uint32_t>(profile);
    k.edge = static_cast<std::uint32_t>(snap.edge);
    k.limit_bits = std::bit_cast<std::uint64_t>(limit_minutes);
    k.offset_bits = std::bit_cast<std::uint64_t>(snap.offset_m);
    k.off_road_bits = std::bit_cast<std::uint64_t>(snap.off_road_m);
    return k;
}

std::size_t CatchmentCache::Hash::operator()(const Key& k) const {
    // splitmix64-style mixing of the fields.
    std::uint64_t h = (std::uint64_t{k.profile} << 32) ^ k.edge;
    for (const std::uint64_t v : {k.limit_bits, k.offset_bits, k.off_road_bits}) {
        h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
        h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
        h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
        h ^= h >> 31;
    }
    return static_cast<std::size_t>(h);
}

const std::vector<access::CompactEntry>* CatchmentCache::find(const Key& key) const {
    const std::lock_guard<std::mutex> lock(m_mutex);
    const auto it = m_map.find(key);
    return it == m_map.end() ? nullptr : &it->second;
}

const std::vector<access::CompactEntry>* CatchmentCache::insert(const Key& key,
                                                                std::span<const access::CompactEntry> pairs) {
    const std::size_t bytes = pairs.size() * sizeof(access::CompactEntry);
    const std::lock_guard<std::mutex> lock(m_mutex);
    if (const auto it = m_map.find(key); it != m_map.end()) return &it->second;
    if (!m_storing) return nullptr;
    if (bytes > m_budget || m_bytes > m_budget - bytes) {
        ++m_refused;
        return nullptr;
    }
    m_bytes += bytes;
    const auto [it, inserted] = m_map.emplace(key, std::vector<access::CompactEntry>(pairs.begin(), pairs.end()));
    return &it->second;
}

std::size_t CatchmentCache::release_all_but(std::span<const Key> keep) {
    const std::unordered_set<Key, Hash> kept(keep.begin(), keep.end());
    const std::lock_guard<std::mutex> lock(m_mutex);
    std::size_t released = 0;
    for (auto it = m_map.begin(); it != m_map.end();) {
        if (kept.count(it->first) > 0) {
            ++it;
            continue;
        }
        m_bytes -= it->second.size() * sizeof(access::CompactEntry);
        it = m_map.erase(it);
        ++released;
    }
    return released;
}

void CatchmentCache::set_storing(bool on) {
    const std::lock_guard<std::mutex> lock(m_mutex);
    m_storing = on;
}

std::shared_ptr<const routing::CatchmentPoints> CatchmentCache::points(
    std::size_t profile, double limit_minutes,
    const std::function<std::shared_ptr<const routing::CatchmentPoints>()>& build) {
    const std::pair<std::size_t, std::uint64_t> key{profile, std::bit_cast<std::uint64_t>(limit_minutes)};
    {
        const std::lock_guard<std::mutex> lock(m_mutex);
        if (const auto it = m_points.find(key); it != m_points.end()) return it->second;
    }
    auto built = build();
    const std::lock_guard<std::mutex> lock(m_mutex);
    auto& slot = m_points[key];
    if (!slot) slot = std::move(built);  // built twice at once: the first one stored is kept
    return slot;
}

CatchmentCache::Stats CatchmentCache::stats() const {
    const std::lock_guard<std::mutex> lock(m_mutex);
    return {m_map.size(), m_bytes, m_refused};
}

}  // namespace kepu15::pipeline
