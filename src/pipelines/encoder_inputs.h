// Shared preprocessing for encoder tasks: tokenize with the model's length limit, pad a batch, build tensors.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "hfcpp/models/model.h"
#include "hfcpp/tokenizers/tokenizer.h"

namespace hfcpp {

// The longest input the pipeline may feed: tokenizer model_max_length capped by the position embeddings.
size_t max_input_tokens(const Tokenizer& tokenizer, const Model& model);

// Encodes one text (or pair). With `truncation` the encoding is cut to `max_tokens` as transformers'
// truncation=True does; without it, an encoding longer than `max_tokens` is an error that names the input,
// its length and the limit, and suggests truncation.
Encoding encode_for_model(const Tokenizer& tokenizer, const std::string& text, const std::optional<std::string>& pair,
                          size_t max_tokens, bool truncation, size_t input_index);

// Pads the encodings to the longest (right side, pad id, mask 0) into [batch, seq] I64 tensors. Without
// `token_type_ids` the model gets none (it uses zeros), as when transformers' tokenizer does not list them.
// skip_padding is set (the pipelines read no output at padding positions, so the model may pack the batch) unless
// the environment has HFCPP_PADDED_BATCHES=1.
ModelInputs make_model_inputs(const std::vector<const Encoding*>& batch, int32_t pad_id, bool token_type_ids = true);

// Whether transformers feeds token_type_ids to the model for the tokenizer saved in `model_dir`: its
// model_input_names (tokenizer_config.json, else the tokenizer class's default: BERT-style tokenizers list them,
// RoBERTa / XLM-R / DistilBERT / GPT-2 ... do not). A pair encoded by XLM-R's tokenizer has type ids 1 that its
// one-row token-type embedding cannot take.
bool uses_token_type_ids(const std::string& model_dir);

// transformers 5's default for tokenizer.decode(..., clean_up_tokenization_spaces=None) of the tokenizer saved in
// `model_dir`: tokenizer_config.json "clean_up_tokenization_spaces" (false when absent), ignored for BPE models.
bool default_clean_up_tokenization_spaces(const std::string& model_dir);

}  // namespace hfcpp
