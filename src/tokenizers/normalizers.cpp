#include "tokenizers/normalizers.h"

#include <array>

#include "tokenizers/unicode.h"

namespace hfcpp::tok {

namespace {

// The rewrite of one non-ASCII char by a BertNormalizer with given options, remembered per thread: the per-char
// work (category lookups, decomposition, lowercase) is a pure function of the char and the four options, and text
// repeats its chars. Direct-mapped, 1024 entries (32 KiB per thread).
struct CachedRewrite {
  uint32_t key = ~uint32_t{0};  // code point | options << 21
  uint8_t count = 0;
  bool give_up = false;
  std::array<char32_t, 6> out{};
};

}  // namespace

bool BertNormalizer::rewrite_non_ascii(char32_t c, std::u32string& out, std::u32string& parts) const {
  const bool strip = strip_accents_.value_or(lowercase_);
  if (clean_text_) {
    if (c == kReplacementChar || is_bert_control(c)) return true;
    if (is_bert_whitespace(c)) c = U' ';
  }
  const bool pad = handle_chinese_chars_ && is_chinese_char(c);
  if (pad) out.push_back(U' ');
  parts.clear();
  if (strip) decompose(c, false, parts);
  else parts.push_back(c);
  for (char32_t p : parts) {
    if (strip) {
      if (is_mark_nonspacing(p)) continue;
      // NFD reorders runs of combining marks; only the Mn ones are dropped, so a kept mark could move: the
      // step-by-step path handles that (rare) case.
      if (combining_class(p) != 0) return false;
    }
    if (lowercase_) to_lowercase(p, out);
    else out.push_back(p);
  }
  if (pad) out.push_back(U' ');
  return true;
}

bool BertNormalizer::normalize_one_pass(NormalizedString& s) const {
  thread_local std::array<CachedRewrite, 1024> cache;
  const uint32_t options = (clean_text_ ? 1u : 0u) | (handle_chinese_chars_ ? 2u : 0u) |
                           (strip_accents_.value_or(lowercase_) ? 4u : 0u) | (lowercase_ ? 8u : 0u);
  std::u32string parts, rewritten;
  return s.rewrite_chars([&](char32_t c, std::u32string& out) {
    if (c < 0x80) {  // ASCII: no decomposition, no CJK; clean_text and lowercase only
      if (clean_text_) {
        // is_bert_control first: every C0 control but \t \n \r (so \v and \f too) and DEL are removed; the three
        // left are whitespace and become spaces.
        if (c == U'\t' || c == U'\n' || c == U'\r') c = U' ';
        else if (c < 0x20 || c == 0x7F) return true;
      }
      out.push_back(lowercase_ && c >= U'A' && c <= U'Z' ? c + 32 : c);
      return true;
    }
    const uint32_t key = static_cast<uint32_t>(c) | options << 21;
    CachedRewrite& entry = cache[(static_cast<uint32_t>(c) * 0x9E3779B1u) >> 22];
    if (entry.key != key) {
      rewritten.clear();
      const bool ok = rewrite_non_ascii(c, rewritten, parts);
      if (rewritten.size() > entry.out.size()) return ok && (out.append(rewritten), true);  // too long to keep
      entry.key = key;
      entry.give_up = !ok;
      entry.count = static_cast<uint8_t>(rewritten.size());
      std::copy(rewritten.begin(), rewritten.end(), entry.out.begin());
    }
    if (entry.give_up) return false;
    out.append(entry.out.data(), entry.count);
    return true;
  });
}

void BertNormalizer::normalize(NormalizedString& s) const {
  // The steps, char by char in one pass, whenever that gives the same (nearly always).
  if (normalize_one_pass(s)) return;
  // Otherwise piece by piece, each piece starting at an ASCII space: NFD reorders only runs of combining marks,
  // which never cross a space, and every other step works per char, so the pieces can be normalized apart. Only
  // the pieces with a kept combining mark take the step-by-step path.
  constexpr size_t kPiece = 4096;
  const std::string& text = s.get();
  std::vector<NormalizedString> parts;
  for (size_t begin = 0; begin < text.size();) {
    size_t end = begin + kPiece < text.size() ? text.find(' ', begin + kPiece) : std::string::npos;
    if (end == std::string::npos) end = text.size();
    NormalizedString part = s.slice(begin, end);
    if (!normalize_one_pass(part)) normalize_by_steps(part);
    parts.push_back(std::move(part));
    begin = end;
  }
  s.assign_parts(parts);
}

void BertNormalizer::normalize_by_steps(NormalizedString& s) const {
  if (clean_text_) {
    s.filter([](char32_t c) { return !(c == 0 || c == kReplacementChar || is_bert_control(c)); });
    s.map([](char32_t c) { return is_bert_whitespace(c) ? U' ' : c; });
  }
  if (handle_chinese_chars_) s.pad_chinese_chars();
  if (strip_accents_.value_or(lowercase_)) {
    s.nfd();
    s.filter([](char32_t c) { return !is_mark_nonspacing(c); });
  }
  if (lowercase_) s.lowercase();
}

void StripAccentsNormalizer::normalize(NormalizedString& s) const {
  s.filter([](char32_t c) { return !is_combining_mark(c); });
}

}  // namespace hfcpp::tok
