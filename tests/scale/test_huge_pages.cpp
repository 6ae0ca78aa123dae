// Large arrays advised onto transparent huge pages: the kernel marks exactly the advised range.
#include <catch2/catch.hpp>

#include "kepu15/huge_pages.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include <sys/wait.h>
#include <unistd.h>

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

// The heap on huge pages (use_huge_page_heap), checked in a child process so that the one-arena,
// 32 MB mmap-threshold malloc settings do not reach the other tests of this binary.
TEST_CASE("the heap is grown once by the reserve, advised onto huge pages, and serves blocks up to 32 MB", "[scale]") {
    std::ifstream probe("/proc/self/smaps");
    if (!probe || !thp_advice_honoured()) {
        WARN("skipped: no /proc/self/smaps or transparent huge pages are off on this system");
        return;
    }
    if (const char* t = std::getenv("GLIBC_TUNABLES"); t != nullptr && std::strstr(t, "glibc.malloc.") != nullptr) {
        WARN("skipped: GLIBC_TUNABLES sets malloc tunables, so use_huge_page_heap leaves malloc alone");
        return;
    }
    constexpr std::size_t mb = std::size_t{1} << 20;
    std::fflush(nullptr);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        // Each failed check is one bit of the exit status.
        int failed = 0;
        const auto before = reinterpret_cast<std::uintptr_t>(::sbrk(0));
        kepu15::use_huge_page_heap(64 * mb);
        const auto after = reinterpret_cast<std::uintptr_t>(::sbrk(0));
        if (after < before + 62 * mb) failed |= 1;  // grown by the reserve (less the old free top)
        if (vm_flags_at((after - 4 * mb) & ~(2 * mb - 1)).find(" hg") == std::string::npos) failed |= 2;  // advised
        void* block = std::malloc(20 * mb); // under the 32 MB threshold: from the heap, not mapped apart
        const auto b = reinterpret_cast<std::uintptr_t>(block);
        // (the heap's old free top, below `before`, is the start of the block)
        if (block == nullptr || b + 2 * mb < before || b + 20 * mb > reinterpret_cast<std::uintptr_t>(::sbrk(0)))
            failed |= 4;
        std::free(block);
        if (reinterpret_cast<std::uintptr_t>(::sbrk(0)) < after) failed |= 8;  // freed memory stays in the heap
        std::_Exit(failed);
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    REQUIRE(WIFEXITED(status));
    const int failed = WEXITSTATUS(status);
    CHECK((failed & 1) == 0);  // the heap grew by the reserve
    CHECK((failed & 2) == 0);  // the grown heap is advised MADV_HUGEPAGE
    CHECK((failed & 4) == 0);  // a 20 MB block comes from the heap
    CHECK((failed & 8) == 0);  // freeing it does not shrink the heap
}
