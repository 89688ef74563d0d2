// Normalizers: the first stage of the tokenizer.json pipeline. Each rewrites a NormalizedString in place, keeping the
// alignments to the original text.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "tokenizers/normalized_string.h"

namespace hfcpp::tok {

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual void normalize(NormalizedString& s) const = 0;
};

// BertNormalizer: clean_text (drop NUL, U+FFFD and control chars; whitespace -> ' '), handle_chinese_chars (space
// around CJK ideographs), strip_accents (NFD then drop Mn; nullopt = follows lowercase), lowercase.
class BertNormalizer final : public Normalizer {
 public:
  BertNormalizer(bool clean_text, bool handle_chinese_chars, std::optional<bool> strip_accents, bool lowercase)
      : clean_text_(clean_text),
        handle_chinese_chars_(handle_chinese_chars),
        strip_accents_(strip_accents),
        lowercase_(lowercase) {}
  void normalize(NormalizedString& s) const override;
  bool clean_text() const { return clean_text_; }
  bool handle_chinese_chars() const { return handle_chinese_chars_; }
  std::optional<bool> strip_accents() const { return strip_accents_; }
  bool lowercase() const { return lowercase_; }

 private:
  bool normalize_one_pass(NormalizedString& s) const;
  // Appends the one-pass rewrite of non-ASCII `c` to `out` (`parts`: scratch); false when only the step-by-step
  // path gives the right result.
  bool rewrite_non_ascii(char32_t c, std::u32string& out, std::u32string& parts) const;
  void normalize_by_steps(NormalizedString& s) const;

  bool clean_text_;
  bool handle_chinese_chars_;
  std::optional<bool> strip_accents_;
  bool lowercase_;
};

class LowercaseNormalizer final : public Normalizer {
 public:
  void normalize(NormalizedString& s) const override { s.lowercase(); }
};

class NfdNormalizer final : public Normalizer {
 public:
  void normalize(NormalizedString& s) const override { s.nfd(); }
};

class NfkdNormalizer final : public Normalizer {
 public:
  void normalize(NormalizedString& s) const override { s.nfkd(); }
};

// StripAccents: drops every combining mark (M*); meant to follow NFD/NFKD.
class StripAccentsNormalizer final : public Normalizer {
 public:
  void normalize(NormalizedString& s) const override;
};

// Strip: removes leading and/or trailing whitespace.
class StripNormalizer final : public Normalizer {
 public:
  StripNormalizer(bool left, bool right) : left_(left), right_(right) {}
  void normalize(NormalizedString& s) const override { s.strip(left_, right_); }

 private:
  bool left_;
  bool right_;
};

class SequenceNormalizer final : public Normalizer {
 public:
  explicit SequenceNormalizer(std::vector<std::unique_ptr<Normalizer>> normalizers)
      : normalizers_(std::move(normalizers)) {}
  void normalize(NormalizedString& s) const override {
    for (const auto& n : normalizers_) n->normalize(s);
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> normalizers_;
};

}  // namespace hfcpp::tok
