// Tokenizer::Impl: the loaded pipeline components, shared by the loaders (tokenizer_json.cpp, pretrained_files.cpp)
// and the encode/decode code (tokenizer.cpp).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "hfcpp/tokenizers/tokenizer.h"
#include "tokenizers/added_vocabulary.h"
#include "tokenizers/decoders.h"
#include "tokenizers/encoding.h"
#include "tokenizers/model.h"
#include "tokenizers/normalizers.h"
#include "tokenizers/post_processors.h"
#include "tokenizers/pre_tokenizers.h"

namespace hfcpp {

namespace tok {
class ByteLevelBpeEncoder;
class WordPiece;
}

struct Tokenizer::Impl {
  std::unique_ptr<tok::Normalizer> normalizer;
  std::unique_ptr<tok::PreTokenizer> pre_tokenizer;
  std::unique_ptr<tok::Model> model;
  std::unique_ptr<tok::PostProcessor> post_processor;
  std::unique_ptr<tok::Decoder> decoder;
  tok::AddedVocabulary added;

  size_t model_max_length = Tokenizer::kUnknownMaxLength;
  Side padding_side = Side::Right;
  std::map<std::string, std::string, std::less<>> special_tokens;  // role ("pad", "cls", ...) -> content
  std::string source;  // the file or folder loaded, for messages
  // A faster encode_sequence for the usual byte-level BPE pipelines (set once loaded; null for other pipelines).
  std::shared_ptr<const tok::ByteLevelBpeEncoder> byte_level_bpe;
  // Set when the pre-tokenizer is BertPreTokenizer and the model WordPiece (BERT, DistilBERT...): encode_sequence
  // then walks each normalized split's words in place instead of slicing one NormalizedString per word.
  const tok::WordPiece* bert_wordpiece = nullptr;
  // Sets byte_level_bpe and bert_wordpiece once the components are loaded.
  void choose_fast_paths();

  // One sequence through added tokens, normalizer, pre-tokenizer and model (encode_single_sequence).
  tok::RawEncoding encode_sequence(std::string_view text, int32_t type_id) const;
  tok::RawEncoding encode_bert_words(const tok::PreTokenizedString& pre, std::string_view text, int32_t type_id) const;
  std::optional<int32_t> token_to_id(std::string_view token) const;
  std::optional<std::string_view> id_to_token(int32_t id) const;
};

namespace tok {

// tokenizer.json -> Impl (components and added tokens; no tokenizer_config.json).
std::shared_ptr<Tokenizer::Impl> load_tokenizer_json(const std::string& path);
// A folder with vocab.txt (+ tokenizer_config.json / special_tokens_map.json): the BERT pipeline transformers builds.
std::shared_ptr<Tokenizer::Impl> load_legacy_wordpiece(const std::string& dir);
// Reads tokenizer_config.json / special_tokens_map.json of `dir` (when present) into impl: model_max_length,
// padding_side and the special token roles. Fills the roles still unknown with BERT's defaults found in the vocab.
void apply_tokenizer_config(Tokenizer::Impl& impl, const std::string& dir);
std::string read_text_file(const std::string& path, const char* what);

}  // namespace tok
}  // namespace hfcpp
