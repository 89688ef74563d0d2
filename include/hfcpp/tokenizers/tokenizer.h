// Tokenizer: the tokenizer.json pipeline (normalizer -> pre-tokenizer -> model -> post-processor -> decoder) as the
// Hugging Face `tokenizers` library defines it, plus the legacy files (vocab.txt + tokenizer_config.json).
// A loaded Tokenizer is immutable; every method is const and safe to call from many threads, and copies share it.
//
// Options follow transformers' calling conventions (tokenizer(text, truncation=..., padding=...)): the truncation
// and padding sections of tokenizer.json are not applied by themselves, EncodeOptions decides. Truncation, the
// overflowing windows, padding and offsets are those of the `tokenizers` Rust library.
// Supported components (more come with BPE / Unigram): normalizers BertNormalizer, Lowercase, NFD, NFKD,
// StripAccents, Strip, Sequence; pre-tokenizers BertPreTokenizer, Whitespace, WhitespaceSplit, Sequence; model
// WordPiece; post-processors TemplateProcessing, BertProcessing; decoder WordPiece; added tokens with all flags.
// Byte-level BPE family (GPT-2, RoBERTa, BART, BLOOM, Llama, Mistral, Qwen2): model BPE; normalizers NFC, NFKC,
// Replace, Prepend; pre-tokenizers ByteLevel, Split, Digits, Punctuation; post-processors ByteLevel,
// RobertaProcessing, Sequence; decoders ByteLevel, BPEDecoder, ByteFallback, Fuse, Strip, Replace, Sequence; legacy
// vocab.json + merges.txt folders (GPT2Tokenizer / RobertaTokenizer).
// SentencePiece family (T5, ALBERT, XLM-R, Llama-style): models Unigram (byte_fallback), WordLevel; normalizer
// Precompiled (the precompiled_charsmap); pre-tokenizer and decoder Metaspace; legacy spiece.model /
// sentencepiece.bpe.model folders through the sentencepiece library, as transformers 4.x's slow T5Tokenizer /
// AlbertTokenizer / XLMRobertaTokenizer (offsets from the pieces' surfaces).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hfcpp {

// One encoded input (a text or a text pair). All vectors have the same length.
struct Encoding {
  std::vector<int32_t> ids;
  std::vector<int32_t> type_ids;
  std::vector<std::string> tokens;
  std::vector<int32_t> attention_mask;       // 1 = real token, 0 = padding
  std::vector<int32_t> special_tokens_mask;  // 1 = added by the post-processor (or padding)
  // BYTE offsets [start, end) into the original UTF-8 text of the token's sequence (the text or the pair text, as
  // sequence_ids says); (0, 0) for special tokens and padding. Python `transformers` reports offsets in characters
  // of a str: map them with utf8_char_index() below. Invalid UTF-8 is replaced (U+FFFD, as Python's
  // errors="replace" does) for tokenization; offsets still point into the original bytes.
  std::vector<std::pair<size_t, size_t>> offsets;
  std::vector<int32_t> word_ids;      // index of the pre-tokenized word, -1 for special tokens and padding
  std::vector<int32_t> sequence_ids;  // 0 or 1 for the text of the pair, -1 for special tokens and padding
  // Further windows when truncation cut tokens off (consecutive windows overlap by `stride` tokens), each with the
  // special tokens added; like `tokenizers`, a window can itself hold overflowing windows when both texts of a pair
  // overflowed (transformers' return_overflowing_tokens uses only this first level).
  std::vector<Encoding> overflowing;
  size_t size() const { return ids.size(); }
};

enum class TruncationStrategy { LongestFirst, OnlyFirst, OnlySecond };
enum class Side { Right, Left };

struct TruncationOptions {
  size_t max_length = 0;  // 0 = the tokenizer's model_max_length (no truncation when that is unknown)
  TruncationStrategy strategy = TruncationStrategy::LongestFirst;
  size_t stride = 0;
  Side direction = Side::Right;
};

enum class PaddingStrategy { None, Longest, MaxLength };

struct PaddingOptions {
  PaddingStrategy strategy = PaddingStrategy::None;
  size_t max_length = 0;  // for MaxLength; 0 = model_max_length (no padding when that is unknown, as transformers)
  size_t pad_to_multiple_of = 0;
  std::optional<Side> side;  // nullopt = the tokenizer's padding_side (tokenizer_config.json; right when absent)
};

struct EncodeOptions {
  bool add_special_tokens = true;
  std::optional<TruncationOptions> truncation;  // nullopt = no truncation
  PaddingOptions padding;  // encode_batch pads the batch together; encode pads its one input (Longest: to its own
                           // length rounded up to pad_to_multiple_of)
  // encode_batch: threads encoding the inputs (0 = hfcpp::num_threads(); never more than the inputs; 1 when called
  // from inside an OpenMP parallel region, so nested calls do not oversubscribe the cores).
  int num_threads = 0;
};

// Maps every byte offset of `text` (0..text.size(), both ends included) to the index of the character containing it
// in the Python str that text.decode("utf-8", errors="replace") gives; [text.size()] = the number of characters.
// Byte offsets from an Encoding become Python character offsets as {index[start], index[end]}.
std::vector<size_t> utf8_char_index(std::string_view text);

class Tokenizer {
 public:
  // model_max_length() when tokenizer_config.json gives none (transformers' VERY_LARGE_INTEGER).
  static constexpr size_t kUnknownMaxLength = std::numeric_limits<size_t>::max();

  Tokenizer();
  ~Tokenizer();
  Tokenizer(const Tokenizer&);
  Tokenizer& operator=(const Tokenizer&);
  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;

  // tokenizer.json. Throws hfcpp::Error naming the file and the component at fault.
  static Tokenizer from_file(const std::string& tokenizer_json_path);
  // A model folder: tokenizer.json when present, else the legacy files (vocab.txt for BERT, vocab.json + merges.txt
  // for GPT-2 / RoBERTa / BART, spiece.model for T5 / ALBERT, sentencepiece.bpe.model for XLM-R); reads
  // tokenizer_config.json / special_tokens_map.json for special tokens, model_max_length and padding_side, and
  // applies what transformers' class applies over tokenizer.json (BERT's lowercasing flags; GPT2Tokenizer /
  // RobertaTokenizer's add_prefix_space and trim_offsets).
  static Tokenizer from_pretrained(const std::string& model_dir);

  // `text` is UTF-8 (invalid bytes allowed, see Encoding::offsets). Truncation and padding errors (a stride too
  // large for max_length, only_second without a pair, padding without a pad token) throw hfcpp::Error.
  Encoding encode(std::string_view text, const EncodeOptions& options = {}) const;
  Encoding encode_pair(std::string_view text, std::string_view pair, const EncodeOptions& options = {}) const;
  // Pre-tokenized input (Python: tokenizer(words, is_split_into_words=True)): each word goes through the whole
  // pipeline on its own (added tokens, normalizer, pre-tokenizer, model), all its tokens get word id = its index in
  // `words`, and offsets are BYTE offsets into that word alone, as `tokenizers` gives them.
  Encoding encode_words(const std::vector<std::string>& words, const EncodeOptions& options = {},
                        const std::vector<std::string>* pair_words = nullptr) const;
  // Encodes each input (pair empty = single text) on options.num_threads threads, then pads them together as
  // options.padding says. Results keep the order of `texts`; when inputs fail, the error of the first failing one
  // (in input order) is thrown, as a serial loop would.
  std::vector<Encoding> encode_batch(const std::vector<std::string>& texts, const EncodeOptions& options = {},
                                     const std::vector<std::string>* pairs = nullptr) const;

  // transformers' tokenizer.decode: ids unknown to the vocabulary are dropped; skip_special_tokens drops the added
  // tokens marked special; clean_up_tokenization_spaces removes the spaces before punctuation and contractions
  // (ignored for BPE models, as transformers does).
  std::string decode(const std::vector<int32_t>& ids, bool skip_special_tokens = true,
                     bool clean_up_tokenization_spaces = true) const;
  // decode() of each sequence, on num_threads threads (0 = hfcpp::num_threads(), as encode_batch); order kept.
  std::vector<std::string> batch_decode(const std::vector<std::vector<int32_t>>& sequences,
                                        bool skip_special_tokens = true, bool clean_up_tokenization_spaces = true,
                                        int num_threads = 0) const;

  // transformers' convert_tokens_to_string: the decoder applied to tokens as they are (no special-token skipping,
  // no cleanup); tokens joined by spaces when the tokenizer has no decoder.
  std::string convert_tokens_to_string(const std::vector<std::string>& tokens) const;
  // The model's word-continuation prefix ("##" for WordPiece); empty when it has none (byte-level BPE, Unigram).
  std::string continuing_subword_prefix() const;

  std::optional<int32_t> token_to_id(std::string_view token) const;
  std::optional<std::string> id_to_token(int32_t id) const;
  // `tokenizers`' get_vocab_size(with_added_tokens): with them, the number of distinct tokens of the model's
  // vocabulary and the added tokens together; without, the model's vocabulary alone.
  size_t vocab_size(bool with_added_tokens = true) const;
  size_t model_max_length() const;  // from tokenizer_config.json; kUnknownMaxLength when unknown
  int32_t pad_token_id() const;     // -1 when the tokenizer has no pad token
  // "pad", "cls", "sep", "mask", "unk" (also "bos", "eos" when configured): tokenizer_config.json /
  // special_tokens_map.json, else BERT's defaults when they are in the vocabulary.
  std::optional<std::string> special_token(std::string_view role) const;
  std::optional<int32_t> special_token_id(std::string_view role) const;
  Side padding_side() const;  // tokenizer_config.json padding_side; Right when absent
  // Number of special tokens the post-processor adds to a single text / a pair ([CLS] A [SEP] B [SEP]: 2 / 3).
  size_t num_special_tokens_to_add(bool is_pair) const;
  bool is_special_id(int32_t id) const;  // an added token marked special ([CLS], [PAD], ...)

  struct Impl;

 private:
  std::shared_ptr<const Impl> impl_;
};

}  // namespace hfcpp
