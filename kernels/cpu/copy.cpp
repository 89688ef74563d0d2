// Strided copy between two views of the same shape and element size (e.g. new keys into a KV cache slice), and
// row gathering along one dimension (index_select: beam reordering of cached keys/values) and its inverse, row
// scattering (index_copy: a packed batch's rows back to their padded places).
#include <cstring>

#include "kernels/cpu/kernels.h"

namespace hfcpp::kernels::cpu {

void copy_strided(const void* src, const int64_t* src_strides, void* dst, const int64_t* dst_strides,
                  const int64_t* shape, int64_t rank, size_t elem_bytes) {
  if (rank == 0) {
    std::memcpy(dst, src, elem_bytes);
    return;
  }
  int64_t outer = 1;
  for (int64_t d = 0; d + 1 < rank; ++d) outer *= shape[d];
  const int64_t inner = shape[rank - 1];
  if (outer == 0 || inner == 0) return;
  const bool rows_contiguous = src_strides[rank - 1] == 1 && dst_strides[rank - 1] == 1;
  const int64_t e = static_cast<int64_t>(elem_bytes);
#pragma omp parallel for schedule(static) if (outer * inner * e > (1 << 20))
  for (int64_t r = 0; r < outer; ++r) {
    int64_t so = 0, doff = 0, rem = r;
    for (int64_t d = rank - 2; d >= 0; --d) {
      const int64_t i = rem % shape[d];
      rem /= shape[d];
      so += i * src_strides[d];
      doff += i * dst_strides[d];
    }
    const char* s = static_cast<const char*>(src) + so * e;
    char* t = static_cast<char*>(dst) + doff * e;
    if (rows_contiguous) {
      std::memcpy(t, s, static_cast<size_t>(inner * e));
    } else {
      for (int64_t j = 0; j < inner; ++j)
        std::memcpy(t + j * dst_strides[rank - 1] * e, s + j * src_strides[rank - 1] * e, elem_bytes);
    }
  }
}

int64_t index_select(const void* x, int64_t outer, int64_t outer_stride, int64_t n, int64_t row_stride,
                     size_t row_bytes, const int64_t* idx, int64_t n_idx, void* out) {
  for (int64_t i = 0; i < n_idx; ++i)  // validate first: no partial work on bad input
    if (idx[i] < 0 || idx[i] >= n) return i;
  const char* src = static_cast<const char*>(x);
  char* dst = static_cast<char*>(out);
  const int64_t total = outer * n_idx;
#pragma omp parallel for schedule(static) if (total * static_cast<int64_t>(row_bytes) > (1 << 20))
  for (int64_t t = 0; t < total; ++t) {
    const int64_t o = t / n_idx, i = t % n_idx;
    std::memcpy(dst + t * static_cast<int64_t>(row_bytes), src + o * outer_stride + idx[i] * row_stride, row_bytes);
  }
  return -1;
}

int64_t index_copy(void* dst, int64_t n, size_t row_bytes, const int64_t* idx, int64_t n_idx, const void* src) {
  for (int64_t i = 0; i < n_idx; ++i)  // validate first: no partial work on bad input
    if (idx[i] < 0 || idx[i] >= n) return i;
  char* d = static_cast<char*>(dst);
  const char* s = static_cast<const char*>(src);
  const int64_t bytes = static_cast<int64_t>(row_bytes);
#pragma omp parallel for schedule(static) if (n_idx * bytes > (1 << 20))
  for (int64_t i = 0; i < n_idx; ++i) std::memcpy(d + idx[i] * bytes, s + i * bytes, row_bytes);
  return -1;
}

}  // namespace hfcpp::kernels::cpu
