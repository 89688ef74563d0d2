// tokenizer.json parsing of the SentencePiece-family components: Unigram and WordLevel models, the Precompiled
// normalizer, the Metaspace pre-tokenizer and decoder. tokenizer_json.cpp calls these for the types it does not
// handle itself; each returns nullptr when `type` is not one of its own.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "tokenizers/bpe_json.h"

namespace hfcpp::tok {

// `type` may be empty (files written before "type" existed): Unigram / WordLevel are then recognised by fields.
// `vocab`: the entries parse_json_with_vocab captured for j["vocab"] (WordLevel takes them), if any.
std::unique_ptr<Model> parse_unigram_model(nlohmann::json& j, const std::string& type, std::optional<VocabEntries>& vocab,
                                           const JsonPlace& place);
std::unique_ptr<Normalizer> parse_unigram_normalizer(const nlohmann::json& j, const std::string& type,
                                                     const JsonPlace& place);
std::unique_ptr<PreTokenizer> parse_unigram_pre_tokenizer(const nlohmann::json& j, const std::string& type,
                                                          const JsonPlace& place);
std::unique_ptr<Decoder> parse_unigram_decoder(const nlohmann::json& j, const std::string& type,
                                               const JsonPlace& place);

}  // namespace hfcpp::tok
