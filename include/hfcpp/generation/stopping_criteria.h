// Per-sequence stopping criteria beyond max_length and eos (transformers' `stopping_criteria=` argument of
// generate()), and StopStringCriteria: stop a sequence once its text ends with one of some strings, matched across
// token boundaries.
//
// Design: generate() stays tokenizer-free. A StopStringCriteria needs only the text each token id stands for (its
// "surface": the bytes the tokenizer's decoder gives for it); `token_surfaces(tokenizer)` computes those once, as
// transformers' StopStringCriteria.clean_tokenizer_vocab does, and the criteria can be built from them (cheap to
// reuse: a pipeline keeps the surfaces of its tokenizer). generate() also builds one itself from
// GenerationConfig::stop_strings when the caller passes GenerateOptions::tokenizer, like transformers'
// generate(stop_strings=..., tokenizer=...).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace hfcpp {

class Tokenizer;

class StoppingCriterion {
 public:
  virtual ~StoppingCriterion() = default;
  // `sequence`: one row as generate() holds it (the prompt with its left padding, then the tokens generated so far).
  // True = this row is finished. Called after every step for every row, and for every beam-search candidate.
  virtual bool operator()(std::span<const int64_t> sequence) const = 0;
};

// transformers' StopStringCriteria (generation/stopping_criteria.py): a row stops when the text of its last tokens
// holds a stop string whose last character lies in the row's final token. The stop string may span several tokens,
// start inside the first of them and end inside the final one (["las", "topper"] matches "stop"), and may begin in
// the prompt; a stop string that a later token moved away from the end no longer counts (["stop", "at"] does not
// stop). Matching is on bytes (the tokenizer's byte-level or
// byte-fallback pieces as raw bytes, other tokens as their decoded UTF-8), so a multi-byte character split over
// tokens matches too.
class StopStringCriteria final : public StoppingCriterion {
 public:
  // token_surfaces[id] = the bytes token `id` stands for; ids beyond the table never match (transformers clamps them
  // to an entry that matches nothing). Throws when a stop string is empty, or when no token can end any of the stop
  // strings (transformers' "Stop string preprocessing was unable to identify tokens matching ...").
  StopStringCriteria(std::vector<std::string> stop_strings, std::shared_ptr<const std::vector<std::string>> token_surfaces);
  StopStringCriteria(std::vector<std::string> stop_strings, const Tokenizer& tokenizer);

  // The surface of every id of `tokenizer` (added tokens included), as transformers derives it: with a ByteLevel
  // decoder, a token made of byte-level symbols is those bytes; with a ByteFallback decoder "<0xNN>" is byte NN;
  // any other token is what convert_tokens_to_string gives for it after a fixed prefix (so that decoders which strip
  // a leading space do not change it). Computing this walks the vocabulary once: reuse the result.
  static std::shared_ptr<const std::vector<std::string>> token_surfaces(const Tokenizer& tokenizer);

  bool operator()(std::span<const int64_t> sequence) const override;
  const std::vector<std::string>& stop_strings() const { return stop_strings_; }

 private:
  bool matches(std::span<const int64_t> window, const std::string& stop) const;

  std::vector<std::string> stop_strings_;
  std::shared_ptr<const std::vector<std::string>> surfaces_;
  size_t window_ = 0;  // tokens looked at: the longest stop string's length in bytes (one byte per token at least)
};

}  // namespace hfcpp
