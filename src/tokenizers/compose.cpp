#include "tokenizers/compose.h"

#include <utf8proc.h>

#include <algorithm>
#include <optional>

#include "tokenizers/unicode.h"
#include "tokenizers/unicode_tables.h"

namespace hfcpp::tok {

namespace {

using Tagged = std::pair<char32_t, int>;  // a char and its change (0 replaces, 1 inserts, -N also removes N)

// The primary composite of (a, b), as the old Unicode tables of unicode-normalization-alignments know it.
std::optional<char32_t> compose_pair(char32_t a, char32_t b) {
  if (b < 0x300) return std::nullopt;  // every composition's second char is a mark or a Hangul jamo
  utf8proc_int32_t buf[2] = {static_cast<utf8proc_int32_t>(a), static_cast<utf8proc_int32_t>(b)};
  // UTF8PROC_STABLE keeps the composition exclusions (U+2ADC, U+0958..., U+1D15E...) decomposed, as NFC requires;
  // without it utf8proc composes them.
  if (utf8proc_normalize_utf32(buf, 2, static_cast<utf8proc_option_t>(UTF8PROC_COMPOSE | UTF8PROC_STABLE)) != 1)
    return std::nullopt;
  const auto r = static_cast<char32_t>(buf[0]);
  if (tables::no_canonical_decomposition.contains(r)) return std::nullopt;  // unknown to the old tables
  return r;
}

// Canonical composition (the Recompositions iterator): a starter absorbs the following chars it composes with,
// unless a char of the same or a higher combining class blocks them; a composite's change is the sum of its parts'
// changes minus one.
std::vector<Tagged> recompose(const std::vector<Tagged>& chars) {
  std::vector<Tagged> out;
  out.reserve(chars.size());
  std::vector<Tagged> blocked;  // chars after the current starter that did not compose
  std::optional<Tagged> starter;
  int last_ccc = -1;  // combining class of the last blocked char, -1 when none
  for (const Tagged& t : chars) {
    const uint8_t ccc = combining_class(t.first);
    if (!starter) {
      if (ccc != 0)
        out.push_back(t);
      else
        starter = t;
      continue;
    }
    if (last_ccc >= 0 && last_ccc >= ccc) {
      if (ccc == 0) {  // a new starter: flush the current one and the chars it left
        out.push_back(*starter);
        out.insert(out.end(), blocked.begin(), blocked.end());
        blocked.clear();
        last_ccc = -1;
        starter = t;
      } else {
        blocked.push_back(t);
        last_ccc = ccc;
      }
      continue;
    }
    if (auto r = compose_pair(starter->first, t.first)) {
      starter = Tagged{*r, starter->second + t.second - 1};
      continue;
    }
    if (last_ccc < 0 && ccc == 0) {
      out.push_back(*starter);
      starter = t;
      continue;
    }
    blocked.push_back(t);
    last_ccc = ccc;
  }
  if (starter) out.push_back(*starter);
  out.insert(out.end(), blocked.begin(), blocked.end());
  return out;
}

}  // namespace

void compose(NormalizedString& s, bool compat) {
  const std::string& text = s.get();
  if (std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; })) return;
  s.transform(recompose(decompose_with_changes(text, compat)), 0);
}

}  // namespace hfcpp::tok
