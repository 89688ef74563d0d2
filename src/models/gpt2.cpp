// GPT-2 (Radford et al., 2019), mirroring transformers/models/gpt2/modeling_gpt2.py (v5.23): GPT2Model and
// GPT2LMHeadModel. Load-time fix-ups: the Conv1D weights ([in, out]) are transposed once into prepared linears,
// c_attn is already a fused [q | k | v] projection, and the LM head is prepared from wte when it is tied.
// Weights load with or without the "transformer." prefix.
#include "models/gpt2.h"

#include <cmath>

#include "layers/decoder.h"
#include "models/causal_lm_base.h"

namespace hfcpp {
namespace {

struct GPT2Config {
  int64_t vocab_size, n_embd, n_layer, n_head, n_positions, n_inner;
  float layer_norm_epsilon;
  ops::Activation activation_function;
  bool scale_attn_weights, scale_attn_by_inverse_layer_idx, tie_word_embeddings;

  static GPT2Config from(const JsonConfig& config) {
    // HF attribute_map aliases: hidden_size, num_hidden_layers, num_attention_heads, max_position_embeddings.
    auto int_of = [&](const char* key, const char* alias, int64_t fallback) {
      return config.has(key) ? config.get_int(key) : config.get_int(alias, fallback);
    };
    GPT2Config c;
    c.vocab_size = config.get_int("vocab_size", 50257);
    c.n_embd = int_of("n_embd", "hidden_size", 768);
    c.n_layer = int_of("n_layer", "num_hidden_layers", 12);
    c.n_head = int_of("n_head", "num_attention_heads", 12);
    c.n_positions = int_of("n_positions", "max_position_embeddings", 1024);
    c.n_inner = config.get_int("n_inner", 4 * c.n_embd);
    c.layer_norm_epsilon = static_cast<float>(config.get_double("layer_norm_epsilon", 1e-5));
    c.activation_function = ops::activation_from_name(config.get_string("activation_function", "gelu_new"));
    c.scale_attn_weights = config.get_bool("scale_attn_weights", true);
    c.scale_attn_by_inverse_layer_idx = config.get_bool("scale_attn_by_inverse_layer_idx", false);
    c.tie_word_embeddings = config.get_bool("tie_word_embeddings", true);
    HFCPP_CHECK(!config.get_bool("add_cross_attention", false), config.source(),
                ": GPT-2 with cross-attention (add_cross_attention) is not supported");
    HFCPP_CHECK(c.n_head > 0 && c.n_embd % c.n_head == 0, config.source(), ": n_embd ", c.n_embd,
                " is not a multiple of n_head ", c.n_head);
    return c;
  }
};

// transformers' Conv1D: y = x W + b with W [in, out]. Transposed once into nn.Linear layout.
layers::Linear load_conv1d(const WeightLoader& w, int64_t in, int64_t out) {
  const Tensor weight = w.get("weight", {in, out});
  return layers::Linear::prepare(w, weight.transpose(0, 1), w.get("bias", {out}));
}

struct GPT2Block {
  layers::LayerNorm ln_1, ln_2;
  layers::CausalSelfAttention attn;  // attn.c_attn
  layers::Linear attn_c_proj, mlp_c_fc, mlp_c_proj;

  static GPT2Block load(const WeightLoader& w, const GPT2Config& c, int64_t layer_idx) {
    const int64_t h = c.n_embd;
    float scale = c.scale_attn_weights ? 1.0f / std::sqrt(static_cast<float>(h / c.n_head)) : 1.0f;
    if (c.scale_attn_by_inverse_layer_idx) scale /= static_cast<float>(layer_idx + 1);
    GPT2Block b;
    b.ln_1 = layers::LayerNorm::load(w.sub("ln_1"), h, c.layer_norm_epsilon);
    b.ln_2 = layers::LayerNorm::load(w.sub("ln_2"), h, c.layer_norm_epsilon);
    b.attn = layers::CausalSelfAttention{load_conv1d(w.sub("attn.c_attn"), h, 3 * h), h, c.n_head, scale, Tensor()};
    b.attn_c_proj = load_conv1d(w.sub("attn.c_proj"), h, h);
    b.mlp_c_fc = load_conv1d(w.sub("mlp.c_fc"), h, c.n_inner);
    b.mlp_c_proj = load_conv1d(w.sub("mlp.c_proj"), c.n_inner, h);
    return b;
  }
};

// GPT2Model: token + learned position embeddings, pre-LN blocks, final LayerNorm.
class GPT2Transformer {
 public:
  GPT2Transformer(const WeightLoader& w, const GPT2Config& c) : config_(c) {
    wte_.table = layers::Embedding::load(w.sub("wte"), c.vocab_size, c.n_embd);
    wpe_ = layers::Embedding::load(w.sub("wpe"), c.n_positions, c.n_embd);
    h_ = layers::load_blocks<GPT2Block>(w.device(), c.n_layer,
                                        [&](int64_t i) { return GPT2Block::load(w.sub("h." + std::to_string(i)), c, i); });
    ln_f_ = layers::LayerNorm::load(w.sub("ln_f"), c.n_embd, c.layer_norm_epsilon);
    device_ = w.device();
  }

  // inputs with mask and positions filled in -> hidden states [B, T, n_embd]
  Tensor forward(const CausalLMInputs& in, KvCache& cache) const {
    Tensor hidden = ops::add(wte_(in.input_ids), wpe_(in.position_ids));  // [B, T, H]
    for (size_t i = 0; i < h_.size(); ++i) {
      const GPT2Block& block = h_[i];
      const Tensor context = block.attn(block.ln_1(hidden), in.attention_mask, cache, static_cast<int64_t>(i));
      ops::add_(hidden, block.attn_c_proj(context));
      const Tensor inner = block.mlp_c_fc(block.ln_2(hidden), config_.activation_function);  // [B, T, n_inner]
      ops::add_(hidden, block.mlp_c_proj(inner));
    }
    return ln_f_(hidden);
  }

  KvCache make_cache(int64_t batch, int64_t capacity) const {
    return KvCache(config_.n_layer, batch, capacity, config_.n_embd, device_);
  }
  // With tied embeddings the LM head's prepared rows are wte itself: looking tokens up there instead of in the
  // checkpoint's mmap keeps the embedding's 154 MB of file pages (dropped after packing) from being mapped again.
  void tie_wte(const ops::PreparedLinear& lm_head) { wte_.tie(lm_head); }
  const GPT2Config& config() const { return config_; }

 private:
  GPT2Config config_;
  layers::TokenEmbedding wte_;
  layers::Embedding wpe_;
  std::vector<GPT2Block> h_;
  layers::LayerNorm ln_f_;
  DeviceSpec device_;
};

WeightLoader transformer_weights(const ModelContext& ctx) {
  const bool with_head = ctx.head != Head::Base;
  return ctx.weights.try_prefixes(with_head ? std::vector<std::string>{"transformer.", ""}
                                            : std::vector<std::string>{"", "transformer."},
                                  "wte.weight");
}

// The head is prepared before the blocks (member order): see layers::LmHead.
layers::LmHead load_lm_head(const ModelContext& ctx) {
  const GPT2Config c = GPT2Config::from(ctx.config);
  return layers::LmHead::prepare(ctx.weights, c.tie_word_embeddings
                                                  ? transformer_weights(ctx).get("wte.weight", {c.vocab_size, c.n_embd})
                                                  : ctx.weights.get("lm_head.weight", {c.vocab_size, c.n_embd}));
}

class GPT2LMHeadModel final : public CausalLMBase {
 public:
  explicit GPT2LMHeadModel(const ModelContext& ctx)
      : CausalLMBase(ctx), lm_head_(load_lm_head(ctx)),
        transformer_(transformer_weights(ctx), GPT2Config::from(ctx.config)) {
    if (transformer_.config().tie_word_embeddings) transformer_.tie_wte(lm_head_.prepared);
  }
  KvCache make_cache(int64_t batch, int64_t capacity) const override {
    return transformer_.make_cache(batch, capacity);
  }
  int64_t vocab_size() const override { return transformer_.config().vocab_size; }
  int64_t max_positions() const override { return transformer_.config().n_positions; }

 protected:
  Tensor decode(const CausalLMInputs& in, KvCache& cache) const override { return transformer_.forward(in, cache); }
  Tensor lm_head(const Tensor& hidden) const override { return lm_head_(hidden); }

 private:
  layers::LmHead lm_head_;
  GPT2Transformer transformer_;
};

}  // namespace

std::shared_ptr<const Model> make_gpt2(const ModelContext& ctx) {
  if (ctx.head == Head::CausalLM) return std::make_shared<const GPT2LMHeadModel>(ctx);
  HFCPP_CHECK(ctx.head == Head::Base, ctx.architecture, ": GPT-2 has no ", head_name(ctx.head), " head in hfcpp");
  const GPT2Config c = GPT2Config::from(ctx.config);
  return std::make_shared<const DecoderBaseModel<GPT2Transformer>>(ctx, GPT2Transformer(transformer_weights(ctx), c),
                                                                   c.n_positions);
}

}  // namespace hfcpp
