// zero-shot-classification, mirroring transformers/pipelines/zero_shot_classification.py: one (sequence,
// template.format(label)) pair per candidate label, truncated only_first -> NLI logits -> entailment scores.
#include "hfcpp/pipelines/zero_shot_classification.h"

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

namespace {

constexpr const char* kNoLabels = "zero-shot-classification: You must include at least one label and at least one sequence.";

// Python's template.format(value) for templates with positional fields only: "{}" / "{0}" -> value, "{{" / "}}" ->
// brace. Anything else Python would reject (named or out-of-range fields, unmatched braces) is an error.
std::string python_format(const std::string& tmpl, const std::string& value) {
  std::string out;
  int auto_fields = 0, manual_fields = 0;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    const char c = tmpl[i];
    if (c == '}') {
      HFCPP_CHECK(i + 1 < tmpl.size() && tmpl[i + 1] == '}', "zero-shot-classification: hypothesis_template '", tmpl,
                  "': Single '}' encountered in format string");
      out += '}';
      ++i;
    } else if (c == '{') {
      if (i + 1 < tmpl.size() && tmpl[i + 1] == '{') {
        out += '{';
        ++i;
        continue;
      }
      const size_t close = tmpl.find('}', i);
      HFCPP_CHECK(close != std::string::npos, "zero-shot-classification: hypothesis_template '", tmpl,
                  "': Single '{' encountered in format string");
      const std::string field = tmpl.substr(i + 1, close - i - 1);
      if (field.empty()) ++auto_fields;
      else if (field == "0") ++manual_fields;
      else fail("zero-shot-classification: hypothesis_template '", tmpl, "': unsupported replacement field {", field,
                "} (use {} for the label)");
      HFCPP_CHECK(auto_fields == 0 || manual_fields == 0, "zero-shot-classification: hypothesis_template '", tmpl,
                  "': cannot switch from manual field specification to automatic field numbering");
      HFCPP_CHECK(auto_fields <= 1, "zero-shot-classification: hypothesis_template '", tmpl,
                  "': Replacement index 1 out of range for positional args tuple");
      out += value;
      i = close;
    } else {
      out += c;
    }
  }
  return out;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

std::string strip(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  return s.substr(b, e - b);
}

// transformers: the first label2id key starting with "entail" (any case); -1 when there is none.
int64_t find_entailment_id(const Model& model) {
  const ordered_json config = ordered_json::parse(model.config().dump());
  if (config.contains("label2id") && config["label2id"].is_object()) {
    for (const auto& [label, id] : config["label2id"].items()) {
      std::string lower = label;
      std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
      if (lower.rfind("entail", 0) == 0 && id.is_number_integer()) return id.get<int64_t>();
    }
    return -1;
  }
  const std::vector<std::string> id2label = model.config().id2label();  // label2id defaults to its inverse
  for (size_t i = 0; i < id2label.size(); ++i) {
    std::string lower = id2label[i];
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    if (lower.rfind("entail", 0) == 0) return static_cast<int64_t>(i);
  }
  return -1;
}

}  // namespace

std::vector<std::string> ZeroShotClassificationPipeline::parse_candidate_labels(const std::string& comma_separated) {
  std::vector<std::string> labels;
  size_t start = 0;
  while (start <= comma_separated.size()) {
    size_t comma = comma_separated.find(',', start);
    if (comma == std::string::npos) comma = comma_separated.size();
    const std::string label = strip(comma_separated.substr(start, comma - start));
    if (!label.empty()) labels.push_back(label);
    start = comma + 1;
  }
  return labels;
}

ZeroShotClassificationPipeline::ZeroShotClassificationPipeline(const std::string& model_dir,
                                                               const PipelineOptions& options)
    : options_(options), token_type_ids_(uses_token_type_ids(model_dir)) {
  std::tie(model_, tokenizer_) = load_model_and_tokenizer(model_dir, [&] {
    return load_model(model_dir, Head::SequenceClassification, LoadOptions{options.device, options.dtype});
  });
  entailment_id_ = find_entailment_id(*model_);
  HFCPP_CHECK(options.batch_size >= 1, "zero-shot-classification: batch_size must be at least 1, got ", options.batch_size);
  if (options.num_threads > 0) set_num_threads(options.num_threads);
}

std::vector<ZeroShotResult> ZeroShotClassificationPipeline::operator()(
    const std::vector<std::string>& sequences, const ZeroShotClassificationOptions& options) const {
  const std::vector<std::string>& labels = options.candidate_labels;
  HFCPP_CHECK(!labels.empty(), kNoLabels);
  const std::string& tmpl = options.hypothesis_template;
  HFCPP_CHECK(python_format(tmpl, labels[0]) != tmpl, "zero-shot-classification: The provided hypothesis_template \"",
              tmpl, "\" was not able to be formatted with the target labels. Make sure the passed template includes "
              "formatting syntax such as {} where the label should go.");
  std::vector<std::string> hypotheses;
  for (const std::string& label : labels) hypotheses.push_back(python_format(tmpl, label));

  // One pair per (sequence, label), truncated only_first so that the hypothesis stays whole; transformers retries
  // without truncation when the sequence is too short to absorb the excess.
  const size_t max_tokens = max_input_tokens(tokenizer_, *model_);
  std::vector<Encoding> encodings;
  for (size_t s = 0; s < sequences.size(); ++s) {
    HFCPP_CHECK(!sequences[s].empty(), kNoLabels);
    for (const std::string& hypothesis : hypotheses) {
      EncodeOptions truncate;
      truncate.truncation = TruncationOptions{max_tokens, TruncationStrategy::OnlyFirst, 0, Side::Right};
      try {
        encodings.push_back(tokenizer_.encode_pair(sequences[s], hypothesis, truncate));
      } catch (const Error& e) {
        if (std::string(e.what()).find("too short") == std::string::npos) throw;
        encodings.push_back(tokenizer_.encode_pair(sequences[s], hypothesis));
      }
      HFCPP_CHECK(encodings.back().size() <= max_tokens, "zero-shot-classification: the hypothesis \"", hypothesis,
                  "\" with sequence ", s, " needs ", encodings.back().size(), " tokens but the model accepts at most ",
                  max_tokens, " (only the sequence is truncated)");
    }
  }

  // logits[pair][model label], fp32
  std::vector<std::vector<float>> logits;
  const size_t batch_size = static_cast<size_t>(options_.batch_size);
  for (size_t start = 0; start < encodings.size(); start += batch_size) {
    std::vector<const Encoding*> batch;
    for (size_t i = start; i < std::min(encodings.size(), start + batch_size); ++i) batch.push_back(&encodings[i]);
    const ModelOutputs outputs = model_->forward(make_model_inputs(batch, tokenizer_.pad_token_id(), token_type_ids_));
    const Tensor out = outputs.logits.to(DeviceSpec{}).to(DType::F32).contiguous();  // [batch, num_labels]
    const size_t n = static_cast<size_t>(out.dim(1));
    for (size_t row = 0; row < batch.size(); ++row)
      logits.emplace_back(out.data<float>() + row * n, out.data<float>() + (row + 1) * n);
  }
  const int64_t num_model_labels = static_cast<int64_t>(logits.front().size());
  const auto index = [&](int64_t id) {  // numpy indexing: -1 is the last logit
    const int64_t i = id < 0 ? id + num_model_labels : id;
    HFCPP_CHECK(i >= 0 && i < num_model_labels, "zero-shot-classification: label id ", id, " is outside the model's ",
                num_model_labels, " logits");
    return static_cast<size_t>(i);
  };
  const size_t entail = index(entailment_id_);
  const size_t contradiction = index(entailment_id_ == 0 ? -1 : 0);

  std::vector<ZeroShotResult> results;
  for (size_t s = 0; s < sequences.size(); ++s) {
    const std::vector<float>* rows = &logits[s * labels.size()];
    // numpy in float32, without subtracting the maximum: exp(x) / sum(exp(x)).
    std::vector<float> scores(labels.size());
    if (options.multi_label || labels.size() == 1) {
      for (size_t l = 0; l < labels.size(); ++l) {
        const float c = std::exp(rows[l][contradiction]), e = std::exp(rows[l][entail]);
        scores[l] = e / (c + e);
      }
    } else {
      float sum = 0;
      for (size_t l = 0; l < labels.size(); ++l) sum += (scores[l] = std::exp(rows[l][entail]));
      for (float& x : scores) x /= sum;
    }
    // reversed(scores.argsort()): ascending (ties in index order), then reversed.
    std::vector<size_t> order(labels.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] < scores[b]; });
    std::reverse(order.begin(), order.end());
    ZeroShotResult r{sequences[s], {}, {}};
    for (size_t i : order) {
      r.labels.push_back(labels[i]);
      r.scores.push_back(scores[i]);
    }
    results.push_back(std::move(r));
  }
  return results;
}

ZeroShotResult ZeroShotClassificationPipeline::operator()(const std::string& sequence,
                                                          const ZeroShotClassificationOptions& options) const {
  return (*this)(std::vector<std::string>{sequence}, options).front();
}

std::string ZeroShotClassificationPipeline::to_json(const std::vector<ZeroShotResult>& results, bool single_input) {
  ordered_json out = ordered_json::array();
  for (const ZeroShotResult& r : results) {
    ordered_json scores = ordered_json::array();
    for (float s : r.scores) scores.push_back(static_cast<double>(s));
    out.push_back(ordered_json{{"sequence", r.sequence}, {"labels", r.labels}, {"scores", scores}});
  }
  return python_json_dumps(single_input && out.size() == 1 ? out[0] : out);
}

std::string ZeroShotClassificationPipeline::run_json(const std::string& inputs_json, const std::string& kwargs_json) const {
  ordered_json inputs, kwargs;
  try {
    inputs = ordered_json::parse(inputs_json);
    kwargs = ordered_json::parse(kwargs_json.empty() ? "{}" : kwargs_json);
  } catch (const nlohmann::json::exception& e) {
    fail("zero-shot-classification: inputs/kwargs are not valid JSON: ", e.what());
  }
  HFCPP_CHECK(kwargs.is_object(), "zero-shot-classification: kwargs must be a JSON object");
  ZeroShotClassificationOptions options;
  bool have_labels = false;
  for (const auto& [key, value] : kwargs.items()) {
    if (key == "candidate_labels") {
      have_labels = true;
      if (value.is_string()) {
        options.candidate_labels = parse_candidate_labels(value.get<std::string>());
      } else {
        HFCPP_CHECK(value.is_array(), "zero-shot-classification: candidate_labels must be a list of strings or a "
                                      "comma-separated string");
        for (const auto& l : value) {
          HFCPP_CHECK(l.is_string(), "zero-shot-classification: candidate_labels must be strings");
          options.candidate_labels.push_back(l.get<std::string>());
        }
      }
    } else if (key == "hypothesis_template") {
      HFCPP_CHECK(value.is_string(), "zero-shot-classification: hypothesis_template must be a string");
      options.hypothesis_template = value.get<std::string>();
    } else if (key == "multi_label") {
      HFCPP_CHECK(value.is_boolean(), "zero-shot-classification: multi_label must be true or false");
      options.multi_label = value.get<bool>();
    } else {
      fail("zero-shot-classification: unknown argument '", key,
           "' (known: candidate_labels, hypothesis_template, multi_label)");
    }
  }
  HFCPP_CHECK(have_labels, "zero-shot-classification: candidate_labels is required");
  std::vector<std::string> sequences;
  const bool single = inputs.is_string();
  if (single) {
    sequences.push_back(inputs.get<std::string>());
  } else {
    HFCPP_CHECK(inputs.is_array() && !inputs.empty(),
                "zero-shot-classification: inputs must be a string or a non-empty list of strings");
    for (const auto& s : inputs) {
      HFCPP_CHECK(s.is_string(), "zero-shot-classification: inputs must be a string or a list of strings");
      sequences.push_back(s.get<std::string>());
    }
  }
  return to_json((*this)(sequences, options), single);
}

}  // namespace hfcpp
