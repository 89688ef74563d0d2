// BERT base model and heads, mirroring transformers/models/bert/modeling_bert.py (v5): BertModel,
// BertForSequenceClassification, BertForTokenClassification, BertForQuestionAnswering, BertForMaskedLM.
// Weights load with or without the "bert." prefix.
#include "models/bert.h"

#include <tuple>

#include "layers/heads.h"
#include "models/model_base.h"

namespace hfcpp {

BertConfig BertConfig::from(const JsonConfig& config, int64_t default_pad_token_id) {
  BertConfig c;
  c.vocab_size = config.get_int("vocab_size");
  c.hidden_size = config.get_int("hidden_size", 768);
  c.num_hidden_layers = config.get_int("num_hidden_layers", 12);
  c.num_attention_heads = config.get_int("num_attention_heads", 12);
  c.intermediate_size = config.get_int("intermediate_size", 3072);
  c.max_position_embeddings = config.get_int("max_position_embeddings", 512);
  c.type_vocab_size = config.get_int("type_vocab_size", 2);
  c.layer_norm_eps = static_cast<float>(config.get_double("layer_norm_eps", 1e-12));
  c.hidden_act = ops::activation_from_name(config.get_string("hidden_act", "gelu"));
  c.num_labels = static_cast<int64_t>(config.id2label().size());
  c.pad_token_id = config.get_int("pad_token_id", default_pad_token_id);
  c.tie_word_embeddings = config.get_bool("tie_word_embeddings", true);
  return c;
}

BertEmbeddings BertEmbeddings::load(const WeightLoader& w, const BertConfig& c) {
  return BertEmbeddings{
      layers::Embedding::load(w.sub("word_embeddings"), c.vocab_size, c.hidden_size),
      layers::Embedding::load(w.sub("position_embeddings"), c.max_position_embeddings, c.hidden_size),
      layers::Embedding::load(w.sub("token_type_embeddings"), c.type_vocab_size, c.hidden_size),
      layers::LayerNorm::load(w.sub("LayerNorm"), c.hidden_size, c.layer_norm_eps),
  };
}

Tensor BertEmbeddings::forward(const Tensor& input_ids, const Tensor& token_type_ids,
                               const Tensor& position_ids) const {
  Tensor embeddings = word_embeddings(input_ids);        // [batch, seq, hidden]
  ops::add_(embeddings, token_type_embeddings(token_type_ids));
  ops::add_(embeddings, position_embeddings(position_ids));
  return LayerNorm(embeddings);
}

BertLayer BertLayer::load(const WeightLoader& w, const BertConfig& c) {
  const int64_t h = c.hidden_size;
  return BertLayer{
      layers::SelfAttention::load(w.sub("attention.self.query"), w.sub("attention.self.key"),
                                  w.sub("attention.self.value"), h, c.num_attention_heads),
      layers::Linear::load(w.sub("attention.output.dense"), h, h),
      layers::LayerNorm::load(w.sub("attention.output.LayerNorm"), h, c.layer_norm_eps),
      layers::Linear::load(w.sub("intermediate.dense"), h, c.intermediate_size),
      layers::Linear::load(w.sub("output.dense"), c.intermediate_size, h),
      layers::LayerNorm::load(w.sub("output.LayerNorm"), h, c.layer_norm_eps),
      c.hidden_act,
  };
}

Tensor BertLayer::forward(const Tensor& hidden_states, const layers::TokenLayout& layout) const {
  const Tensor context = attention_self(hidden_states, layout);                                  // [B, S, H]
  const Tensor attention_output = attention_output_LayerNorm.residual(attention_output_dense(context), hidden_states);
  const Tensor intermediate = intermediate_dense(attention_output, hidden_act);                 // [B, S, I]
  return output_LayerNorm.residual(output_dense(intermediate), attention_output);               // [B, S, H]
}

BertEncoder BertEncoder::load(const WeightLoader& w, const BertConfig& c) {
  return BertEncoder{layers::load_blocks<BertLayer>(
      w.device(), c.num_hidden_layers, [&](int64_t i) { return BertLayer::load(w.sub("layer." + std::to_string(i)), c); })};
}

Tensor BertEncoder::forward(Tensor hidden_states, const layers::TokenLayout& layout) const {
  for (const BertLayer& l : layer) hidden_states = l.forward(hidden_states, layout);
  return hidden_states;
}

BertModel BertModel::load(const WeightLoader& w, const BertConfig& c, bool add_pooling_layer) {
  BertModel m{BertEmbeddings::load(w.sub("embeddings"), c), BertEncoder::load(w.sub("encoder"), c), {}};
  if (add_pooling_layer) m.pooler_dense = layers::Linear::load(w.sub("pooler.dense"), c.hidden_size, c.hidden_size);
  return m;
}

ModelOutputs BertModel::forward(const Tensor& input_ids, const Tensor& attention_mask, const Tensor& token_type_ids,
                                const Tensor& position_ids, bool skip_padding) const {
  const Tensor embedded = embeddings.forward(input_ids, token_type_ids, position_ids);  // [B, S, H]
  const auto layout = layers::TokenLayout::from_mask(attention_mask, skip_padding, embedded.device());
  ModelOutputs out;
  out.last_hidden_state = layout.unpack(encoder.forward(layout.pack(embedded), layout));
  if (pooler_dense.prepared.defined()) {
    const Tensor first_token = out.last_hidden_state.select(1, 0).contiguous();  // [B, H]
    out.pooler_output = pooler_dense(first_token, ops::Activation::Tanh);
  }
  return out;
}

namespace {

// cls.predictions: transform.dense -> hidden_act -> transform.LayerNorm -> decoder (tied to the word embeddings)
// + bias.
layers::MaskedLMHead load_lm_head(const WeightLoader& cls, const BertModel& bert, const WeightLoader& bert_w,
                                  const BertConfig& c) {
  const WeightLoader predictions = cls.sub("predictions");
  const Tensor& embedding = bert.embeddings.word_embeddings.weight;  // [vocab, H]
  return layers::MaskedLMHead{
      layers::Linear::load(predictions.sub("transform.dense"), c.hidden_size, c.hidden_size),
      c.hidden_act,
      layers::LayerNorm::load(predictions.sub("transform.LayerNorm"), c.hidden_size, c.layer_norm_eps),
      layers::tied_weight(predictions.sub("decoder"), "weight", embedding, bert_w, "embeddings.word_embeddings.weight",
                          c.tie_word_embeddings),
      layers::get_first_of(predictions, {"bias", "decoder.bias"}, {c.vocab_size}),
  };
}

class BertModelImpl final : public ModelBase {
 public:
  explicit BertModelImpl(const ModelContext& ctx) : ModelBase(ctx), config_(BertConfig::from(ctx.config)) {
    const WeightLoader bert = base_model_weights(ctx, "bert.", "embeddings.word_embeddings.weight");
    // Only the sequence classifier uses the pooler; a base checkpoint may lack it (add_pooling_layer=False).
    const bool pooler = ctx.head == Head::SequenceClassification ||
                        (ctx.head == Head::Base && bert.contains("pooler.dense.weight"));
    bert_ = BertModel::load(bert, config_, pooler);
    const int64_t h = config_.hidden_size;
    switch (ctx.head) {
      case Head::SequenceClassification:
      case Head::TokenClassification:
        classifier_ = layers::Linear::load(ctx.weights.sub("classifier"), h, config_.num_labels);
        break;
      case Head::QuestionAnswering:
        qa_outputs_ = layers::QuestionAnsweringHead::load(ctx.weights.sub("qa_outputs"), h, config_.num_labels);
        break;
      case Head::MaskedLM: cls_ = load_lm_head(ctx.weights.sub("cls"), bert_, bert, config_); break;
      default: break;
    }
  }

  ModelOutputs forward(const ModelInputs& in) const override {
    check_inputs(in);
    const int64_t batch = in.input_ids.dim(0), seq = in.input_ids.dim(1);
    const Tensor token_type_ids = in.token_type_ids.defined() ? in.token_type_ids : Tensor::zeros({batch, seq}, DType::I64);
    const Tensor position_ids = in.position_ids.defined() ? in.position_ids : layers::default_position_ids(batch, seq);
    ModelOutputs out = bert_.forward(in.input_ids, in.attention_mask, token_type_ids, position_ids, in.skip_padding);
    switch (head()) {
      case Head::SequenceClassification: out.logits = classifier_(out.pooler_output); break;    // [B, num_labels]
      case Head::TokenClassification: out.logits = classifier_(out.last_hidden_state); break;  // [B, S, num_labels]
      case Head::QuestionAnswering:  // [B, S] each
        std::tie(out.start_logits, out.end_logits) = qa_outputs_(out.last_hidden_state);
        break;
      case Head::MaskedLM: out.logits = cls_(out.last_hidden_state); break;  // [B, S, vocab]
      default: break;
    }
    return out;
  }

  int64_t max_positions() const override { return config_.max_position_embeddings; }
  Tensor input_embeddings() const override { return bert_.embeddings.word_embeddings.weight; }
  Tensor output_embeddings() const override { return cls_.decoder_weight; }

 private:
  BertConfig config_;
  BertModel bert_;
  layers::Linear classifier_;
  layers::QuestionAnsweringHead qa_outputs_;
  layers::MaskedLMHead cls_;
};

}  // namespace

std::shared_ptr<const Model> make_bert(const ModelContext& context) {
  return std::make_shared<const BertModelImpl>(context);
}

}  // namespace hfcpp
