// BLOOM (BigScience, 2022), mirroring transformers/models/bloom/modeling_bloom.py (v5.23): BloomModel and
// BloomForCausalLM. Positions come from ALiBi biases (no position embeddings, so no length limit); the token
// embeddings are layer-normed. Load-time fix-ups: query_key_value, interleaved per head as (heads, 3, head_dim), is
// de-interleaved once into [q | k | v]; the LM head is prepared from word_embeddings when tied. pretraining_tp /
// slow_but_exact only split the same GEMMs in transformers and are ignored. Weights load with or without the
// "transformer." prefix.
#include "models/bloom.h"

#include <cmath>

#include "layers/decoder.h"
#include "models/causal_lm_base.h"

namespace hfcpp {
namespace {

struct BloomConfig {
  int64_t vocab_size, hidden_size, n_layer, n_head;
  float layer_norm_epsilon;
  bool apply_residual_connection_post_layernorm, tie_word_embeddings;

  static BloomConfig from(const JsonConfig& config) {
    // BloomConfig aliases: n_embed (legacy) for hidden_size; HF's num_hidden_layers / num_attention_heads.
    auto int_of = [&](const char* key, const char* alias, int64_t fallback) {
      return config.has(key) ? config.get_int(key) : config.get_int(alias, fallback);
    };
    BloomConfig c;
    c.vocab_size = config.get_int("vocab_size", 250880);
    c.hidden_size = config.has("n_embed") ? config.get_int("n_embed") : config.get_int("hidden_size", 64);
    c.n_layer = int_of("n_layer", "num_hidden_layers", 2);
    c.n_head = int_of("n_head", "num_attention_heads", 8);
    c.layer_norm_epsilon = static_cast<float>(config.get_double("layer_norm_epsilon", 1e-5));
    c.apply_residual_connection_post_layernorm = config.get_bool("apply_residual_connection_post_layernorm", false);
    c.tie_word_embeddings = config.get_bool("tie_word_embeddings", true);
    HFCPP_CHECK(c.n_head > 0 && c.hidden_size % c.n_head == 0, config.source(), ": hidden_size ", c.hidden_size,
                " is not a multiple of n_head ", c.n_head);
    return c;
  }
};

struct BloomBlock {
  layers::LayerNorm input_layernorm, post_attention_layernorm;
  layers::CausalSelfAttention self_attention;  // self_attention.query_key_value, de-interleaved
  layers::Linear self_attention_dense, mlp_dense_h_to_4h, mlp_dense_4h_to_h;

  static BloomBlock load(const WeightLoader& w, const BloomConfig& c, const Tensor& slopes) {
    const int64_t h = c.hidden_size;
    const WeightLoader qkv = w.sub("self_attention.query_key_value");
    const Tensor weight = layers::deinterleave_qkv(qkv.get("weight", {3 * h, h}), c.n_head);
    const Tensor bias = layers::deinterleave_qkv(qkv.get("bias", {3 * h}), c.n_head);
    const float inv_norm_factor = 1.0f / std::sqrt(static_cast<float>(h / c.n_head));
    BloomBlock b;
    b.input_layernorm = layers::LayerNorm::load(w.sub("input_layernorm"), h, c.layer_norm_epsilon);
    b.post_attention_layernorm = layers::LayerNorm::load(w.sub("post_attention_layernorm"), h, c.layer_norm_epsilon);
    b.self_attention = layers::CausalSelfAttention{
        layers::Linear::prepare(qkv, weight.to(w.device()), bias.to(w.device())), h, c.n_head,
        inv_norm_factor, slopes};
    b.self_attention_dense = layers::Linear::load(w.sub("self_attention.dense"), h, h);
    b.mlp_dense_h_to_4h = layers::Linear::load(w.sub("mlp.dense_h_to_4h"), h, 4 * h);
    b.mlp_dense_4h_to_h = layers::Linear::load(w.sub("mlp.dense_4h_to_h"), 4 * h, h);
    return b;
  }
};

// BloomModel: layer-normed word embeddings, ALiBi blocks, final LayerNorm.
class BloomTransformer {
 public:
  BloomTransformer(const WeightLoader& w, const BloomConfig& c) : config_(c), device_(w.device()) {
    const Tensor slopes = layers::alibi_slopes(c.n_head).to(w.device());
    word_embeddings_.table = layers::Embedding::load(w.sub("word_embeddings"), c.vocab_size, c.hidden_size);
    word_embeddings_layernorm_ =
        layers::LayerNorm::load(w.sub("word_embeddings_layernorm"), c.hidden_size, c.layer_norm_epsilon);
    h_ = layers::load_blocks<BloomBlock>(
        w.device(), c.n_layer, [&](int64_t i) { return BloomBlock::load(w.sub("h." + std::to_string(i)), c, slopes); });
    ln_f_ = layers::LayerNorm::load(w.sub("ln_f"), c.hidden_size, c.layer_norm_epsilon);
  }

  // inputs with the mask filled in (positions are not used: ALiBi derives them from the mask) -> [B, T, hidden]
  Tensor forward(const CausalLMInputs& in, KvCache& cache) const {
    const bool post_ln = config_.apply_residual_connection_post_layernorm;
    Tensor hidden = word_embeddings_layernorm_(word_embeddings_(in.input_ids));  // [B, T, H]
    for (size_t i = 0; i < h_.size(); ++i) {
      const BloomBlock& block = h_[i];
      const Tensor ln_1 = block.input_layernorm(hidden);
      const Tensor context = block.self_attention(ln_1, in.attention_mask, cache, static_cast<int64_t>(i));
      Tensor attention_output = block.self_attention_dense(context);
      ops::add_(attention_output, post_ln ? ln_1 : hidden);
      const Tensor ln_2 = block.post_attention_layernorm(attention_output);
      const Tensor inner = block.mlp_dense_h_to_4h(ln_2, ops::Activation::GeluTanh);  // bloom_gelu: [B, T, 4H]
      hidden = block.mlp_dense_4h_to_h(inner);
      ops::add_(hidden, post_ln ? ln_2 : attention_output);
    }
    return ln_f_(hidden);
  }

  KvCache make_cache(int64_t batch, int64_t capacity) const {
    return KvCache(config_.n_layer, batch, capacity, config_.hidden_size, device_);
  }
  const BloomConfig& config() const { return config_; }
  // Tied: look tokens up in the LM head's prepared rows (see layers::TokenEmbedding).
  void tie_word_embeddings(const ops::PreparedLinear& lm_head) { word_embeddings_.tie(lm_head); }

 private:
  BloomConfig config_;
  DeviceSpec device_;
  layers::TokenEmbedding word_embeddings_;
  layers::LayerNorm word_embeddings_layernorm_;
  std::vector<BloomBlock> h_;
  layers::LayerNorm ln_f_;
};

WeightLoader transformer_weights(const ModelContext& ctx) {
  const bool with_head = ctx.head != Head::Base;
  return ctx.weights.try_prefixes(with_head ? std::vector<std::string>{"transformer.", ""}
                                            : std::vector<std::string>{"", "transformer."},
                                  "word_embeddings.weight");
}

// The head is prepared before the blocks (member order): see layers::LmHead.
layers::LmHead load_lm_head(const ModelContext& ctx) {
  const BloomConfig c = BloomConfig::from(ctx.config);
  return layers::LmHead::prepare(
      ctx.weights,
      c.tie_word_embeddings ? transformer_weights(ctx).get("word_embeddings.weight", {c.vocab_size, c.hidden_size})
                            : ctx.weights.get("lm_head.weight", {c.vocab_size, c.hidden_size}));
}

class BloomForCausalLM final : public CausalLMBase {
 public:
  explicit BloomForCausalLM(const ModelContext& ctx)
      : CausalLMBase(ctx), lm_head_(load_lm_head(ctx)),
        transformer_(transformer_weights(ctx), BloomConfig::from(ctx.config)) {
    if (transformer_.config().tie_word_embeddings) transformer_.tie_word_embeddings(lm_head_.prepared);
  }
  KvCache make_cache(int64_t batch, int64_t capacity) const override {
    return transformer_.make_cache(batch, capacity);
  }
  int64_t vocab_size() const override { return transformer_.config().vocab_size; }
  int64_t max_positions() const override { return kNoPositionLimit; }

 protected:
  Tensor decode(const CausalLMInputs& in, KvCache& cache) const override { return transformer_.forward(in, cache); }
  Tensor lm_head(const Tensor& hidden) const override { return lm_head_(hidden); }

 private:
  layers::LmHead lm_head_;
  BloomTransformer transformer_;
};

}  // namespace

std::shared_ptr<const Model> make_bloom(const ModelContext& ctx) {
  if (ctx.head == Head::CausalLM) return std::make_shared<const BloomForCausalLM>(ctx);
  HFCPP_CHECK(ctx.head == Head::Base, ctx.architecture, ": BLOOM has no ", head_name(ctx.head), " head in hfcpp");
  return std::make_shared<const DecoderBaseModel<BloomTransformer>>(
      ctx, BloomTransformer(transformer_weights(ctx), BloomConfig::from(ctx.config)), kNoPositionLimit);
}

}  // namespace hfcpp
