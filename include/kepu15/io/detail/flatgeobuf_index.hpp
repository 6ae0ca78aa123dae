// FlatGeobuf's packed Hilbert R-tree, built by kepu15 instead of by GDAL's writer. GDAL builds the
// index by writing every feature to a temporary file, reading them back in Hilbert order and
// writing them again (about three quarters of its write time for the 88,000-cell layer); kepu15
// hands GDAL the features already in Hilbert order with SPATIAL_INDEX=NO, into memory, and writes
// the file once with the index between the header and the features, which is all the index option
// changes in the file (besides the header's index_node_size).
// Layout (flatgeobuf.org, "Spatial index"): node items {min_x, min_y, max_x, max_y: float64;
// offset: uint64} little-endian, levels from the root down; a leaf's offset is its feature's byte
// offset in the features section, a parent's the index of its first child.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kepu15::io::detail {

struct Box {
    double min_x = 0;
    double min_y = 0;
    double max_x = 0;
    double max_y = 0;
};

// Indices of `boxes` ordered along a Hilbert curve through their centres (a 65536 x 65536 grid over
// their extent), as FlatGeobuf's reference writer orders features.
std::vector<std::size_t> hilbert_order(const std::vector<Box>& boxes);

// Number of node items of a packed R-tree over `items` leaves. REQUIRES: items > 0, node_size >= 2.
std::uint64_t packed_rtree_nodes(std::uint64_t items, std::uint16_t node_size);

// The index bytes for leaves `boxes` (in file order) at byte `offsets` of the features section.
std::string packed_rtree(const std::vector<Box>& boxes, const std::vector<std::uint64_t>& offsets,
                         std::uint16_t node_size);

// One FlatGeobuf file GDAL wrote in memory with SPATIAL_INDEX=NO: `features` features.
struct FlatGeobufPart {
    const unsigned char* data = nullptr;
    std::size_t size = 0;
    std::size_t features = 0;
};

// Writes the FlatGeobuf file `path` from `parts`, FlatGeobuf files GDAL wrote (in memory) with
// SPATIAL_INDEX=NO, each with the same header but for the feature count: the first part's header
// with the total count, the index, then every part's features in turn. Their features are in the
// order of `boxes` (their extents in the file's CRS). Returns false, writing nothing, when a part
// does not have the expected shape (another GDAL version: the caller then lets GDAL build the
// index). Throws output_error (starting with `shown`) when it cannot write.
bool write_flatgeobuf_with_index(const std::vector<FlatGeobufPart>& parts, const std::vector<Box>& boxes,
                                 const std::string& path, const std::string& shown);

inline constexpr std::uint16_t flatgeobuf_node_size = 16;  // DEFAULT of FlatGeobuf and GDAL

}  // namespace kepu15::io::detail
