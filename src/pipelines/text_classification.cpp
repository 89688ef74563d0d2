// text-classification / sentiment-analysis, mirroring transformers/pipelines/text_classification.py:
// preprocess (tokenize, pad) -> forward (logits) -> postprocess (sigmoid/softmax/none, id2label, top_k).
#include "hfcpp/pipelines/text_classification.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <numeric>

#include <nlohmann/json.hpp>

#include "hfcpp/core/error.h"
#include "hfcpp/core/threads.h"
#include "pipelines/encoder_inputs.h"
#include "pipelines/load_parts.h"
#include "pipelines/python_json.h"

namespace hfcpp {

using ordered_json = nlohmann::ordered_json;

ClassificationFunction classification_function_from_name(const std::string& name) {
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower == "sigmoid") return ClassificationFunction::Sigmoid;
  if (lower == "softmax") return ClassificationFunction::Softmax;
  if (lower == "none") return ClassificationFunction::None;
  fail("function_to_apply: '", name, "' is not one of sigmoid, softmax, none");
}

namespace {

// transformers' default: regression -> none; multi-label or one label -> sigmoid; single-label or several labels
// -> softmax; else config.function_to_apply; else none.
ClassificationFunction default_function(const JsonConfig& config, size_t num_labels) {
  const std::string problem_type = config.get_string("problem_type", "");
  if (problem_type == "regression") return ClassificationFunction::None;
  if (problem_type == "multi_label_classification" || num_labels == 1) return ClassificationFunction::Sigmoid;
  if (problem_type == "single_label_classification" || num_labels > 1) return ClassificationFunction::Softmax;
  if (config.has("function_to_apply")) return classification_function_from_name(config.get_string("function_to_apply"));
  return ClassificationFunction::None;
}

// Scores in float32, computed as numpy does in the Python pipeline.
std::vector<float> apply_function(const float* logits, size_t n, ClassificationFunction f) {
  std::vector<float> scores(logits, logits + n);
  if (f == ClassificationFunction::Sigmoid) {
    for (float& s : scores) s = 1.0f / (1.0f + std::exp(-s));
  } else if (f == ClassificationFunction::Softmax) {
    const float max = *std::max_element(scores.begin(), scores.end());
    float sum = 0;
    for (float& s : scores) sum += (s = std::exp(s - max));
    for (float& s : scores) s /= sum;
  }
  return scores;
}

std::vector<LabelScore> postprocess(const float* logits, const std::vector<std::string>& id2label,
                                    ClassificationFunction f, const TextClassificationOptions& options) {
  const std::vector<float> scores = apply_function(logits, id2label.size(), f);
  if (!options.top_k) {  // legacy: the best label only (first maximum, like numpy argmax)
    const size_t best = static_cast<size_t>(std::max_element(scores.begin(), scores.end()) - scores.begin());
    return {LabelScore{id2label[best], scores[best]}};
  }
  std::vector<LabelScore> out;
  for (size_t i = 0; i < scores.size(); ++i) out.push_back(LabelScore{id2label[i], scores[i]});
  std::stable_sort(out.begin(), out.end(), [](const LabelScore& a, const LabelScore& b) { return a.score > b.score; });
  if (*options.top_k != TextClassificationOptions::kAllLabels && static_cast<size_t>(*options.top_k) < out.size())
    out.resize(static_cast<size_t>(*options.top_k));
  return out;
}

ordered_json label_json(const LabelScore& s) {
  return ordered_json{{"label", s.label}, {"score", static_cast<double>(s.score)}};
}

}  // namespace

TextClassificationPipeline::TextClassificationPipeline(const std::string& model_dir, const PipelineOptions& options)
    : options_(options),
      token_type_ids_(uses_token_type_ids(model_dir)) {
  std::tie(model_, tokenizer_) = load_model_and_tokenizer(
      model_dir, [&] { return load_model(model_dir, Head::SequenceClassification, LoadOptions{options.device, options.dtype}); });
  HFCPP_CHECK(options.batch_size >= 1, "text-classification: batch_size must be at least 1, got ", options.batch_size);
  if (options.num_threads > 0) set_num_threads(options.num_threads);
}

std::vector<std::vector<LabelScore>> TextClassificationPipeline::operator()(
    const std::vector<TextInput>& inputs, const TextClassificationOptions& options) const {
  HFCPP_CHECK(!options.top_k || *options.top_k >= 1 || *options.top_k == TextClassificationOptions::kAllLabels,
              "text-classification: top_k must be at least 1, got ", *options.top_k);
  const std::vector<std::string> id2label = model_->config().id2label();
  const ClassificationFunction function = options.function_to_apply == ClassificationFunction::Default
                                              ? default_function(model_->config(), id2label.size())
                                              : options.function_to_apply;
  const size_t max_tokens = max_input_tokens(tokenizer_, *model_);
  std::vector<Encoding> encodings;
  encodings.reserve(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i)
    encodings.push_back(encode_for_model(tokenizer_, inputs[i].text, inputs[i].text_pair, max_tokens, options.truncation, i));

  // Batches are formed in order of length (results go back to the inputs' order): each batch is padded to its
  // longest input, so grouping similar lengths skips most of the padding rows' work. Each result is the model's
  // output for its own tokens either way; only float rounding can differ from transformers' in-order batches.
  std::vector<size_t> order(encodings.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return encodings[a].ids.size() < encodings[b].ids.size(); });
  std::vector<std::vector<LabelScore>> results(encodings.size());
  const size_t batch_size = static_cast<size_t>(options_.batch_size);
  for (size_t start = 0; start < order.size(); start += batch_size) {
    std::vector<const Encoding*> batch;
    const size_t stop = std::min(order.size(), start + batch_size);
    for (size_t k = start; k < stop; ++k) batch.push_back(&encodings[order[k]]);
    const ModelOutputs outputs = model_->forward(make_model_inputs(batch, tokenizer_.pad_token_id(), token_type_ids_));
    const Tensor logits = outputs.logits.to(DeviceSpec{}).to(DType::F32).contiguous();  // [batch, num_labels]
    HFCPP_CHECK(logits.dim(1) == static_cast<int64_t>(id2label.size()), "text-classification: the model gives ",
                logits.dim(1), " logits but config.json has ", id2label.size(), " labels");
    for (size_t k = start; k < stop; ++k)
      results[order[k]] =
          postprocess(logits.data<float>() + (k - start) * id2label.size(), id2label, function, options);
  }
  return results;
}

std::vector<LabelScore> TextClassificationPipeline::operator()(const std::string& text,
                                                               const TextClassificationOptions& options) const {
  return (*this)(std::vector<TextInput>{TextInput{text, std::nullopt}}, options).front();
}

std::string TextClassificationPipeline::to_json(const std::vector<std::vector<LabelScore>>& results,
                                                const TextClassificationOptions& options, bool single_input,
                                                bool single_is_pair) {
  ordered_json out = ordered_json::array();
  for (const auto& per_input : results) {
    if (!options.top_k) {
      out.push_back(label_json(per_input.front()));
    } else {
      ordered_json list = ordered_json::array();
      for (const LabelScore& s : per_input) list.push_back(label_json(s));
      out.push_back(list);
    }
  }
  // Python returns [result] for one string in legacy mode, the bare result for one pair dict, and for a single
  // input with top_k the per-input list.
  if (single_input && !results.empty()) {
    if (!options.top_k) return python_json_dumps(single_is_pair ? out[0] : out);
    return python_json_dumps(out[0]);
  }
  return python_json_dumps(out);
}

namespace {

TextInput parse_one(const ordered_json& item) {
  if (item.is_string()) return TextInput{item.get<std::string>(), std::nullopt};
  if (item.is_object()) {
    HFCPP_CHECK(item.contains("text") && item["text"].is_string(),
                "text-classification: a dict input needs a string \"text\" (and optionally \"text_pair\")");
    TextInput in{item["text"].get<std::string>(), std::nullopt};
    if (item.contains("text_pair") && !item["text_pair"].is_null()) {
      HFCPP_CHECK(item["text_pair"].is_string(), "text-classification: \"text_pair\" must be a string");
      in.text_pair = item["text_pair"].get<std::string>();
    }
    for (const auto& [key, _] : item.items())
      HFCPP_CHECK(key == "text" || key == "text_pair", "text-classification: unexpected key '", key, "' in input");
    return in;
  }
  fail("The pipeline received invalid inputs, if you are trying to send text pairs, you can try to send a "
       "dictionary `{\"text\": \"My text\", \"text_pair\": \"My pair\"}` in order to send a text pair.");
}

TextClassificationOptions parse_kwargs(const ordered_json& kwargs) {
  TextClassificationOptions options;
  HFCPP_CHECK(kwargs.is_object(), "text-classification: kwargs must be a JSON object");
  for (const auto& [key, value] : kwargs.items()) {
    if (key == "top_k") {
      if (value.is_null()) options.top_k = TextClassificationOptions::kAllLabels;
      else if (value.is_number_integer()) options.top_k = value.get<int>();
      else fail("text-classification: top_k must be an integer or null");
    } else if (key == "function_to_apply") {
      HFCPP_CHECK(value.is_string(), "text-classification: function_to_apply must be a string");
      options.function_to_apply = classification_function_from_name(value.get<std::string>());
    } else if (key == "truncation") {
      HFCPP_CHECK(value.is_boolean(), "text-classification: truncation must be true or false");
      options.truncation = value.get<bool>();
    } else {
      fail("text-classification: unknown argument '", key, "' (known: top_k, function_to_apply, truncation)");
    }
  }
  return options;
}

}  // namespace

std::string TextClassificationPipeline::run_json(const std::string& inputs_json, const std::string& kwargs_json) const {
  ordered_json inputs, kwargs;
  try {
    inputs = ordered_json::parse(inputs_json);
    kwargs = ordered_json::parse(kwargs_json.empty() ? "{}" : kwargs_json);
  } catch (const nlohmann::json::exception& e) {
    fail("text-classification: inputs/kwargs are not valid JSON: ", e.what());
  }
  const TextClassificationOptions options = parse_kwargs(kwargs);
  std::vector<TextInput> items;
  const bool single = !inputs.is_array();
  if (single) {
    items.push_back(parse_one(inputs));
  } else {
    for (const auto& item : inputs) items.push_back(parse_one(item));
  }
  return to_json((*this)(items, options), options, single, single && inputs.is_object());
}

}  // namespace hfcpp
