// Vocabulary objects (token -> id) of tokenizer.json ("model" -> "vocab") and vocab.json, read as a list of entries
// while the rest of the file becomes a DOM: nlohmann's DOM keeps an object in a std::map, and a node per token (with
// its string compares on insertion) was most of a 30k-token tokenizer.json's load.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "tokenizers/vocab.h"

namespace hfcpp::tok {

// (token, value) in file order; values are whatever the file holds (checked by to_token_map).
using VocabEntries = std::vector<std::pair<std::string, nlohmann::json>>;

// json::parse(text), except that the object at `vocab_path` (keys from the root: {"model", "vocab"}, or {} for the
// root itself) lands in `vocab` and the DOM holds an empty object in its place. When that path holds no object,
// `vocab` stays empty and the DOM is complete. Throws nlohmann::json::exception on malformed JSON, as json::parse.
nlohmann::json parse_json_with_vocab(const std::string& text, const std::vector<std::string>& vocab_path,
                                     std::optional<VocabEntries>& vocab);

// The entries of the vocabulary object `object`, moved out (the DOM and the list never both hold the keys): those
// parse_json_with_vocab captured for it when `captured` holds them, else the DOM object's own.
VocabEntries take_vocab(nlohmann::json& object, std::optional<VocabEntries>& captured);

// token -> id. An id that is not an integer in [0, max_id] calls bad_entry(token, value), which must throw.
// A later duplicate of a token wins, as in a JSON object.
TokenMap to_token_map(VocabEntries&& entries, uint64_t max_id,
                      const std::function<void(const std::string&, const nlohmann::json&)>& bad_entry);

}  // namespace hfcpp::tok
