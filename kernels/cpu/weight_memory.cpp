// Memory for packed weights: an anonymous mapping aligned to 2 MiB and advised for transparent huge pages.
// Decoding streams every weight once per token; with 4 KiB pages that is one TLB miss per 4 KiB, which under a
// hypervisor (two-level page walks) costs a measurable share of the step: huge pages read ~10-25% faster in
// kernels/cpu/gemv.cpp on the development VM (THP "madvise" mode). The tail that does not fill a whole 2 MiB page
// stays on 4 KiB pages, so nothing beyond the requested size becomes resident.
#include <sys/mman.h>

#include <cstdint>
#include <new>

#include "kernels/cpu/kernels.h"

namespace hfcpp::kernels::cpu {

std::shared_ptr<void> allocate_weights(size_t bytes) {
  constexpr size_t kHuge = size_t{2} << 20, kPage = 4096;
  const size_t size = (bytes + kPage - 1) & ~(kPage - 1);
  if (size == 0) return {};
  const size_t span = size + kHuge;
  void* raw = mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  const auto start = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t aligned = (start + kHuge - 1) & ~(kHuge - 1);
  if (aligned > start) munmap(raw, aligned - start);  // give back the unaligned head and the unused tail
  const uintptr_t end = aligned + size, span_end = start + span;
  if (span_end > end) munmap(reinterpret_cast<void*>(end), span_end - end);
#ifdef MADV_HUGEPAGE
  madvise(reinterpret_cast<void*>(aligned), size, MADV_HUGEPAGE);  // a hint: without THP, plain pages
#endif
  return std::shared_ptr<void>(reinterpret_cast<void*>(aligned), [size](void* p) { munmap(p, size); });
}

}  // namespace hfcpp::kernels::cpu
