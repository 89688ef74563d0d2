// DistilBERT (Sanh et al., 2019), mirroring transformers/models/distilbert/modeling_distilbert.py (v5):
// DistilBertModel, DistilBertFor{SequenceClassification,TokenClassification,QuestionAnswering,MaskedLM}.
// Weights load with or without "distilbert.".
#include "models/distilbert.h"

#include <tuple>
#include <vector>

#include "layers/heads.h"
#include "layers/layers.h"
#include "models/model_base.h"

namespace hfcpp {

namespace {

struct DistilBertConfig {
  int64_t vocab_size, dim, n_layers, n_heads, hidden_dim, max_position_embeddings, num_labels;
  ops::Activation activation;
  bool tie_word_embeddings;
  static DistilBertConfig from(const JsonConfig& config) {
    DistilBertConfig c;
    c.vocab_size = config.get_int("vocab_size");
    c.dim = config.get_int("dim", 768);
    c.n_layers = config.get_int("n_layers", 6);
    c.n_heads = config.get_int("n_heads", 12);
    c.hidden_dim = config.get_int("hidden_dim", 3072);
    c.max_position_embeddings = config.get_int("max_position_embeddings", 512);
    c.activation = ops::activation_from_name(config.get_string("activation", "gelu"));
    c.num_labels = static_cast<int64_t>(config.id2label().size());
    c.tie_word_embeddings = config.get_bool("tie_word_embeddings", true);
    return c;
  }
};

constexpr float kLayerNormEps = 1e-12f;  // hard-coded in modeling_distilbert.py

// TransformerBlock: attention.{q,k,v,out}_lin, sa_layer_norm, ffn.lin1/lin2, output_layer_norm.
struct TransformerBlock {
  layers::SelfAttention attention;
  layers::Linear attention_out_lin;
  layers::LayerNorm sa_layer_norm;
  layers::Linear ffn_lin1, ffn_lin2;
  layers::LayerNorm output_layer_norm;
  ops::Activation activation;

  static TransformerBlock load(const WeightLoader& w, const DistilBertConfig& c) {
    return TransformerBlock{
        layers::SelfAttention::load(w.sub("attention.q_lin"), w.sub("attention.k_lin"), w.sub("attention.v_lin"),
                                    c.dim, c.n_heads),
        layers::Linear::load(w.sub("attention.out_lin"), c.dim, c.dim),
        layers::LayerNorm::load(w.sub("sa_layer_norm"), c.dim, kLayerNormEps),
        layers::Linear::load(w.sub("ffn.lin1"), c.dim, c.hidden_dim),
        layers::Linear::load(w.sub("ffn.lin2"), c.hidden_dim, c.dim),
        layers::LayerNorm::load(w.sub("output_layer_norm"), c.dim, kLayerNormEps),
        c.activation,
    };
  }

  Tensor forward(const Tensor& x, const layers::TokenLayout& layout) const {  // [B, S, dim] or packed [1, T, dim]
    const Tensor sa_output = sa_layer_norm.residual(attention_out_lin(attention(x, layout)), x);
    const Tensor ffn_output = ffn_lin2(ffn_lin1(sa_output, activation));
    return output_layer_norm.residual(ffn_output, sa_output);
  }
};

class DistilBertModelImpl final : public ModelBase {
 public:
  explicit DistilBertModelImpl(const ModelContext& ctx) : ModelBase(ctx), c_(DistilBertConfig::from(ctx.config)) {
    const WeightLoader w = base_model_weights(ctx, "distilbert.", "embeddings.word_embeddings.weight");
    word_embeddings_ = layers::Embedding::load(w.sub("embeddings.word_embeddings"), c_.vocab_size, c_.dim);
    position_embeddings_ =
        layers::Embedding::load(w.sub("embeddings.position_embeddings"), c_.max_position_embeddings, c_.dim);
    embeddings_LayerNorm_ = layers::LayerNorm::load(w.sub("embeddings.LayerNorm"), c_.dim, kLayerNormEps);
    transformer_layer_ = layers::load_blocks<TransformerBlock>(w.device(), c_.n_layers, [&](int64_t i) {
      return TransformerBlock::load(w.sub("transformer.layer." + std::to_string(i)), c_);
    });
    const WeightLoader& root = ctx.weights;
    switch (ctx.head) {
      case Head::SequenceClassification:
        pre_classifier_ = layers::Linear::load(root.sub("pre_classifier"), c_.dim, c_.dim);
        classifier_ = layers::Linear::load(root.sub("classifier"), c_.dim, c_.num_labels);
        break;
      case Head::TokenClassification:
        classifier_ = layers::Linear::load(root.sub("classifier"), c_.dim, c_.num_labels);
        break;
      case Head::QuestionAnswering:
        qa_outputs_ = layers::QuestionAnsweringHead::load(root.sub("qa_outputs"), c_.dim, c_.num_labels);
        break;
      case Head::MaskedLM:  // vocab_transform -> activation -> vocab_layer_norm -> vocab_projector (tied)
        vocab_head_ = layers::MaskedLMHead{
            layers::Linear::load(root.sub("vocab_transform"), c_.dim, c_.dim),
            c_.activation,
            layers::LayerNorm::load(root.sub("vocab_layer_norm"), c_.dim, kLayerNormEps),
            layers::tied_weight(root.sub("vocab_projector"), "weight", word_embeddings_.weight, w,
                                "embeddings.word_embeddings.weight", c_.tie_word_embeddings),
            root.sub("vocab_projector").get("bias", {c_.vocab_size}),
        };
        break;
      default: break;
    }
  }

  ModelOutputs forward(const ModelInputs& in) const override {
    check_inputs(in);
    const int64_t batch = in.input_ids.dim(0), seq = in.input_ids.dim(1);
    const Tensor position_ids = in.position_ids.defined() ? in.position_ids : layers::default_position_ids(batch, seq);
    Tensor hidden = word_embeddings_(in.input_ids);  // [B, S, dim]
    ops::add_(hidden, position_embeddings_(position_ids));
    hidden = embeddings_LayerNorm_(hidden);
    const auto layout = layers::TokenLayout::from_mask(in.attention_mask, in.skip_padding, hidden.device());
    hidden = layout.pack(hidden);
    for (const TransformerBlock& block : transformer_layer_) hidden = block.forward(hidden, layout);
    hidden = layout.unpack(hidden);
    ModelOutputs out;
    out.last_hidden_state = hidden;
    switch (head()) {
      case Head::SequenceClassification: {
        const Tensor pooled = hidden.select(1, 0).contiguous();                   // [B, dim]
        out.logits = classifier_(pre_classifier_(pooled, ops::Activation::Relu));  // [B, num_labels]
        break;
      }
      case Head::TokenClassification: out.logits = classifier_(hidden); break;  // [B, S, num_labels]
      case Head::QuestionAnswering: std::tie(out.start_logits, out.end_logits) = qa_outputs_(hidden); break;
      case Head::MaskedLM: out.logits = vocab_head_(hidden); break;  // [B, S, vocab]
      default: break;
    }
    return out;
  }

  int64_t max_positions() const override { return c_.max_position_embeddings; }
  Tensor input_embeddings() const override { return word_embeddings_.weight; }
  Tensor output_embeddings() const override { return vocab_head_.decoder_weight; }

 private:
  DistilBertConfig c_;
  layers::Embedding word_embeddings_, position_embeddings_;
  layers::LayerNorm embeddings_LayerNorm_;
  std::vector<TransformerBlock> transformer_layer_;
  layers::Linear pre_classifier_, classifier_;
  layers::QuestionAnsweringHead qa_outputs_;
  layers::MaskedLMHead vocab_head_;
};

}  // namespace

std::shared_ptr<const Model> make_distilbert(const ModelContext& context) {
  return std::make_shared<const DistilBertModelImpl>(context);
}

}  // namespace hfcpp
