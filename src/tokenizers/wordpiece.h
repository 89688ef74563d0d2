// WordPiece (BERT, DistilBERT): greedy longest-match-first over the vocabulary, continuation pieces prefixed "##".
#pragma once

#include <string>

#include "tokenizers/byte_trie.h"
#include "tokenizers/model.h"
#include "tokenizers/vocab.h"

namespace hfcpp::tok {

class WordPiece final : public Model {
 public:
  WordPiece(Vocab vocab, std::string unk_token, std::string continuing_subword_prefix,
            size_t max_input_chars_per_word);

  std::vector<Token> tokenize(std::string_view word) const override;
  std::optional<int32_t> token_to_id(std::string_view token) const override { return vocab_.find(token); }
  const std::string* id_to_token(int32_t id) const override { return vocab_.token(id); }
  size_t vocab_size() const override { return vocab_.size(); }
  const std::string& unk_token() const override { return unk_token_; }
  std::string continuing_subword_prefix() const override { return prefix_; }

 private:
  Token unknown(size_t word_bytes) const;

  Vocab vocab_;
  std::string unk_token_;
  std::string prefix_;
  size_t max_input_chars_per_word_;
  // The longest match at a position is one walk down a trie: word starts in every entry, continuations in the
  // entries with the prefix, keyed without it (so that no prefixed string is built to look one up).
  ByteTrie starts_;
  ByteTrie continuations_;
};

}  // namespace hfcpp::tok
