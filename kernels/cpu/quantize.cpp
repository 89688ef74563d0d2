// Element-wise steps of the int8 and bfloat16 linear layers (quantized.h): weight and activation quantization,
// the fused dequantize + bias + activation epilogue, and float32 -> bfloat16. Rows run in parallel; each row's
// loops are plain so that the compiler vectorises them inside every ISA clone.
#include <algorithm>
#include <cmath>

#include "kernels/cpu/quantized.h"
#include "kernels/cpu/vec.h"

namespace hfcpp::kernels::cpu {
namespace {

// Round half to even for |v| < 2^22 (quantized values are at most 255): adding and removing 1.5 * 2^23 leaves the
// nearest integer under the default rounding mode. Branch-free and vectorisable, unlike std::nearbyint.
HFCPP_VEC_INLINE float round_even(float v) { return (v + 12582912.0f) - 12582912.0f; }

HFCPP_CPU_CLONES void quantize_weight_row(const float* w, int64_t K, int qmax, int8_t* q, float* scale,
                                          int32_t* q_sum) {
  float amax = 0.0f;
#pragma omp simd reduction(max : amax)
  for (int64_t k = 0; k < K; ++k) amax = std::max(amax, std::fabs(w[k]));
  const float s = amax > 0.0f ? amax / static_cast<float>(qmax) : 1.0f;
  const float lim = static_cast<float>(qmax);
  int32_t sum = 0;
#pragma omp simd reduction(+ : sum)
  for (int64_t k = 0; k < K; ++k) {
    const float v = std::min(lim, std::max(-lim, round_even(w[k] / s)));
    q[k] = static_cast<int8_t>(v);
    sum += static_cast<int32_t>(v);
  }
  *scale = s;
  *q_sum = sum;
}

HFCPP_CPU_CLONES void quantize_activation_row(const float* x, int64_t K, uint8_t* q, float* scale, int32_t* zp) {
  float lo = 0.0f, hi = 0.0f;  // the range always contains 0, so zero (padding, ReLU output) is exact
  // vec::select rather than std::min/max: those are branches to GCC here, and the loops would stay scalar.
#pragma omp simd reduction(min : lo) reduction(max : hi)
  for (int64_t k = 0; k < K; ++k) {
    lo = vec::select(x[k] < lo, x[k], lo);
    hi = vec::select(x[k] > hi, x[k], hi);
  }
  const float s = hi > lo ? (hi - lo) / 255.0f : 1.0f;
  const float z = std::min(255.0f, std::max(0.0f, round_even(-lo / s)));
#pragma omp simd
  for (int64_t k = 0; k < K; ++k) {
    const float v = round_even(x[k] / s) + z;  // in [0, 255] up to rounding at the ends
    q[k] = static_cast<uint8_t>(static_cast<int32_t>(vec::select(v > 255.0f, 255.0f, vec::select(v < 0.0f, 0.0f, v))));
  }
  *scale = s;
  *zp = static_cast<int32_t>(z);
}

HFCPP_CPU_CLONES void dequantize_row(const int32_t* acc, float a_scale, int32_t zp, const float* w_scale,
                                     const int32_t* q_sum, const float* bias, float* y, int64_t N) {
  // acc and y may be the same memory: element n is read before it is written.
  if (bias) {
#pragma omp simd
    for (int64_t n = 0; n < N; ++n)
      y[n] = static_cast<float>(acc[n] - zp * q_sum[n]) * (a_scale * w_scale[n]) + bias[n];
  } else {
#pragma omp simd
    for (int64_t n = 0; n < N; ++n) y[n] = static_cast<float>(acc[n] - zp * q_sum[n]) * (a_scale * w_scale[n]);
  }
}

HFCPP_CPU_CLONES void bf16_chunk(const float* x, uint16_t* y, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    const uint32_t u = static_cast<uint32_t>(vec::float_to_bits(x[i]));
    const uint32_t rounded = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;  // round to nearest even
    const bool nan = (u & 0x7fffffffu) > 0x7f800000u;
    y[i] = static_cast<uint16_t>(nan ? ((u >> 16) | 0x40u) : rounded);  // quiet NaN, sign kept
  }
}

// Threads pay off only past a few thousand elements; tiny layers (a decode step's one row) stay on one.
bool worth_threads(int64_t rows, int64_t cols) { return rows > 1 && rows * cols >= 16384; }

}  // namespace

void quantize_weights_s8(const float* w, int64_t N, int64_t K, int qmax, int8_t* q, float* scale, int32_t* q_sum) {
#pragma omp parallel for schedule(static) if (worth_threads(N, K))
  for (int64_t n = 0; n < N; ++n) quantize_weight_row(w + n * K, K, qmax, q + n * K, scale + n, q_sum + n);
}

void quantize_rows_u8(const float* x, int64_t M, int64_t K, uint8_t* q, float* scale, int32_t* zp) {
#pragma omp parallel for schedule(static) if (worth_threads(M, K))
  for (int64_t m = 0; m < M; ++m) quantize_activation_row(x + m * K, K, q + m * K, scale + m, zp + m);
}

void dequantize_rows(const int32_t* acc, const float* a_scale, const int32_t* zp, const float* w_scale,
                     const int32_t* q_sum, const float* bias, float* y, int64_t M, int64_t N, Act act) {
#pragma omp parallel for schedule(static) if (worth_threads(M, N))
  for (int64_t m = 0; m < M; ++m) {
    float* row = y + m * N;
    dequantize_row(acc + m * N, a_scale[m], zp[m], w_scale, q_sum, bias, row, N);
    if (act != Act::None) activation(row, row, N, act);  // the row is still in cache: one pass over memory
  }
}

void f32_to_bf16(const float* x, uint16_t* y, int64_t n) {
  constexpr int64_t kChunk = 16384;
  const int64_t chunks = (n + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static) if (chunks > 1)
  for (int64_t c = 0; c < chunks; ++c) bf16_chunk(x + c * kChunk, y + c * kChunk, std::min(kChunk, n - c * kChunk));
}

}  // namespace hfcpp::kernels::cpu
