// INTERNAL: the pieces generate() is built from. Settings (a validated, fully resolved GenerationConfig), Decoder
// (running sequences + masks + positions + the KV cache, one step of the model at a time), stopping criteria and
// the two decoding loops.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "generation/sampling.h"
#include "hfcpp/generation/generation.h"

namespace hfcpp::generation {

struct Settings {
  int64_t max_length = 0, min_length = 0, prompt_length = 0;
  std::optional<int64_t> min_new_tokens;
  bool do_sample = false;
  int64_t num_beams = 1, num_return_sequences = 1;
  float length_penalty = 1.0f;
  EarlyStopping early_stopping = EarlyStopping::False;
  std::vector<int64_t> eos;       // empty = none
  std::optional<int64_t> pad;     // eos[0] when unset and eos is set
  GenerationConfig config;        // every field set (library defaults filled in)
};

using ProcessorList = std::vector<std::shared_ptr<const LogitsProcessor>>;

// The sequences being decoded, their attention masks and position ids, and the KV cache. step() runs the model on
// the positions not yet in the cache (the whole prompt at first, then the newest token) and returns the last
// position's float32 logits [rows * vocab]. With `expand` > 1 the rows come in groups of `expand` copies of one
// prompt (beams, returned sequences): the prompt pass runs once per group and its cache rows are then repeated.
class Decoder {
 public:
  Decoder(const CausalLM& model, TokenRows sequences, std::vector<std::vector<int64_t>> mask, int64_t capacity,
          int64_t expand = 1);
  std::vector<float> step();
  void append(const std::vector<int64_t>& tokens);  // one per row
  void reorder(const std::vector<int64_t>& rows);   // row i <- old row rows[i] (sequences, masks, positions, cache)
  const TokenRows& sequences() const { return sequences_; }
  int64_t rows() const { return static_cast<int64_t>(sequences_.size()); }
  int64_t vocab() const { return model_.vocab_size(); }

 private:
  const CausalLM& model_;
  TokenRows sequences_;
  std::vector<std::vector<int64_t>> mask_, positions_;
  int64_t expand_;
  KvCache cache_;
};

// MaxLengthCriteria + EosTokenCriteria + the extra criteria (stop strings, the caller's): is this row done?
struct StoppingCriteria {
  int64_t max_length = 0;
  std::vector<int64_t> eos;
  std::vector<std::shared_ptr<const StoppingCriterion>> extra;
  bool done(std::span<const int64_t> row) const;
};

void apply(const ProcessorList& processors, const TokenRows& sequences, ScoresView scores);

// beam_search.cpp: transformers' GenerationMixin._beam_search (and beam sampling with `sampler`).
GenerationOutput beam_search(Decoder& decoder, const Settings& s, const ProcessorList& processors,
                             const StoppingCriteria& stopping, Sampler* sampler);

}  // namespace hfcpp::generation
