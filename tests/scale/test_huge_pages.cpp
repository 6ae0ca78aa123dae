// Large arrays advised onto transparent huge pages: the kernel marks exactly the advised range.
#include <catch2/catch.hpp>

#include "kepu15/huge_pages.hpp"

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace {

// VmFlags of the mapping of /proc/self/smaps that contains `address` ("" when none).
std::string vm_flags_at(std::uintptr_t address) {
    std::ifstream smaps("/proc/self/smaps");
    std::string line;
    bool inside = false;
    while (std::getline(smaps, line)) {
        std::uintptr_t lo = 0, hi = 0;
        char dash = 0;
        std::istringstream head(line);
        if (head >> std::hex >> lo >> dash >> hi && dash == '-' && line.find(':') > line.find(' ')) {
            inside = lo <= address && address < hi;
            continue;
        }
        if (inside && line.rfind("VmFlags:", 0) == 0) return line;
    }
    return "";
}

bool thp_advice_honoured() {
    std::ifstream f("/sys/kernel/mm/transparent_hugepage/enabled");
    std::string s;
    std::getline(f, s);
    return s.find("[madvise]") != std::string::npos || s.find("[always]") != std::string::npos;
}

}  // namespace

TEST_CASE("huge-page advice marks the 2 MB-aligned inside of a large block, and nothing for a small one", "[scale]") {
    std::ifstream probe("/proc/self/smaps");
    if (!probe || !thp_advice_honoured()) {
        WARN("skipped: no /proc/self/smaps or transparent huge pages are off on this system");
        return;
    }
    constexpr std::size_t mb = std::size_t{1} << 20;
    const std::size_t bytes = 64 * mb;
    char* big = static_cast<char*>(std::malloc(bytes));  // above the mmap threshold: its own mapping
    REQUIRE(big != nullptr);
    const auto begin = reinterpret_cast<std::uintptr_t>(big);
    const std::uintptr_t first = (begin + 2 * mb - 1) & ~(2 * mb - 1);
    const std::uintptr_t last = (begin + bytes) & ~(2 * mb - 1);
    CHECK(vm_flags_at(first).find(" hg") == std::string::npos);  // not advised before
    kepu15::advise_huge_pages(big, bytes);
    CHECK(vm_flags_at(first).find(" hg") != std::string::npos);
    CHECK(vm_flags_at(last - 1).find(" hg") != std::string::npos);
    if (first > begin) CHECK(vm_flags_at(first - 1).find(" hg") == std::string::npos);  // the unaligned head
    std::free(big);

    char* small = static_cast<char*>(std::malloc(kepu15::huge_pages_from_bytes + 4 * mb));
    REQUIRE(small != nullptr);
    kepu15::advise_huge_pages(small, kepu15::huge_pages_from_bytes - 1);  // below the threshold: no advice
    const auto s = reinterpret_cast<std::uintptr_t>(small);
    CHECK(vm_flags_at(((s + 2 * mb - 1) & ~(2 * mb - 1)) + 1).find(" hg") == std::string::npos);
    std::free(small);
}
