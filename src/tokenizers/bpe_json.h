// tokenizer.json parsing of the byte-level BPE family's components (BPE model, ByteLevel, Split, Digits,
// Punctuation, Replace, Prepend, NFC, NFKC, RobertaProcessing, the BPE / ByteFallback / Fuse / Strip decoders and
// the Sequence decoder and post-processor). tokenizer_json.cpp calls these for the types it does not handle itself;
// each returns nullptr when `type` is not one of its own. Errors read "tokenizer.json '<path>': <component>: ...".
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "tokenizers/bpe.h"
#include "tokenizers/decoders.h"
#include "tokenizers/json_vocab.h"
#include "tokenizers/model.h"
#include "tokenizers/normalizers.h"
#include "tokenizers/post_processors.h"
#include "tokenizers/pre_tokenizers.h"

namespace hfcpp::tok {

// Where a component sits in its file, for messages.
struct JsonPlace {
  const std::string& path;
  std::string component;
};

// Takes the (large) "vocab" and "merges" out of `j` as it builds the model: they are not held twice. `vocab`: the
// entries parse_json_with_vocab captured for j["vocab"], if any.
std::unique_ptr<Model> parse_bpe_model(nlohmann::json& j, std::optional<VocabEntries>& vocab, const JsonPlace& place);
std::unique_ptr<Normalizer> parse_bpe_normalizer(const nlohmann::json& j, const std::string& type,
                                                 const JsonPlace& place);
std::unique_ptr<PreTokenizer> parse_bpe_pre_tokenizer(const nlohmann::json& j, const std::string& type,
                                                      const JsonPlace& place);
// `parse_any` parses a member of a Sequence (any type; `component` names it for messages).
using ParseProcessorFn = std::function<std::unique_ptr<PostProcessor>(const nlohmann::json&, const std::string&)>;
std::unique_ptr<PostProcessor> parse_bpe_post_processor(const nlohmann::json& j, const std::string& type,
                                                        const JsonPlace& place, const ParseProcessorFn& parse_any);
using ParseDecoderFn = std::function<std::unique_ptr<Decoder>(const nlohmann::json&, const std::string&)>;
std::unique_ptr<Decoder> parse_bpe_decoder(const nlohmann::json& j, const std::string& type, const JsonPlace& place,
                                           const ParseDecoderFn& parse_any);

// A BPE model from the entries of a vocab object (token -> id; vocab.json or the "vocab" field) and merges in rank
// order, both consumed as the tables are built (loading's peak memory). Errors start with `where`
// ("tokenizer.json '<path>': model" or "vocab.json '<path>'").
std::unique_ptr<Bpe> make_bpe(VocabEntries&& vocab, std::vector<std::pair<std::string, std::string>> merges,
                              BpeOptions options, const std::string& where);

}  // namespace hfcpp::tok
