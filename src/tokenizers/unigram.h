// Unigram (SentencePiece's unigram language model: T5, ALBERT, XLM-R fast tokenizers): the segmentation of each
// pre-token that maximises the sum of piece scores (Viterbi over a trie of the pieces), as the `tokenizers`
// library computes it: unknown chars score min_score - 10, consecutive unknowns fuse into one unk token, and
// byte_fallback spells unknown text as <0xXX> byte pieces when they all exist.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tokenizers/model.h"
#include "tokenizers/byte_trie.h"
#include "tokenizers/vocab.h"

namespace hfcpp::tok {

class Unigram final : public Model {
 public:
  // Throws hfcpp::Error when unk_id is outside the vocabulary or the vocabulary is empty with an unk_id.
  Unigram(std::vector<std::pair<std::string, double>> vocab, std::optional<size_t> unk_id, bool byte_fallback);

  std::vector<Token> tokenize(std::string_view word) const override;
  std::optional<int32_t> token_to_id(std::string_view token) const override;
  std::optional<std::string_view> id_to_token(int32_t id) const override;
  size_t vocab_size() const override { return pieces_.size(); }
  const std::string& unk_token() const override { return unk_token_; }

  // The segmentation of `word`: byte ranges with the piece id, -1 for unknown text (consecutive unknowns fused, as
  // Unigram::encode does).
  struct Segment {
    size_t begin;
    size_t end;
    int32_t id;
  };
  std::vector<Segment> segment(std::string_view word) const;

 private:
  std::vector<std::string> pieces_;
  std::vector<double> scores_;
  TokenMap ids_;
  std::optional<size_t> unk_id_;
  std::string unk_token_;
  bool byte_fallback_;
  double unk_score_ = 0.0;
  std::array<int32_t, 256> byte_ids_{};  // <0xXX> piece ids, -1 when absent
  ByteTrie trie_;  // the pieces
};

}  // namespace hfcpp::tok
