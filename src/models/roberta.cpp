// RoBERTa (Liu et al., 2019), mirroring transformers/models/roberta/modular_roberta.py (v5): BERT's embeddings and
// encoder (models/bert.h) with position ids counted from padding_idx + 1, a classification head on <s>
// (classifier.dense -> tanh -> classifier.out_proj) and lm_head. XLM-RoBERTa (modular_xlm_roberta.py) is the same
// modules under other class names. Weights load with or without the "roberta." prefix.
#include "models/roberta.h"

#include <tuple>

#include "layers/heads.h"
#include "models/bert.h"
#include "models/model_base.h"

namespace hfcpp {

Tensor create_position_ids_from_input_ids(const Tensor& input_ids, int64_t padding_idx) {
  HFCPP_CHECK(input_ids.rank() == 2, "create_position_ids_from_input_ids: input_ids must be [batch, seq], got ",
              input_ids.describe());
  const Tensor ids = input_ids.to(DeviceSpec{}).to(DType::I64).contiguous();
  const int64_t batch = ids.dim(0), seq = ids.dim(1);
  Tensor positions = Tensor::empty({batch, seq}, DType::I64);
  const int64_t* in = ids.data<int64_t>();
  int64_t* out = positions.data<int64_t>();
  for (int64_t b = 0; b < batch; ++b) {
    int64_t count = 0;
    for (int64_t s = 0; s < seq; ++s) {
      const bool real = in[b * seq + s] != padding_idx;
      count += real ? 1 : 0;
      out[b * seq + s] = real ? padding_idx + count : padding_idx;
    }
  }
  return positions;
}

namespace {

// RobertaClassificationHead: the <s> token -> dense -> tanh -> out_proj.
struct RobertaClassificationHead {
  layers::Linear dense, out_proj;
  static RobertaClassificationHead load(const WeightLoader& w, const BertConfig& c) {
    return {layers::Linear::load(w.sub("dense"), c.hidden_size, c.hidden_size),
            layers::Linear::load(w.sub("out_proj"), c.hidden_size, c.num_labels)};
  }
  Tensor operator()(const Tensor& features) const {  // [B, S, H] -> [B, num_labels]
    const Tensor first_token = features.select(1, 0).contiguous();  // [B, H]
    return out_proj(dense(first_token, ops::Activation::Tanh));
  }
};

// RobertaLMHead: dense -> gelu (always the exact erf form, whatever hidden_act says) -> layer_norm -> decoder
// (tied to the word embeddings) + bias.
layers::MaskedLMHead load_lm_head(const WeightLoader& lm_head, const BertModel& roberta, const WeightLoader& roberta_w,
                                  const BertConfig& c) {
  return layers::MaskedLMHead{
      layers::Linear::load(lm_head.sub("dense"), c.hidden_size, c.hidden_size),
      ops::Activation::Gelu,
      layers::LayerNorm::load(lm_head.sub("layer_norm"), c.hidden_size, c.layer_norm_eps),
      layers::tied_weight(lm_head.sub("decoder"), "weight", roberta.embeddings.word_embeddings.weight, roberta_w,
                          "embeddings.word_embeddings.weight", c.tie_word_embeddings),
      layers::get_first_of(lm_head, {"bias", "decoder.bias"}, {c.vocab_size}),
  };
}

class RobertaModelImpl final : public ModelBase {
 public:
  explicit RobertaModelImpl(const ModelContext& ctx)
      : ModelBase(ctx), config_(BertConfig::from(ctx.config, /*default_pad_token_id=*/1)) {
    HFCPP_CHECK(config_.max_position_embeddings > config_.pad_token_id + 1, ctx.config.source(),
                ": max_position_embeddings ", config_.max_position_embeddings,
                " leaves no positions after padding_idx (pad_token_id ", config_.pad_token_id, ")");
    const WeightLoader roberta = base_model_weights(ctx, "roberta.", "embeddings.word_embeddings.weight");
    // The heads build RobertaModel(add_pooling_layer=False); a base checkpoint may have the pooler or not.
    roberta_ = BertModel::load(roberta, config_, ctx.head == Head::Base && roberta.contains("pooler.dense.weight"));
    const int64_t h = config_.hidden_size;
    switch (ctx.head) {
      case Head::SequenceClassification:
        classification_head_ = RobertaClassificationHead::load(ctx.weights.sub("classifier"), config_);
        break;
      case Head::TokenClassification:
        classifier_ = layers::Linear::load(ctx.weights.sub("classifier"), h, config_.num_labels);
        break;
      case Head::QuestionAnswering:
        qa_outputs_ = layers::QuestionAnsweringHead::load(ctx.weights.sub("qa_outputs"), h, config_.num_labels);
        break;
      case Head::MaskedLM: lm_head_ = load_lm_head(ctx.weights.sub("lm_head"), roberta_, roberta, config_); break;
      default: break;
    }
  }

  ModelOutputs forward(const ModelInputs& in) const override {
    check_inputs(in);
    const int64_t batch = in.input_ids.dim(0), seq = in.input_ids.dim(1);
    // type_vocab_size is 1 in RoBERTa checkpoints: token types default to zeros.
    const Tensor token_type_ids =
        in.token_type_ids.defined() ? in.token_type_ids : Tensor::zeros({batch, seq}, DType::I64);
    const Tensor position_ids = in.position_ids.defined()
                                    ? in.position_ids
                                    : create_position_ids_from_input_ids(in.input_ids, config_.pad_token_id);
    ModelOutputs out = roberta_.forward(in.input_ids, in.attention_mask, token_type_ids, position_ids, in.skip_padding);
    switch (head()) {
      case Head::SequenceClassification: out.logits = classification_head_(out.last_hidden_state); break;
      case Head::TokenClassification: out.logits = classifier_(out.last_hidden_state); break;  // [B, S, num_labels]
      case Head::QuestionAnswering:  // [B, S] each
        std::tie(out.start_logits, out.end_logits) = qa_outputs_(out.last_hidden_state);
        break;
      case Head::MaskedLM: out.logits = lm_head_(out.last_hidden_state); break;  // [B, S, vocab]
      default: break;
    }
    return out;
  }

  // Positions padding_idx + 1 ... max_position_embeddings - 1 are usable (514 rows -> 512 tokens in roberta-base).
  int64_t max_positions() const override { return config_.max_position_embeddings - config_.pad_token_id - 1; }
  Tensor input_embeddings() const override { return roberta_.embeddings.word_embeddings.weight; }
  Tensor output_embeddings() const override { return lm_head_.decoder_weight; }

 private:
  BertConfig config_;
  BertModel roberta_;
  RobertaClassificationHead classification_head_;
  layers::Linear classifier_;
  layers::QuestionAnsweringHead qa_outputs_;
  layers::MaskedLMHead lm_head_;
};

}  // namespace

std::shared_ptr<const Model> make_roberta(const ModelContext& context) {
  return std::make_shared<const RobertaModelImpl>(context);
}

}  // namespace hfcpp
