#include "tokenizers/wordpiece.h"

#include "hfcpp/core/error.h"
#include "tokenizers/unicode.h"

namespace hfcpp::tok {

WordPiece::WordPiece(Vocab vocab, std::string unk_token, std::string continuing_subword_prefix,
                     size_t max_input_chars_per_word)
    : vocab_(std::move(vocab)),
      unk_token_(std::move(unk_token)),
      prefix_(std::move(continuing_subword_prefix)),
      max_input_chars_per_word_(max_input_chars_per_word) {
  std::vector<std::pair<std::string_view, int32_t>> starts, continuations;
  starts.reserve(vocab_.size());
  for (const auto& [token, id] : vocab_.entries()) {
    starts.emplace_back(token, id);
    if (token.size() >= prefix_.size() && token.substr(0, prefix_.size()) == prefix_)
      continuations.emplace_back(token.substr(prefix_.size()), id);
  }
  starts_ = ByteTrie(std::move(starts));
  continuations_ = ByteTrie(std::move(continuations));
}

Token WordPiece::unknown(size_t word_bytes) const {
  const auto id = vocab_.find(unk_token_);
  HFCPP_CHECK(id.has_value(), "WordPiece error: Missing [UNK] token from the vocabulary (unk_token \"", unk_token_,
              "\")");
  return Token{*id, unk_token_, {0, word_bytes}};
}

std::vector<Token> WordPiece::tokenize(std::string_view word) const {
  std::vector<Token> out;
  if (count_chars(word) > max_input_chars_per_word_) {
    out.push_back(unknown(word.size()));
    return out;
  }
  auto is_continuation_byte = [&](size_t i) { return (static_cast<unsigned char>(word[i]) & 0xC0) == 0x80; };
  size_t start = 0;
  while (start < word.size()) {
    // Greedy longest match: the last vocabulary entry met walking the trie that ends on a character boundary.
    const ByteTrie& trie = start == 0 ? starts_ : continuations_;
    std::optional<int32_t> found;
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
    if (!found) {
      out.clear();
      out.push_back(unknown(word.size()));
      return out;
    }
    std::string value = start == 0 ? std::string() : prefix_;
    value.append(word.substr(start, end - start));
    out.push_back(Token{*found, std::move(value), {start, end}});
    start = end;
  }
  return out;
}

}  // namespace hfcpp::tok
