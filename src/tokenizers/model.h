// Model: the tokenization algorithm proper (WordPiece now; BPE, Unigram, WordLevel later), run on each pre-token.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizers/normalized_string.h"

namespace hfcpp::tok {

class Model {
 public:
  virtual ~Model() = default;
  // Tokens of one pre-token; offsets are bytes into `word`.
  virtual std::vector<Token> tokenize(std::string_view word) const = 0;
  virtual std::optional<int32_t> token_to_id(std::string_view token) const = 0;
  virtual std::optional<std::string_view> id_to_token(int32_t id) const = 0;  // nullopt when unknown
  virtual size_t vocab_size() const = 0;
  // The unknown token, when the model has one ("" otherwise).
  virtual const std::string& unk_token() const = 0;
  // The prefix marking word-continuation pieces ("##" for WordPiece), empty when the model has none.
  virtual std::string continuing_subword_prefix() const { return {}; }
};

}  // namespace hfcpp::tok
