// fill-mask, mirroring transformers/pipelines/fill_mask.py: tokenize (the input must hold the mask token) ->
// masked-LM logits -> per mask: softmax over the vocabulary, optional target restriction, top_k, decoded sequence.
#include "hfcpp/pipelines/fill_mask.h"

#include <algorithm>
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

// Softmax in float32 as torch computes it (max subtracted).
std::vector<float> softmax(const float* logits, size_t n) {
  std::vector<float> p(logits, logits + n);
  const float max = *std::max_element(p.begin(), p.end());
  float sum = 0;
  for (float& x : p) sum += (x = std::exp(x - max));
  for (float& x : p) x /= sum;
  return p;
}

}  // namespace

FillMaskPipeline::FillMaskPipeline(const std::string& model_dir, const PipelineOptions& options)
    : options_(options),
      clean_up_tokenization_spaces_(default_clean_up_tokenization_spaces(model_dir)),
      token_type_ids_(uses_token_type_ids(model_dir)) {
  std::tie(model_, tokenizer_) = load_model_and_tokenizer(
      model_dir, [&] { return load_model(model_dir, Head::MaskedLM, LoadOptions{options.device, options.dtype}); });
  HFCPP_CHECK(options.batch_size >= 1, "fill-mask: batch_size must be at least 1, got ", options.batch_size);
  if (options.num_threads > 0) set_num_threads(options.num_threads);
}

std::vector<int32_t> FillMaskPipeline::target_ids(const std::vector<std::string>& targets) const {
  std::vector<int32_t> ids;
  for (const std::string& target : targets) {
    std::optional<int32_t> id = tokenizer_.token_to_id(target);
    if (!id) {  // transformers: tokenize the target and keep its first token (with a warning); none -> skip it
      EncodeOptions plain;
      plain.add_special_tokens = false;
      const Encoding e = tokenizer_.encode(target, plain);
      if (e.ids.empty()) continue;
      id = e.ids.front();
    }
    if (std::find(ids.begin(), ids.end(), *id) == ids.end()) ids.push_back(*id);
  }
  HFCPP_CHECK(!ids.empty(), "fill-mask: At least one target must be provided when passed.");
  return ids;
}

std::vector<FillMaskResult> FillMaskPipeline::operator()(const std::vector<std::string>& texts,
                                                         const FillMaskOptions& options) const {
  const std::optional<int32_t> mask_id = tokenizer_.special_token_id("mask");
  HFCPP_CHECK(mask_id, "fill-mask: The tokenizer does not define a `mask_token`.");
  HFCPP_CHECK(options.top_k >= 0, "fill-mask: top_k must be at least 0, got ", options.top_k);
  const std::vector<int32_t> targets = options.targets.empty() ? std::vector<int32_t>{} : target_ids(options.targets);
  const size_t top_k = targets.empty() ? static_cast<size_t>(options.top_k)
                                       : std::min(static_cast<size_t>(options.top_k), targets.size());
  const std::string mask_token = tokenizer_.special_token("mask").value_or("");

  const size_t max_tokens = max_input_tokens(tokenizer_, *model_);
  const size_t limit = options.truncation && options.max_length > 0 ? options.max_length : max_tokens;
  std::vector<Encoding> encodings;
  encodings.reserve(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    encodings.push_back(encode_for_model(tokenizer_, texts[i], std::nullopt, limit, options.truncation, i));
    const auto& ids = encodings.back().ids;
    HFCPP_CHECK(std::find(ids.begin(), ids.end(), *mask_id) != ids.end(), "fill-mask: No mask_token (", mask_token,
                ") found on the input", texts.size() > 1 ? " " + std::to_string(i) : std::string());
    HFCPP_CHECK(encodings.back().size() <= max_tokens, "fill-mask: input ", i, " has ", encodings.back().size(),
                " tokens but the model accepts at most ", max_tokens);
  }

  std::vector<FillMaskResult> results;
  const int32_t pad_id = tokenizer_.pad_token_id();
  const size_t batch_size = static_cast<size_t>(options_.batch_size);
  for (size_t start = 0; start < encodings.size(); start += batch_size) {
    std::vector<const Encoding*> batch;
    for (size_t i = start; i < std::min(encodings.size(), start + batch_size); ++i) batch.push_back(&encodings[i]);
    const ModelOutputs outputs = model_->forward(make_model_inputs(batch, pad_id, token_type_ids_));
    const Tensor logits = outputs.logits.to(DeviceSpec{}).to(DType::F32).contiguous();  // [batch, seq, vocab]
    HFCPP_CHECK(logits.rank() == 3, "fill-mask: the model gives logits of shape ", shape_to_string(logits.shape()),
                ", expected [batch, seq, vocab]");
    const size_t seq = static_cast<size_t>(logits.dim(1)), vocab = static_cast<size_t>(logits.dim(2));
    HFCPP_CHECK(top_k <= vocab, "fill-mask: top_k (", top_k, ") is larger than the vocabulary (", vocab, ")");
    for (const int32_t t : targets)
      HFCPP_CHECK(t >= 0 && static_cast<size_t>(t) < vocab, "fill-mask: target id ", t, " is outside the vocabulary");
    for (size_t row = 0; row < batch.size(); ++row) {
      const std::vector<int32_t>& ids = batch[row]->ids;
      std::vector<size_t> masks;
      for (size_t pos = 0; pos < ids.size(); ++pos)
        if (ids[pos] == *mask_id) masks.push_back(pos);
      const bool single_mask = masks.size() == 1;
      FillMaskResult per_mask;
      for (const size_t pos : masks) {
        const std::vector<float> probs = softmax(logits.data<float>() + (row * seq + pos) * vocab, vocab);
        std::vector<int32_t> candidates = targets;
        if (candidates.empty()) {
          candidates.resize(vocab);
          std::iota(candidates.begin(), candidates.end(), 0);
        }
        // torch.topk: largest first (ties: lower index first).
        const auto better = [&](int32_t a, int32_t b) { return probs[a] > probs[b] || (probs[a] == probs[b] && a < b); };
        std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(top_k), candidates.end(),
                          better);
        std::vector<MaskPrediction> predictions;
        for (size_t k = 0; k < top_k; ++k) {
          const int32_t token = candidates[k];
          std::vector<int32_t> filled;
          for (size_t p = 0; p < ids.size(); ++p) {
            const int32_t id = p == pos ? token : ids[p];
            if (id != pad_id) filled.push_back(id);  // transformers filters padding out (after filling the mask)
          }
          predictions.push_back(MaskPrediction{probs[token], token,
                                               tokenizer_.decode({token}, false, clean_up_tokenization_spaces_),
                                               tokenizer_.decode(filled, single_mask, clean_up_tokenization_spaces_)});
        }
        per_mask.push_back(std::move(predictions));
      }
      results.push_back(std::move(per_mask));
    }
  }
  return results;
}

FillMaskResult FillMaskPipeline::operator()(const std::string& text, const FillMaskOptions& options) const {
  return (*this)(std::vector<std::string>{text}, options).front();
}

std::string FillMaskPipeline::to_json(const std::vector<FillMaskResult>& results) {
  ordered_json out = ordered_json::array();
  for (const FillMaskResult& per_mask : results) {
    ordered_json masks = ordered_json::array();
    for (const auto& predictions : per_mask) {
      ordered_json list = ordered_json::array();
      for (const MaskPrediction& p : predictions)
        list.push_back(ordered_json{{"score", static_cast<double>(p.score)}, {"token", p.token},
                                    {"token_str", p.token_str}, {"sequence", p.sequence}});
      masks.push_back(std::move(list));
    }
    out.push_back(masks.size() == 1 ? masks[0] : masks);
  }
  // A single string, and (transformers' FillMaskPipeline.__call__) a one-element list, give the bare result.
  return python_json_dumps(out.size() == 1 ? out[0] : out);
}

std::string FillMaskPipeline::run_json(const std::string& inputs_json, const std::string& kwargs_json) const {
  ordered_json inputs, kwargs;
  try {
    inputs = ordered_json::parse(inputs_json);
    kwargs = ordered_json::parse(kwargs_json.empty() ? "{}" : kwargs_json);
  } catch (const nlohmann::json::exception& e) {
    fail("fill-mask: inputs/kwargs are not valid JSON: ", e.what());
  }
  HFCPP_CHECK(kwargs.is_object(), "fill-mask: kwargs must be a JSON object");
  FillMaskOptions options;
  for (const auto& [key, value] : kwargs.items()) {
    if (key == "top_k") {
      if (value.is_null()) continue;  // Python: top_k=None keeps the default
      HFCPP_CHECK(value.is_number_integer(), "fill-mask: top_k must be an integer");
      options.top_k = value.get<int>();
    } else if (key == "targets") {
      if (value.is_null()) continue;
      if (value.is_string()) {
        options.targets = {value.get<std::string>()};
      } else {
        HFCPP_CHECK(value.is_array(), "fill-mask: targets must be a string or a list of strings");
        for (const auto& t : value) {
          HFCPP_CHECK(t.is_string(), "fill-mask: targets must be a string or a list of strings");
          options.targets.push_back(t.get<std::string>());
        }
        HFCPP_CHECK(!options.targets.empty(), "fill-mask: At least one target must be provided when passed.");
      }
    } else if (key == "tokenizer_kwargs") {
      if (value.is_null()) continue;
      HFCPP_CHECK(value.is_object(), "fill-mask: tokenizer_kwargs must be a dict");
      for (const auto& [k, v] : value.items()) {
        if (k == "truncation") {
          HFCPP_CHECK(v.is_boolean() || v == "longest_first" || v == "only_first",
                      "fill-mask: tokenizer_kwargs.truncation must be true, false, \"longest_first\" or \"only_first\"");
          options.truncation = v.is_boolean() ? v.get<bool>() : true;
        } else if (k == "max_length") {
          HFCPP_CHECK(v.is_number_integer() && v.get<int64_t>() > 0, "fill-mask: tokenizer_kwargs.max_length must be a positive integer");
          options.max_length = v.get<size_t>();
        } else {
          fail("fill-mask: unsupported tokenizer_kwargs key '", k, "' (supported: truncation, max_length)");
        }
      }
    } else {
      fail("fill-mask: unknown argument '", key, "' (known: top_k, targets, tokenizer_kwargs)");
    }
  }
  std::vector<std::string> texts;
  if (inputs.is_string()) {
    texts.push_back(inputs.get<std::string>());
  } else {
    HFCPP_CHECK(inputs.is_array() && !inputs.empty(), "fill-mask: inputs must be a string or a non-empty list of strings");
    for (const auto& t : inputs) {
      HFCPP_CHECK(t.is_string(), "fill-mask: inputs must be a string or a list of strings");
      texts.push_back(t.get<std::string>());
    }
  }
  return to_json((*this)(texts, options));
}

}  // namespace hfcpp
