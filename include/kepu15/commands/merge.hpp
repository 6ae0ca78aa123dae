// Partitioned runs (docs/scale.md): `kepu15 run --partition CODES --halo-m M` computes the cells of
// some units and writes, beside its outputs, every kept cell's measures exactly (partition file);
// `kepu15 merge OUT PART_DIRS...` reads the partition files, checks that every populated cell of
// the study is in exactly one partition, and summarises and writes the whole study from them, so
// the merged outputs are those of one whole run (without service areas, which a partition cannot
// draw whole).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "kepu15/diagnostics.hpp"
#include "kepu15/pipeline/result.hpp"

namespace kepu15::commands {

// The file a partitioned run writes into its output folder.
inline constexpr const char* partition_file_name = "partition_cells.bin";

// Writes the partition file of a partitioned run's result: the study file and the options that
// change what is measured (methods, profiles, horizon, rasters), then per kept cell its column,
// row and, per measure, value, covered, no-road-access flag and nearest facility id.
void write_partition_file(const pipeline::StudyResult& result, const std::string& path);

// What a partition file holds: per kept cell its grid position and, per measure, the exact values.
struct PartitionMeasure {
    std::string kind;
    std::uint8_t method_type = 0;  // coverage::Method::Type
    std::uint8_t profile = 0;      // network::Profile (network only)
    double threshold = 0;
    std::uint8_t threshold_unit = 0;
    std::vector<double> value;
    std::vector<std::uint8_t> covered;
    std::vector<std::uint8_t> no_road_access;
    std::vector<std::string> facility_id;  // "" when none
};

struct PartitionHeader {
    std::string study_file;
    std::vector<std::uint8_t> methods;
    std::vector<std::uint8_t> profiles;
    double horizon_minutes = 0;
    std::uint8_t travel_time_rasters = 0;
    bool operator==(const PartitionHeader&) const = default;
};

struct PartitionCells {
    PartitionHeader header;
    std::vector<std::int32_t> col;
    std::vector<std::int32_t> row;
    std::vector<PartitionMeasure> measures;
};

// Reads a partition file (`<folder>/partition_cells.bin`). Throws input_error naming it when it is
// missing, not a partition file or truncated.
PartitionCells read_partition_file(const std::string& path);

struct MergeRequest {
    std::string out_dir;                 // REQUIRED
    std::vector<std::string> part_dirs;  // REQUIRED: output folders of partitioned runs
    unsigned threads = 2;                // DEFAULT: 2 (the CLI gives the number of cores)
    bool cells_vector = false;           // also write the cell polygons (as `run --cells-vector`)
};

struct MergeSummary {
    std::size_t partitions = 0;
    std::size_t cells = 0;
    double population = 0.0;
};

// Throws input_error naming the partition folder: a missing or unreadable partition file,
// partitions of different studies or options, a cell in two partitions or in none, an unknown
// facility id. Writes all outputs or none.
MergeSummary run_merge(const MergeRequest& request, Diagnostics& diag);

}  // namespace kepu15::commands
