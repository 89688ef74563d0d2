// BPE (GPT-2, RoBERTa, BART, BLOOM, Llama, Mistral, Qwen2): each pre-token starts as one symbol per char and the
// ranked merges are applied lowest rank first (leftmost on ties) until none applies, as the `tokenizers` BPE model
// does, with its options: unk_token / fuse_unk, byte_fallback (<0xXX> tokens), continuing_subword_prefix,
// end_of_word_suffix, ignore_merges. dropout is accepted but not applied (it only randomizes training-time splits).
// Thread-safe: results of short words are cached per thread (no locks), as the Rust library does.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tokenizers/model.h"
#include "tokenizers/vocab.h"

namespace hfcpp::tok {

struct BpeOptions {
  std::optional<std::string> unk_token;
  std::optional<std::string> continuing_subword_prefix;
  std::optional<std::string> end_of_word_suffix;
  bool fuse_unk = false;
  bool byte_fallback = false;
  bool ignore_merges = false;
};

class Bpe final : public Model {
 public:
  // `merges` in rank order. Throws hfcpp::Error naming the merge when one of its tokens, or the token it makes, is
  // not in the vocabulary.
  Bpe(Vocab vocab, const std::vector<std::pair<std::string, std::string>>& merges, BpeOptions options);
  ~Bpe() override;

  std::vector<Token> tokenize(std::string_view word) const override;
  std::optional<int32_t> token_to_id(std::string_view token) const override { return vocab_.find(token); }
  std::optional<std::string_view> id_to_token(int32_t id) const override { return vocab_.token(id); }
  size_t vocab_size() const override { return vocab_.size(); }
  const std::string& unk_token() const override { return unk_token_; }
  const BpeOptions& options() const { return options_; }
  std::string continuing_subword_prefix() const override { return prefix_; }

  // One symbol of a tokenized word: its id and its length in bytes of the word.
  struct Symbol {
    int32_t id;
    uint32_t len;
  };
  // tokenize() without the token strings: the symbols of `word` (non-empty) replace `out`.
  void symbols(std::string_view word, std::vector<Symbol>& out) const;

 private:
  // Merge table: (left id, right id) -> (rank, merged id), open addressing over 64-bit keys.
  struct MergeEntry {
    uint64_t key;
    uint32_t rank;
    int32_t id;
  };
  const MergeEntry* find_merge(int32_t left, int32_t right) const {
    const uint64_t key = (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
    for (size_t i = merge_slot(key);; i = i + 1 == merges_.size() ? 0 : i + 1) {
      const MergeEntry& e = merges_[i];
      if (e.key == key) return &e;
      if (e.key == kEmptyKey) return nullptr;
    }
  }
  // The table is 1.5x the merges, not a power of two (memory): the hash is mapped onto it by a multiply-shift.
  size_t merge_slot(uint64_t key) const {
    const unsigned __int128 h = key * 0x9E3779B97F4A7C15ull;
    return static_cast<size_t>((h * merges_.size()) >> 64);
  }
  static constexpr uint64_t kEmptyKey = ~uint64_t{0};

  std::vector<Symbol> word_symbols(std::string_view word) const;
  void merge_all(std::vector<Symbol>& symbols) const;
  void merge_with_heap(std::vector<Symbol>& symbols) const;
  int32_t unk_id() const;

  Vocab vocab_;
  BpeOptions options_;
  std::string unk_token_;
  std::string prefix_;  // continuing_subword_prefix, "" when absent
  std::string suffix_;  // end_of_word_suffix, "" when absent
  std::vector<MergeEntry> merges_;
  std::vector<int32_t> char_ids_;      // id of each code point < char_ids_.size() as a token, -1 if none
  std::array<int32_t, 256> byte_ids_;  // id of "<0xXX>", -1 if none
  uint64_t cache_id_;  // names this model's entries in the per-thread word caches (never reused)
};

}  // namespace hfcpp::tok
