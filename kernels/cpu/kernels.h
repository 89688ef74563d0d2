// Raw-pointer CPU kernels: float32 math on contiguous buffers, no Tensor, no error handling beyond return codes.
// Every kernel has a plain scalar reference (`*_ref`) used by the tests; the unsuffixed version is the fast path
// (OpenMP over rows/chunks, SIMD via compiler auto-vectorisation with per-ISA clones, or oneDNN).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "hfcpp/core/dtype.h"

namespace hfcpp::kernels::cpu {

// Same order as hfcpp::ops::Activation (checked by a static_assert in src/ops/activation.cpp).
enum class Act : int { None, Gelu, GeluTanh, GeluQuick, Relu, Silu, Tanh, Sigmoid };

// ---- activation.cpp: y = act(x); y may alias x ----------------------------------------------------------------
void activation(const float* x, float* y, int64_t n, Act act);
void activation_ref(const float* x, float* y, int64_t n, Act act);

// ---- elementwise.cpp -------------------------------------------------------------------------------------------
// y[r * cols + j] = a[r * cols + j] + b[j] (rows = 1: same-shape add). y may alias a.
void add_rows(const float* a, const float* b, float* y, int64_t rows, int64_t cols);
void add_rows_ref(const float* a, const float* b, float* y, int64_t rows, int64_t cols);
void scale(const float* x, float* y, int64_t n, float factor);
void scale_ref(const float* x, float* y, int64_t n, float factor);

// ---- softmax.cpp: row-wise exp(x - max) / sum ------------------------------------------------------------------
void softmax(const float* x, float* y, int64_t rows, int64_t cols);
void softmax_ref(const float* x, float* y, int64_t rows, int64_t cols);
// y[i] = exp(x[i] - max) / sum_j exp(x[j] - max) for one row whose maximum is known (x may alias y).
void exp_normalize_row(const float* x, float* y, int64_t n, float max);

// ---- layer_norm.cpp: row-wise (x - mean) / sqrt(biased var + eps) * gamma + beta; gamma/beta may be null --------
void layer_norm(const float* x, const float* gamma, const float* beta, float* y, int64_t rows, int64_t cols, float eps);
// layer_norm(x + residual) in one pass per row (BERT's LayerNorm(dense(h) + input)); y may alias x.
void add_layer_norm(const float* x, const float* residual, const float* gamma, const float* beta, float* y,
                    int64_t rows, int64_t cols, float eps);
void layer_norm_ref(const float* x, const float* gamma, const float* beta, float* y, int64_t rows, int64_t cols,
                    float eps);

// ---- embedding.cpp: out[i] = table[ids[i]] (rows of row_bytes, any element type) -------------------------------
// Returns -1 on success, otherwise the position of the first id outside [0, vocab) (nothing is guaranteed written).
int64_t embedding(const void* ids, DType id_dtype, int64_t n, const void* table, int64_t vocab, size_t row_bytes,
                  void* out);

// ---- argmax.cpp: index of the first maximum of each row (NaN counts as the maximum, like torch) ----------------
void argmax(const float* x, int64_t* out, int64_t rows, int64_t cols);

// ---- GEMM ------------------------------------------------------------------------------------------------------
// For b < batch: C_b[M, N] = A_b[M, K] * op(B_b), op(B) = B [K, N] or, with trans_b, B^T for B [N, K].
// Row-major with leading dimensions lda/ldb/ldc and batch strides (elements; a stride of 0 broadcasts).
struct GemmArgs {
  bool trans_b = false;
  int64_t batch = 1, M = 0, N = 0, K = 0;
  const float* A = nullptr;
  int64_t lda = 0, stride_a = 0;
  const float* B = nullptr;
  int64_t ldb = 0, stride_b = 0;
  float* C = nullptr;
  int64_t ldc = 0, stride_c = 0;
};
void gemm(const GemmArgs& g);      // gemm_dnnl.cpp: dnnl_sgemm per batch item
void gemm_ref(const GemmArgs& g);  // gemm_reference.cpp: Eigen with strided maps, single-threaded

// ---- gemv.cpp: y[n] = dot(x[0, K), w[n * ldw, n * ldw + K)) + bias[n] for n < N (bias may be null) -------------
// One input row against row-major weights [N, K] (nn.Linear layout), each weight read once: the decode step.
void gemv(const float* x, const float* w, int64_t ldw, const float* bias, float* y, int64_t N, int64_t K);
void gemv_ref(const float* x, const float* w, int64_t ldw, const float* bias, float* y, int64_t N, int64_t K);

// ---- weight_memory.cpp: zero-initialised memory for packed weights, 2 MiB aligned, transparent huge pages -------
std::shared_ptr<void> allocate_weights(size_t bytes);

// y[M, N] = x[M, K] * w[N, K]^T + bias[N] (bias may be null), then act.
void linear(const float* x, const float* w, const float* bias, float* y, int64_t M, int64_t N, int64_t K, Act act);

// A linear layer's weights reordered once into oneDNN's preferred layout (gemm_dnnl.cpp).
// forward() is thread-safe: primitives are cached per (M, act) under a mutex, scratchpads are per thread.
class PackedLinear {
 public:
  virtual ~PackedLinear() = default;
  virtual int64_t out_features() const = 0;
  virtual int64_t in_features() const = 0;
  // y[M, N] = act(x[M, K] * W^T + bias)
  virtual void forward(const float* x, float* y, int64_t M, Act act) const = 0;
  // The oneDNN implementation used for this M (e.g. "brg:avx512_core"), creating the primitive if needed.
  virtual std::string implementation(int64_t M, Act act) const = 0;
  // Whether the weights are stored as [N, K] rows (float32 or reduced), so weight_row() works.
  virtual bool has_weight_rows() const { return false; }
  // Writes weight row n (float32, dequantized if stored reduced) to out[0, K) and returns true, or returns false
  // when the stored layout has no cheap row access (oneDNN's blocked layouts) or n is out of range.
  virtual bool weight_row(int64_t n, float* out) const {
    (void)n, (void)out;
    return false;
  }
};
// w [N, K] row-major (nn.Linear layout), or with w_is_kn [K, N] row-major (transformers' Conv1D, read in place
// without a transposed copy); bias [N] or null. Both are copied; the caller may free them.
std::shared_ptr<const PackedLinear> pack_linear(const float* w, const float* bias, int64_t N, int64_t K,
                                                bool w_is_kn = false);

// ---- attention.cpp ----------------------------------------------------------------------------------------------
// q/k/v: element (b, s, h * D + d) at ptr[b * bstride + s * rstride + h * D + d]. mask: [B, Sk] of mask_dtype with
// row stride mask_bstride (null = no mask); a key with mask value m gets (1 - m) * lowest_float added to its score.
// out: contiguous [B, Sq, H * D].
struct AttentionArgs {
  const float* q = nullptr;
  int64_t q_bstride = 0, q_rstride = 0;
  const float* k = nullptr;
  int64_t k_bstride = 0, k_rstride = 0;
  const float* v = nullptr;
  int64_t v_bstride = 0, v_rstride = 0;
  const void* mask = nullptr;
  DType mask_dtype = DType::F32;
  int64_t mask_bstride = 0;
  float* out = nullptr;
  int64_t B = 0, Sq = 0, Sk = 0, H = 0, D = 0;
  float scale = 1.0f;
  // Packed (variable-length) batch, or null: B sequences, sequence b in rows seq_offsets[b] .. seq_offsets[b + 1] of
  // q, k, v and out (row strides as above; batch strides, Sq, Sk and mask unused); each attends to its own rows only.
  const int64_t* seq_offsets = nullptr;
};
void attention(const AttentionArgs& a);      // parallel over (b, h, query block); Eigen for the inner products
void attention_ref(const AttentionArgs& a);  // naive loops

// ---- attention_causal.cpp -----------------------------------------------------------------------------------------
// Decoder self-attention of Sq new queries over Sk = past + Sq cached keys: query i sits at key position past + i and
// attends to keys j <= past + i whose mask is nonzero. q/k/v strides as in AttentionArgs; mask: int64 [B, Sk] with
// row stride mask_bstride, or null (all ones). alibi_slopes [H] or null: adds slopes[h] * pos[j] to the scores, where
// pos = cumsum(mask) - 1 at tokens (0 at padding), as BLOOM builds its ALiBi tensor. A query with no key to attend to
// (a left-padding position) gets zeros, like torch's SDPA. out: contiguous [B, Sq, H * D].
struct CausalAttentionArgs {
  const float* q = nullptr;
  int64_t q_bstride = 0, q_rstride = 0;
  const float* k = nullptr;
  int64_t k_bstride = 0, k_rstride = 0;
  const float* v = nullptr;
  int64_t v_bstride = 0, v_rstride = 0;
  const int64_t* mask = nullptr;
  int64_t mask_bstride = 0;
  const float* alibi_slopes = nullptr;
  float* out = nullptr;
  int64_t B = 0, Sq = 0, Sk = 0, H = 0, D = 0;
  float scale = 1.0f;
};
void attention_causal(const CausalAttentionArgs& a);      // parallel over (b, h, query block); oneDNN SGEMMs
void attention_causal_ref(const CausalAttentionArgs& a);  // naive loops in double

// ---- copy.cpp -----------------------------------------------------------------------------------------------------
// dst[i...] = src[i...] for two strided views of one shape (strides in elements, elem_bytes per element).
void copy_strided(const void* src, const int64_t* src_strides, void* dst, const int64_t* dst_strides,
                  const int64_t* shape, int64_t rank, size_t elem_bytes);
// out[o, i, :] = x[o, idx[i], :] where row r of block o starts at x + o * outer_stride + r * row_stride (bytes) and
// holds row_bytes; out is contiguous [outer, n_idx, row_bytes]. Returns -1, or the position of the first index
// outside [0, n) (nothing is written then).
int64_t index_select(const void* x, int64_t outer, int64_t outer_stride, int64_t n, int64_t row_stride,
                     size_t row_bytes, const int64_t* idx, int64_t n_idx, void* out);
// dst row idx[i] (of n rows of row_bytes) = src row i; returns the position of the first out-of-range index (nothing
// written then), else -1. A repeated index keeps one of its rows.
int64_t index_copy(void* dst, int64_t n, size_t row_bytes, const int64_t* idx, int64_t n_idx, const void* src);

}  // namespace hfcpp::kernels::cpu
