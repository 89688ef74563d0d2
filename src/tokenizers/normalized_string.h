// NormalizedString and PreTokenizedString: a text being normalized and split, with every normalized byte aligned to
// the byte range of the original text it came from (the `tokenizers` NormalizedString alignment model).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tokenizers/unicode.h"

namespace hfcpp::tok {

using Offsets = std::pair<size_t, size_t>;  // [begin, end) bytes

// How a split pattern treats the delimiters it matched (SplitDelimiterBehavior).
enum class SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

class NormalizedString {
 public:
  NormalizedString() = default;
  // The text as given (possibly invalid UTF-8: each ill-formed subpart becomes one U+FFFD aligned to its bytes).
  // Offsets are absolute: byte `i` of `text` is original offset `base + i`.
  static NormalizedString from_original(std::string_view text, size_t base = 0);

  const std::string& get() const { return normalized_; }
  bool empty() const { return normalized_.empty(); }
  size_t size() const { return normalized_.size(); }
  // The original byte range this string covers (offsets_original).
  Offsets original_range() const { return {origin_begin_, origin_end_}; }
  // The original byte range of the normalized bytes [begin, end) (convert_offsets Normalized -> Original).
  Offsets original_offsets(size_t begin, size_t end) const;

  // Sub-string of the normalized bytes [begin, end) (on char boundaries), keeping the alignments.
  NormalizedString slice(size_t begin, size_t end) const;
  // The same, reusing this string's buffers when the slice is all of it (the common no-added-token case).
  NormalizedString into_slice(size_t begin, size_t end) &&;

  // Replaces the text by the concatenation of `parts` (consecutive slices of it, each since rewritten), keeping
  // the original range.
  void assign_parts(const std::vector<NormalizedString>& parts);

  // One pass that replaces each char c by the chars `fn(c, out)` appends to `out` (none: c is removed), all aligned
  // to c: the composition of several per-char steps (filter, map, lowercase...) without a buffer per step. `fn`
  // returns false to give up (the string is then left unchanged and rewrite_chars returns false).
  template <class Fn>
  bool rewrite_chars(Fn&& fn);

  // Rebuilds the string from (char, change) pairs exactly as NormalizedString::transform does: change 0 replaces
  // the next char, 1 inserts a char, -N replaces the next char and removes the N following ones;
  // `initial_offset` chars are removed at the start.
  void transform(const std::vector<std::pair<char32_t, int>>& dest, size_t initial_offset);

  void filter(const std::function<bool(char32_t)>& keep);
  void map(const std::function<char32_t(char32_t)>& fn);
  void lowercase();
  void nfd() { decompose(false); }
  void nfkd() { decompose(true); }
  // Spaces each CJK ideograph (BertNormalizer handle_chinese_chars).
  void pad_chinese_chars();
  void strip(bool left, bool right);
  // Prepends `s` (nothing when the string is empty); the new chars are aligned to the first char (prepend).
  void prepend(std::string_view s);
  // Replaces every matched range of `matches` (a Pattern's find_matches over the normalized string) by `content`,
  // which is aligned to the last char of the match, as NormalizedString::replace does.
  void replace(const std::vector<std::pair<Offsets, bool>>& matches, std::string_view content);
  // Replaces every byte b by table[b] (non-empty, valid UTF-8), aligned to the char the byte belongs to (the
  // ByteLevel bytes-to-chars transform).
  void map_bytes(const std::array<std::string, 256>& table);

  // Splits on the chars matching `is_delimiter`, the delimiters handled as `behavior` says; may return empty parts.
  std::vector<NormalizedString> split(const std::function<bool(char32_t)>& is_delimiter, SplitBehavior behavior) const;
  // The same, with precomputed (offsets, is_match) ranges covering the whole string (a Pattern's find_matches).
  std::vector<NormalizedString> split(std::vector<std::pair<Offsets, bool>> matches, SplitBehavior behavior) const;

 private:
  void decompose(bool compat);
  Offsets align_at(size_t byte) const { return alignments_[byte]; }

  std::string normalized_;
  std::vector<Offsets> alignments_;  // one per byte of normalized_: absolute original [begin, end)
  size_t origin_begin_ = 0;
  size_t origin_end_ = 0;
};

template <class Fn>
bool NormalizedString::rewrite_chars(Fn&& fn) {
  std::string out;
  std::vector<Offsets> align;
  out.reserve(normalized_.size() + 8);
  align.reserve(alignments_.size() + 8);
  std::u32string chars;
  for (size_t i = 0; i < normalized_.size();) {
    size_t len;
    const char32_t c = decode_valid_utf8(normalized_.data() + i, &len);
    chars.clear();
    if (!fn(c, chars)) return false;
    const Offsets a = alignments_[i];
    for (char32_t o : chars) {
      if (o < 0x80) {
        out.push_back(static_cast<char>(o));
        align.push_back(a);
      } else {
        const size_t before = out.size();
        append_utf8(out, o);
        align.insert(align.end(), out.size() - before, a);
      }
    }
    i += len;
  }
  normalized_ = std::move(out);
  alignments_ = std::move(align);
  return true;
}

// One token produced by a model from one pre-token: offsets are bytes into that pre-token's normalized string.
struct Token {
  int32_t id;
  std::string value;
  Offsets offsets;
};

struct Split {
  NormalizedString normalized;
  std::optional<std::vector<Token>> tokens;  // set for added tokens and once the model has run
};

// The pre-tokens of one input sequence.
class PreTokenizedString {
 public:
  explicit PreTokenizedString(NormalizedString whole);

  // Replaces every split without tokens by the parts `fn(index, normalized)` returns; parts with an empty
  // normalized string are dropped.
  void split(const std::function<std::vector<Split>(size_t, NormalizedString&&)>& fn);
  void normalize(const std::function<void(NormalizedString&)>& fn);
  void tokenize(const std::function<std::vector<Token>(const NormalizedString&)>& fn);

  std::vector<Split>& splits() { return splits_; }
  const std::vector<Split>& splits() const { return splits_; }

 private:
  std::vector<Split> splits_;
};

// Finds the char-predicate matches of `text` (the Pattern impl for Fn(char) -> bool).
std::vector<std::pair<Offsets, bool>> find_char_matches(std::string_view text,
                                                        const std::function<bool(char32_t)>& pred);

// Canonical (compat: compatibility) decomposition of UTF-8 `text` with canonical reordering, each char tagged with its
// change for NormalizedString::transform (0 = replaces a char, 1 = inserted).
std::vector<std::pair<char32_t, int>> decompose_with_changes(std::string_view text, bool compat);

}  // namespace hfcpp::tok
