// Shared building blocks: linear, layer norm, embedding, fused-QKV self-attention.
#include "layers/layers.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <exception>
#include <string>

#include "io/checkpoint_pages.h"

namespace hfcpp::layers {

namespace {
// Stacks [rows_i, cols] (or [n_i]) tensors along dim 0 into one CPU float tensor (done once at load). The parts'
// checkpoint pages are dropped once copied: the stacked tensor replaces them (io/checkpoint_pages.h).
Tensor concat_rows(const std::vector<Tensor>& parts) {
  const int64_t cols = parts.front().rank() == 1 ? 1 : parts.front().dim(-1);
  int64_t rows = 0;
  for (const Tensor& p : parts) rows += p.numel() / cols;
  Tensor out = Tensor::empty(parts.front().rank() == 1 ? Shape{rows} : Shape{rows, cols}, DType::F32);
  uint8_t* dst = static_cast<uint8_t*>(out.raw_data());
  for (const Tensor& p : parts) {
    const Tensor host = p.to(DeviceSpec{}).to(DType::F32).contiguous();
    std::memcpy(dst, host.raw_data(), host.nbytes());
    dst += host.nbytes();
    io::CheckpointPages(p).release_all(p);
  }
  return out;
}

// True when a weight-name prefix ("bert.encoder.layer.3.attention.self.query.") has an all-digit component: the
// index of a ModuleList entry, which in these architectures is always a repeated transformer block.
bool in_repeated_block(const std::string& prefix) {
  size_t start = 0;
  while (start < prefix.size()) {
    size_t end = prefix.find('.', start);
    if (end == std::string::npos) end = prefix.size();
    if (end > start && prefix.find_first_not_of("0123456789", start) >= end) return true;
    start = end + 1;
  }
  return false;
}

ops::LinearCompute reduced_compute(const WeightLoader& scope) {
  const bool weight_only = scope.weight_only_linears();
  switch (scope.linear_dtype()) {
    case DType::I8: return weight_only ? ops::LinearCompute::Int8WeightOnly : ops::LinearCompute::Int8;
    case DType::BF16: return weight_only ? ops::LinearCompute::BFloat16WeightOnly : ops::LinearCompute::BFloat16;
    default: return weight_only ? ops::LinearCompute::Float32Panels : ops::LinearCompute::Float32;
  }
}

ops::LinearCompute block_compute(const WeightLoader& scope) {
  return in_repeated_block(scope.full_name("")) ? reduced_compute(scope) : ops::LinearCompute::Float32;
}

}  // namespace

ops::LinearCompute lm_head_compute(const WeightLoader& scope) {
  return scope.weight_only_linears() ? reduced_compute(scope) : ops::LinearCompute::Float32;
}

Linear Linear::load(const WeightLoader& w, int64_t in_features, int64_t out_features, bool bias) {
  Tensor weight = w.get("weight", {out_features, in_features});
  Tensor b = bias ? w.get("bias", {out_features}) : Tensor();
  return prepare(w, weight, b);
}

Linear Linear::prepare(const WeightLoader& scope, const Tensor& weight, const Tensor& bias) {
  return Linear{ops::PreparedLinear::prepare(weight, bias, block_compute(scope))};
}

LayerNorm LayerNorm::load(const WeightLoader& w, int64_t hidden, float eps) {
  const bool legacy = !w.contains("weight") && w.contains("gamma");
  return LayerNorm{w.get(legacy ? "gamma" : "weight", {hidden}), w.get(legacy ? "beta" : "bias", {hidden}), eps};
}

Tensor LayerNorm::residual(const Tensor& x, const Tensor& residual) const {
  return ops::add_layer_norm(x, residual, weight, bias, eps);
}

Embedding Embedding::load(const WeightLoader& w, int64_t num_embeddings, int64_t dim) {
  return Embedding{w.get("weight", {num_embeddings, dim})};
}

SelfAttention SelfAttention::load(const WeightLoader& query, const WeightLoader& key, const WeightLoader& value,
                                  int64_t hidden, int64_t num_heads) {
  HFCPP_CHECK(num_heads > 0 && hidden % num_heads == 0, "attention: hidden size ", hidden,
              " is not a multiple of the number of attention heads ", num_heads);
  const Shape w_shape{hidden, hidden}, b_shape{hidden};
  Tensor weight = concat_rows({query.get("weight", w_shape), key.get("weight", w_shape), value.get("weight", w_shape)});
  Tensor bias = concat_rows({query.get("bias", b_shape), key.get("bias", b_shape), value.get("bias", b_shape)});
  const DeviceSpec device = query.device();
  return SelfAttention{Linear::prepare(query, weight.to(device), bias.to(device)), hidden, num_heads};
}

TokenLayout TokenLayout::from_mask(const Tensor& attention_mask, bool pack, const DeviceSpec& device) {
  TokenLayout layout;
  layout.key_mask_ = attention_mask;
  if (!pack || device.type != Device::CPU || !attention_mask.defined() || attention_mask.rank() != 2) return layout;
  const std::vector<float> mask = attention_mask.to(DeviceSpec{}).to(DType::F32).to_vector<float>();
  bool padding = false;
  for (const float m : mask) {
    if (m != 0.0f && m != 1.0f) return layout;  // a soft mask weighs keys: only 0/1 masks drop them
    padding = padding || m == 0.0f;
  }
  if (!padding) return layout;
  layout.batch_ = attention_mask.dim(0), layout.seq_ = attention_mask.dim(1);
  std::vector<int64_t> rows;
  layout.offsets_.push_back(0);
  for (int64_t b = 0; b < layout.batch_; ++b) {
    for (int64_t t = 0; t < layout.seq_; ++t)
      if (mask[static_cast<size_t>(b * layout.seq_ + t)] != 0.0f) rows.push_back(b * layout.seq_ + t);
    layout.offsets_.push_back(static_cast<int64_t>(rows.size()));
  }
  layout.rows_ = Tensor::from_vector(rows, {static_cast<int64_t>(rows.size())});
  return layout;
}

Tensor TokenLayout::pack(const Tensor& x) const {
  if (!packed()) return x;
  HFCPP_CHECK(x.rank() == 3 && x.dim(0) == batch_ && x.dim(1) == seq_, "TokenLayout::pack: expected [", batch_, ", ",
              seq_, ", d], got ", shape_to_string(x.shape()));
  const int64_t d = x.dim(2);
  return ops::index_select(x.contiguous().view({batch_ * seq_, d}), 0, rows_).view({1, rows_.numel(), d});
}

Tensor TokenLayout::unpack(const Tensor& x) const {
  if (!packed()) return x;
  HFCPP_CHECK(x.rank() == 3 && x.dim(0) == 1 && x.dim(1) == rows_.numel(), "TokenLayout::unpack: expected [1, ",
              rows_.numel(), ", d], got ", shape_to_string(x.shape()));
  const int64_t d = x.dim(2);
  Tensor out = Tensor::zeros({batch_ * seq_, d}, x.dtype(), x.device());
  ops::index_copy_(out, rows_, x.contiguous().view({rows_.numel(), d}));
  return out.view({batch_, seq_, d});
}

Tensor SelfAttention::operator()(const Tensor& hidden_states, const TokenLayout& layout) const {
  const Tensor qkv_out = qkv(hidden_states);  // [batch, seq, 3 * hidden]
  const Tensor q = qkv_out.slice(-1, 0, hidden);
  const Tensor k = qkv_out.slice(-1, hidden, 2 * hidden);
  const Tensor v = qkv_out.slice(-1, 2 * hidden, 3 * hidden);
  const float scale = 1.0f / std::sqrt(static_cast<float>(hidden / num_heads));
  if (layout.packed()) return ops::attention_packed(q, k, v, layout.offsets(), num_heads, scale);  // [1, tokens, hidden]
  return ops::attention(q, k, v, layout.key_mask(), num_heads, scale);                             // [batch, seq, hidden]
}

void for_each_block(const DeviceSpec& device, int64_t count, const std::function<void(int64_t)>& load) {
  const int64_t threads = device.type == Device::CPU ? std::min<int64_t>(count, omp_get_max_threads()) : 1;
  if (threads <= 1) {
    for (int64_t i = 0; i < count; ++i) load(i);
    return;
  }
  std::vector<std::exception_ptr> errors(static_cast<size_t>(count));
#pragma omp parallel num_threads(static_cast<int>(threads))
  {
#pragma omp for schedule(dynamic, 1)
    for (int64_t i = 0; i < count; ++i) {
      try {
        load(i);
      } catch (...) {  // an exception must not leave the parallel region
        errors[static_cast<size_t>(i)] = std::current_exception();
      }
    }
  }
  for (const std::exception_ptr& e : errors)
    if (e) std::rethrow_exception(e);
}

Tensor default_position_ids(int64_t batch, int64_t seq) {
  Tensor ids = Tensor::empty({batch, seq}, DType::I64);
  int64_t* p = ids.data<int64_t>();
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t s = 0; s < seq; ++s) p[b * seq + s] = s;
  return ids;
}

}  // namespace hfcpp::layers
