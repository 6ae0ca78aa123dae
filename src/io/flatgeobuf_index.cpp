#include "kepu15/io/detail/flatgeobuf_index.hpp"

#include "kepu15/error.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <numeric>
#include <optional>
#include <utility>

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
double get_f64(const unsigned char* p) {
    const std::uint64_t bits = get_u64(p);
    double v = 0;
    std::memcpy(&v, &bits, 8);
    return v;
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

namespace {

// Where GDAL's header (a FlatBuffers table after the 12 bytes of magic and size) keeps
// features_count (uint64, field 8) and index_node_size (uint16, field 9), as offsets into the
// header, and envelope (field 1: [min_x, min_y, max_x, max_y] float64) when present; nullopt when
// the header is not shaped as expected. GDAL writes both counts even at 0.
struct HeaderFields {
    std::uint64_t count_at = 0;
    std::uint64_t node_size_at = 0;
    std::uint64_t envelope_at = 0;  // 0: none
};

std::optional<HeaderFields> header_fields(const std::string& header) {
    const auto header_size = static_cast<std::uint64_t>(header.size());
    const auto* h = reinterpret_cast<const unsigned char*>(header.data());
    const std::uint32_t table = get_u32(h);
    if (table + 4 > header_size) return std::nullopt;
    const auto vtable = static_cast<std::int64_t>(table) - static_cast<std::int32_t>(get_u32(h + table));
    if (vtable < 0 || static_cast<std::uint64_t>(vtable) + 4 > header_size) return std::nullopt;
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
        return std::nullopt;
    }
    HeaderFields out{table + count_at, table + node_size_at, 0};
    if (const std::uint32_t envelope = field(1); envelope != 0) {
        // A vector: uoffset from the field to its length, then the values.
        if (table + envelope + 4 > header_size) return std::nullopt;
        const std::uint64_t vector = table + envelope + get_u32(h + table + envelope);
        if (vector + 4 + 32 > header_size || get_u32(h + vector) != 4) return std::nullopt;
        out.envelope_at = vector + 4;
    }
    return out;
}

}  // namespace

bool write_flatgeobuf_with_index(const std::vector<FlatGeobufPart>& parts, const std::vector<Box>& boxes,
                                 const std::string& path, const std::string& shown) {
    if (boxes.empty() || parts.empty()) return false;
    // Each part: magic "fgb\3fgb\N", the size-prefixed header, then its features. Every part must
    // have the first part's header but for features_count, and no index.
    std::string header;
    HeaderFields at;
    std::vector<std::uint64_t> offsets(boxes.size());
    std::size_t feature = 0;
    std::uint64_t offset = 0;
    std::vector<std::pair<const unsigned char*, std::uint64_t>> sections;
    for (const auto& part : parts) {
        const unsigned char* data = part.data;
        if (part.size < 12 || std::memcmp(data, "fgb\x03", 4) != 0) return false;
        const std::uint64_t header_size = get_u32(data + 8);
        if (header_size < 8 || 12 + header_size > part.size) return false;
        std::string this_header(reinterpret_cast<const char*>(data) + 12, header_size);
        const auto fields = header_fields(this_header);
        if (!fields) return false;
        const auto* h = reinterpret_cast<const unsigned char*>(this_header.data());
        if (get_u64(h + fields->count_at) != part.features) return false;
        if ((h[fields->node_size_at] | h[fields->node_size_at + 1] << 8) != 0) return false;  // has an index already
        if (header.empty()) {
            header = this_header;
            at = *fields;
        } else {
            // The count and envelope set equal, the headers must be byte for byte the same. The
            // file's envelope is the union of the parts'.
            if (fields->count_at != at.count_at || fields->envelope_at != at.envelope_at) return false;
            std::memcpy(this_header.data() + at.count_at, header.data() + at.count_at, 8);
            if (at.envelope_at != 0) {
                const auto* mine_at = reinterpret_cast<const unsigned char*>(this_header.data()) + at.envelope_at;
                const auto* file_at = reinterpret_cast<const unsigned char*>(header.data()) + at.envelope_at;
                const double file[4] = {std::min(get_f64(file_at), get_f64(mine_at)),
                                        std::min(get_f64(file_at + 8), get_f64(mine_at + 8)),
                                        std::max(get_f64(file_at + 16), get_f64(mine_at + 16)),
                                        std::max(get_f64(file_at + 24), get_f64(mine_at + 24))};
                for (int k = 0; k < 4; ++k) {
                    put_f64(header.data() + at.envelope_at + 8 * k, file[k]);
                    put_f64(this_header.data() + at.envelope_at + 8 * k, file[k]);
                }
            }
            if (this_header != header) return false;
        }
        // Feature offsets in the file's features section, from their size prefixes.
        const unsigned char* features = data + 12 + header_size;
        const std::uint64_t features_size = part.size - 12 - header_size;
        std::uint64_t in_part = 0;
        for (std::size_t i = 0; i < part.features; ++i, ++feature) {
            if (feature >= boxes.size() || in_part + 4 > features_size) return false;
            offsets[feature] = offset + in_part;
            in_part += 4 + static_cast<std::uint64_t>(get_u32(features + in_part));
        }
        if (in_part != features_size) return false;
        offset += features_size;
        sections.emplace_back(features, features_size);
    }
    if (feature != boxes.size()) return false;

    const std::uint64_t total = boxes.size();
    for (int b = 0; b < 8; ++b) header[at.count_at + b] = static_cast<char>((total >> (8 * b)) & 0xFF);
    header[at.node_size_at] = static_cast<char>(flatgeobuf_node_size & 0xFF);
    header[at.node_size_at + 1] = static_cast<char>(flatgeobuf_node_size >> 8);
    const std::string index = packed_rtree(boxes, offsets, flatgeobuf_node_size);

    File out(std::fopen(path.c_str(), "wb"), &std::fclose);
    if (!out) throw output_error(shown + ": cannot create '" + path + "'");
    bool ok = std::fwrite(parts.front().data, 1, 12, out.get()) == 12 &&
              std::fwrite(header.data(), 1, header.size(), out.get()) == header.size() &&
              std::fwrite(index.data(), 1, index.size(), out.get()) == index.size();
    for (const auto& [features, size] : sections) ok = ok && std::fwrite(features, 1, size, out.get()) == size;
    ok = std::fclose(out.release()) == 0 && ok;
    if (!ok) throw output_error(shown + ": write failed (disk full?)");
    return true;
}

}  // namespace kepu15::io::detail
