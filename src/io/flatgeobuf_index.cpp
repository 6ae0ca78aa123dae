#include "kepu15/io/detail/flatgeobuf_index.hpp"

#include "kepu15/error.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <numeric>

namespace kepu15::io::detail {

namespace {

// Position on a Hilbert curve of (x, y) in a 65536 x 65536 grid (the bit-twiddling version of
// rawrunprotected/hilbert_curves, public domain, which FlatGeobuf's writers use).
std::uint32_t hilbert(std::uint32_t x, std::uint32_t y) {
    std::uint32_t a = x ^ y;
    std::uint32_t b = 0xFFFF ^ a;
    std::uint32_t c = 0xFFFF ^ (x | y);
    std::uint32_t d = x & (y ^ 0xFFFF);
    std::uint32_t A = a | (b >> 1);
    std::uint32_t B = (a >> 1) ^ a;
    std::uint32_t C = ((c >> 1) ^ (b & (d >> 1))) ^ c;
    std::uint32_t D = ((a & (c >> 1)) ^ (d >> 1)) ^ d;
    a = A;
    b = B;
    c = C;
    d = D;
    A = ((a & (a >> 2)) ^ (b & (b >> 2)));
    B = ((a & (b >> 2)) ^ (b & ((a ^ b) >> 2)));
    C ^= ((a & (c >> 2)) ^ (b & (d >> 2)));
    D ^= ((b & (c >> 2)) ^ ((a ^ b) & (d >> 2)));
    a = A;
    b = B;
    c = C;
    d = D;
    A = ((a & (a >> 4)) ^ (b & (b >> 4)));
    B = ((a & (b >> 4)) ^ (b & ((a ^ b) >> 4)));
    C ^= ((a & (c >> 4)) ^ (b & (d >> 4)));
    D ^= ((b & (c >> 4)) ^ ((a ^ b) & (d >> 4)));
    a = A;
    b = B;
    c = C;
    d = D;
    C ^= ((a & (c >> 8)) ^ (b & (d >> 8)));
    D ^= ((b & (c >> 8)) ^ ((a ^ b) & (d >> 8)));
    a = C ^ (C >> 1);
    b = D ^ (D >> 1);
    std::uint32_t i0 = x ^ y;
    std::uint32_t i1 = b | (0xFFFF ^ (i0 | a));
    i0 = (i0 | (i0 << 8)) & 0x00FF00FF;
    i0 = (i0 | (i0 << 4)) & 0x0F0F0F0F;
    i0 = (i0 | (i0 << 2)) & 0x33333333;
    i0 = (i0 | (i0 << 1)) & 0x55555555;
    i1 = (i1 | (i1 << 8)) & 0x00FF00FF;
    i1 = (i1 | (i1 << 4)) & 0x0F0F0F0F;
    i1 = (i1 | (i1 << 2)) & 0x33333333;
    i1 = (i1 | (i1 << 1)) & 0x55555555;
    return (i1 << 1) | i0;
}

// Levels as [first, end) node indices, leaves first, the root last (stored root first).
std::vector<std::pair<std::uint64_t, std::uint64_t>> level_bounds(std::uint64_t items, std::uint16_t node_size) {
    std::vector<std::uint64_t> level_nodes{items};
    std::uint64_t n = items;
    std::uint64_t total = n;
    do {
        n = (n + node_size - 1) / node_size;
        total += n;
        level_nodes.push_back(n);
    } while (n != 1);
    std::vector<std::pair<std::uint64_t, std::uint64_t>> bounds;
    std::uint64_t end = total;
    for (const auto size : level_nodes) {
        end -= size;
        bounds.emplace_back(end, end + size);
    }
    return bounds;
}

void put_u64(char* p, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}
void put_f64(char* p, double v) {
    std::uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof bits);
    put_u64(p, bits);
}
std::uint32_t get_u32(const unsigned char* p) {
    return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
           static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}
std::uint64_t get_u64(const unsigned char* p) {
    return static_cast<std::uint64_t>(get_u32(p)) | static_cast<std::uint64_t>(get_u32(p + 4)) << 32;
}

using File = std::unique_ptr<std::FILE, int (*)(std::FILE*)>;

}  // namespace

std::vector<std::size_t> hilbert_order(const std::vector<Box>& boxes) {
    Box extent{std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity(),
               -std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()};
    for (const auto& b : boxes) {
        extent.min_x = std::min(extent.min_x, b.min_x);
        extent.min_y = std::min(extent.min_y, b.min_y);
        extent.max_x = std::max(extent.max_x, b.max_x);
        extent.max_y = std::max(extent.max_y, b.max_y);
    }
    const double width = extent.max_x - extent.min_x;
    const double height = extent.max_y - extent.min_y;
    constexpr double hilbert_max = 65535.0;
    std::vector<std::uint32_t> key(boxes.size());
    for (std::size_t i = 0; i < boxes.size(); ++i) {
        const auto& b = boxes[i];
        const double cx = width > 0 ? hilbert_max * ((b.min_x + b.max_x) / 2 - extent.min_x) / width : 0.0;
        const double cy = height > 0 ? hilbert_max * ((b.min_y + b.max_y) / 2 - extent.min_y) / height : 0.0;
        key[i] = hilbert(static_cast<std::uint32_t>(std::floor(cx)), static_cast<std::uint32_t>(std::floor(cy)));
    }
    std::vector<std::size_t> order(boxes.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return key[a] > key[b]; });
    return order;
}

std::uint64_t packed_rtree_nodes(std::uint64_t items, std::uint16_t node_size) {
    const auto bounds = level_bounds(items, node_size);
    return bounds.front().second;
}

std::string packed_rtree(const std::vector<Box>& boxes, const std::vector<std::uint64_t>& offsets,
                         std::uint16_t node_size) {
    const auto bounds = level_bounds(boxes.size(), node_size);
    const std::uint64_t total = bounds.front().second;
    std::vector<Box> node(total);
    std::vector<std::uint64_t> offset(total);
    const std::uint64_t first_leaf = bounds.front().first;
    for (std::size_t i = 0; i < boxes.size(); ++i) {
        node[first_leaf + i] = boxes[i];
        offset[first_leaf + i] = offsets[i];
    }
    for (std::size_t level = 0; level + 1 < bounds.size(); ++level) {
        std::uint64_t pos = bounds[level].first;
        const std::uint64_t end = bounds[level].second;
        std::uint64_t parent = bounds[level + 1].first;
        while (pos < end) {
            Box b{std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity(),
                  -std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()};
            offset[parent] = pos;
            for (std::uint16_t j = 0; j < node_size && pos < end; ++j, ++pos) {
                b.min_x = std::min(b.min_x, node[pos].min_x);
                b.min_y = std::min(b.min_y, node[pos].min_y);
                b.max_x = std::max(b.max_x, node[pos].max_x);
                b.max_y = std::max(b.max_y, node[pos].max_y);
            }
            node[parent++] = b;
        }
    }
    std::string out(total * 40, '\0');
    for (std::uint64_t i = 0; i < total; ++i) {
        char* p = out.data() + i * 40;
        put_f64(p, node[i].min_x);
        put_f64(p + 8, node[i].min_y);
        put_f64(p + 16, node[i].max_x);
        put_f64(p + 24, node[i].max_y);
        put_u64(p + 32, offset[i]);
    }
    return out;
}

bool write_flatgeobuf_with_index(const unsigned char* data, std::size_t size, const std::vector<Box>& boxes,
                                 const std::string& path, const std::string& shown) {
    if (boxes.empty() || size < 12 || std::memcmp(data, "fgb\x03", 4) != 0) return false;
    // Magic "fgb\3fgb\N", the size-prefixed header (a FlatBuffers table), then the features.
    const std::uint64_t header_size = get_u32(data + 8);
    if (header_size < 8 || 12 + header_size > size) return false;
    std::string header(reinterpret_cast<const char*>(data) + 12, header_size);
    const auto* h = reinterpret_cast<const unsigned char*>(header.data());
    // Header fields by FlatBuffers vtable: 8 features_count (uint64), 9 index_node_size (uint16).
    // GDAL writes both even at 0; the index is possible only when they can be set in place.
    const std::uint32_t table = get_u32(h);
    if (table + 4 > header_size) return false;
    const auto vtable = static_cast<std::int64_t>(table) - static_cast<std::int32_t>(get_u32(h + table));
    if (vtable < 0 || static_cast<std::uint64_t>(vtable) + 4 > header_size) return false;
    const auto vtable_size = static_cast<std::uint32_t>(h[vtable] | h[vtable + 1] << 8);
    const auto field = [&](std::uint32_t index) -> std::uint32_t {
        const std::uint64_t at = static_cast<std::uint64_t>(vtable) + 4 + 2 * index;
        if (4 + 2 * index + 2 > vtable_size || at + 2 > header_size) return 0;
        return static_cast<std::uint32_t>(h[at] | h[at + 1] << 8);
    };
    const std::uint32_t count_at = field(8);
    const std::uint32_t node_size_at = field(9);
    if (count_at == 0 || node_size_at == 0 || table + node_size_at + 2 > header_size ||
        table + count_at + 8 > header_size) {
        return false;
    }
    if (get_u64(h + table + count_at) != boxes.size()) return false;
    if ((h[table + node_size_at] | h[table + node_size_at + 1] << 8) != 0) return false;  // has an index already

    // Feature offsets in the features section, from their size prefixes.
    const unsigned char* features = data + 12 + header_size;
    const std::uint64_t features_size = size - 12 - header_size;
    std::vector<std::uint64_t> offsets(boxes.size());
    std::uint64_t at = 0;
    for (std::size_t i = 0; i < boxes.size(); ++i) {
        offsets[i] = at;
        if (at + 4 > features_size) return false;
        at += 4 + static_cast<std::uint64_t>(get_u32(features + at));
    }
    if (at != features_size) return false;

    header[table + node_size_at] = static_cast<char>(flatgeobuf_node_size & 0xFF);
    header[table + node_size_at + 1] = static_cast<char>(flatgeobuf_node_size >> 8);
    const std::string index = packed_rtree(boxes, offsets, flatgeobuf_node_size);

    File out(std::fopen(path.c_str(), "wb"), &std::fclose);
    if (!out) throw output_error(shown + ": cannot create '" + path + "'");
    bool ok = std::fwrite(data, 1, 12, out.get()) == 12 &&
              std::fwrite(header.data(), 1, header.size(), out.get()) == header.size() &&
              std::fwrite(index.data(), 1, index.size(), out.get()) == index.size() &&
              std::fwrite(features, 1, features_size, out.get()) == features_size;
    ok = std::fclose(out.release()) == 0 && ok;
    if (!ok) throw output_error(shown + ": write failed (disk full?)");
    return true;
}

}  // namespace kepu15::io::detail
