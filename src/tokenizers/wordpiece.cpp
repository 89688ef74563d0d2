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
  unk_id_ = vocab_.find(unk_token_);
}

int32_t WordPiece::unk_id() const {
  HFCPP_CHECK(unk_id_.has_value(), "WordPiece error: Missing [UNK] token from the vocabulary (unk_token \"", unk_token_,
              "\")");
  return *unk_id_;
}

std::vector<Token> WordPiece::tokenize(std::string_view word) const {
  std::vector<Token> out;
  for_each_piece(word, [&](int32_t id, size_t begin, size_t end) {
    out.push_back(Token{id, std::string(piece_text(id)), {begin, end}});
  });
  return out;
}

}  // namespace hfcpp::tok
