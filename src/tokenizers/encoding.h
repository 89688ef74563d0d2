// RawEncoding: the `tokenizers` Encoding with its sequence ranges, as the pipeline builds it; converted to the public
// hfcpp::Encoding at the end. truncate / merge_with / pad follow the Rust implementation step by step.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hfcpp/tokenizers/tokenizer.h"
#include "tokenizers/normalized_string.h"

namespace hfcpp::tok {

struct RawEncoding {
  std::vector<int32_t> ids;
  std::vector<int32_t> type_ids;
  std::vector<std::string> tokens;
  std::vector<int32_t> words;  // -1 = none
  std::vector<Offsets> offsets;
  std::vector<int32_t> special_tokens_mask;
  std::vector<int32_t> attention_mask;
  std::vector<RawEncoding> overflowing;
  std::map<size_t, std::pair<size_t, size_t>> sequence_ranges;  // sequence id -> token range [begin, end)
  // The text the offsets point into, while the post-processor runs (ByteLevel trim_offsets counts its chars);
  // not kept by merges.
  std::string_view original;
  // Pre-tokenized input (Tokenizer::encode_words): each token's offsets point into its own word, words[i] indexes
  // this list. Empty for ordinary text, where `original` holds for every token.
  std::vector<std::string_view> word_texts;
  // The text token i's offsets point into.
  std::string_view text_of(size_t i) const {
    return word_texts.empty() || words[i] < 0 ? original : word_texts[static_cast<size_t>(words[i])];
  }

  size_t size() const { return ids.size(); }
  void reserve(size_t n);
  void push(int32_t id, std::string token, Offsets offsets, int32_t word, int32_t type_id, int32_t special);

  void set_sequence_id(size_t sequence_id) { sequence_ranges[sequence_id] = {0, size()}; }
  // Keeps max_len tokens; the rest goes to `overflowing` in windows overlapping by `stride`.
  void truncate(size_t max_len, size_t stride, Side direction);
  // Appends `pair`, combining the overflowing parts of both (Encoding::merge_with).
  void merge_with(RawEncoding pair, bool growing_offsets);
  static RawEncoding merge(std::vector<RawEncoding> encodings, bool growing_offsets);
  void pad(size_t target_length, int32_t pad_id, int32_t pad_type_id, const std::string& pad_token, Side direction);

  std::vector<int32_t> sequence_ids() const;
  Encoding to_public() const&;
  Encoding to_public() &&;  // moves the vectors out

 private:
  RawEncoding slice(size_t begin, size_t end) const;
};

}  // namespace hfcpp::tok
