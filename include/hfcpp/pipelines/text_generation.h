// text-generation (transformers' TextGenerationPipeline, v5.23): continue prompts with a causal LM (GPT-2, BLOOM).
// prompt (+ prefix) -> tokenizer -> generate() -> decode the new tokens -> [{"generated_text": ...}].
//
// Generation settings are transformers': the call's GenerationConfig, over the model's generation_config.json,
// over the pipeline's defaults for what neither sets (max_new_tokens 256, do_sample true, temperature 0.7 - the
// latter only when sampling; no max_new_tokens default when max_length is set; pad_token_id = the tokenizer's pad
// token), over transformers' library defaults.
//
// Differences from transformers, on purpose (see docs/tasks/text-generation.md):
//  * Sampling uses hfcpp's seeded generator: reproducible per seed, not the tokens torch would draw.
//  * `stop_strings` may be passed directly (transformers' pipeline fails: it gives generate() no tokenizer then).
//  * Chat (message list) inputs are not supported yet.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hfcpp/generation/generation.h"
#include "hfcpp/pipelines/pipeline.h"

namespace hfcpp {

struct TextGenerationOptions {
  GenerationConfig generation;  // every generate() kwarg (unset fields: see the header comment)
  // Output: the prompt + the new text (true, the default), only the new text (false), or the token ids
  // (`return_tensors`: the whole sequence, prompt and padding included, as `generated_token_ids`).
  std::optional<bool> return_full_text;
  bool return_tensors = false;
  std::optional<bool> clean_up_tokenization_spaces;  // unset = tokenizer_config.json (ignored for byte-level BPE)
  bool skip_special_tokens = true;
  // Text put before every prompt for the model (not in the output); max_length / min_length grow by its token count.
  // Unset = config.json "prefix" when it has one.
  std::optional<std::string> prefix;
  // "hole": when prompt + new tokens exceed the tokenizer's model_max_length, keep only the prompt's last
  // model_max_length - new_tokens tokens (the output's full text still shows the whole prompt).
  bool handle_long_generation_hole = false;
  // Generation stops once the text ends with one of these (transformers' stop_sequence; stop_strings semantics).
  std::vector<std::string> stop_sequence;
  std::optional<bool> add_special_tokens;  // unset = the tokenizer's default (true)
  // Prompts run through generate() together, left-padded with the pad token (transformers' batch_size; needs a pad
  // token, as there). Results of a batch can differ slightly from one-by-one runs (padding); 1 = one at a time.
  int batch_size = 1;
  std::optional<uint64_t> seed;  // sampling; unset = a fresh random seed per call
  // Streaming (one prompt, one returned sequence, no beam search): receives UTF-8-safe pieces of the new text as
  // tokens are produced (see TextStreamer); return false to stop generating.
  std::function<bool(std::string_view piece)> on_text;
};

struct GeneratedSequence {
  std::string generated_text;               // unless return_tensors
  std::vector<int64_t> generated_token_ids;  // with return_tensors
};

// One list per prompt, one entry per returned sequence (num_return_sequences).
using TextGenerationResult = std::vector<std::vector<GeneratedSequence>>;

class TextGenerationPipeline final : public Pipeline {
 public:
  // Throws naming the task and the fitting architectures (GPT2LMHeadModel, BloomForCausalLM) for a model without
  // a causal-LM head.
  explicit TextGenerationPipeline(const std::string& model_dir, const PipelineOptions& options = {});

  TextGenerationResult operator()(const std::vector<std::string>& prompts, const TextGenerationOptions& options = {}) const;
  std::vector<GeneratedSequence> operator()(const std::string& prompt, const TextGenerationOptions& options = {}) const;

  // The GenerationConfig a call uses: options.generation over the model's generation config over the pipeline
  // defaults (what transformers' _prepare_generate_kwargs passes to generate()).
  GenerationConfig effective_config(const GenerationConfig& call) const;

  // Python's shape: a list of {"generated_text"} (or {"generated_token_ids"}) dicts for a string input, a list of
  // such lists for a list input.
  static std::string to_json(const TextGenerationResult& results, bool list_input, bool return_tensors);

  // The options run_json's kwargs stand for (the CLI adds a streaming callback to them).
  static TextGenerationOptions options_from_json(const std::string& kwargs_json);

  const std::string& task() const override { return task_; }
  // kwargs: return_full_text, return_text, return_tensors, clean_up_tokenization_spaces, skip_special_tokens, prefix,
  // handle_long_generation, stop_sequence, add_special_tokens, batch_size, seed, max_length and every
  // GenerationConfig field (max_new_tokens, do_sample, num_beams, temperature, top_k, top_p, stop_strings, ...).
  std::string run_json(const std::string& inputs_json, const std::string& kwargs_json = "{}") const override;
  const Model& model() const override;
  const Tokenizer& tokenizer() const override { return tokenizer_; }

 private:
  std::shared_ptr<const StopStringCriteria> stop_criteria(const std::vector<std::string>& stops) const;

  std::string task_ = "text-generation";
  std::string model_dir_;
  std::shared_ptr<const CausalLM> model_;
  Tokenizer tokenizer_;
  GenerationConfig model_generation_config_;
  std::optional<std::string> config_prefix_;
  bool clean_up_tokenization_spaces_ = false;
  mutable std::once_flag surfaces_once_;  // token surfaces for stop strings, computed on first use
  mutable std::shared_ptr<const std::vector<std::string>> surfaces_;
};

}  // namespace hfcpp
