// Text generation on token ids: GenerationConfig (transformers' GenerationConfig fields and precedence) and
// generate() with greedy search, sampling and beam search over a CausalLM and its KvCache. Tokenizer-free: ids in,
// ids out (the text-generation pipeline decodes them).
//
// Differences from transformers, on purpose:
//  * Sampling draws from hfcpp's own seeded generator (std::mt19937_64 + inverse-CDF multinomial), so sampled
//    tokens differ from torch's for the same seed; each (seed, inputs, config) is reproducible run to run.
//  * Invalid settings throw hfcpp::Error before any model work, where transformers may warn, ignore the value
//    (top_p > 1) or fail later inside the model (a prompt or max_length beyond n_positions).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hfcpp/core/tensor.h"
#include "hfcpp/generation/logits_processors.h"
#include "hfcpp/generation/stopping_criteria.h"
#include "hfcpp/generation/streamer.h"
#include "hfcpp/models/causal_lm.h"

namespace hfcpp {

// transformers' early_stopping: True (stop a batch item once num_beams hypotheses are finished), False (stop when
// the best running beam cannot beat the worst finished one, judged at the current length) or "never" (judged at
// max_length when length_penalty > 0: only stop when no better candidate can possibly come).
enum class EarlyStopping { False, True, Never };

// A field left unset falls back, in order, to the model's generation_config.json (see merged_with /
// from_pretrained) and then to transformers' library defaults (max_length 20 new tokens, num_beams 1, temperature 1,
// top_k 50, top_p 1, ...). The field names and meanings are transformers'.
struct GenerationConfig {
  // length
  std::optional<int64_t> max_length;      // prompt + new tokens
  std::optional<int64_t> max_new_tokens;  // wins over max_length
  std::optional<int64_t> min_length;      // prompt + new tokens before eos is allowed
  std::optional<int64_t> min_new_tokens;  // wins over min_length
  // strategy
  std::optional<bool> do_sample;
  std::optional<int64_t> num_beams;
  std::optional<int64_t> num_return_sequences;
  std::optional<double> length_penalty;  // beam scores are divided by (new length) ** length_penalty
  std::optional<EarlyStopping> early_stopping;
  // sampling warpers (applied only with do_sample)
  std::optional<double> temperature;
  std::optional<int64_t> top_k;  // 0 = off
  std::optional<double> top_p;
  std::optional<double> min_p;
  std::optional<double> typical_p;
  std::optional<double> epsilon_cutoff;
  std::optional<double> eta_cutoff;
  // logits processors
  std::optional<double> repetition_penalty;  // 1 = off; the prompt's left padding is ignored, as in transformers
  std::optional<int64_t> no_repeat_ngram_size;
  std::optional<std::vector<std::vector<int64_t>>> bad_words_ids;
  std::optional<bool> renormalize_logits;  // log-softmax after all processors
  // stopping: a row stops once its text ends with one of these (StopStringCriteria; needs GenerateOptions::tokenizer)
  std::optional<std::vector<std::string>> stop_strings;
  // special tokens
  std::optional<std::vector<int64_t>> eos_token_id;  // one or several
  std::optional<int64_t> pad_token_id;               // default: eos_token_id[0]
  std::optional<int64_t> bos_token_id;

  // Fields set here win; unset ones come from `defaults` (transformers: generate() kwargs over the model's
  // generation config).
  GenerationConfig merged_with(const GenerationConfig& defaults) const;
  // Reads transformers' generation_config.json keys (unknown keys are ignored; eos_token_id may be an int or a list;
  // early_stopping a bool or "never"; stop_strings a string or a list of strings). Throws naming the source and key on a wrongly typed value.
  static GenerationConfig from_json(const std::string& json_text, const std::string& source_name = "<json>");
  // The model folder's defaults as transformers loads them: generation_config.json when present, otherwise the
  // generation keys of config.json (GenerationConfig.from_model_config).
  static GenerationConfig from_pretrained(const std::string& model_dir);
};

// Called after every decoding step with the token just chosen for each running sequence (batch *
// num_return_sequences of them; finished sequences receive pad_token_id). Return false to stop generating: the
// output then ends with this step. Not available with beam search (as in transformers).
using TokenCallback = std::function<bool(const std::vector<int64_t>& next_tokens)>;

struct GenerateOptions {
  uint64_t seed = 0;  // sampling only
  TokenCallback on_tokens;
  // Extra processors, run after the built-in ones and before the sampling warpers (transformers'
  // `logits_processor=` argument).
  std::vector<std::shared_ptr<const LogitsProcessor>> logits_processors;
  // Extra per-row stopping criteria, checked after max_length / eos like transformers' `stopping_criteria=`
  // (e.g. a StopStringCriteria built once from cached token surfaces).
  std::vector<std::shared_ptr<const StoppingCriterion>> stopping_criteria;
  // The model's tokenizer, needed only for config.stop_strings (transformers' `tokenizer=` argument); generate()
  // then builds a StopStringCriteria from it, walking its vocabulary once per call.
  const Tokenizer* tokenizer = nullptr;
  // Receives every generated token and releases UTF-8-safe text (see streamer.h); end() is called when generation
  // stops. Like transformers' streamers: one sequence only (a single prompt, num_return_sequences 1, num_beams 1).
  // Its callback returning false stops generation, as on_tokens returning false does.
  TextStreamer* streamer = nullptr;
};

struct GenerationOutput {
  // [batch * num_return_sequences][length]: each prompt row (with its left padding) followed by the new tokens, all
  // rows of one length (finished rows are filled with pad_token_id), in transformers' order (the returned sequences
  // of prompt 0, then of prompt 1, ...).
  std::vector<std::vector<int64_t>> sequences;
  std::vector<float> sequences_scores;  // beam search: the length-penalised log-probability of each sequence
  int64_t prompt_length = 0;            // columns of `sequences` that are the (padded) prompt
};

// input_ids [batch, T] I64, left-padded; attention_mask [batch, T] (1 = token, 0 = padding) or undefined, in which
// case it is inferred like transformers (ids != pad_token_id when the prompt contains the pad token and it is not
// an eos token; else all ones). `config` is used as given plus the library defaults: to honour the model's
// generation_config.json, pass config.merged_with(GenerationConfig::from_pretrained(dir)). eos/pad/bos left unset
// there fall back to the model's config.json. Per-token cost is flat in the context length (the prompt is run once,
// then one position per step against the KV cache).
GenerationOutput generate(const CausalLM& model, const Tensor& input_ids, const Tensor& attention_mask,
                          const GenerationConfig& config, const GenerateOptions& options = {});

// Convenience: unpadded prompts, left-padded here with pad_token_id (or eos_token_id[0], or 0).
GenerationOutput generate(const CausalLM& model, const std::vector<std::vector<int64_t>>& prompts,
                          const GenerationConfig& config, const GenerateOptions& options = {});

}  // namespace hfcpp
