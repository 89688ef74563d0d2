// BERT (Devlin et al., 2018), mirroring transformers/models/bert/modeling_bert.py. The encoder pieces are
// declared here so that RoBERTa-style models can reuse them (modular-style), see architecture.md.
#pragma once

#include <vector>

#include "layers/layers.h"
#include "models/registry.h"

namespace hfcpp {

struct BertConfig {
  int64_t vocab_size, hidden_size, num_hidden_layers, num_attention_heads, intermediate_size;
  int64_t max_position_embeddings, type_vocab_size;
  float layer_norm_eps;
  ops::Activation hidden_act;
  int64_t num_labels;
  int64_t pad_token_id;      // RoBERTa: also the padding_idx of the position embeddings
  bool tie_word_embeddings;  // masked-LM decoder shares the word embeddings
  // `default_pad_token_id`: the model type's default when config.json omits it (BERT 0, RoBERTa 1).
  static BertConfig from(const JsonConfig& config, int64_t default_pad_token_id = 0);
};

struct BertEmbeddings {
  layers::Embedding word_embeddings, position_embeddings, token_type_embeddings;
  layers::LayerNorm LayerNorm;
  static BertEmbeddings load(const WeightLoader& w, const BertConfig& c);
  // -> [batch, seq, hidden]
  Tensor forward(const Tensor& input_ids, const Tensor& token_type_ids, const Tensor& position_ids) const;
};

// One transformer block: attention.self.{query,key,value}, attention.output, intermediate, output.
struct BertLayer {
  layers::SelfAttention attention_self;
  layers::Linear attention_output_dense;
  layers::LayerNorm attention_output_LayerNorm;
  layers::Linear intermediate_dense;
  layers::Linear output_dense;
  layers::LayerNorm output_LayerNorm;
  ops::Activation hidden_act;
  static BertLayer load(const WeightLoader& w, const BertConfig& c);
  // [batch, seq, hidden], or [1, tokens, hidden] when the layout is packed
  Tensor forward(const Tensor& hidden_states, const layers::TokenLayout& layout) const;
};

struct BertEncoder {
  std::vector<BertLayer> layer;
  static BertEncoder load(const WeightLoader& w, const BertConfig& c);
  Tensor forward(Tensor hidden_states, const layers::TokenLayout& layout) const;
};

// transformers' BertModel: embeddings, encoder and, with add_pooling_layer, the pooler (tanh(dense(first token))).
// RobertaModel is the same modules with other position ids.
struct BertModel {
  BertEmbeddings embeddings;
  BertEncoder encoder;
  layers::Linear pooler_dense;  // undefined without a pooler
  static BertModel load(const WeightLoader& w, const BertConfig& c, bool add_pooling_layer);
  // ids, mask, types, positions: [batch, seq] -> last_hidden_state [B, S, H] and, with a pooler, pooler_output [B, H].
  // skip_padding: ModelInputs::skip_padding.
  ModelOutputs forward(const Tensor& input_ids, const Tensor& attention_mask, const Tensor& token_type_ids,
                       const Tensor& position_ids, bool skip_padding) const;
};

std::shared_ptr<const Model> make_bert(const ModelContext& context);

}  // namespace hfcpp
