// ops::attention: multi-head scaled dot-product attention over [B, S, H*D] projections read through their strides
// (e.g. last-dim slices of a fused QKV output), key padding mask [B, Sk] of any numeric dtype.
#include "hfcpp/ops/ops.h"
#include "ops/op_utils.h"

namespace hfcpp::ops {

namespace {

void check_projections(const char* op, const Tensor& query, const Tensor& key, const Tensor& value, int64_t num_heads) {
  detail::check_attention_input(op, "query", query);
  detail::check_attention_input(op, "key", key);
  detail::check_attention_input(op, "value", value);
  const int64_t B = query.dim(0), HD = query.dim(2);
  HFCPP_CHECK(num_heads > 0 && HD % num_heads == 0, op, ": query's last dim ", HD, " is not divisible by num_heads ",
              num_heads);
  HFCPP_CHECK(key.dim(0) == B && key.dim(2) == HD, op, ": key ", shape_to_string(key.shape()), " does not match query ",
              shape_to_string(query.shape()), " (expected [", B, ", seq_k, ", HD, "])");
  HFCPP_CHECK(value.shape() == key.shape(), op, ": value ", shape_to_string(value.shape()),
              " must have the shape of key ", shape_to_string(key.shape()));
  detail::check_same_device(op, "query", query, "key", key);
  detail::check_same_device(op, "query", query, "value", value);
}

void set_projections(kernels::cpu::AttentionArgs& a, const detail::AttentionRows& q, const detail::AttentionRows& k,
                     const detail::AttentionRows& v) {
  a.q = q.t.data<float>(), a.q_bstride = q.bstride, a.q_rstride = q.rstride;
  a.k = k.t.data<float>(), a.k_bstride = k.bstride, a.k_rstride = k.rstride;
  a.v = v.t.data<float>(), a.v_bstride = v.bstride, a.v_rstride = v.rstride;
}

}  // namespace

Tensor attention(const Tensor& query, const Tensor& key, const Tensor& value, const Tensor& key_mask, int64_t num_heads,
                 float scale) {
  check_projections("attention", query, key, value, num_heads);
  const int64_t B = query.dim(0), Sq = query.dim(1), HD = query.dim(2), Sk = key.dim(1);
  if (key_mask.defined()) {
    HFCPP_CHECK(key_mask.rank() == 2 && key_mask.dim(0) == B && key_mask.dim(1) == Sk,
                "attention: key_mask is expected to have shape [", B, ", ", Sk, "], got ",
                shape_to_string(key_mask.shape()));
    detail::check_same_device("attention", "query", query, "key_mask", key_mask);
  }
  return backend::dispatch_device(
      "attention", query.device(),
      [&] {
        const detail::AttentionRows q = detail::attention_rows(query), k = detail::attention_rows(key),
                                    v = detail::attention_rows(value);
        const Tensor mask = key_mask.defined() ? key_mask.contiguous() : Tensor();
        Tensor out = Tensor::empty({B, Sq, HD}, DType::F32);
        kernels::cpu::AttentionArgs a;
        set_projections(a, q, k, v);
        if (mask.defined()) a.mask = mask.raw_data(), a.mask_dtype = mask.dtype(), a.mask_bstride = Sk;
        a.out = out.data<float>();
        a.B = B, a.Sq = Sq, a.Sk = Sk, a.H = num_heads, a.D = HD / num_heads, a.scale = scale;
        kernels::cpu::attention(a);
        return detail::cast_back(out, query.dtype());
      },
      [&](auto) -> Tensor { backend::not_on_cuda("attention"); });
}

Tensor attention_packed(const Tensor& query, const Tensor& key, const Tensor& value,
                        const std::vector<int64_t>& seq_offsets, int64_t num_heads, float scale) {
  check_projections("attention_packed", query, key, value, num_heads);
  const int64_t T = query.dim(1), HD = query.dim(2);
  HFCPP_CHECK(query.dim(0) == 1 && key.dim(1) == T, "attention_packed: query and key must be [1, tokens, ", HD,
              "] alike, got ", shape_to_string(query.shape()), " and ", shape_to_string(key.shape()));
  HFCPP_CHECK(seq_offsets.size() >= 2 && seq_offsets.front() == 0 && seq_offsets.back() == T,
              "attention_packed: seq_offsets must run from 0 to the ", T, " packed tokens");
  for (size_t b = 1; b < seq_offsets.size(); ++b)
    HFCPP_CHECK(seq_offsets[b] >= seq_offsets[b - 1], "attention_packed: seq_offsets decrease at ", b, " (",
                seq_offsets[b - 1], " -> ", seq_offsets[b], ")");
  return backend::dispatch_device(
      "attention_packed", query.device(),
      [&] {
        const detail::AttentionRows q = detail::attention_rows(query), k = detail::attention_rows(key),
                                    v = detail::attention_rows(value);
        Tensor out = Tensor::empty({1, T, HD}, DType::F32);
        kernels::cpu::AttentionArgs a;
        set_projections(a, q, k, v);
        a.out = out.data<float>();
        a.B = static_cast<int64_t>(seq_offsets.size()) - 1, a.H = num_heads, a.D = HD / num_heads, a.scale = scale;
        a.seq_offsets = seq_offsets.data();
        kernels::cpu::attention(a);
        return detail::cast_back(out, query.dtype());
      },
      [&](auto) -> Tensor { backend::not_on_cuda("attention_packed"); });
}

}  // namespace hfcpp::ops
