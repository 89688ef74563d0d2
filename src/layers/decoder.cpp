// Decoder building blocks: causal self-attention over a KV cache, ALiBi slopes, the BLOOM query_key_value split.
#include "layers/decoder.h"

#include <cmath>

namespace hfcpp::layers {

Tensor CausalSelfAttention::operator()(const Tensor& x, const Tensor& key_mask, KvCache& cache, int64_t layer) const {
  const Tensor qkv_out = qkv(x);  // [B, T, 3 * hidden]
  const Tensor q = qkv_out.slice(-1, 0, hidden);
  const auto [keys, values] = cache.append(layer, qkv_out.slice(-1, hidden, 2 * hidden),
                                           qkv_out.slice(-1, 2 * hidden, 3 * hidden));  // [B, past + T, hidden]
  return ops::attention_causal(q, keys, values, key_mask, num_heads, scale, alibi_slopes);
}

Tensor alibi_slopes(int64_t num_heads) {
  HFCPP_CHECK(num_heads > 0, "alibi_slopes: num_heads must be positive, got ", num_heads);
  // closest power of two p <= n: slopes base^1..base^p with base = 2^(-2^-(log2(p) - 3)); the remaining heads take
  // the odd powers of the next base (2^(-2^-(log2(2p) - 3))). float32 like torch.pow on float32 tensors.
  const int64_t p = int64_t{1} << static_cast<int>(std::floor(std::log2(static_cast<double>(num_heads))));
  const float base = static_cast<float>(std::pow(2.0, -std::pow(2.0, -(std::log2(static_cast<double>(p)) - 3))));
  std::vector<float> slopes;
  for (int64_t i = 1; i <= p; ++i) slopes.push_back(std::pow(base, static_cast<float>(i)));
  if (p != num_heads) {
    const float extra = static_cast<float>(std::pow(2.0, -std::pow(2.0, -(std::log2(2.0 * p) - 3))));
    const int64_t remaining = std::min(p, num_heads - p);
    for (int64_t i = 1; i < 1 + 2 * remaining; i += 2) slopes.push_back(std::pow(extra, static_cast<float>(i)));
  }
  return Tensor::from_vector(slopes, {num_heads});
}

Tensor deinterleave_qkv(const Tensor& t, int64_t num_heads) {
  const int64_t rows = t.dim(0);
  HFCPP_CHECK(rows % (3 * num_heads) == 0, "deinterleave_qkv: ", rows, " rows are not 3 x ", num_heads, " heads");
  const int64_t head_dim = rows / (3 * num_heads);
  const int64_t cols = t.rank() == 2 ? t.dim(1) : 1;
  const Tensor grouped = t.contiguous().view({num_heads, 3, head_dim, cols});  // (heads, 3, head_dim)
  const Tensor split = grouped.transpose(0, 1).contiguous();                    // (3, heads, head_dim)
  return t.rank() == 2 ? split.view({rows, cols}) : split.view({rows});
}

}  // namespace hfcpp::layers
