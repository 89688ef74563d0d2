// token-classification / ner (transformers' TokenClassificationPipeline): per-token labels, or entities grouped
// with the none/simple/first/average/max aggregation strategies; long texts in overlapping windows with `stride`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "hfcpp/pipelines/pipeline.h"

namespace hfcpp {

enum class AggregationStrategy { None, Simple, First, Average, Max };
AggregationStrategy aggregation_strategy_from_name(const std::string& name);  // any case; throws otherwise

struct TokenClassificationOptions {
  // Unset behaves as None, except that only an explicit None rejects `stride` (as in transformers).
  std::optional<AggregationStrategy> aggregation_strategy;
  std::vector<std::string> ignore_labels = {"O"};
  // Windows of model_max_length tokens overlapping by `stride` tokens cover a text of any length (needs an
  // explicitly chosen aggregation strategy other than none, as in transformers). Unset: the text is truncated to
  // the model maximum.
  std::optional<size_t> stride;
  // For pre-tokenized input (the words overload, Python is_split_into_words=True): the words are joined with this
  // to make the sentence that `start`, `end` and the aggregated `word` refer to.
  std::string delimiter = " ";
};

// One result entry. With AggregationStrategy::None `entity` is the token's label and `index` its position in the
// encoding; otherwise `entity` holds the entity group (tag without B-/I-) and `index` is unset.
struct TokenEntity {
  std::string entity;
  float score = 0;
  std::optional<int64_t> index;
  std::string word;
  int64_t start = 0;  // character offsets into the input text (Python str indices), end exclusive
  int64_t end = 0;
};

class TokenClassificationPipeline final : public Pipeline {
 public:
  explicit TokenClassificationPipeline(const std::string& model_dir, const PipelineOptions& options = {});

  std::vector<TokenEntity> operator()(const std::string& text, const TokenClassificationOptions& options = {}) const;
  // Pre-tokenized input (Python: pipe(words, is_split_into_words=True, delimiter=...)): each word is tokenized on its
  // own (Tokenizer::encode_words); start/end are character offsets into the words joined with options.delimiter.
  std::vector<TokenEntity> operator()(const std::vector<std::string>& words,
                                      const TokenClassificationOptions& options = {}) const;
  static std::string to_json(const std::vector<std::vector<TokenEntity>>& results,
                             const TokenClassificationOptions& options, bool single_input);

  const std::string& task() const override { return task_; }
  // kwargs: aggregation_strategy, ignore_labels, stride, is_split_into_words, delimiter.
  std::string run_json(const std::string& inputs_json, const std::string& kwargs_json = "{}") const override;
  const Model& model() const override { return *model_; }
  const Tokenizer& tokenizer() const override { return tokenizer_; }

 private:
  // Runs the windows of `encoding` (offsets into `sentence`) through the model and post-processing.
  std::vector<TokenEntity> classify(const std::string& sentence, const Encoding& encoding,
                                    const TokenClassificationOptions& options) const;
  EncodeOptions encode_options(const TokenClassificationOptions& options) const;

  std::string task_ = "token-classification";
  std::shared_ptr<const Model> model_;
  Tokenizer tokenizer_;
  PipelineOptions options_;
  bool token_type_ids_ = true;  // whether transformers feeds token_type_ids for this tokenizer
};

}  // namespace hfcpp
