// Pre-tokenizers: split the normalized text into the words the model tokenizes one by one.
#pragma once

#include <memory>
#include <vector>

#include "tokenizers/normalized_string.h"

namespace hfcpp::tok {

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  virtual void pre_tokenize(PreTokenizedString& s) const = 0;
};

// BertPreTokenizer: split on whitespace (removed), then on punctuation (each punctuation char isolated).
class BertPreTokenizer final : public PreTokenizer {
 public:
  void pre_tokenize(PreTokenizedString& s) const override;
  // Calls word(begin, end) for each word of `text` (valid UTF-8) in order: splitting on whitespace (removed) and
  // then each part on punctuation (isolated) gives the same parts as one pass where whitespace chars end a word and
  // each punctuation char is a word of its own.
  template <class Word>
  static void for_each_word(std::string_view text, Word&& word) {
    size_t word_begin = 0;
    for (size_t b = 0; b < text.size();) {
      const auto byte = static_cast<unsigned char>(text[b]);
      size_t len = 1;
      // ASCII without a table lookup: the ASCII White_Space chars are \t-\r and space, the punctuation !-/ :-@ [-` {-~.
      const bool ascii = byte < 0x80;
      const char32_t c = ascii ? byte : decode_valid_utf8(text.data() + b, &len);
      const bool space = ascii ? (byte == ' ' || (byte >= '\t' && byte <= '\r')) : is_whitespace(c);
      const bool punct = !space && (ascii ? ((byte >= '!' && byte <= '/') || (byte >= ':' && byte <= '@') ||
                                             (byte >= '[' && byte <= '`') || (byte >= '{' && byte <= '~'))
                                          : is_bert_punctuation(c));
      if (space || punct) {
        if (word_begin < b) word(word_begin, b);
        if (punct) word(b, b + len);
        word_begin = b + len;
      }
      b += len;
    }
    if (word_begin < text.size()) word(word_begin, text.size());
  }
};

// WhitespaceSplit: split on whitespace (removed).
class WhitespaceSplitPreTokenizer final : public PreTokenizer {
 public:
  void pre_tokenize(PreTokenizedString& s) const override;
};

// Whitespace: the regex \w+|[^\w\s]+ (runs of word chars, runs of other non-space chars).
class WhitespacePreTokenizer final : public PreTokenizer {
 public:
  void pre_tokenize(PreTokenizedString& s) const override;
};

class SequencePreTokenizer final : public PreTokenizer {
 public:
  explicit SequencePreTokenizer(std::vector<std::unique_ptr<PreTokenizer>> pre_tokenizers)
      : pre_tokenizers_(std::move(pre_tokenizers)) {}
  void pre_tokenize(PreTokenizedString& s) const override {
    for (const auto& p : pre_tokenizers_) p->pre_tokenize(s);
  }
  const std::vector<std::unique_ptr<PreTokenizer>>& items() const { return pre_tokenizers_; }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> pre_tokenizers_;
};

}  // namespace hfcpp::tok
