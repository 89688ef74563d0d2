// Shared building blocks for model files (llama.cpp's build_* helpers, as small immutable objects).
// Each has a static load() from a WeightLoader scope and a const forward: safe to share across threads.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "hfcpp/core/tensor.h"
#include "hfcpp/io/weights.h"
#include "hfcpp/ops/ops.h"

namespace hfcpp::layers {

// nn.Linear: weight [out, in] (+ bias [out]) prepared once at load for the device's GEMM.
// Compute type: a Linear inside a repeated transformer block — its weight name has a numeric component, the
// ModuleList index ("encoder.layer.3.", "transformer.h.0.") — computes in the loader's linear_dtype() (bfloat16 or
// int8 when load_model chose one); every other Linear (pooler, classifier, MLM transform, QA head) stays float32:
// they are a small share of the work and produce the logits directly.
// The compute type of a decoder's LM head: the blocks' weight-only type when `scope` has weight-only linears (the
// head is the largest matrix a decode step reads), else float32.
ops::LinearCompute lm_head_compute(const WeightLoader& scope);

struct Linear {
  ops::PreparedLinear prepared;
  static Linear load(const WeightLoader& w, int64_t in_features, int64_t out_features, bool bias = true);
  // weight [out, in] and bias [out] (or undefined) already read from `scope`, e.g. fused or transposed at load;
  // the compute type follows `scope` as in load().
  static Linear prepare(const WeightLoader& scope, const Tensor& weight, const Tensor& bias);
  // x [..., in] -> act(x W^T + b) [..., out]
  Tensor operator()(const Tensor& x, ops::Activation act = ops::Activation::None) const {
    return prepared.forward(x, act);
  }
};

// nn.LayerNorm over the last dim. Accepts HF's "weight"/"bias" and the legacy "gamma"/"beta" names.
struct LayerNorm {
  Tensor weight;  // [hidden]
  Tensor bias;    // [hidden]
  float eps = 1e-12f;
  static LayerNorm load(const WeightLoader& w, int64_t hidden, float eps);
  Tensor operator()(const Tensor& x) const { return ops::layer_norm(x, weight, bias, eps); }
  // LayerNorm(x + residual): the post-LN residual step of BERT-style blocks.
  Tensor residual(const Tensor& x, const Tensor& residual) const;
};

// nn.Embedding: weight [num_embeddings, dim].
struct Embedding {
  Tensor weight;
  static Embedding load(const WeightLoader& w, int64_t num_embeddings, int64_t dim);
  Tensor operator()(const Tensor& ids) const { return ops::embedding(ids, weight); }  // [..., dim]
};

// How an encoder batch lays out its tokens. Padded: [batch, seq, hidden] with the key mask [batch, seq] (1 = token,
// 0 = padding). Packed (variable-length): the tokens only, [1, tokens, hidden], sequence b in rows offsets()[b] ..
// offsets()[b + 1]: the linear layers and LayerNorms then skip the padding and attention runs per sequence.
// Per-call state: built by each forward from its attention mask.
class TokenLayout {
 public:
  // Packed when `pack` is set, the hidden states live on the CPU (`device`; attention_packed has no CUDA kernel yet)
  // and the mask [batch, seq] has padding (zeros; every value 0 or 1); else padded with the mask as given
  // (undefined = every key).
  static TokenLayout from_mask(const Tensor& attention_mask, bool pack, const DeviceSpec& device);
  bool packed() const { return !offsets_.empty(); }
  const Tensor& key_mask() const { return key_mask_; }
  const std::vector<int64_t>& offsets() const { return offsets_; }
  Tensor pack(const Tensor& x) const;    // [batch, seq, d] -> [1, tokens, d]; x itself when padded
  Tensor unpack(const Tensor& x) const;  // [1, tokens, d] -> [batch, seq, d], zeros at padding; x itself when padded

 private:
  Tensor key_mask_;
  Tensor rows_;                   // packed: I64 [tokens], b * seq + s of each token
  std::vector<int64_t> offsets_;  // packed: batch + 1 row offsets
  int64_t batch_ = 0, seq_ = 0;
};

// Bidirectional multi-head self-attention with the query/key/value projections fused into one GEMM at load.
struct SelfAttention {
  Linear qkv;  // [3 * hidden, hidden]: rows of query, then key, then value
  int64_t hidden = 0;
  int64_t num_heads = 0;
  static SelfAttention load(const WeightLoader& query, const WeightLoader& key, const WeightLoader& value,
                            int64_t hidden, int64_t num_heads);
  // hidden_states [batch, seq, hidden] (packed: [1, tokens, hidden]) -> context of the same shape
  Tensor operator()(const Tensor& hidden_states, const TokenLayout& layout) const;
};

// Runs load(i) for i in [0, count) side by side on the CPU threads (each call then packs its weights on its own
// thread): a model's repeated blocks load in parallel, overlapping the page faults, copies and reorders that one
// block at a time leaves mostly sequential. One after another on CUDA. An error of any block is rethrown (the
// lowest index's) once every thread has finished.
void for_each_block(const DeviceSpec& device, int64_t count, const std::function<void(int64_t)>& load);

// The `count` repeated blocks of a model (ModuleList "layer.N" / "h.N"), loaded with for_each_block.
template <class Block>
std::vector<Block> load_blocks(const DeviceSpec& device, int64_t count, const std::function<Block(int64_t)>& load) {
  std::vector<std::optional<Block>> slots(static_cast<size_t>(std::max<int64_t>(count, 0)));
  for_each_block(device, count, [&](int64_t i) { slots[static_cast<size_t>(i)].emplace(load(i)); });
  std::vector<Block> blocks;
  blocks.reserve(slots.size());
  for (std::optional<Block>& b : slots) blocks.push_back(std::move(*b));
  return blocks;
}

// Position ids 0..seq-1 for every row: [batch, seq] I64.
Tensor default_position_ids(int64_t batch, int64_t seq);

}  // namespace hfcpp::layers
