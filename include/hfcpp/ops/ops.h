// Functional tensor ops: the only math API models use. Each op validates its arguments (errors name the op,
// the argument and the offending dims), allocates its output, and dispatches once on device, then on dtype.
// CPU computes in float32 (f16/bf16 inputs are converted first); CUDA supports the ops noted below.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "hfcpp/core/tensor.h"

namespace hfcpp::ops {

// ---- element-wise ---------------------------------------------------------------------------------------------
enum class Activation { None, Gelu, GeluTanh, GeluQuick, Relu, Silu, Tanh, Sigmoid };
// Maps HF activation names ("gelu", "gelu_new", "gelu_pytorch_tanh", "gelu_fast", "quick_gelu", "relu",
// "silu", "swish", "tanh", "sigmoid", "linear") to Activation; throws naming the unknown name.
Activation activation_from_name(const std::string& hf_name);
Tensor activation(const Tensor& x, Activation kind);        // CUDA: yes
Tensor add(const Tensor& a, const Tensor& b);               // same shape, or b broadcast over a's leading dims. CUDA: yes
void add_(Tensor& a, const Tensor& b);                      // in place
Tensor scale(const Tensor& x, float factor);                // CUDA: yes

// ---- reductions and normalisation ------------------------------------------------------------------------------
Tensor softmax(const Tensor& x);                            // over the last dim. CUDA: yes
Tensor sigmoid(const Tensor& x);
Tensor layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, float eps);  // last dim. CUDA: yes
// layer_norm(x + residual), x and residual of one shape: one pass on CPU; CUDA: add, then layer_norm.
Tensor add_layer_norm(const Tensor& x, const Tensor& residual, const Tensor& gamma, const Tensor& beta, float eps);

// ---- indexing ---------------------------------------------------------------------------------------------------
// ids: I32 or I64 [...], table: [vocab, hidden] -> [..., hidden]. Out-of-range ids throw naming the id.
Tensor embedding(const Tensor& ids, const Tensor& table);

// ---- matrix products ------------------------------------------------------------------------------------------
// a [..., M, K] x b [..., K, N] (or b [..., N, K] with transpose_b) -> [..., M, N]; leading dims must match
// or b has none (broadcast). CUDA: yes (cuBLAS).
Tensor matmul(const Tensor& a, const Tensor& b, bool transpose_b = false);
// nn.Linear without preparation: x [..., in], weight [out, in], bias [out] or undefined.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias);

// How a prepared linear layer computes; inputs and outputs stay float32 whatever the choice (quantized_linear.cpp):
//   Float32   float32 weights and GEMM.
//   BFloat16  bfloat16 weights, inputs rounded to bfloat16 per call, float32 accumulation (oneDNN bf16 matmul).
//   Int8      weights symmetric int8 per output channel (quantized once), inputs asymmetric uint8 per row
//             (quantized at every call), int32 accumulation, then one pass: scales, bias, activation. Without
//             VNNI/AMX the weights use 7 bits (AVX2's 16-bit pair sums would saturate; see kernels/cpu/quantized.h).
//   Int8WeightOnly, BFloat16WeightOnly
//             weights stored as int8 (symmetric per output channel, 8 bits) or bfloat16, math in float32 on
//             the activations as they are: the decoder form, whose decode step is bound by reading the weights
//             (kernels/cpu/weight_only_linear.cpp). Any CPU.
//   Float32Panels
//             the float32 decoder form: float32 weights stored like the weight-only types (4-row panels) and run
//             by the same GEMV, which reads them as one sequential stream (oneDNN's M = 1 path read GPT-2's
//             weights at ~3/4 of the rate). Any CPU.
enum class LinearCompute { Float32, BFloat16, Int8, Int8WeightOnly, BFloat16WeightOnly, Float32Panels };
// "float32", "bfloat16", "int8", "int8 (weights only)", "bfloat16 (weights only)", "float32 (panels)"
std::string linear_compute_name(LinearCompute compute);
// Whether `device` runs `compute` natively, asked of oneDNN at run time (never an illegal instruction): float32
// everywhere; bfloat16 on CPUs with AVX512-BF16 or AMX; int8, the weight-only types and float32 panels on every CPU
// (int8: full 8-bit weights with VNNI/AMX). CUDA: float32 only for now.
bool linear_compute_supported(LinearCompute compute, const DeviceSpec& device);
// Whether Int8 keeps full 8-bit weights on `device`: CPUs whose int8 dot products sum exactly in 32 bits
// (VNNI/AMX, probed at run time); AVX2's 16-bit pair sums need 7-bit weights, which cost accuracy.
bool int8_full_range(const DeviceSpec& device);

// A linear layer's weight prepared once at load for the device's GEMM (on CPU: oneDNN's preferred blocked
// layout, so no per-call reorder). Immutable after prepare(); forward() may be called from many threads.
class PreparedLinear {
 public:
  PreparedLinear() = default;
  // weight [out, in] (nn.Linear layout), bias [out] or undefined. A `compute` the device does not support
  // (linear_compute_supported) throws naming it; callers pick a supported one (load_model falls back).
  static PreparedLinear prepare(const Tensor& weight, const Tensor& bias,
                                LinearCompute compute = LinearCompute::Float32);
  // x [..., in] -> activation(x * weight^T + bias) [..., out]
  Tensor forward(const Tensor& x, Activation post = Activation::None) const;
  int64_t in_features() const;
  int64_t out_features() const;
  LinearCompute compute() const;
  // An embedding lookup in the weights as this linear stores them: rows `ids` (I32/I64, any shape) of the [out, in]
  // weight as float32 [..., in] (dequantized when stored reduced); an id outside [0, out) throws naming it. A tied
  // LM head serves the token embedding this way, so the checkpoint's copy is not read again after packing.
  // has_row_lookup() is false where the stored layout has no row access (oneDNN's blocked layouts, CUDA); then
  // lookup_rows() throws.
  bool has_row_lookup() const;
  Tensor lookup_rows(const Tensor& ids) const;
  bool defined() const { return impl_ != nullptr; }
  struct Impl;

 private:
  std::shared_ptr<const Impl> impl_;
};

// ---- attention -------------------------------------------------------------------------------------------------
// Multi-head scaled dot-product attention over projections laid out as [batch, seq, heads * head_dim] (the
// nn.Linear outputs, read in place with strides: no transposed copies). key_mask [batch, seq_k] (1 = attend,
// 0 = padding; any integer or float dtype) or undefined. Returns [batch, seq_q, heads * head_dim].
Tensor attention(const Tensor& query, const Tensor& key, const Tensor& value, const Tensor& key_mask,
                 int64_t num_heads, float scale);
// The same over a packed batch (variable-length attention): the real tokens of every sequence, padding dropped,
// query/key/value [1, tokens, heads * head_dim]; sequence b is rows seq_offsets[b] .. seq_offsets[b + 1] (offsets
// start at 0, never decrease, end at tokens) and attends to its own rows only. Returns [1, tokens, heads * head_dim].
// CUDA: not yet.
Tensor attention_packed(const Tensor& query, const Tensor& key, const Tensor& value,
                        const std::vector<int64_t>& seq_offsets, int64_t num_heads, float scale);

// Decoder (causal) self-attention of new queries over cached keys/values. query [batch, seq_q, heads * head_dim];
// key/value [batch, seq_k, heads * head_dim] with seq_k = past + seq_q (the cache so far plus the new positions), read
// through their strides (slices of a KV cache buffer need no copy). Query i sits at key position past + i and sees
// keys j <= past + i whose key_mask [batch, seq_k] (int64/int32, 1 = token, 0 = padding; undefined = all ones) is set.
// alibi_slopes [heads] (or undefined) adds slope_h * pos_j to the scores with pos = cumsum(mask) - 1 at tokens and 0
// at padding (BLOOM's ALiBi). A query that sees no key (left padding) yields zeros, like torch's SDPA.
// Returns [batch, seq_q, heads * head_dim]. CUDA: not yet.
Tensor attention_causal(const Tensor& query, const Tensor& key, const Tensor& value, const Tensor& key_mask,
                        int64_t num_heads, float scale, const Tensor& alibi_slopes = Tensor());

// ---- selection --------------------------------------------------------------------------------------------------
Tensor argmax(const Tensor& x);  // over the last dim -> I64 [...]

// ---- copies -----------------------------------------------------------------------------------------------------
// Writes src into the view dst (same shape; any strides; float dtypes convert). CUDA: not yet.
void copy_(Tensor dst, const Tensor& src);
// Slices of x along dim picked by indices (1-D int64/int32): out.dim(dim) = indices.numel(). Out-of-range indices
// throw naming the index. CUDA: not yet.
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& indices);
// torch's dst.index_copy_(0, indices, src): row indices[i] of dst (dim 0) becomes src's row i. dst contiguous, src of
// shape [indices.numel(), dst.shape()[1:]...] and dst's dtype; indices 1-D int64/int32, each in range (checked before
// anything is written). CUDA: not yet.
void index_copy_(Tensor& dst, const Tensor& indices, const Tensor& src);

}  // namespace hfcpp::ops
