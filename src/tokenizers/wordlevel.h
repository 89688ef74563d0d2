// WordLevel: each pre-token is one vocabulary entry, or the unknown token.
#pragma once

#include <string>

#include "tokenizers/model.h"
#include "tokenizers/vocab.h"

namespace hfcpp::tok {

class WordLevel final : public Model {
 public:
  WordLevel(Vocab vocab, std::string unk_token) : vocab_(std::move(vocab)), unk_token_(std::move(unk_token)) {}

  std::vector<Token> tokenize(std::string_view word) const override;
  std::optional<int32_t> token_to_id(std::string_view token) const override { return vocab_.find(token); }
  std::optional<std::string_view> id_to_token(int32_t id) const override { return vocab_.token(id); }
  size_t vocab_size() const override { return vocab_.size(); }
  const std::string& unk_token() const override { return unk_token_; }

 private:
  Vocab vocab_;
  std::string unk_token_;
};

}  // namespace hfcpp::tok
