// token-classification / ner, mirroring transformers/pipelines/token_classification.py: softmax per token,
// pre-entities with subword detection, word aggregation (first/average/max), B-/I- grouping, ignore_labels, and
// overlapping windows (stride) merged by aggregate_overlapping_entities.
#include "hfcpp/pipelines/token_classification.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include <nlohmann/json.hpp>

#include "hfcpp/core/error.h"
#include "hfcpp/core/threads.h"
#include "pipelines/encoder_inputs.h"
#include "pipelines/load_parts.h"
#include "pipelines/python_json.h"

namespace hfcpp {

using ordered_json = nlohmann::ordered_json;

AggregationStrategy aggregation_strategy_from_name(const std::string& name) {
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower == "none") return AggregationStrategy::None;
  if (lower == "simple") return AggregationStrategy::Simple;
  if (lower == "first") return AggregationStrategy::First;
  if (lower == "average") return AggregationStrategy::Average;
  if (lower == "max") return AggregationStrategy::Max;
  fail("aggregation_strategy: '", name, "' is not one of none, simple, first, average, max");
}

namespace {

struct PreEntity {
  std::string word;
  std::vector<float> scores;  // softmax over labels
  int64_t start, end;         // character offsets
  int64_t index;
  bool is_subword;
};

size_t count_chars(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xc0) != 0x80;
  return n;
}

size_t argmax(const std::vector<float>& v) {
  return static_cast<size_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

std::pair<char, std::string> get_tag(const std::string& label) {
  if (label.rfind("B-", 0) == 0) return {'B', label.substr(2)};
  if (label.rfind("I-", 0) == 0) return {'I', label.substr(2)};
  return {'I', label};
}

class Postprocessor {
 public:
  Postprocessor(const Tokenizer& tokenizer, const std::vector<std::string>& id2label, const std::string& text)
      : tokenizer_(tokenizer), id2label_(id2label), text_(text), char_index_(utf8_char_index(text)) {}

  std::vector<PreEntity> gather(const Encoding& enc, const float* logits) const {
    const size_t labels = id2label_.size();
    const bool has_subword_prefix = !tokenizer_.continuing_subword_prefix().empty();
    const std::optional<int32_t> unk_id = tokenizer_.special_token_id("unk");
    std::vector<PreEntity> out;
    for (size_t i = 0; i < enc.size(); ++i) {
      if (enc.special_tokens_mask[i]) continue;
      std::vector<float> scores(logits + i * labels, logits + (i + 1) * labels);
      const float max = *std::max_element(scores.begin(), scores.end());
      float sum = 0;
      for (float& s : scores) sum += (s = std::exp(s - max));
      for (float& s : scores) s /= sum;
      const auto [byte_start, byte_end] = enc.offsets[i];
      const std::string word_ref = text_.substr(byte_start, byte_end - byte_start);
      std::string word = tokenizer_.id_to_token(enc.ids[i]).value_or("");
      bool is_subword;
      if (has_subword_prefix) {
        is_subword = count_chars(word) != count_chars(word_ref);
      } else {  // transformers' fallback heuristic for tokenizers without a subword prefix
        is_subword = byte_start > 0 && text_[byte_start - 1] != ' ' && (byte_start >= text_.size() || text_[byte_start] != ' ');
      }
      if (unk_id && enc.ids[i] == *unk_id) {
        word = word_ref;
        is_subword = false;
      }
      out.push_back(PreEntity{word, std::move(scores), static_cast<int64_t>(char_index_[byte_start]),
                              static_cast<int64_t>(char_index_[byte_end]), static_cast<int64_t>(i), is_subword});
    }
    return out;
  }

  std::vector<TokenEntity> aggregate(const std::vector<PreEntity>& pre, AggregationStrategy strategy) const {
    std::vector<TokenEntity> entities;
    if (strategy == AggregationStrategy::None || strategy == AggregationStrategy::Simple) {
      for (const PreEntity& p : pre) {
        const size_t best = argmax(p.scores);
        entities.push_back(TokenEntity{id2label_[best], p.scores[best], p.index, p.word, p.start, p.end});
      }
    } else {
      entities = aggregate_words(pre, strategy);
    }
    return strategy == AggregationStrategy::None ? entities : group_entities(entities);
  }

 private:
  TokenEntity aggregate_word(const std::vector<const PreEntity*>& group, AggregationStrategy strategy) const {
    std::vector<std::string> tokens;
    for (const PreEntity* p : group) tokens.push_back(p->word);
    std::vector<float> scores;
    if (strategy == AggregationStrategy::First) {
      scores = group.front()->scores;
    } else if (strategy == AggregationStrategy::Max) {
      const PreEntity* best = group.front();
      for (const PreEntity* p : group)
        if (*std::max_element(p->scores.begin(), p->scores.end()) > *std::max_element(best->scores.begin(), best->scores.end()))
          best = p;
      scores = best->scores;
    } else {  // Average: mean of the score vectors
      scores.assign(group.front()->scores.size(), 0.0f);
      for (const PreEntity* p : group)
        for (size_t k = 0; k < scores.size(); ++k) scores[k] += p->scores[k];
      for (float& s : scores) s /= static_cast<float>(group.size());
    }
    const size_t best = argmax(scores);
    return TokenEntity{id2label_[best], scores[best], std::nullopt, tokenizer_.convert_tokens_to_string(tokens),
                       group.front()->start, group.back()->end};
  }

  std::vector<TokenEntity> aggregate_words(const std::vector<PreEntity>& pre, AggregationStrategy strategy) const {
    std::vector<TokenEntity> words;
    std::vector<const PreEntity*> group;
    for (const PreEntity& p : pre) {
      if (!group.empty() && !p.is_subword) {
        words.push_back(aggregate_word(group, strategy));
        group.clear();
      }
      group.push_back(&p);
    }
    if (!group.empty()) words.push_back(aggregate_word(group, strategy));
    return words;
  }

  TokenEntity group_sub_entities(const std::vector<const TokenEntity*>& group) const {
    const std::string& label = group.front()->entity;
    const size_t dash = label.find('-');
    std::vector<std::string> tokens;
    float sum = 0;
    for (const TokenEntity* e : group) {
      tokens.push_back(e->word);
      sum += e->score;
    }
    return TokenEntity{dash == std::string::npos ? label : label.substr(dash + 1), sum / static_cast<float>(group.size()),
                       std::nullopt, tokenizer_.convert_tokens_to_string(tokens), group.front()->start, group.back()->end};
  }

  std::vector<TokenEntity> group_entities(const std::vector<TokenEntity>& entities) const {
    std::vector<TokenEntity> groups;
    std::vector<const TokenEntity*> current;
    for (const TokenEntity& e : entities) {
      if (!current.empty()) {
        const auto [bi, tag] = get_tag(e.entity);
        const auto [last_bi, last_tag] = get_tag(current.back()->entity);
        if (!(tag == last_tag && bi != 'B')) {
          groups.push_back(group_sub_entities(current));
          current.clear();
        }
      }
      current.push_back(&e);
    }
    if (!current.empty()) groups.push_back(group_sub_entities(current));
    return groups;
  }

  const Tokenizer& tokenizer_;
  const std::vector<std::string>& id2label_;
  const std::string& text_;
  std::vector<size_t> char_index_;
};

// Chunks from several windows: sorted by start; overlapping ones keep the longer (then higher-scoring) span.
std::vector<TokenEntity> merge_overlapping(std::vector<TokenEntity> entities) {
  if (entities.empty()) return entities;
  std::stable_sort(entities.begin(), entities.end(), [](const auto& a, const auto& b) { return a.start < b.start; });
  std::vector<TokenEntity> merged;
  TokenEntity previous = entities.front();
  for (const TokenEntity& e : entities) {
    if (previous.start <= e.start && e.start < previous.end) {
      const int64_t length = e.end - e.start, previous_length = previous.end - previous.start;
      if (length > previous_length || (length == previous_length && e.score > previous.score)) previous = e;
    } else {
      merged.push_back(previous);
      previous = e;
    }
  }
  merged.push_back(previous);
  return merged;
}

void flatten_windows(const Encoding& e, std::vector<const Encoding*>& out) {
  out.push_back(&e);
  for (const Encoding& o : e.overflowing) flatten_windows(o, out);
}

}  // namespace

TokenClassificationPipeline::TokenClassificationPipeline(const std::string& model_dir, const PipelineOptions& options)
    : options_(options),
      token_type_ids_(uses_token_type_ids(model_dir)) {
  std::tie(model_, tokenizer_) = load_model_and_tokenizer(
      model_dir, [&] { return load_model(model_dir, Head::TokenClassification, LoadOptions{options.device, options.dtype}); });
  if (options.num_threads > 0) set_num_threads(options.num_threads);
}

EncodeOptions TokenClassificationPipeline::encode_options(const TokenClassificationOptions& options) const {
  const size_t max_tokens = max_input_tokens(tokenizer_, *model_);
  if (options.stride) {
    HFCPP_CHECK(*options.stride < max_tokens, "token-classification: stride (", *options.stride,
                ") must be less than the model maximum length (", max_tokens, ")");
    HFCPP_CHECK(options.aggregation_strategy != AggregationStrategy::None,  // an unset strategy passes
                "token-classification: `stride` was provided to process all the text but aggregation_strategy=\"none\"; "
                "please select another one instead");
  }
  EncodeOptions encode;
  encode.truncation = TruncationOptions{max_tokens, TruncationStrategy::LongestFirst, options.stride.value_or(0), Side::Right};
  return encode;
}

std::vector<TokenEntity> TokenClassificationPipeline::operator()(const std::string& text,
                                                                 const TokenClassificationOptions& options) const {
  return classify(text, tokenizer_.encode(text, encode_options(options)), options);
}

namespace {
// Offsets relative to each word -> offsets into the sentence (transformers adds word_to_chars_map[word] start).
void shift_to_sentence(Encoding& e, const std::vector<size_t>& word_starts) {
  for (size_t i = 0; i < e.size(); ++i)
    if (e.word_ids[i] >= 0) {
      const size_t base = word_starts[static_cast<size_t>(e.word_ids[i])];
      e.offsets[i] = {e.offsets[i].first + base, e.offsets[i].second + base};
    }
  for (Encoding& o : e.overflowing) shift_to_sentence(o, word_starts);
}
}  // namespace

std::vector<TokenEntity> TokenClassificationPipeline::operator()(const std::vector<std::string>& words,
                                                                 const TokenClassificationOptions& options) const {
  std::string sentence;  // delimiter.join(words): what start/end index and what `word` is cut from
  std::vector<size_t> word_starts;
  for (size_t w = 0; w < words.size(); ++w) {
    if (w > 0) sentence += options.delimiter;
    word_starts.push_back(sentence.size());
    sentence += words[w];
  }
  Encoding encoding = tokenizer_.encode_words(words, encode_options(options));
  shift_to_sentence(encoding, word_starts);
  return classify(sentence, encoding, options);
}

std::vector<TokenEntity> TokenClassificationPipeline::classify(const std::string& text, const Encoding& encoding,
                                                               const TokenClassificationOptions& options) const {
  std::vector<const Encoding*> windows;
  if (options.stride) flatten_windows(encoding, windows);
  else windows.push_back(&encoding);

  const std::vector<std::string> id2label = model_->config().id2label();
  const Postprocessor post(tokenizer_, id2label, text);
  const AggregationStrategy strategy = options.aggregation_strategy.value_or(AggregationStrategy::None);
  std::vector<TokenEntity> all;
  for (const Encoding* window : windows) {
    const ModelOutputs outputs = model_->forward(make_model_inputs({window}, tokenizer_.pad_token_id(), token_type_ids_));
    const Tensor logits = outputs.logits.to(DeviceSpec{}).to(DType::F32).contiguous();  // [1, seq, labels]
    HFCPP_CHECK(logits.dim(-1) == static_cast<int64_t>(id2label.size()), "token-classification: the model gives ",
                logits.dim(-1), " labels but config.json has ", id2label.size());
    for (TokenEntity& e : post.aggregate(post.gather(*window, logits.data<float>()), strategy)) {
      const auto& ignored = options.ignore_labels;
      if (std::find(ignored.begin(), ignored.end(), e.entity) == ignored.end()) all.push_back(std::move(e));
    }
  }
  return windows.size() > 1 ? merge_overlapping(std::move(all)) : all;
}

std::string TokenClassificationPipeline::to_json(const std::vector<std::vector<TokenEntity>>& results,
                                                 const TokenClassificationOptions& options, bool single_input) {
  const bool grouped = options.aggregation_strategy.value_or(AggregationStrategy::None) != AggregationStrategy::None;
  ordered_json out = ordered_json::array();
  for (const auto& entities : results) {
    ordered_json list = ordered_json::array();
    for (const TokenEntity& e : entities) {
      ordered_json j;
      j[grouped ? "entity_group" : "entity"] = e.entity;
      j["score"] = static_cast<double>(e.score);
      if (!grouped) j["index"] = e.index.value_or(0);
      j["word"] = e.word;
      j["start"] = e.start;
      j["end"] = e.end;
      list.push_back(std::move(j));
    }
    out.push_back(std::move(list));
  }
  return python_json_dumps(single_input && !out.empty() ? out[0] : out);
}

// is_split_into_words=True: a list of words is one input, a list of lists a batch; both give the list shape (Python
// wraps a lone list of words into a batch of one).
namespace {
std::string run_words_json(const TokenClassificationPipeline& pipe, const ordered_json& inputs,
                           const TokenClassificationOptions& options) {
  auto words_of = [](const ordered_json& list) {
    std::vector<std::string> words;
    for (const auto& w : list) {
      HFCPP_CHECK(w.is_string(), "token-classification: When `is_split_into_words=True`, `sentence` must be a list of tokens.");
      words.push_back(w.get<std::string>());
    }
    return words;
  };
  HFCPP_CHECK(inputs.is_array(), "token-classification: When `is_split_into_words=True`, `sentence` must be a list of tokens.");
  const bool batch = std::all_of(inputs.begin(), inputs.end(), [](const ordered_json& x) { return x.is_array(); });
  std::vector<std::vector<TokenEntity>> results;
  if (batch) {
    for (const auto& sentence : inputs) results.push_back(pipe(words_of(sentence), options));
  } else {
    results.push_back(pipe(words_of(inputs), options));
  }
  return TokenClassificationPipeline::to_json(results, options, false);
}
}  // namespace

std::string TokenClassificationPipeline::run_json(const std::string& inputs_json, const std::string& kwargs_json) const {
  ordered_json inputs, kwargs;
  try {
    inputs = ordered_json::parse(inputs_json);
    kwargs = ordered_json::parse(kwargs_json.empty() ? "{}" : kwargs_json);
  } catch (const nlohmann::json::exception& e) {
    fail("token-classification: inputs/kwargs are not valid JSON: ", e.what());
  }
  HFCPP_CHECK(kwargs.is_object(), "token-classification: kwargs must be a JSON object");
  TokenClassificationOptions options;
  bool split_into_words = false;
  for (const auto& [key, value] : kwargs.items()) {
    if (key == "aggregation_strategy") {
      HFCPP_CHECK(value.is_string(), "token-classification: aggregation_strategy must be a string");
      options.aggregation_strategy = aggregation_strategy_from_name(value.get<std::string>());
    } else if (key == "ignore_labels") {
      HFCPP_CHECK(value.is_array(), "token-classification: ignore_labels must be a list of strings");
      options.ignore_labels.clear();
      for (const auto& l : value) options.ignore_labels.push_back(l.get<std::string>());
    } else if (key == "stride") {
      HFCPP_CHECK(value.is_number_integer() && value.get<int64_t>() >= 0, "token-classification: stride must be a non-negative integer");
      options.stride = value.get<size_t>();
    } else if (key == "is_split_into_words") {
      HFCPP_CHECK(value.is_boolean(), "token-classification: is_split_into_words must be true or false");
      split_into_words = value.get<bool>();
    } else if (key == "delimiter") {
      HFCPP_CHECK(value.is_string() || value.is_null(), "token-classification: delimiter must be a string");
      if (value.is_string()) options.delimiter = value.get<std::string>();
    } else {
      fail("token-classification: unknown argument '", key,
           "' (known: aggregation_strategy, ignore_labels, stride, is_split_into_words, delimiter)");
    }
  }
  if (split_into_words) return run_words_json(*this, inputs, options);
  const bool single = inputs.is_string();
  std::vector<std::string> texts;
  if (single) {
    texts.push_back(inputs.get<std::string>());
  } else {
    HFCPP_CHECK(inputs.is_array() && !inputs.empty(), "token-classification: At least one input is required.");
    for (const auto& t : inputs) {
      HFCPP_CHECK(t.is_string(), "token-classification: inputs must be a string or a list of strings");
      texts.push_back(t.get<std::string>());
    }
  }
  std::vector<std::vector<TokenEntity>> results;
  for (const std::string& t : texts) results.push_back((*this)(t, options));
  return to_json(results, options, single);
}

}  // namespace hfcpp
