// The legacy SentencePiece files (spiece.model for T5 / ALBERT, sentencepiece.bpe.model for XLM-R) run through the
// sentencepiece library, with the pre- and post-processing of transformers' slow tokenizers (T5Tokenizer,
// AlbertTokenizer, XLMRobertaTokenizer): the model, ALBERT's text preprocessing, T5's eos rule and the decoder.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "tokenizers/decoders.h"
#include "tokenizers/model.h"
#include "tokenizers/normalizers.h"
#include "tokenizers/post_processors.h"

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace hfcpp::tok {

enum class SpmFlavor { T5, Albert, XlmRoberta };

// Loads a SentencePiece model file; throws hfcpp::Error naming the file when it is missing, truncated or corrupt.
std::shared_ptr<const sentencepiece::SentencePieceProcessor> load_sentencepiece(const std::string& path);

// SentencePiece segmentation of each text between added tokens (the slow tokenizer's _tokenize + token -> id).
// Offsets come from the pieces' surfaces (bytes of the text given to tokenize), leading whitespace trimmed; a lone
// "▁" piece takes the first char of the piece after it, as the fast tokenizers' Metaspace alignment does.
class SentencePieceModel final : public Model {
 public:
  SentencePieceModel(std::shared_ptr<const sentencepiece::SentencePieceProcessor> sp, SpmFlavor flavor);

  std::vector<Token> tokenize(std::string_view word) const override;
  std::optional<int32_t> token_to_id(std::string_view token) const override;
  std::optional<std::string_view> id_to_token(int32_t id) const override;
  // XLM-R: the SentencePiece pieces shifted by fairseq's offset of 1 (its <mask> comes as an added token).
  size_t vocab_size() const override;
  const std::string& unk_token() const override { return unk_token_; }

 private:
  int32_t piece_id(const std::string& piece) const;  // the slow tokenizer's _convert_token_to_id

  std::shared_ptr<const sentencepiece::SentencePieceProcessor> sp_;
  SpmFlavor flavor_;
  std::string unk_token_;
  std::vector<std::string> fairseq_tokens_;  // XLM-R ids 0..3: <s>, <pad>, </s>, <unk>
};

// AlbertTokenizer.preprocess_text: collapse whitespace (remove_space), `` and '' -> ", NFKD and drop combining marks
// (unless keep_accents), lowercase with Python's final-sigma rule (do_lower_case); alignments kept.
class AlbertPreprocessNormalizer final : public Normalizer {
 public:
  AlbertPreprocessNormalizer(bool remove_space, bool keep_accents, bool do_lower_case)
      : remove_space_(remove_space), keep_accents_(keep_accents), do_lower_case_(do_lower_case) {}
  void normalize(NormalizedString& s) const override;

 private:
  bool remove_space_;
  bool keep_accents_;
  bool do_lower_case_;
};

// T5Tokenizer.build_inputs_with_special_tokens: A </s> (B </s>), no </s> added after a sequence already ending
// with it; type ids all 0.
class T5EosProcessing final : public PostProcessor {
 public:
  T5EosProcessing(std::string eos, int32_t eos_id) : eos_(std::move(eos)), eos_id_(eos_id) {}
  size_t added_tokens(bool is_pair) const override { return is_pair ? 2 : 1; }

 protected:
  std::vector<RawEncoding> process_encodings(std::vector<RawEncoding> encodings,
                                             bool add_special_tokens) const override;

 private:
  std::string eos_;
  int32_t eos_id_;
};

// The slow tokenizers' _decode: runs of ordinary tokens go through convert_tokens_to_string (SentencePiece's
// DecodePieces, special tokens kept verbatim; XLM-R joins the pieces), the legacy added tokens stand alone, and the
// parts are joined with spaces (spaces_between_special_tokens).
class SentencePieceDecoder final : public Decoder {
 public:
  SentencePieceDecoder(std::shared_ptr<const sentencepiece::SentencePieceProcessor> sp, SpmFlavor flavor,
                       std::set<std::string> special, std::set<std::string> legacy_added, bool add_prefix_space)
      : sp_(std::move(sp)),
        flavor_(flavor),
        special_(std::move(special)),
        legacy_added_(std::move(legacy_added)),
        add_prefix_space_(add_prefix_space) {}
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override;

 private:
  std::string tokens_to_string(std::vector<std::string> tokens) const;

  std::shared_ptr<const sentencepiece::SentencePieceProcessor> sp_;
  SpmFlavor flavor_;
  std::set<std::string> special_;
  std::set<std::string> legacy_added_;
  bool add_prefix_space_;
};

// Python's str.isspace() (White_Space plus the ASCII separators U+001C..U+001F).
bool is_python_space(char32_t c);
// Python's str.strip() on UTF-8.
std::string python_strip(const std::string& s);

}  // namespace hfcpp::tok
