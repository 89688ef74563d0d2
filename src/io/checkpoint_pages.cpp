// CheckpointPages (io/checkpoint_pages.h).
#include "io/checkpoint_pages.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>

namespace hfcpp::io {
namespace {

// True when [begin, end) lies in one read-only, file-backed private mapping (a checkpoint mmap, io/mmap_file.cpp):
// its pages can then be dropped and would be re-read unchanged from the file. Anonymous or writable memory (a
// caller's buffer) is never touched.
bool in_read_only_file_mapping(uintptr_t begin, uintptr_t end) {
  FILE* maps = std::fopen("/proc/self/maps", "re");
  if (maps == nullptr) return false;
  bool found = false;
  char line[4096];
  while (std::fgets(line, sizeof line, maps)) {
    unsigned long lo = 0, hi = 0, inode = 0;
    char perms[8] = {};
    if (std::sscanf(line, "%lx-%lx %7s %*s %*s %lu", &lo, &hi, perms, &inode) != 4) continue;
    if (begin < lo || begin >= hi) continue;
    found = end <= hi && inode != 0 && perms[1] == '-' && perms[3] == 'p';
    break;
  }
  std::fclose(maps);
  return found;
}

}  // namespace

CheckpointPages::CheckpointPages(const Tensor& weight) {
  const auto& storage = weight.storage();
  if (!storage || !storage->borrowed() || storage->device().type != Device::CPU) return;
  begin_ = reinterpret_cast<uintptr_t>(storage->data()), end_ = begin_ + storage->nbytes();
  if (!in_read_only_file_mapping(begin_, end_)) begin_ = end_ = 0;
}

void CheckpointPages::release(const void* p, size_t bytes) const {
  const auto page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const auto begin = reinterpret_cast<uintptr_t>(p), end = begin + bytes;
  if (begin < begin_ || end > end_) return;
  const uintptr_t first = (begin + page - 1) & ~(page - 1), last = end & ~(page - 1);  // whole pages only
  if (last > first) madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);  // a hint
}

void CheckpointPages::release_all(const Tensor& weight) const {
  if (const auto& s = weight.storage()) release(s->data(), s->nbytes());
}

}  // namespace hfcpp::io
