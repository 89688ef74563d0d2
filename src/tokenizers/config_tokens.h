// Added tokens as tokenizer_config.json writes them (transformers' serialized AddedToken), shared by every loader
// that reads that file (tokenizer.json folders, vocab.txt, vocab.json + merges.txt, sentencepiece models).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "tokenizers/added_vocabulary.h"

namespace hfcpp::tok {

// A serialized token: "[CLS]" or {"content": "[CLS]", ...}; nullopt without a string content.
std::optional<std::string> token_content(const nlohmann::json& v);

// tokenizer_config.json's added_tokens_decoder ({"<id>": {"content": ..., "special": ..., ...}}) in id order.
// Flags missing from an entry take AddedToken's Python defaults (special false, normalized = not special).
// Entries without a string content are skipped; an absent or non-object field gives an empty list.
std::vector<std::pair<long, AddedToken>> added_tokens_decoder(const nlohmann::json& config);

}  // namespace hfcpp::tok
