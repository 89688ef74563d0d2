// WordPiece (BERT, DistilBERT): greedy longest-match-first over the vocabulary, continuation pieces prefixed "##".
#pragma once

#include <array>
#include <string>
#include <utility>
#include <vector>

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
  std::optional<std::string_view> id_to_token(int32_t id) const override { return vocab_.token(id); }
  size_t vocab_size() const override { return vocab_.size(); }
  const std::string& unk_token() const override { return unk_token_; }
  std::string continuing_subword_prefix() const override { return prefix_; }

  // The pieces of `word` (non-empty) without building Token values: piece(id, begin, end) for each, bytes into
  // `word`; a word with no split into vocabulary entries (or too long) is one piece of unk_id(). tokenize() is
  // this plus the token strings.
  template <class Piece>
  void for_each_piece(std::string_view word, Piece&& piece) const;
  // The id of unk_token; throws as the Rust library does when the vocabulary lacks it.
  int32_t unk_id() const;
  // The token string of a piece's id: the continuation trie is keyed without the prefix, so a piece's text is
  // exactly its vocabulary entry (prefix included), and an unknown word's piece is unk_token.
  std::string_view piece_text(int32_t id) const { return *vocab_.token(id); }

 private:
  Vocab vocab_;
  std::string unk_token_;
  std::string prefix_;
  size_t max_input_chars_per_word_;
  // The longest match at a position is one walk down a trie: word starts in every entry, continuations in the
  // entries with the prefix, keyed without it (so that no prefixed string is built to look one up).
  ByteTrie starts_;
  ByteTrie continuations_;
  std::optional<int32_t> unk_id_;  // unk_token's id, if the vocabulary has it
};

template <class Piece>
void WordPiece::for_each_piece(std::string_view word, Piece&& piece) const {
  // Characters are counted only when the word is long enough in bytes to exceed the limit.
  if (word.size() > max_input_chars_per_word_ && count_chars(word) > max_input_chars_per_word_)
    return piece(unk_id(), size_t{0}, word.size());
  auto is_continuation_byte = [&](size_t i) { return (static_cast<unsigned char>(word[i]) & 0xC0) == 0x80; };
  // Greedy longest match: the last vocabulary entry met walking the trie that ends on a character boundary. The
  // pieces are found first and emitted after, since one unmatched position makes the whole word [UNK].
  constexpr size_t kInline = 32;
  std::array<std::pair<int32_t, uint32_t>, kInline> found_inline;  // (id, end) of each piece
  std::vector<std::pair<int32_t, uint32_t>> found_heap;
  size_t count = 0;
  for (size_t start = 0; start < word.size();) {
    const ByteTrie& trie = start == 0 ? starts_ : continuations_;
    int32_t found = -1;
    size_t end = start;
    uint32_t node = ByteTrie::kRoot;
    for (size_t k = start; k < word.size(); ++k) {
      node = trie.child(node, static_cast<unsigned char>(word[k]));
      if (node == ByteTrie::kNone) break;
      const int32_t id = trie.id(node);
      if (id >= 0 && (k + 1 == word.size() || !is_continuation_byte(k + 1))) {
        found = id;
        end = k + 1;
      }
    }
    if (found < 0) return piece(unk_id(), size_t{0}, word.size());
    const std::pair<int32_t, uint32_t> entry{found, static_cast<uint32_t>(end)};
    if (count < kInline) {
      found_inline[count] = entry;
    } else {
      if (found_heap.empty()) found_heap.assign(found_inline.begin(), found_inline.end());
      found_heap.push_back(entry);
    }
    ++count;
    start = end;
  }
  const std::pair<int32_t, uint32_t>* pieces = count <= kInline ? found_inline.data() : found_heap.data();
  size_t begin = 0;
  for (size_t i = 0; i < count; ++i) {
    piece(pieces[i].first, begin, static_cast<size_t>(pieces[i].second));
    begin = pieces[i].second;
  }
}

}  // namespace hfcpp::tok
