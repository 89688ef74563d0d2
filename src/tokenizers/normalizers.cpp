#include "tokenizers/normalizers.h"

#include "tokenizers/unicode.h"

namespace hfcpp::tok {

bool BertNormalizer::normalize_one_pass(NormalizedString& s) const {
  const bool strip = strip_accents_.value_or(lowercase_);
  std::u32string parts;
  return s.rewrite_chars([&](char32_t c, std::u32string& out) {
    if (c < 0x80) {  // ASCII: no decomposition, no CJK; clean_text and lowercase only
      if (clean_text_) {
        if (c == 0 || is_bert_control(c)) return true;
        if (is_bert_whitespace(c)) c = U' ';
      }
      out.push_back(lowercase_ && c >= U'A' && c <= U'Z' ? c + 32 : c);
      return true;
    }
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
