// Large arrays on transparent huge pages (2 MB instead of 4 KB).
//
// Why: at province scale a run fills tens of gigabytes of fresh arrays (cells, graphs, snaps,
// sorts); with 4 KB pages every array costs one page fault per 4 KB and its random reads (the
// searches, the snapping) miss the TLB. On the jiangsu-like study the kernel took 30 % of the
// run's CPU time in page faults (4.8 million). Asking for huge pages on the large arrays cut the
// CPU time of a whole run by about 40 % (docs/scale.md). The kernel decides: where transparent
// huge pages are off ("never") the advice is ignored; where they are "always" it changes nothing.
#pragma once

#include <cstddef>

namespace kepu15 {

// DEFAULT: 8 MB. Smaller blocks are left alone (their pages are few, and advising the many small
// blocks of the heap would split its mapping for nothing).
inline constexpr std::size_t huge_pages_from_bytes = std::size_t{8} << 20;

// Advises the kernel to back the whole 2 MB-aligned pages inside [p, p + bytes) with huge pages
// (madvise MADV_HUGEPAGE). Does nothing for fewer than huge_pages_from_bytes or where the
// system has no such advice. Never fails: the advice is a hint.
void advise_huge_pages(void* p, std::size_t bytes) noexcept;

// DEFAULT: 1 GB of address space (not memory: pages are filled only when touched).
inline constexpr std::size_t huge_page_heap_bytes = std::size_t{1} << 30;

// Puts the process's malloc heap on transparent huge pages, as glibc's own tunables
// glibc.malloc.hugetlb=1, top_pad, trim_threshold and arena_max=1 would (they can only be set in
// the environment before the process starts, so the executable does it itself, first thing):
// - one arena for every thread (threads otherwise get arenas of their own, mapped apart);
// - blocks up to 32 MB from the heap, and freed memory kept for reuse instead of returned and
//   faulted in again (4 KB at a time) by the next stage;
// - the heap grown once by `reserve` bytes of address space, advised MADV_HUGEPAGE.
// Why: the default run took 44,000 page faults, a fifth of its CPU time (about 0.4 s of 2.0);
// with this it takes about 2,500 (docs/performance.md "The heap on huge pages").
// Does nothing when GLIBC_TUNABLES already names a glibc.malloc tunable (the user's choice wins),
// under an address-space limit (ulimit -v: the reserve would count against it), or when the C
// library is not glibc. Call before any thread starts. Never fails: each setting
// is a hint.
void use_huge_page_heap(std::size_t reserve = huge_page_heap_bytes) noexcept;

}  // namespace kepu15
