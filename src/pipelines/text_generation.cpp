// text-generation, mirroring transformers/pipelines/text_generation.py (v5.23): preprocess (prefix + prompt,
// tokenizer, "hole" truncation), _forward (pipeline generation defaults, prefix-adjusted lengths, generate() on a
// left-padded batch) and postprocess (decode the new tokens; full text = prompt text + new text).
#include "hfcpp/pipelines/text_generation.h"

#include <algorithm>
#include <random>

#include <nlohmann/json.hpp>

#include "hfcpp/core/error.h"
#include "hfcpp/core/threads.h"
#include "pipelines/encoder_inputs.h"
#include "pipelines/load_parts.h"
#include "pipelines/python_json.h"

namespace hfcpp {

using ordered_json = nlohmann::ordered_json;

namespace {

// One prompt after preprocess: the ids the model sees and the text the full output starts with.
struct Prepared {
  std::vector<int64_t> ids;
  const std::string* prompt_text;
};

}  // namespace

TextGenerationPipeline::TextGenerationPipeline(const std::string& model_dir, const PipelineOptions& options)
    : model_dir_(model_dir),
      model_generation_config_(GenerationConfig::from_pretrained(model_dir)),
      clean_up_tokenization_spaces_(default_clean_up_tokenization_spaces(model_dir)) {
  std::tie(model_, tokenizer_) = load_model_and_tokenizer(
      model_dir, [&] { return load_causal_lm(model_dir, LoadOptions{options.device, options.dtype}); });
  if (options.num_threads > 0) set_num_threads(options.num_threads);
  // Pipeline.__init__: self.prefix = model.config.prefix
  const JsonConfig& config = model_->config();
  if (config.has("prefix")) config_prefix_ = config.get_string("prefix");
}

const Model& TextGenerationPipeline::model() const { return *model_; }

GenerationConfig TextGenerationPipeline::effective_config(const GenerationConfig& call) const {
  // Pipeline._prepare_generate_kwargs: the defaults only fill what neither the call nor the model's generation
  // config sets; a default max_new_tokens would override a set max_length; sampling defaults only when sampling.
  const GenerationConfig set = call.merged_with(model_generation_config_);
  GenerationConfig added;
  if (!set.max_new_tokens && !set.max_length) added.max_new_tokens = 256;
  if (!set.do_sample) added.do_sample = true;
  if (set.do_sample.value_or(true) && !set.temperature) added.temperature = 0.7;
  if (!set.pad_token_id && tokenizer_.pad_token_id() >= 0) added.pad_token_id = tokenizer_.pad_token_id();
  return set.merged_with(added);
}

std::shared_ptr<const StopStringCriteria> TextGenerationPipeline::stop_criteria(const std::vector<std::string>& stops) const {
  std::call_once(surfaces_once_, [&] { surfaces_ = StopStringCriteria::token_surfaces(tokenizer_); });
  return std::make_shared<StopStringCriteria>(stops, surfaces_);
}

TextGenerationResult TextGenerationPipeline::operator()(const std::vector<std::string>& prompts,
                                                        const TextGenerationOptions& options) const {
  HFCPP_CHECK(!prompts.empty(), "text-generation: no prompts given");
  HFCPP_CHECK(options.batch_size >= 1, "text-generation: batch_size must be at least 1, got ", options.batch_size);
  HFCPP_CHECK(!options.on_text || prompts.size() == 1,
              "text-generation: streaming follows one prompt (as transformers' streamers: batch size 1), got ",
              prompts.size());
  GenerationConfig config = effective_config(options.generation);
  GenerateOptions generate_options;
  // stop_sequence becomes generate()'s stop_strings; both match through the pipeline's cached token surfaces
  std::vector<std::string> stops = options.stop_sequence;
  if (stops.empty() && config.stop_strings) stops = *config.stop_strings;
  config.stop_strings.reset();
  if (!stops.empty()) generate_options.stopping_criteria.push_back(stop_criteria(stops));
  generate_options.seed = options.seed ? *options.seed : std::random_device{}();

  // preprocess: tokenizer(prefix + prompt), then "hole"
  const std::string prefix = options.prefix.value_or(config_prefix_.value_or(""));
  EncodeOptions encode;
  encode.add_special_tokens = options.add_special_tokens.value_or(true);
  std::vector<Prepared> prepared;
  for (const std::string& prompt : prompts) {
    const Encoding e = tokenizer_.encode(prefix + prompt, encode);
    Prepared p{std::vector<int64_t>(e.ids.begin(), e.ids.end()), &prompt};
    const size_t max_tokens = tokenizer_.model_max_length();
    if (options.handle_long_generation_hole && max_tokens != Tokenizer::kUnknownMaxLength) {
      const int64_t length = static_cast<int64_t>(p.ids.size());
      int64_t new_tokens = 0;
      if (config.max_new_tokens) {
        new_tokens = *config.max_new_tokens;
      } else {
        new_tokens = config.max_length.value_or(20) - length;
        HFCPP_CHECK(new_tokens >= 0, "text-generation: We cannot infer how many new tokens are expected (max_length ",
                    config.max_length.value_or(20), " is below the prompt's ", length, " tokens)");
      }
      if (length + new_tokens > static_cast<int64_t>(max_tokens)) {
        const int64_t keep = static_cast<int64_t>(max_tokens) - new_tokens;
        HFCPP_CHECK(keep > 0, "text-generation: We cannot use `hole` to handle this generation the number of desired "
                    "tokens (", new_tokens, ") exceeds the models max length (", max_tokens, ")");
        p.ids.erase(p.ids.begin(), p.ids.end() - keep);
      }
    }
    prepared.push_back(std::move(p));
  }
  // _forward: a total length has to include the prefix
  if (!prefix.empty()) {
    EncodeOptions plain;
    plain.add_special_tokens = options.add_special_tokens.value_or(false);
    const int64_t prefix_length = static_cast<int64_t>(tokenizer_.encode(prefix, plain).ids.size());
    if (config.max_length && !config.max_new_tokens) *config.max_length += prefix_length;
    if (config.min_length && !config.min_new_tokens) *config.min_length += prefix_length;
  }

  std::optional<TextStreamer> streamer;
  if (options.on_text) {
    streamer.emplace(tokenizer_, options.on_text,
                     TextStreamer::Options{options.skip_special_tokens,
                                           options.clean_up_tokenization_spaces.value_or(clean_up_tokenization_spaces_)});
    generate_options.streamer = &*streamer;
  }
  const bool full_text = options.return_full_text.value_or(true);
  const bool clean_up = options.clean_up_tokenization_spaces.value_or(clean_up_tokenization_spaces_);
  TextGenerationResult results;
  for (size_t start = 0; start < prepared.size();) {
    // the batch: up to batch_size prompts; an empty prompt (generation from BOS) always runs alone
    size_t end = start + 1;
    if (!prepared[start].ids.empty())
      while (end < prepared.size() && end - start < static_cast<size_t>(options.batch_size) && !prepared[end].ids.empty())
        ++end;
    const size_t rows = end - start;
    size_t width = 0;
    for (size_t i = start; i < end; ++i) width = std::max(width, prepared[i].ids.size());
    std::vector<int64_t> ids, mask;
    size_t prompt_length = width;
    if (width == 0) {  // _forward: an empty prompt gives generate() no input_ids; it starts from bos_token_id
      const GenerationConfig model_config = GenerationConfig::from_json(model_->config().dump(), model_->config().source());
      const std::optional<int64_t> bos = config.bos_token_id ? config.bos_token_id : model_config.bos_token_id;
      HFCPP_CHECK(bos.has_value(), "text-generation: the prompt is empty and the model has no bos_token_id to start "
                  "from (`bos_token_id` has to be defined when no `input_ids` are provided)");
      ids = {*bos}, mask = {1}, width = 1, prompt_length = 0;
    } else {
      const int32_t pad = tokenizer_.pad_token_id();
      HFCPP_CHECK(rows == 1 || pad >= 0 || config.pad_token_id,
                  "text-generation: Pipeline with tokenizer without pad_token cannot do batching; pass pad_token_id "
                  "(e.g. the eos token id) or batch_size 1");
      const int64_t pad_id = pad >= 0 ? pad : config.pad_token_id.value_or(0);
      for (size_t i = start; i < end; ++i) {  // left padding, as the pipeline sets padding_side
        const auto& p = prepared[i].ids;
        ids.insert(ids.end(), width - p.size(), pad_id);
        ids.insert(ids.end(), p.begin(), p.end());
        mask.insert(mask.end(), width - p.size(), 0);
        mask.insert(mask.end(), p.size(), 1);
      }
    }
    const Shape shape{static_cast<int64_t>(rows), static_cast<int64_t>(width)};
    const GenerationOutput out = generate(*model_, Tensor::from_vector(ids, shape), Tensor::from_vector(mask, shape),
                                          config, generate_options);
    const size_t per_prompt = out.sequences.size() / rows;
    for (size_t r = 0; r < rows; ++r) {  // postprocess
      std::vector<GeneratedSequence> records;
      for (size_t k = 0; k < per_prompt; ++k) {
        const std::vector<int64_t>& sequence = out.sequences[r * per_prompt + k];
        GeneratedSequence g;
        if (options.return_tensors) {
          g.generated_token_ids = sequence;
        } else {
          const std::vector<int32_t> new_ids(sequence.begin() + static_cast<std::ptrdiff_t>(prompt_length), sequence.end());
          g.generated_text = tokenizer_.decode(new_ids, options.skip_special_tokens, clean_up);
          if (full_text) g.generated_text = *prepared[start + r].prompt_text + g.generated_text;
        }
        records.push_back(std::move(g));
      }
      results.push_back(std::move(records));
    }
    start = end;
  }
  return results;
}

std::vector<GeneratedSequence> TextGenerationPipeline::operator()(const std::string& prompt,
                                                                  const TextGenerationOptions& options) const {
  return (*this)(std::vector<std::string>{prompt}, options).front();
}

namespace {

// generate() kwargs, read by GenerationConfig::from_json (use_cache is accepted and has no effect: hfcpp always
// decodes over its KV cache).
constexpr const char* kGenerationKeys[] = {
    "max_length", "max_new_tokens", "min_length", "min_new_tokens", "do_sample", "num_beams", "num_return_sequences",
    "length_penalty", "early_stopping", "temperature", "top_k", "top_p", "min_p", "typical_p", "epsilon_cutoff",
    "eta_cutoff", "repetition_penalty", "no_repeat_ngram_size", "bad_words_ids", "renormalize_logits", "eos_token_id",
    "pad_token_id", "bos_token_id", "stop_strings", "use_cache"};

bool is_generation_key(const std::string& key) {
  return std::any_of(std::begin(kGenerationKeys), std::end(kGenerationKeys), [&](const char* k) { return key == k; });
}

std::optional<bool> optional_bool(const ordered_json& v, const std::string& key) {
  if (v.is_null()) return std::nullopt;
  HFCPP_CHECK(v.is_boolean(), "text-generation: ", key, " must be true or false, got ", v.dump());
  return v.get<bool>();
}

std::vector<std::string> string_or_list(const ordered_json& v, const std::string& key) {
  if (v.is_string()) return {v.get<std::string>()};
  HFCPP_CHECK(v.is_array(), "text-generation: ", key, " must be a string or a list of strings");
  std::vector<std::string> out;
  for (const auto& x : v) {
    HFCPP_CHECK(x.is_string(), "text-generation: ", key, " must be a string or a list of strings");
    out.push_back(x.get<std::string>());
  }
  return out;
}

}  // namespace

TextGenerationOptions TextGenerationPipeline::options_from_json(const std::string& kwargs_json) {
  ordered_json kwargs;
  try {
    kwargs = ordered_json::parse(kwargs_json.empty() ? "{}" : kwargs_json);
  } catch (const nlohmann::json::exception& e) {
    fail("text-generation: kwargs are not valid JSON: ", e.what());
  }
  HFCPP_CHECK(kwargs.is_object(), "text-generation: kwargs must be a JSON object");
  TextGenerationOptions options;
  ordered_json generation = ordered_json::object();
  std::optional<bool> return_full_text, return_text;
  bool tensors_asked = false;
  for (const auto& [key, value] : kwargs.items()) {
    if (is_generation_key(key)) {
      if (key != "use_cache") generation[key] = value;
    } else if (key == "return_full_text") {
      return_full_text = optional_bool(value, key);
    } else if (key == "return_text") {
      return_text = optional_bool(value, key);
    } else if (key == "return_tensors") {
      // _sanitize_parameters: any return_tensors that is not None asks for the ids (even False)
      tensors_asked = !value.is_null();
    } else if (key == "clean_up_tokenization_spaces") {
      options.clean_up_tokenization_spaces = optional_bool(value, key);
    } else if (key == "skip_special_tokens") {
      options.skip_special_tokens = optional_bool(value, key).value_or(true);
    } else if (key == "add_special_tokens") {
      options.add_special_tokens = optional_bool(value, key);
    } else if (key == "prefix") {
      if (value.is_null()) continue;
      HFCPP_CHECK(value.is_string(), "text-generation: prefix must be a string");
      options.prefix = value.get<std::string>();
    } else if (key == "handle_long_generation") {
      if (value.is_null()) continue;
      HFCPP_CHECK(value == "hole", "text-generation: ", value.dump(), " is not a valid value for "
                  "`handle_long_generation` parameter expected [None, 'hole']");
      options.handle_long_generation_hole = true;
    } else if (key == "stop_sequence") {
      if (!value.is_null()) options.stop_sequence = string_or_list(value, key);
    } else if (key == "batch_size") {
      if (value.is_null()) continue;
      HFCPP_CHECK(value.is_number_integer() && value.get<int64_t>() >= 1, "text-generation: batch_size must be a "
                  "positive integer");
      options.batch_size = value.get<int>();
    } else if (key == "seed") {
      HFCPP_CHECK(value.is_number_unsigned(), "text-generation: seed must be a non-negative integer");
      options.seed = value.get<uint64_t>();
    } else {
      fail("text-generation: unknown argument '", key, "' (known: return_full_text, return_text, return_tensors, "
           "clean_up_tokenization_spaces, skip_special_tokens, add_special_tokens, prefix, handle_long_generation, "
           "stop_sequence, batch_size, seed and the generate() options such as max_new_tokens, do_sample, num_beams, "
           "num_return_sequences, temperature, top_k, top_p, repetition_penalty, stop_strings)");
    }
  }
  if (return_full_text) {
    HFCPP_CHECK(!return_text, "text-generation: `return_text` is mutually exclusive with `return_full_text`");
    HFCPP_CHECK(!tensors_asked, "text-generation: `return_full_text` is mutually exclusive with `return_tensors`");
    options.return_full_text = return_full_text;
  } else if (tensors_asked) {
    HFCPP_CHECK(!return_text, "text-generation: `return_text` is mutually exclusive with `return_tensors`");
    options.return_tensors = true;
  }
  options.generation = GenerationConfig::from_json(generation.dump(), "text-generation kwargs");
  return options;
}

std::string TextGenerationPipeline::run_json(const std::string& inputs_json, const std::string& kwargs_json) const {
  const TextGenerationOptions options = options_from_json(kwargs_json);
  ordered_json inputs;
  try {
    inputs = ordered_json::parse(inputs_json);
  } catch (const nlohmann::json::exception& e) {
    fail("text-generation: inputs are not valid JSON: ", e.what());
  }
  std::vector<std::string> prompts;
  const bool list_input = inputs.is_array();
  if (inputs.is_string()) {
    prompts.push_back(inputs.get<std::string>());
  } else {
    HFCPP_CHECK(list_input && !inputs.empty(), "text-generation: inputs must be a string or a non-empty list of strings");
    for (const auto& t : inputs) {
      HFCPP_CHECK(!t.is_object() && !t.is_array(), "text-generation: chat inputs (lists of {\"role\", \"content\"} "
                  "messages) are not supported yet; pass plain text prompts");
      HFCPP_CHECK(t.is_string(), "text-generation: inputs must be a string or a list of strings");
      prompts.push_back(t.get<std::string>());
    }
  }
  return to_json((*this)(prompts, options), list_input, options.return_tensors);
}

std::string TextGenerationPipeline::to_json(const TextGenerationResult& results, bool list_input, bool return_tensors) {
  ordered_json out = ordered_json::array();
  for (const auto& records : results) {
    ordered_json list = ordered_json::array();
    for (const GeneratedSequence& g : records)
      list.push_back(return_tensors ? ordered_json{{"generated_token_ids", g.generated_token_ids}}
                                    : ordered_json{{"generated_text", g.generated_text}});
    out.push_back(std::move(list));
  }
  return python_json_dumps(list_input ? out : out[0]);
}

}  // namespace hfcpp
