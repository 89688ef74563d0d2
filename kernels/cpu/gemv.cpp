// Matrix-vector product for one input row (M = 1: decoding one token). Decoding is bound by reading the weights:
// every weight is read exactly once, four rows at a time so the input chunk is loaded once for four dot products,
// and the rows are split over the OpenMP threads in blocks. oneDNN's sgemm with M = 1 reads the weights at the same
// rate on one thread but keeps small matrices (e.g. GPT-2's 768 x 768) on one thread; this splits every matrix.
// Each output is the same sequential-per-lane sum whatever the thread count, so results do not depend on it.
#include <algorithm>

#include "kernels/cpu/kernels.h"
#include "kernels/cpu/vec.h"

namespace hfcpp::kernels::cpu {
namespace {

constexpr int64_t kRowBlock = 64;             // rows per parallel task (64 x 768 floats = 192 KiB of weights)
constexpr int64_t kParallelMin = 64 * 1024;   // below this many weights one thread is faster than a fork/join

HFCPP_CPU_CLONES void gemv_rows(const float* x, const float* w, int64_t ldw, const float* bias, float* y, int64_t n0,
                                int64_t n1, int64_t K) {
  int64_t n = n0;
  for (; n + 4 <= n1; n += 4) {
    const float* w0 = w + n * ldw;
    const float* w1 = w0 + ldw;
    const float* w2 = w1 + ldw;
    const float* w3 = w2 + ldw;
    float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f;
#pragma omp simd reduction(+ : a0, a1, a2, a3)
    for (int64_t k = 0; k < K; ++k) {
      a0 += x[k] * w0[k];
      a1 += x[k] * w1[k];
      a2 += x[k] * w2[k];
      a3 += x[k] * w3[k];
    }
    y[n] = a0 + (bias ? bias[n] : 0.0f);
    y[n + 1] = a1 + (bias ? bias[n + 1] : 0.0f);
    y[n + 2] = a2 + (bias ? bias[n + 2] : 0.0f);
    y[n + 3] = a3 + (bias ? bias[n + 3] : 0.0f);
  }
  for (; n < n1; ++n) {
    const float* wr = w + n * ldw;
    float a = 0.0f;
#pragma omp simd reduction(+ : a)
    for (int64_t k = 0; k < K; ++k) a += x[k] * wr[k];
    y[n] = a + (bias ? bias[n] : 0.0f);
  }
}

}  // namespace

void gemv(const float* x, const float* w, int64_t ldw, const float* bias, float* y, int64_t N, int64_t K) {
  const int64_t blocks = (N + kRowBlock - 1) / kRowBlock;
#pragma omp parallel for schedule(static) if (N * K >= kParallelMin && blocks > 1)
  for (int64_t b = 0; b < blocks; ++b)
    gemv_rows(x, w, ldw, bias, y, b * kRowBlock, std::min(N, (b + 1) * kRowBlock), K);
}

void gemv_ref(const float* x, const float* w, int64_t ldw, const float* bias, float* y, int64_t N, int64_t K) {
  for (int64_t n = 0; n < N; ++n) {
    double acc = bias ? bias[n] : 0.0;
    for (int64_t k = 0; k < K; ++k) acc += static_cast<double>(x[k]) * w[n * ldw + k];
    y[n] = static_cast<float>(acc);
  }
}

}  // namespace hfcpp::kernels::cpu
