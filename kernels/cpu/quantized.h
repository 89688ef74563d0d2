// Reduced-precision linear layers on CPU: int8 with dynamic activation quantization, and bfloat16. Weights are
// converted once at load; forward() keeps PackedLinear's contract (float32 in, float32 out, thread-safe).
//
// int8 scheme (what ONNX Runtime's dynamic quantization and CTranslate2's int8 do, per output channel):
//   weights   symmetric s8 per output channel n: w ~ w_scale[n] * wq[n, k], |wq| <= qmax
//   inputs    asymmetric u8 per row (token) m:   x ~ a_scale[m] * (xq[m, k] - a_zp[m]), computed at every call
//   product   acc[m, n] = sum_k xq[m, k] * wq[n, k] in s32 (oneDNN u8 x s8 -> s32: VNNI / AMX, or AVX2's
//             vpmaddubsw), then y = (acc - a_zp[m] * wq_sum[n]) * a_scale[m] * w_scale[n] + bias[n], activation.
// Without VNNI/AMX the u8 x s8 products are summed in pairs into saturating 16-bit lanes (vpmaddubsw), so
// 255 * 127 * 2 overflows; weights then use 7 bits (qmax = 63, 2 * 255 * 63 < 2^15) — the narrowing ONNX Runtime
// calls reduce_range. With VNNI/AMX the sums are 32-bit and weights use qmax = 127.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "kernels/cpu/kernels.h"

namespace hfcpp::kernels::cpu {

// ---- capabilities (asked of oneDNN at run time, so a CPU without an ISA never runs it) ------------------------
// True when oneDNN's int8 GEMM accumulates u8 x s8 products in 32 bits here (AVX-512 VNNI, AVX-VNNI or AMX).
bool int8_dot_exact();
// The largest weight magnitude int8 layers quantize to on this CPU: 127 with int8_dot_exact(), else 63.
int int8_weight_qmax();
// True when oneDNN runs a native bfloat16 matmul with float32 accumulation here (avx512_core_bf16 or AMX), probed
// by creating one primitive; false on CPUs without them (bfloat16 then falls back to float32 at load).
bool bf16_matmul_native();

// ---- quantize.cpp: the element-wise steps, exact and deterministic (the tests check them bit for bit) ---------
// Symmetric per-row (output channel) weights: scale[n] = max_k |w[n, k]| / qmax (1 for an all-zero row),
// q[n, k] = round-half-even(w[n, k] / scale[n]) clamped to [-qmax, qmax], q_sum[n] = sum_k q[n, k].
void quantize_weights_s8(const float* w, int64_t N, int64_t K, int qmax, int8_t* q, float* scale, int32_t* q_sum);
// Asymmetric per-row activations: the row's [min, max] widened to contain 0 (so 0 is exact), scale = (max - min)
// / 255 (1 for an all-zero row), zp = round(-min / scale), q = clamp(round(x / scale) + zp, 0, 255).
void quantize_rows_u8(const float* x, int64_t M, int64_t K, uint8_t* q, float* scale, int32_t* zp);
// y[m, n] = act((acc[m, n] - zp[m] * q_sum[n]) * a_scale[m] * w_scale[n] + bias[n]); bias may be null; acc may
// alias y (same 4-byte elements, converted in place).
void dequantize_rows(const int32_t* acc, const float* a_scale, const int32_t* zp, const float* w_scale,
                     const int32_t* q_sum, const float* bias, float* y, int64_t M, int64_t N, Act act);
// float32 -> bfloat16 bits, round to nearest even (NaN stays NaN).
void f32_to_bf16(const float* x, uint16_t* y, int64_t n);

// ---- quantized_linear.cpp ---------------------------------------------------------------------------------------
// w [N, K] row-major (nn.Linear layout), bias [N] or null; both copied. qmax: see int8_weight_qmax() (a test may
// pass a smaller one; larger than it risks 16-bit saturation without VNNI).
std::shared_ptr<const PackedLinear> pack_linear_int8(const float* w, const float* bias, int64_t N, int64_t K,
                                                     int qmax);
// Requires bf16_matmul_native(); weights stored as bfloat16, inputs converted to bfloat16 per call, f32 output.
std::shared_ptr<const PackedLinear> pack_linear_bf16(const float* w, const float* bias, int64_t N, int64_t K);

// ---- weight_only_linear.cpp: weights stored reduced, float32 math (the decoder form; see the file's comment) -------
enum class WeightStorage {
  Int8,      // symmetric per output channel, qmax 127: w ~ scale[n] * q[n, k]
  BFloat16,  // round to nearest even
  Float32,   // as given: the panels and the GEMV without the reduction (the float32 decoder form)
};
// w [N, K] row-major float32, or with w_is_kn [K, N] row-major (transformers' Conv1D, read in place without a
// transposed temporary); bias [N] or null; both copied. rows_done(n0, n1) is called after rows [n0, n1) of an [N, K]
// w have been converted (in order), so a caller may drop the source's pages as it goes; may be empty.
std::shared_ptr<const PackedLinear> pack_linear_weight_only(
    const float* w, const float* bias, int64_t N, int64_t K, WeightStorage storage,
    const std::function<void(int64_t n0, int64_t n1)>& rows_done = nullptr, bool w_is_kn = false);

}  // namespace hfcpp::kernels::cpu
