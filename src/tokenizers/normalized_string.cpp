#include "tokenizers/normalized_string.h"

#include <algorithm>

#include "hfcpp/core/error.h"
#include "tokenizers/unicode.h"

namespace hfcpp::tok {

NormalizedString NormalizedString::from_original(std::string_view text, size_t base) {
  NormalizedString n;
  n.normalized_.reserve(text.size());
  n.alignments_.reserve(text.size());
  // A well-formed char is copied byte for byte (its re-encoding is the same bytes); only ill-formed subparts become
  // U+FFFD. ASCII, the common case, takes no decoding at all.
  for (size_t pos = 0; pos < text.size();) {
    const auto byte = static_cast<unsigned char>(text[pos]);
    if (byte < 0x80) {
      n.normalized_.push_back(static_cast<char>(byte));
      n.alignments_.push_back(Offsets{base + pos, base + pos + 1});
      ++pos;
      continue;
    }
    char32_t cp;
    const size_t len = decode_utf8(text, pos, &cp);
    const Offsets at{base + pos, base + pos + len};
    if (cp == kReplacementChar && text.compare(pos, len, "\xEF\xBF\xBD") != 0) {
      const size_t before = n.normalized_.size();
      append_utf8(n.normalized_, cp);
      n.alignments_.insert(n.alignments_.end(), n.normalized_.size() - before, at);
    } else {
      n.normalized_.append(text.data() + pos, len);
      n.alignments_.insert(n.alignments_.end(), len, at);
    }
    pos += len;
  }
  n.origin_begin_ = base;
  n.origin_end_ = base + text.size();
  return n;
}

Offsets NormalizedString::original_offsets(size_t begin, size_t end) const {
  if (begin >= end || end > alignments_.size()) return {origin_begin_ + begin, origin_begin_ + end};
  return {alignments_[begin].first, alignments_[end - 1].second};
}

NormalizedString NormalizedString::slice(size_t begin, size_t end) const {
  NormalizedString s;
  s.normalized_ = normalized_.substr(begin, end - begin);
  s.alignments_.assign(alignments_.begin() + static_cast<std::ptrdiff_t>(begin),
                       alignments_.begin() + static_cast<std::ptrdiff_t>(end));
  if (begin < end) {
    s.origin_begin_ = alignments_[begin].first;
    s.origin_end_ = alignments_[end - 1].second;
  } else {
    s.origin_begin_ = s.origin_end_ = begin < alignments_.size() ? alignments_[begin].first : origin_end_;
  }
  return s;
}

NormalizedString NormalizedString::into_slice(size_t begin, size_t end) && {
  if (begin != 0 || end != normalized_.size() || end == 0) return slice(begin, end);
  NormalizedString s = std::move(*this);
  s.origin_begin_ = s.alignments_.front().first;  // as slice() sets them
  s.origin_end_ = s.alignments_.back().second;
  return s;
}

void NormalizedString::assign_parts(const std::vector<NormalizedString>& parts) {
  size_t n = 0;
  for (const NormalizedString& p : parts) n += p.size();
  std::string out;
  std::vector<Offsets> align;
  out.reserve(n);
  align.reserve(n);
  for (const NormalizedString& p : parts) {
    out += p.normalized_;
    align.insert(align.end(), p.alignments_.begin(), p.alignments_.end());
  }
  normalized_ = std::move(out);
  alignments_ = std::move(align);
}

void NormalizedString::transform(const std::vector<std::pair<char32_t, int>>& dest, size_t initial_offset) {
  std::string out;
  std::vector<Offsets> align;
  out.reserve(normalized_.size());
  align.reserve(alignments_.size());
  // `offset` is the byte position in the old string of the next char to be replaced.
  size_t offset = 0;
  auto skip_char = [&]() {
    if (offset < normalized_.size()) {
      size_t len;
      decode_valid_utf8(normalized_.data() + offset, &len);
      offset += len;
    }
  };
  for (size_t i = 0; i < initial_offset; ++i) skip_char();
  for (const auto& [c, change] : dest) {
    Offsets a;
    if (change > 0) {
      a = offset < 1 ? Offsets{origin_begin_, origin_begin_} : alignments_[offset - 1];
    } else {
      a = offset < alignments_.size() ? alignments_[offset] : Offsets{origin_end_, origin_end_};
      skip_char();
      for (int k = 0; k < -change; ++k) skip_char();
    }
    const size_t before = out.size();
    append_utf8(out, c);
    align.insert(align.end(), out.size() - before, a);
  }
  normalized_ = std::move(out);
  alignments_ = std::move(align);
}

// filter / map / lowercase / pad_chinese_chars give each output char the alignment of the char it comes from, which
// is what transform() computes for them; they are written directly for speed.
void NormalizedString::filter(const std::function<bool(char32_t)>& keep) {
  std::string out;
  std::vector<Offsets> align;
  out.reserve(normalized_.size());
  align.reserve(alignments_.size());
  for (size_t i = 0; i < normalized_.size();) {
    size_t len;
    const char32_t c = decode_valid_utf8(normalized_.data() + i, &len);
    if (keep(c)) {
      out.append(normalized_, i, len);
      align.insert(align.end(), alignments_.begin() + static_cast<std::ptrdiff_t>(i),
                   alignments_.begin() + static_cast<std::ptrdiff_t>(i + len));
    }
    i += len;
  }
  normalized_ = std::move(out);
  alignments_ = std::move(align);
}

void NormalizedString::map(const std::function<char32_t(char32_t)>& fn) {
  std::string out;
  std::vector<Offsets> align;
  out.reserve(normalized_.size());
  align.reserve(alignments_.size());
  for (size_t i = 0; i < normalized_.size();) {
    size_t len;
    const char32_t c = fn(decode_valid_utf8(normalized_.data() + i, &len));
    const size_t before = out.size();
    append_utf8(out, c);
    align.insert(align.end(), out.size() - before, alignments_[i]);
    i += len;
  }
  normalized_ = std::move(out);
  alignments_ = std::move(align);
}

void NormalizedString::lowercase() {
  std::string out;
  std::vector<Offsets> align;
  out.reserve(normalized_.size());
  align.reserve(alignments_.size());
  std::u32string lower;
  for (size_t i = 0; i < normalized_.size();) {
    const auto b = static_cast<unsigned char>(normalized_[i]);
    if (b < 0x80) {
      out.push_back(static_cast<char>(b >= 'A' && b <= 'Z' ? b + 32 : b));
      align.push_back(alignments_[i]);
      ++i;
      continue;
    }
    size_t len;
    const char32_t c = decode_valid_utf8(normalized_.data() + i, &len);
    lower.clear();
    to_lowercase(c, lower);
    const size_t before = out.size();
    for (char32_t l : lower) append_utf8(out, l);
    align.insert(align.end(), out.size() - before, alignments_[i]);
    i += len;
  }
  normalized_ = std::move(out);
  alignments_ = std::move(align);
}

void NormalizedString::pad_chinese_chars() {
  std::string out;
  std::vector<Offsets> align;
  out.reserve(normalized_.size());
  align.reserve(alignments_.size());
  for (size_t i = 0; i < normalized_.size();) {
    size_t len;
    const char32_t c = decode_valid_utf8(normalized_.data() + i, &len);
    const Offsets a = alignments_[i];
    if (is_chinese_char(c)) {
      out.push_back(' ');
      out.append(normalized_, i, len);
      out.push_back(' ');
      align.insert(align.end(), len + 2, a);
    } else {
      out.append(normalized_, i, len);
      align.insert(align.end(), len, a);
    }
    i += len;
  }
  normalized_ = std::move(out);
  alignments_ = std::move(align);
}

std::vector<std::pair<char32_t, int>> decompose_with_changes(std::string_view text, bool compat) {
  // unicode-normalization-alignments: each char's decomposition gives (first, 0), (others, 1); each run of
  // non-starters is then stably sorted by canonical combining class (the change tags travel with their chars).
  struct Item {
    uint8_t ccc;
    char32_t c;
    int change;
  };
  std::vector<Item> items;
  items.reserve(text.size());
  std::u32string parts;
  for (size_t i = 0; i < text.size();) {
    size_t len;
    const char32_t c = decode_valid_utf8(text.data() + i, &len);
    parts.clear();
    decompose(c, compat, parts);
    for (size_t k = 0; k < parts.size(); ++k) items.push_back({combining_class(parts[k]), parts[k], k == 0 ? 0 : 1});
    i += len;
  }
  for (size_t i = 0; i < items.size();) {
    if (items[i].ccc == 0) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < items.size() && items[j].ccc != 0) ++j;
    std::stable_sort(items.begin() + static_cast<std::ptrdiff_t>(i), items.begin() + static_cast<std::ptrdiff_t>(j),
                     [](const Item& a, const Item& b) { return a.ccc < b.ccc; });
    i = j;
  }
  std::vector<std::pair<char32_t, int>> out;
  out.reserve(items.size());
  for (const Item& it : items) out.emplace_back(it.c, it.change);
  return out;
}

void NormalizedString::decompose(bool compat) {
  bool ascii = true;
  for (unsigned char b : normalized_) ascii = ascii && b < 0x80;
  if (ascii) return;  // ASCII has no decomposition
  transform(decompose_with_changes(normalized_, compat), 0);
}

void NormalizedString::strip(bool left, bool right) {
  const std::u32string chars = to_u32(normalized_);
  size_t lead = 0, trail = 0;
  if (left)
    while (lead < chars.size() && is_whitespace(chars[lead])) ++lead;
  if (right)
    while (trail < chars.size() - lead && is_whitespace(chars[chars.size() - 1 - trail])) ++trail;
  if (lead == 0 && trail == 0) return;
  size_t begin = 0;
  for (size_t k = 0; k < lead; ++k) begin += utf8_length(chars[k]);
  size_t end = normalized_.size();
  for (size_t k = 0; k < trail; ++k) end -= utf8_length(chars[chars.size() - 1 - k]);
  const Offsets origin{origin_begin_, origin_end_};  // transform() keeps the original string
  *this = slice(begin, end);
  origin_begin_ = origin.first;
  origin_end_ = origin.second;
}

void NormalizedString::prepend(std::string_view s) {
  if (normalized_.empty() || s.empty()) return;
  const Offsets first = alignments_[0];
  normalized_.insert(0, s);
  alignments_.insert(alignments_.begin(), s.size(), first);
}

void NormalizedString::replace(const std::vector<std::pair<Offsets, bool>>& matches, std::string_view content) {
  std::string out;
  std::vector<Offsets> align;
  out.reserve(normalized_.size());
  align.reserve(alignments_.size());
  size_t last_end = 0;
  for (const auto& [o, is_match] : matches) {
    if (!is_match) continue;
    out.append(normalized_, last_end, o.first - last_end);
    align.insert(align.end(), alignments_.begin() + static_cast<std::ptrdiff_t>(last_end),
                 alignments_.begin() + static_cast<std::ptrdiff_t>(o.first));
    // Inserted chars take the alignment of the byte before the insertion point: the match's last byte.
    const Offsets a = o.second < 1 ? Offsets{origin_begin_, origin_begin_} : alignments_[o.second - 1];
    out.append(content);
    align.insert(align.end(), content.size(), a);
    last_end = o.second;
  }
  out.append(normalized_, last_end, std::string::npos);
  align.insert(align.end(), alignments_.begin() + static_cast<std::ptrdiff_t>(last_end), alignments_.end());
  normalized_ = std::move(out);
  alignments_ = std::move(align);
}

void NormalizedString::map_bytes(const std::array<std::string, 256>& table) {
  std::string out;
  std::vector<Offsets> align;
  out.reserve(normalized_.size() * 2);
  align.reserve(alignments_.size() * 2);
  for (size_t i = 0; i < normalized_.size(); ++i) {
    const std::string& to = table[static_cast<unsigned char>(normalized_[i])];
    out += to;
    align.insert(align.end(), to.size(), alignments_[i]);
  }
  normalized_ = std::move(out);
  alignments_ = std::move(align);
}

std::vector<std::pair<Offsets, bool>> find_char_matches(std::string_view text,
                                                        const std::function<bool(char32_t)>& pred) {
  std::vector<std::pair<Offsets, bool>> matches;
  if (text.empty()) {
    matches.push_back({{0, 0}, false});
    return matches;
  }
  size_t last_offset = 0;
  for (size_t b = 0; b < text.size();) {
    size_t len;
    const char32_t c = decode_valid_utf8(text.data() + b, &len);
    if (pred(c)) {
      if (last_offset < b) matches.push_back({{last_offset, b}, false});
      matches.push_back({{b, b + len}, true});
      last_offset = b + len;
    }
    b += len;
  }
  if (text.size() > last_offset) matches.push_back({{last_offset, text.size()}, false});
  return matches;
}

std::vector<NormalizedString> NormalizedString::split(const std::function<bool(char32_t)>& is_delimiter,
                                                      SplitBehavior behavior) const {
  return split(find_char_matches(normalized_, is_delimiter), behavior);
}

std::vector<NormalizedString> NormalizedString::split(std::vector<std::pair<Offsets, bool>> matches,
                                                      SplitBehavior behavior) const {
  // (offsets, should_remove) as NormalizedString::split computes them.
  std::vector<std::pair<Offsets, bool>> parts;
  parts.reserve(matches.size());
  switch (behavior) {
    case SplitBehavior::Isolated:
      for (auto& m : matches) parts.push_back({m.first, false});
      break;
    case SplitBehavior::Removed:
      parts = std::move(matches);
      break;
    case SplitBehavior::Contiguous: {
      bool previous = false;
      for (auto& [o, is_match] : matches) {
        if (is_match == previous && !parts.empty()) parts.back().first.second = o.second;
        else parts.push_back({o, false});
        previous = is_match;
      }
      break;
    }
    case SplitBehavior::MergedWithPrevious: {
      bool previous = false;
      for (auto& [o, is_match] : matches) {
        if (is_match && !previous && !parts.empty()) parts.back().first.second = o.second;
        else parts.push_back({o, false});
        previous = is_match;
      }
      break;
    }
    case SplitBehavior::MergedWithNext: {
      bool previous = false;
      for (auto it = matches.rbegin(); it != matches.rend(); ++it) {
        if (it->second && !previous && !parts.empty()) parts.back().first.first = it->first.first;
        else parts.push_back({it->first, false});
        previous = it->second;
      }
      std::reverse(parts.begin(), parts.end());
      break;
    }
  }
  std::vector<NormalizedString> out;
  out.reserve(parts.size());
  for (const auto& [o, remove] : parts)
    if (!remove) out.push_back(slice(o.first, o.second));
  return out;
}

PreTokenizedString::PreTokenizedString(NormalizedString whole) { splits_.push_back({std::move(whole), std::nullopt}); }

void PreTokenizedString::split(const std::function<std::vector<Split>(size_t, NormalizedString&&)>& fn) {
  std::vector<Split> next;
  next.reserve(splits_.size());
  for (size_t i = 0; i < splits_.size(); ++i) {
    if (splits_[i].tokens) {
      next.push_back(std::move(splits_[i]));
      continue;
    }
    for (Split& part : fn(i, std::move(splits_[i].normalized)))
      if (!part.normalized.empty()) next.push_back(std::move(part));
  }
  splits_ = std::move(next);
}

void PreTokenizedString::normalize(const std::function<void(NormalizedString&)>& fn) {
  for (Split& s : splits_)
    if (!s.tokens) fn(s.normalized);
}

void PreTokenizedString::tokenize(const std::function<std::vector<Token>(const NormalizedString&)>& fn) {
  for (Split& s : splits_)
    if (!s.tokens) s.tokens = fn(s.normalized);
}

}  // namespace hfcpp::tok
