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

}  // namespace kepu15
