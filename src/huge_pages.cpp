#include "kepu15/huge_pages.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#if defined(__linux__)
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>
#endif
#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace kepu15 {

void advise_huge_pages(void* p, std::size_t bytes) noexcept {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (p == nullptr || bytes < huge_pages_from_bytes) return;
    constexpr std::uintptr_t huge = std::uintptr_t{2} << 20;
    const auto begin = reinterpret_cast<std::uintptr_t>(p);
    const std::uintptr_t first = (begin + huge - 1) & ~(huge - 1);
    const std::uintptr_t last = (begin + bytes) & ~(huge - 1);
    if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
#else
    (void)p;
    (void)bytes;
#endif
}

void use_huge_page_heap(std::size_t reserve) noexcept {
#if defined(__GLIBC__) && defined(__linux__) && defined(MADV_HUGEPAGE)
    if (const char* tunables = std::getenv("GLIBC_TUNABLES");
        tunables != nullptr && std::strstr(tunables, "glibc.malloc.") != nullptr)
        return;
    // Under an address-space limit (ulimit -v) the reserve and the top pad could exhaust it: every
    // later extension of the heap would ask for `reserve` more and fail. Keep glibc's defaults.
    if (struct rlimit as{}; ::getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY) return;
    constexpr std::size_t huge = std::size_t{2} << 20;
    ::mallopt(M_ARENA_MAX, 1);
    ::mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's largest allowed value
    const int pad = static_cast<int>(std::min<std::size_t>(reserve, std::size_t{1} << 30));  // mallopt takes an int
    ::mallopt(M_TRIM_THRESHOLD, pad);
    ::mallopt(M_TOP_PAD, pad);
    // Grow the heap now: a block larger than all the heap's free memory together can only come
    // from extending the heap (mmap is off for this one block), by the block plus the top pad;
    // freed, it stays in the heap (the trim threshold).
    const auto before = reinterpret_cast<std::uintptr_t>(::sbrk(0));
    ::mallopt(M_MMAP_MAX, 0);
    if (void* grow = std::malloc(::mallinfo2().fordblks + huge)) std::free(grow);
    ::mallopt(M_MMAP_MAX, 65536);  // glibc's default
    const auto after = reinterpret_cast<std::uintptr_t>(::sbrk(0));
    const std::uintptr_t first = (before + huge - 1) & ~(huge - 1);
    const std::uintptr_t last = after & ~(huge - 1);
    if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
#else
    (void)reserve;
#endif
}

}  // namespace kepu15
