#include "kepu15/pipeline/memory.hpp"

#include "kepu15/error.hpp"

#include <cstdio>

#include <unistd.h>

namespace kepu15::pipeline {

namespace {
std::string gb(double bytes) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f GB", bytes / 1e9);
    return buf;
}
}  // namespace

double estimate_run_bytes(const study::Study& study, std::size_t cells, std::size_t edges, bool cells_vector) {
    const bool network = study.uses(study::Method::network);
    const double kinds = static_cast<double>(study.facilities.size());
    const double profiles = network ? static_cast<double>(study.profiles.size()) : 0.0;
    const double measures = kinds * ((study.uses(study::Method::crowfly) ? 1.0 : 0.0) + profiles);
    const double per_cell = 200.0 + 40.0 * measures + 48.0 * profiles + (cells_vector ? 1500.0 : 0.0);
    return per_cell * static_cast<double>(cells) + 400.0 * static_cast<double>(edges);
}

double memory_limit_bytes(const study::Study& study) {
    if (study.memory_limit_gb > 0) return study.memory_limit_gb * 1e9;
    const long pages = ::sysconf(_SC_PHYS_PAGES);
    const long page = ::sysconf(_SC_PAGE_SIZE);
    if (pages <= 0 || page <= 0) return 1e18;  // unknown: no limit
    return 0.8 * static_cast<double>(pages) * static_cast<double>(page);
}

void check_memory(const study::Study& study, std::size_t cells, std::size_t edges, bool cells_vector) {
    const double need = estimate_run_bytes(study, cells, edges, cells_vector);
    const double limit = memory_limit_bytes(study);
    if (need <= limit) return;
    throw config_error("this run needs about " + gb(need) + " of memory (" + std::to_string(cells) +
                       " populated cells" + (edges > 0 ? ", " + std::to_string(edges) + " road edges" : std::string()) +
                       (cells_vector ? ", cell polygons" : "") +
                       "), above the limit of " + gb(limit) +
                       (study.memory_limit_gb > 0 ? " ([study] memory_limit_gb)" : " (80 % of this machine's memory)") +
                       "; raise [study] memory_limit_gb or --memory-limit-gb if the machine has it, or run fewer "
                       "profiles or kinds, coarser cells, or partitions of the units");
}

}  // namespace kepu15::pipeline
