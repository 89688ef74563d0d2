// feature-extraction, mirroring transformers/pipelines/feature_extraction.py (last hidden state as nested lists),
// and sentence embeddings as sentence-transformers computes them (Transformer -> Pooling -> Normalize modules).
#include "hfcpp/pipelines/feature_extraction.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "hfcpp/core/error.h"
#include "hfcpp/core/threads.h"
#include "hfcpp/io/config.h"
#include "pipelines/encoder_inputs.h"
#include "pipelines/load_parts.h"
#include "pipelines/python_json.h"

namespace hfcpp {

using ordered_json = nlohmann::ordered_json;
namespace fs = std::filesystem;

Pooling pooling_from_name(const std::string& name) {
  if (name == "none") return Pooling::None;
  if (name == "mean") return Pooling::Mean;
  if (name == "cls") return Pooling::Cls;
  if (name == "max") return Pooling::Max;
  if (name == "mean_sqrt_len") return Pooling::MeanSqrtLen;
  fail("pooling: '", name, "' is not one of none, mean, cls, max, mean_sqrt_len");
}

SentenceEmbeddingConfig SentenceEmbeddingConfig::from_dir(const std::string& model_dir) {
  SentenceEmbeddingConfig c;
  const fs::path dir(model_dir);
  if (!fs::exists(dir / "modules.json")) return c;
  c.from_sentence_transformers = true;
  std::ifstream in(dir / "modules.json");
  ordered_json modules;
  try {
    modules = ordered_json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    fail((dir / "modules.json").string(), ": not valid JSON: ", e.what());
  }
  HFCPP_CHECK(modules.is_array(), (dir / "modules.json").string(), ": expected a list of modules");
  for (const auto& m : modules) {
    const std::string type = m.value("type", "");
    const std::string path = m.value("path", "");
    if (type.ends_with(".Pooling")) {
      const JsonConfig pooling = JsonConfig::from_file((dir / path / "config.json").string());
      if (pooling.get_bool("pooling_mode_cls_token", false)) c.pooling = Pooling::Cls;
      else if (pooling.get_bool("pooling_mode_max_tokens", false)) c.pooling = Pooling::Max;
      else if (pooling.get_bool("pooling_mode_mean_sqrt_len_tokens", false)) c.pooling = Pooling::MeanSqrtLen;
      else if (pooling.get_bool("pooling_mode_mean_tokens", false)) c.pooling = Pooling::Mean;
      else fail((dir / path / "config.json").string(), ": no supported pooling_mode_* is enabled");
    } else if (type.ends_with(".Normalize")) {
      c.normalize = true;
    } else if (!type.ends_with(".Transformer")) {
      fail((dir / "modules.json").string(), ": sentence-transformers module '", type, "' is not supported");
    }
  }
  if (fs::exists(dir / "sentence_bert_config.json"))
    c.max_seq_length = static_cast<size_t>(
        JsonConfig::from_file((dir / "sentence_bert_config.json").string()).get_int("max_seq_length", 0));
  return c;
}

FeatureExtractionPipeline::FeatureExtractionPipeline(const std::string& model_dir, const PipelineOptions& options)
    : options_(options),
      token_type_ids_(uses_token_type_ids(model_dir)),
      sentence_config_(SentenceEmbeddingConfig::from_dir(model_dir)) {
  std::tie(model_, tokenizer_) = load_model_and_tokenizer(
      model_dir, [&] { return load_model(model_dir, Head::Base, LoadOptions{options.device, options.dtype}); });
  HFCPP_CHECK(options.batch_size >= 1, "feature-extraction: batch_size must be at least 1, got ", options.batch_size);
  if (options.num_threads > 0) set_num_threads(options.num_threads);
}

std::vector<Tensor> FeatureExtractionPipeline::hidden_states(const std::vector<std::string>& texts, size_t max_tokens,
                                                             bool truncation) const {
  std::vector<Encoding> encodings;
  for (size_t i = 0; i < texts.size(); ++i)
    encodings.push_back(encode_for_model(tokenizer_, texts[i], std::nullopt, max_tokens, truncation, i));
  std::vector<Tensor> out;
  const size_t batch_size = static_cast<size_t>(options_.batch_size);
  for (size_t start = 0; start < encodings.size(); start += batch_size) {
    std::vector<const Encoding*> batch;
    for (size_t i = start; i < std::min(encodings.size(), start + batch_size); ++i) batch.push_back(&encodings[i]);
    const Tensor hidden = model_->forward(make_model_inputs(batch, tokenizer_.pad_token_id(), token_type_ids_))
                              .last_hidden_state.to(DeviceSpec{}).to(DType::F32);  // [batch, seq, hidden]
    for (size_t row = 0; row < batch.size(); ++row)  // drop the padding: [len, hidden]
      out.push_back(hidden.select(0, static_cast<int64_t>(row)).slice(0, 0, static_cast<int64_t>(batch[row]->size())).contiguous());
  }
  return out;
}

std::vector<Tensor> FeatureExtractionPipeline::operator()(const std::vector<std::string>& texts,
                                                          const FeatureExtractionOptions& options) const {
  return hidden_states(texts, max_input_tokens(tokenizer_, *model_), options.truncation);
}

namespace {

// tokens [len, hidden] -> [hidden], over real tokens only (padding was already dropped).
std::vector<float> pool(const Tensor& tokens, Pooling pooling, bool normalize) {
  const int64_t len = tokens.dim(0), hidden = tokens.dim(1);
  const float* h = tokens.data<float>();
  std::vector<float> v(static_cast<size_t>(hidden), 0.0f);
  if (pooling == Pooling::Cls) {
    std::copy(h, h + hidden, v.begin());
  } else if (pooling == Pooling::Max) {
    std::fill(v.begin(), v.end(), -INFINITY);
    for (int64_t t = 0; t < len; ++t)
      for (int64_t d = 0; d < hidden; ++d) v[d] = std::max(v[d], h[t * hidden + d]);
  } else {
    for (int64_t t = 0; t < len; ++t)
      for (int64_t d = 0; d < hidden; ++d) v[d] += h[t * hidden + d];
    const float denom = pooling == Pooling::MeanSqrtLen ? std::sqrt(static_cast<float>(len))
                                                        : std::max(static_cast<float>(len), 1e-9f);
    for (float& x : v) x /= denom;
  }
  if (normalize) {  // torch.nn.functional.normalize: x / max(||x||_2, 1e-12)
    double norm = 0;
    for (float x : v) norm += static_cast<double>(x) * x;
    const float scale = static_cast<float>(1.0 / std::max(std::sqrt(norm), 1e-12));
    for (float& x : v) x *= scale;
  }
  return v;
}

ordered_json to_json(const std::vector<float>& v) {
  ordered_json out = ordered_json::array();
  for (float x : v) out.push_back(static_cast<double>(x));
  return out;
}

}  // namespace

std::vector<std::vector<float>> FeatureExtractionPipeline::embed(
    const std::vector<std::string>& texts, const std::optional<SentenceEmbeddingConfig>& config) const {
  return pooled(texts, config ? *config : sentence_config_, /*truncation=*/true);
}

std::vector<std::vector<float>> FeatureExtractionPipeline::pooled(const std::vector<std::string>& texts,
                                                                  const SentenceEmbeddingConfig& c, bool truncation) const {
  HFCPP_CHECK(c.pooling != Pooling::None, "feature-extraction: pooled embeddings need a pooling other than none");
  size_t max_tokens = max_input_tokens(tokenizer_, *model_);
  if (c.max_seq_length > 0) max_tokens = std::min(max_tokens, c.max_seq_length);
  std::vector<std::vector<float>> out;
  for (const Tensor& tokens : hidden_states(texts, max_tokens, truncation))
    out.push_back(pool(tokens, c.pooling, c.normalize));
  return out;
}

std::string FeatureExtractionPipeline::run_json(const std::string& inputs_json, const std::string& kwargs_json) const {
  ordered_json inputs, kwargs;
  try {
    inputs = ordered_json::parse(inputs_json);
    kwargs = ordered_json::parse(kwargs_json.empty() ? "{}" : kwargs_json);
  } catch (const nlohmann::json::exception& e) {
    fail("feature-extraction: inputs/kwargs are not valid JSON: ", e.what());
  }
  HFCPP_CHECK(kwargs.is_object(), "feature-extraction: kwargs must be a JSON object");
  FeatureExtractionOptions options;
  std::optional<SentenceEmbeddingConfig> pooling_config;
  for (const auto& [key, value] : kwargs.items()) {
    if (key == "truncation" || key == "tokenize_kwargs") {
      const ordered_json& t = key == "truncation" ? value : value.value("truncation", ordered_json());
      if (key == "tokenize_kwargs")
        for (const auto& [k, _] : value.items())
          HFCPP_CHECK(k == "truncation", "feature-extraction: tokenize_kwargs '", k, "' is not supported");
      if (t.is_null()) continue;
      HFCPP_CHECK(t.is_boolean(), "feature-extraction: truncation must be true or false");
      options.truncation = t.get<bool>();
    } else if (key == "return_tensors") {
      HFCPP_CHECK(value.is_boolean(), "feature-extraction: return_tensors must be true or false");
    } else if (key == "pooling") {
      HFCPP_CHECK(value.is_string(), "feature-extraction: pooling must be a string");
      const std::string name = value.get<std::string>();
      if (!pooling_config) pooling_config = SentenceEmbeddingConfig{};
      if (name == "sentence-transformers") *pooling_config = sentence_config_;
      else pooling_config->pooling = pooling_from_name(name);
    } else if (key == "normalize") {
      HFCPP_CHECK(value.is_boolean(), "feature-extraction: normalize must be true or false");
      if (!pooling_config) pooling_config = SentenceEmbeddingConfig{};
      pooling_config->normalize = value.get<bool>();
    } else {
      fail("feature-extraction: unknown argument '", key,
           "' (known: truncation, tokenize_kwargs, return_tensors, pooling, normalize)");
    }
  }
  const bool single = inputs.is_string();
  std::vector<std::string> texts;
  if (single) {
    texts.push_back(inputs.get<std::string>());
  } else {
    HFCPP_CHECK(inputs.is_array(), "feature-extraction: inputs must be a string or a list of strings");
    for (const auto& t : inputs) {
      HFCPP_CHECK(t.is_string(), "feature-extraction: inputs must be a string or a list of strings");
      texts.push_back(t.get<std::string>());
    }
  }
  ordered_json out = ordered_json::array();
  if (pooling_config && pooling_config->pooling != Pooling::None) {
    // sentence-transformers always truncates to its max_seq_length; otherwise the raw call's length rule holds.
    for (const auto& v : pooled(texts, *pooling_config, options.truncation || pooling_config->from_sentence_transformers))
      out.push_back(to_json(v));
  } else {
    for (const Tensor& tokens : (*this)(texts, options)) {  // Python shape per input: [1][seq][hidden]
      ordered_json rows = ordered_json::array();
      const int64_t hidden = tokens.dim(1);
      for (int64_t t = 0; t < tokens.dim(0); ++t)
        rows.push_back(to_json(std::vector<float>(tokens.data<float>() + t * hidden, tokens.data<float>() + (t + 1) * hidden)));
      out.push_back(ordered_json::array({rows}));
    }
  }
  return python_json_dumps(single && !out.empty() ? out[0] : out);
}

}  // namespace hfcpp
