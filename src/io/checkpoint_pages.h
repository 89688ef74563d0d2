// CheckpointPages: drops the pages of a weight read from a memory-mapped checkpoint once a converted copy replaces it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "hfcpp/core/tensor.h"

namespace hfcpp::io {

// A packed, converted or concatenated copy replaces a checkpoint's tensor on CPU. Left mapped, the file pages read
// to make it stay in the process's resident set for good (the weights counted twice); MADV_DONTNEED drops them from
// this process only (the page cache keeps them for the next load), so peak RSS stays near the size of the weights.
// Only a read-only, file-backed private mapping (io/mmap_file.cpp) is ever touched: anonymous or writable memory (a
// caller's buffer) is left alone, and a tensor that is not borrowed from such a mapping makes every call a no-op.
class CheckpointPages {
 public:
  explicit CheckpointPages(const Tensor& weight);
  // Drops the whole pages inside [p, p + bytes) when they belong to this tensor's file mapping.
  void release(const void* p, size_t bytes) const;
  void release_all(const Tensor& weight) const;

 private:
  uintptr_t begin_ = 0, end_ = 0;
};

}  // namespace hfcpp::io
