// Shared building blocks of decoder-only models: causal self-attention over a KvCache (fused QKV projection,
// padding mask, optional ALiBi), an LM head that can share the token-embedding tensor, and ALiBi slopes.
#pragma once

#include "hfcpp/models/causal_lm.h"
#include "layers/layers.h"

namespace hfcpp::layers {

// Causal self-attention with q/k/v fused into one GEMM whose output rows are [q | k | v] (each `hidden` wide,
// heads contiguous inside). The output projection stays in the model file (c_proj / dense).
struct CausalSelfAttention {
  Linear qkv;  // [3 * hidden, hidden]
  int64_t hidden = 0, num_heads = 0;
  float scale = 1.0f;
  Tensor alibi_slopes;  // [num_heads] F32 for ALiBi models, else undefined
  // x [B, T, hidden]; key_mask [B, past + T] I64. Appends this layer's keys/values to `cache` (not advancing it)
  // and returns the attention context [B, T, hidden].
  Tensor operator()(const Tensor& x, const Tensor& key_mask, KvCache& cache, int64_t layer) const;
};

// Logits = hidden * weight^T with weight [vocab, hidden]: the token embeddings when the head is tied, or the
// checkpoint's lm_head.weight. Prepared once (float32: packed [N, K] rows on huge pages, one decoded row runs the
// GEMV path; with int8/bfloat16 weight-only linears, in their type: lm_head_compute): the head is the largest matrix
// a decode step reads. PreparedLinear hands the checkpoint's pages back, so the prepared copy replaces them in
// memory, and a tied token embedding looks its rows up there (PreparedLinear::lookup_rows). Models prepare it
// before their blocks, so the moment both copies exist is not the load's peak.
struct LmHead {
  ops::PreparedLinear prepared;
  // `scope`: the loader the weight came from (its weight-only setting picks the compute type).
  static LmHead prepare(const WeightLoader& scope, const Tensor& weight) {
    return LmHead{ops::PreparedLinear::prepare(weight, Tensor(), lm_head_compute(scope))};
  }
  // hidden [..., hidden] -> logits [..., vocab]; all rows in one GEMM so the weight is read once per call
  Tensor operator()(const Tensor& hidden) const { return prepared.forward(hidden); }
};

// A decoder's token embedding, which a tied LM head may serve: after tie(head), rows are looked up in the head's
// prepared weights (float32 rows, or dequantized int8/bfloat16 ones, as the logits use them) instead of the
// checkpoint's table, whose pages the head's preparation dropped. Without tie(), or when the head's layout has no
// row access (CUDA, oneDNN blocked), the table is used.
struct TokenEmbedding {
  Embedding table;  // [vocab, hidden]
  ops::PreparedLinear head;
  void tie(const ops::PreparedLinear& lm_head) {
    if (lm_head.has_row_lookup() && lm_head.out_features() == table.weight.dim(0) &&
        lm_head.in_features() == table.weight.dim(1))
      head = lm_head;
  }
  Tensor operator()(const Tensor& ids) const { return head.defined() ? head.lookup_rows(ids) : table(ids); }
};

// ALiBi slopes exactly as transformers' BLOOM builds them (modeling_bloom._get_alibi_slopes), including head counts
// that are not powers of two: [num_heads] F32.
Tensor alibi_slopes(int64_t num_heads);

// weight [3 * heads * head_dim, in] (or bias [3 * heads * head_dim]) with rows grouped per head as (heads, 3,
// head_dim), BLOOM's query_key_value layout, reordered to (3, heads, head_dim): all queries, then keys, then values.
Tensor deinterleave_qkv(const Tensor& t, int64_t num_heads);

}  // namespace hfcpp::layers
