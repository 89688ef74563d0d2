// Weight-only reduced linear layers: weights stored as int8 (symmetric, per output channel, full 8 bits) or bfloat16,
// the math in float32. This is the decoder form of the int8 and bfloat16 compute types (quantized.h): a decode step
// multiplies one row per sequence by every weight, so its time is the time to read the weights, and storing them in
// 1 or 2 bytes instead of 4 is what makes it faster. float32 decoders use the same panels and GEMV on float32 weights
// (WeightStorage::Float32): the layout, not the width, is what lets the GEMV read at memory speed. Quantizing the
// activations as well (the encoder form) would add work and error and save nothing there, and full 8-bit weights
// need no 16-bit pair sums that could saturate.
//
//   M = 1 (or M <= kSmallM without AVX2)
//                       each row is a GEMV over a block of weight rows, converted to float32 in registers; the
//                       block (64 rows) stays in cache for the next input row, so the weights are read from memory
//                       once per call.
//   M <= 48 / 128       (AVX2) four input rows at a time over the panels where AVX-512VL doubles the registers,
//                       else two, each weight converted once per group.
//   larger M (prefill)  each thread widens a block of weight rows into a float32 scratch and runs a single-threaded
//                       sgemm on it: the conversion is paid once per weight per call, the multiply is oneDNN's.
// Rows are split over the OpenMP threads in blocks; each output is the same sum whatever the thread count.
#include <omp.h>
#include <oneapi/dnnl/dnnl.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HFCPP_AVX2_KERNELS 1
#endif

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "kernels/cpu/quantized.h"
#include "kernels/cpu/vec.h"

namespace hfcpp::kernels::cpu {
namespace {

constexpr int64_t kRowBlock = 64;            // weight rows per GEMV task (a multiple of the panel height)
constexpr int64_t kWidenBlock = 256;         // weight rows widened per sgemm task (M > kSmallM)
constexpr int64_t kSmallM = 4;               // input rows handled as GEMVs
// Prompts up to this many rows run the panel GEMM (AVX2) rather than widen + sgemm. Measured on GPT-2, 1 thread: the
// 2-row kernel equals widen + sgemm at 64 rows and loses at 128; the 4-row one (AVX-512VL) wins at 64 and ties at 128.
constexpr int64_t kPanelGemmM2 = 48, kPanelGemmM4 = 128;
constexpr int64_t kParallelMin = 64 * 1024;  // below this many weights one thread beats a fork/join
constexpr int64_t kConvertChunk = 256;       // rows converted between two rows_done() calls at load

// Storage: rows in panels of 4. A panel holds columns 0-7 of its 4 rows (8 weights each), then columns 8-15 of the
// 4 rows, and so on; its K % 8 tail columns follow row by row. Rows after the last full panel are plain rows. A
// GEMV then reads the weights as one sequential stream, the hardware prefetcher's best case: as plain [N, K] rows,
// four short streams at once (768 bytes each for GPT-2's int8) reached only ~2/3 of the memory bandwidth.
struct PanelLayout {
  int64_t N, K, N4, K8;
  PanelLayout(int64_t n, int64_t k) : N(n), K(k), N4(n & ~int64_t{3}), K8(k & ~int64_t{7}) {}
  int64_t index(int64_t n, int64_t k) const {
    if (n >= N4) return n * K + k;
    const int64_t base = (n & ~int64_t{3}) * K, i = n & 3;
    if (k < K8) return base + (k >> 3) * 32 + i * 8 + (k & 7);
    return base + 4 * K8 + i * (K - K8) + (k - K8);
  }
};

HFCPP_VEC_INLINE float widen(int8_t q) { return static_cast<float>(q); }
HFCPP_VEC_INLINE float widen(uint16_t b) { return vec::bits_to_float(static_cast<int32_t>(b) << 16); }
HFCPP_VEC_INLINE float widen(float f) { return f; }

// out[0, K) = scale * row n as float32 (scale 1 for bfloat16).
template <class W>
HFCPP_VEC_INLINE void read_row(const PanelLayout& l, const W* w, int64_t n, float scale, float* out) {
  if (n >= l.N4) {
    const W* r = w + n * l.K;
    for (int64_t k = 0; k < l.K; ++k) out[k] = widen(r[k]) * scale;
    return;
  }
  for (int64_t k = 0; k < l.K8; k += 8) {
    const W* r = w + l.index(n, k);
    for (int64_t j = 0; j < 8; ++j) out[k + j] = widen(r[j]) * scale;
  }
  if (l.K8 < l.K) {
    const W* r = w + l.index(n, l.K8);
    for (int64_t k = l.K8; k < l.K; ++k) out[k] = widen(r[k - l.K8]) * scale;
  }
}

// y[n] = scale[n] * dot(x, row n) + bias[n] for n in [n0, n1), n0 a multiple of 4; scale and bias may be null.
template <class W>
HFCPP_VEC_INLINE void gemv_block(const PanelLayout& l, const float* x, const W* w, const float* scale,
                                 const float* bias, float* y, int64_t n0, int64_t n1) {
  const int64_t K = l.K, K8 = l.K8;
  auto finish = [&](int64_t n, float acc) { y[n] = acc * (scale ? scale[n] : 1.0f) + (bias ? bias[n] : 0.0f); };
  int64_t n = n0;
  for (; n + 4 <= n1; n += 4) {
    const W* p = w + n * K;
    float acc[4][8] = {};
    for (int64_t k = 0; k < K8; k += 8, p += 32)
      for (int i = 0; i < 4; ++i)
#pragma omp simd
        for (int j = 0; j < 8; ++j) acc[i][j] += x[k + j] * widen(p[i * 8 + j]);
    for (int i = 0; i < 4; ++i) {
      float a = 0.0f;
      for (int j = 0; j < 8; ++j) a += acc[i][j];
      for (int64_t k = K8; k < K; ++k) a += x[k] * widen(p[i * (K - K8) + (k - K8)]);
      finish(n + i, a);
    }
  }
  for (; n < n1; ++n) {  // rows after the last panel
    const W* r = w + n * K;
    float a = 0.0f;
#pragma omp simd reduction(+ : a)
    for (int64_t k = 0; k < K; ++k) a += x[k] * widen(r[k]);
    finish(n, a);
  }
}

// out[r, k] = scale[n0 + r] * w[n0 + r, k] as float32 for r < n1 - n0 (scale may be null).
template <class W>
HFCPP_VEC_INLINE void widen_block(const PanelLayout& l, const W* w, const float* scale, int64_t n0, int64_t n1,
                                  float* out) {
  for (int64_t n = n0; n < n1; ++n) read_row(l, w, n, scale ? scale[n] : 1.0f, out + (n - n0) * l.K);
}

// The portable kernels, compiled per ISA level (HFCPP_CPU_CLONES takes plain functions, so one overload per weight
// type); scale is null for bfloat16 and float32.
HFCPP_CPU_CLONES void gemv_generic(const PanelLayout& l, const float* x, const int8_t* w, const float* scale,
                                   const float* bias, float* y, int64_t n0, int64_t n1) {
  gemv_block(l, x, w, scale, bias, y, n0, n1);
}
HFCPP_CPU_CLONES void gemv_generic(const PanelLayout& l, const float* x, const uint16_t* w, const float* scale,
                                   const float* bias, float* y, int64_t n0, int64_t n1) {
  gemv_block(l, x, w, scale, bias, y, n0, n1);
}
HFCPP_CPU_CLONES void gemv_generic(const PanelLayout& l, const float* x, const float* w, const float* scale,
                                   const float* bias, float* y, int64_t n0, int64_t n1) {
  gemv_block(l, x, w, scale, bias, y, n0, n1);
}
HFCPP_CPU_CLONES void widen_generic(const PanelLayout& l, const int8_t* w, const float* scale, int64_t n0, int64_t n1,
                                    float* out) {
  widen_block(l, w, scale, n0, n1, out);
}
HFCPP_CPU_CLONES void widen_generic(const PanelLayout& l, const uint16_t* w, const float* scale, int64_t n0,
                                    int64_t n1, float* out) {
  widen_block(l, w, scale, n0, n1, out);
}
void widen_generic(const PanelLayout& l, const float* w, const float* scale, int64_t n0, int64_t n1, float* out) {
  widen_block(l, w, scale, n0, n1, out);  // a reorder only
}

#ifdef HFCPP_AVX2_KERNELS
// Hand-written AVX2 + FMA: left to itself the compiler widens int8 through 128-bit registers and spills its
// accumulators, which made the int8 GEMV slower than reading float32. Eight weights per step: one widening load
// (vpmovsxbd / vpmovzxwd), one convert (or shift, for bfloat16), one FMA; the panel's 4 rows share each x load and
// two accumulators per row keep eight FMA chains in flight.
__attribute__((target("avx2,fma"))) inline __m256 load8(const int8_t* w) {
  return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(w))));
}
__attribute__((target("avx2,fma"))) inline __m256 load8(const uint16_t* w) {
  const __m256i wide = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w)));
  return _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16));
}
__attribute__((target("avx2,fma"))) inline __m256 load8(const float* w) { return _mm256_loadu_ps(w); }
__attribute__((target("avx2,fma"))) inline float hsum(__m256 v) {
  const __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 t = _mm_add_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_add_ss(t, _mm_movehdup_ps(t)));
}

template <class W>
__attribute__((target("avx2,fma"))) void gemv_block_avx2(const PanelLayout& l, const float* x, const W* w,
                                                         const float* scale, const float* bias, float* y, int64_t n0,
                                                         int64_t n1) {
  const int64_t K = l.K, K8 = l.K8, K16 = K & ~int64_t{15};
  auto finish = [&](int64_t n, float acc) { y[n] = acc * (scale ? scale[n] : 1.0f) + (bias ? bias[n] : 0.0f); };
  int64_t n = n0;
  for (; n + 4 <= n1; n += 4) {
    const W* p = w + n * K;
    __m256 a[4], b[4];
    for (int i = 0; i < 4; ++i) a[i] = b[i] = _mm256_setzero_ps();
    int64_t k = 0;
    for (; k < K16; k += 16, p += 64) {
      const __m256 x0 = _mm256_loadu_ps(x + k), x1 = _mm256_loadu_ps(x + k + 8);
      for (int i = 0; i < 4; ++i) {
        a[i] = _mm256_fmadd_ps(x0, load8(p + i * 8), a[i]);
        b[i] = _mm256_fmadd_ps(x1, load8(p + 32 + i * 8), b[i]);
      }
    }
    if (k < K8) {
      const __m256 x0 = _mm256_loadu_ps(x + k);
      for (int i = 0; i < 4; ++i) a[i] = _mm256_fmadd_ps(x0, load8(p + i * 8), a[i]);
      k += 8, p += 32;
    }
    for (int i = 0; i < 4; ++i) {
      float acc = hsum(_mm256_add_ps(a[i], b[i]));
      for (int64_t t = K8; t < K; ++t) acc += x[t] * widen(p[i * (K - K8) + (t - K8)]);
      finish(n + i, acc);
    }
  }
  for (; n < n1; ++n) {  // rows after the last panel
    const W* r = w + n * K;
    __m256 a = _mm256_setzero_ps();
    int64_t k = 0;
    for (; k < K8; k += 8) a = _mm256_fmadd_ps(_mm256_loadu_ps(x + k), load8(r + k), a);
    float acc = hsum(a);
    for (; k < K; ++k) acc += x[k] * widen(r[k]);
    finish(n, acc);
  }
}

// Two input rows at once over a block of panels: each weight, converted once, feeds both rows (8 accumulators, 4
// weight vectors, 1 input vector: 13 of AVX2's 16 registers). y[m, n] for m in {m0, m0 + 1} and n in [n0, n1), n0
// a multiple of 4 and n1 <= the last full panel (rows after it take the GEMV).
template <class W>
__attribute__((target("avx2,fma"))) void gemm2_block_avx2(const PanelLayout& l, const float* x0, const float* x1,
                                                          const W* w, const float* scale, const float* bias, float* y0,
                                                          float* y1, int64_t n0, int64_t n1) {
  const int64_t K = l.K, K8 = l.K8;
  for (int64_t n = n0; n + 4 <= n1; n += 4) {
    const W* p = w + n * K;
    __m256 a[4], b[4];
    for (int i = 0; i < 4; ++i) a[i] = b[i] = _mm256_setzero_ps();
    for (int64_t k = 0; k < K8; k += 8, p += 32) {
      const __m256 w0 = load8(p), w1 = load8(p + 8), w2 = load8(p + 16), w3 = load8(p + 24);
      __m256 xv = _mm256_loadu_ps(x0 + k);
      a[0] = _mm256_fmadd_ps(xv, w0, a[0]), a[1] = _mm256_fmadd_ps(xv, w1, a[1]);
      a[2] = _mm256_fmadd_ps(xv, w2, a[2]), a[3] = _mm256_fmadd_ps(xv, w3, a[3]);
      xv = _mm256_loadu_ps(x1 + k);
      b[0] = _mm256_fmadd_ps(xv, w0, b[0]), b[1] = _mm256_fmadd_ps(xv, w1, b[1]);
      b[2] = _mm256_fmadd_ps(xv, w2, b[2]), b[3] = _mm256_fmadd_ps(xv, w3, b[3]);
    }
    for (int i = 0; i < 4; ++i) {
      float s0 = hsum(a[i]), s1 = hsum(b[i]);
      for (int64_t t = K8; t < K; ++t) {
        const float wt = widen(p[i * (K - K8) + (t - K8)]);
        s0 += x0[t] * wt, s1 += x1[t] * wt;
      }
      const float sc = scale ? scale[n + i] : 1.0f, bi = bias ? bias[n + i] : 0.0f;
      y0[n + i] = s0 * sc + bi, y1[n + i] = s1 * sc + bi;
    }
  }
}

// Four input rows at once where AVX-512VL gives 32 vector registers (16 accumulators, 4 weight vectors, 1 input
// vector): each converted weight feeds four rows. Same 8-wide math as gemm2_block_avx2.
template <class W>
__attribute__((target("avx2,fma,avx512f,avx512vl"))) void gemm4_block_avx512vl(
    const PanelLayout& l, const float* const* x, const W* w, const float* scale, const float* bias, float* const* y,
    int64_t n0, int64_t n1) {
  const int64_t K = l.K, K8 = l.K8;
  for (int64_t n = n0; n + 4 <= n1; n += 4) {
    const W* p = w + n * K;
    __m256 acc[4][4];
    for (int r = 0; r < 4; ++r)
      for (int i = 0; i < 4; ++i) acc[r][i] = _mm256_setzero_ps();
    for (int64_t k = 0; k < K8; k += 8, p += 32) {
      const __m256 w0 = load8(p), w1 = load8(p + 8), w2 = load8(p + 16), w3 = load8(p + 24);
      for (int r = 0; r < 4; ++r) {
        const __m256 xv = _mm256_loadu_ps(x[r] + k);
        acc[r][0] = _mm256_fmadd_ps(xv, w0, acc[r][0]), acc[r][1] = _mm256_fmadd_ps(xv, w1, acc[r][1]);
        acc[r][2] = _mm256_fmadd_ps(xv, w2, acc[r][2]), acc[r][3] = _mm256_fmadd_ps(xv, w3, acc[r][3]);
      }
    }
    for (int i = 0; i < 4; ++i) {
      const float sc = scale ? scale[n + i] : 1.0f, bi = bias ? bias[n + i] : 0.0f;
      for (int r = 0; r < 4; ++r) {
        float sum = hsum(acc[r][i]);
        for (int64_t t = K8; t < K; ++t) sum += x[r][t] * widen(p[i * (K - K8) + (t - K8)]);
        y[r][n + i] = sum * sc + bi;
      }
    }
  }
}

bool cpu_has_avx512vl() {
  static const bool has = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
  return has;
}

bool cpu_has_avx2_fma() {
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return has;
}
#endif

// The hand-written AVX2 GEMV where the CPU has AVX2 + FMA, unless HFCPP_GENERIC_KERNELS is set (not "0"): then the
// portable kernels (compiled per ISA level, HFCPP_CPU_CLONES) run, so tests cover them on any machine. Read once
// per forward call, not per block.
bool use_avx2_gemv() {
  if (const char* generic = std::getenv("HFCPP_GENERIC_KERNELS"); generic && *generic && *generic != '0')
    return false;
#ifdef HFCPP_AVX2_KERNELS
  return cpu_has_avx2_fma();
#else
  return false;
#endif
}

// y[n] for n in [n0, n1): the AVX2 GEMV or the portable one.
template <class W>
void gemv_rows(bool avx2, const PanelLayout& l, const float* x, const W* w, const float* scale, const float* bias,
               float* y, int64_t n0, int64_t n1) {
#ifdef HFCPP_AVX2_KERNELS
  if (avx2) return gemv_block_avx2(l, x, w, scale, bias, y, n0, n1);
#endif
  gemv_generic(l, x, w, scale, bias, y, n0, n1);
}

// Rows of x up to which the panel GEMM runs: 0 without the AVX2 kernels.
int64_t panel_gemm_max_rows(bool avx2) {
  if (!avx2) return 0;
#ifdef HFCPP_AVX2_KERNELS
  if (cpu_has_avx512vl()) return kPanelGemmM4;
#endif
  return kPanelGemmM2;
}

size_t bytes_per_weight(WeightStorage storage) {
  return storage == WeightStorage::Int8 ? 1 : storage == WeightStorage::BFloat16 ? 2 : 4;
}

// Writes rows [n0, n1) (row-major [n1 - n0, K] in `rows`) into the panel layout.
template <class W>
void scatter_rows(const PanelLayout& l, const W* rows, int64_t n0, int64_t n1, W* w) {
  for (int64_t n = n0; n < n1; ++n) {
    const W* r = rows + (n - n0) * l.K;
    if (n >= l.N4) {
      std::memcpy(w + n * l.K, r, sizeof(W) * l.K);
      continue;
    }
    for (int64_t k = 0; k < l.K8; k += 8) std::memcpy(w + l.index(n, k), r + k, sizeof(W) * 8);
    if (l.K8 < l.K) std::memcpy(w + l.index(n, l.K8), r + l.K8, sizeof(W) * (l.K - l.K8));
  }
}

float* thread_scratch(size_t floats) {
  thread_local std::vector<float> scratch;
  if (scratch.size() < floats) scratch.resize(floats);
  return scratch.data();
}

class WeightOnlyLinear final : public PackedLinear {
 public:
  WeightOnlyLinear(const float* w, bool w_is_kn, const float* bias, int64_t N, int64_t K, WeightStorage storage,
                   const std::function<void(int64_t, int64_t)>& rows_done)
      : N_(N), K_(K), layout_(N, K), storage_(storage),
        weights_(allocate_weights(static_cast<size_t>(N * K) * bytes_per_weight(storage))),
        scale_(storage == WeightStorage::Int8 ? N : 0),
        bias_(bias ? std::vector<float>(bias, bias + N) : std::vector<float>()) {
    // Rows are converted a chunk at a time, row-major, then scattered into the panels. The chunk buffers are
    // mapped, not malloc'ed: freed heap chunks between the layers' long-lived allocations would stay resident.
    const int64_t chunk = std::min(N, kConvertChunk);
    const size_t chunk_elems = static_cast<size_t>(chunk * K);
    const std::shared_ptr<void> rows_buf = w_is_kn ? allocate_weights(sizeof(float) * chunk_elems) : nullptr;
    const std::shared_ptr<void> reduced_buf =
        storage == WeightStorage::Float32 ? nullptr : allocate_weights(chunk_elems * bytes_per_weight(storage));
    std::vector<int32_t> q_sum(static_cast<size_t>(chunk));
    for (int64_t n0 = 0; n0 < N; n0 += kConvertChunk) {
      const int64_t n1 = std::min(N, n0 + kConvertChunk), rows = n1 - n0;
      const float* src = w + n0 * K;
      if (w_is_kn) {  // [K, N] (transformers' Conv1D): gather the chunk's columns as rows
        auto* dst = static_cast<float*>(rows_buf.get());
        for (int64_t k = 0; k < K; ++k)
          for (int64_t n = n0; n < n1; ++n) dst[(n - n0) * K + k] = w[k * N + n];
        src = dst;
      }
      if (storage == WeightStorage::Int8) {
        auto* q = static_cast<int8_t*>(reduced_buf.get());
        quantize_weights_s8(src, rows, K, 127, q, scale_.data() + n0, q_sum.data());
        scatter_rows(layout_, q, n0, n1, s8());
      } else if (storage == WeightStorage::Float32) {
        scatter_rows(layout_, src, n0, n1, f32());
      } else {
        auto* b = static_cast<uint16_t*>(reduced_buf.get());
        f32_to_bf16(src, b, rows * K);
        scatter_rows(layout_, b, n0, n1, bf16());
      }
      if (rows_done && !w_is_kn) rows_done(n0, n1);
    }
  }

  int64_t out_features() const override { return N_; }
  int64_t in_features() const override { return K_; }

  void forward(const float* x, float* y, int64_t M, Act act) const override {
    if (M <= 0) return;
    if (storage_ == WeightStorage::Int8)
      forward_typed(s8(), scale_.data(), x, y, M, act);
    else if (storage_ == WeightStorage::BFloat16)
      forward_typed(bf16(), nullptr, x, y, M, act);
    else
      forward_typed(f32(), nullptr, x, y, M, act);
  }

  bool has_weight_rows() const override { return true; }
  bool weight_row(int64_t n, float* out) const override {
    if (n < 0 || n >= N_) return false;
    widen(n, n + 1, out);
    return true;
  }

  std::string implementation(int64_t M, Act) const override {
    const char* weights = storage_ == WeightStorage::Int8       ? "int8 weights"
                          : storage_ == WeightStorage::BFloat16 ? "bfloat16 weights"
                                                                : "float32 weights in panels";
    const bool avx2 = use_avx2_gemv();
    const int64_t panel_rows = panel_gemm_max_rows(avx2);
    return std::string(weights) + ", float32 math: " +
           (M == 1 || (M <= kSmallM && panel_rows == 0) ? (avx2 ? "gemv (hfcpp, AVX2)" : "gemv (hfcpp, generic)")
            : M <= panel_rows                           ? "panel gemm, 2 or 4 rows (hfcpp, AVX2)"
                                                        : "widened row blocks + sgemm (oneDNN)");
  }

 private:
  int8_t* s8() const { return static_cast<int8_t*>(weights_.get()); }
  uint16_t* bf16() const { return static_cast<uint16_t*>(weights_.get()); }
  float* f32() const { return static_cast<float*>(weights_.get()); }
  // out[r, k] = row n0 + r as float32, r < n1 - n0.
  void widen(int64_t n0, int64_t n1, float* out) const {
    if (storage_ == WeightStorage::Int8)
      widen_generic(layout_, s8(), scale_.data(), n0, n1, out);
    else if (storage_ == WeightStorage::BFloat16)
      widen_generic(layout_, bf16(), nullptr, n0, n1, out);
    else
      widen_generic(layout_, f32(), nullptr, n0, n1, out);
  }

  // forward() for the stored weight type W; scale: int8's per-row scales, else null.
  template <class W>
  void forward_typed(const W* w, const float* scale, const float* x, float* y, int64_t M, Act act) const {
    const int64_t blocks = (N_ + kRowBlock - 1) / kRowBlock;
    const float* bias = bias_.empty() ? nullptr : bias_.data();
    const bool avx2 = use_avx2_gemv();
    // One row: the GEMV. Several (batched decode, prompts): the panel GEMM converts each weight once per group of
    // rows instead of once per row (GPT-2 int8 decode, batch 4: 169 -> 236 tok/s at 1 thread, 302 -> 417 at 2).
    const int64_t panel_rows = panel_gemm_max_rows(avx2);
    auto finish = [&](int64_t n0, int64_t n1) {
      if (act != Act::None)
        for (int64_t r = 0; r < M; ++r) activation(y + r * N_ + n0, y + r * N_ + n0, n1 - n0, act);
    };
    if (M == 1 || (M <= kSmallM && panel_rows == 0)) {
#pragma omp parallel for schedule(static) if (N_ * K_ >= kParallelMin && blocks > 1)
      for (int64_t b = 0; b < blocks; ++b) {
        const int64_t n0 = b * kRowBlock, n1 = std::min(N_, n0 + kRowBlock);
        for (int64_t m = 0; m < M; ++m) gemv_rows(avx2, layout_, x + m * K_, w, scale, bias, y + m * N_, n0, n1);
        finish(n0, n1);
      }
      return;
    }
#ifdef HFCPP_AVX2_KERNELS
    if (M <= panel_rows) {
      // Short prompts: widening every weight for an sgemm costs about as much as the products themselves here, so
      // the rows go four (AVX-512VL) or two at a time over the panels, each weight converted in registers once per
      // group; rows after the last full panel take the GEMV.
      const bool four = cpu_has_avx512vl();
#pragma omp parallel for schedule(static) if (N_ * K_ >= kParallelMin && blocks > 1)
      for (int64_t b = 0; b < blocks; ++b) {
        const int64_t n0 = b * kRowBlock, n1 = std::min(N_, n0 + kRowBlock);
        const int64_t panels_end = std::max(n0, std::min(n1, layout_.N4));
        int64_t m = 0;
        for (; four && m + 4 <= M; m += 4) {
          const float* xs[4] = {x + m * K_, x + (m + 1) * K_, x + (m + 2) * K_, x + (m + 3) * K_};
          float* ys[4] = {y + m * N_, y + (m + 1) * N_, y + (m + 2) * N_, y + (m + 3) * N_};
          gemm4_block_avx512vl(layout_, xs, w, scale, bias, ys, n0, panels_end);
        }
        for (; m + 2 <= M; m += 2) {
          const float* x0 = x + m * K_;
          float* y0 = y + m * N_;
          gemm2_block_avx2(layout_, x0, x0 + K_, w, scale, bias, y0, y0 + N_, n0, panels_end);
        }
        for (int64_t r = 0; r < M; ++r) {  // the last odd row, and every row's plain rows after the panels
          const int64_t from = r < m ? panels_end : n0;
          if (from < n1) gemv_rows(true, layout_, x + r * K_, w, scale, bias, y + r * N_, from, n1);
        }
        finish(n0, n1);
      }
      return;
    }
#endif
    const int64_t wide_blocks = (N_ + kWidenBlock - 1) / kWidenBlock;
#pragma omp parallel if (wide_blocks > 1)
    {
      // The per-block sgemm must stay on this thread: oneDNN would otherwise open a nested team in this region.
      omp_set_num_threads(1);
      float* widened = thread_scratch(static_cast<size_t>(kWidenBlock * K_));  // [rows, K]
#pragma omp for schedule(static)
      for (int64_t b = 0; b < wide_blocks; ++b) {
        const int64_t n0 = b * kWidenBlock, n1 = std::min(N_, n0 + kWidenBlock), rows = n1 - n0;
        widen_generic(layout_, w, scale, n0, n1, widened);
        dnnl_sgemm('N', 'T', M, rows, K_, 1.0f, x, K_, widened, K_, 0.0f, y + n0, N_);
        if (bias)
          for (int64_t m = 0; m < M; ++m) add_rows(y + m * N_ + n0, bias + n0, y + m * N_ + n0, 1, rows);
        finish(n0, n1);
      }
    }
  }

  int64_t N_, K_;
  PanelLayout layout_;
  WeightStorage storage_;
  std::shared_ptr<void> weights_;  // [N, K] int8, bfloat16 or float32 in panels of 4 rows (PanelLayout), huge pages
  std::vector<float> scale_;       // int8: [N]
  std::vector<float> bias_;
};

}  // namespace

std::shared_ptr<const PackedLinear> pack_linear_weight_only(const float* w, const float* bias, int64_t N, int64_t K,
                                                            WeightStorage storage,
                                                            const std::function<void(int64_t, int64_t)>& rows_done,
                                                            bool w_is_kn) {
  return std::make_shared<WeightOnlyLinear>(w, w_is_kn, bias, N, K, storage, rows_done);
}

}  // namespace hfcpp::kernels::cpu
