#include "tokenizers/byte_level.h"

#include <algorithm>

#include "tokenizers/regex.h"
#include "tokenizers/unicode.h"

namespace hfcpp::tok {

namespace {

// bytes_char: the printable bytes keep their code point, the other bytes take U+0100, U+0101, ... in byte order.
struct ByteTables {
  std::array<std::string, 256> chars;
  std::array<int16_t, 0x144> bytes;  // char -> byte; the alphabet ends at U+0143
  ByteTables() {
    bytes.fill(-1);
    auto printable = [](unsigned b) { return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE; };
    char32_t next = 0x100;
    for (unsigned b = 0; b < 256; ++b) {
      const char32_t c = printable(b) ? static_cast<char32_t>(b) : next++;
      append_utf8(chars[b], c);
      bytes[c] = static_cast<int16_t>(b);
    }
  }
};

const ByteTables& tables() {
  static const ByteTables t;
  return t;
}

// Byte position after `count` chars of `text` from `pos` (chars as Python's errors="replace" decoding counts them).
size_t advance_chars(std::string_view text, size_t pos, size_t count) {
  for (; count > 0 && pos < text.size(); --count) {
    char32_t cp;
    pos += decode_utf8(text, pos, &cp);
  }
  return pos + count;  // past the end (no text known): one byte per char
}

}  // namespace

const Regex& gpt2_regex() {
  static const Regex re(R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)");
  return re;
}

const std::array<std::string, 256>& byte_level_chars() { return tables().chars; }

int byte_level_byte(char32_t c) { return c < 0x144 ? tables().bytes[c] : -1; }

void ByteLevelPreTokenizer::pre_tokenize(PreTokenizedString& s) const {
  s.split([&](size_t, NormalizedString&& n) {
    if (add_prefix_space_ && n.get()[0] != ' ') n.prepend(" ");
    std::vector<Split> out;
    if (!use_regex_) {
      out.push_back({std::move(n), std::nullopt});
      return out;
    }
    for (NormalizedString& part : n.split(gpt2_regex().find_matches(n.get()), SplitBehavior::Isolated))
      out.push_back({std::move(part), std::nullopt});
    return out;
  });
  const auto& chars = byte_level_chars();
  s.normalize([&](NormalizedString& n) { n.map_bytes(chars); });
}

std::vector<std::string> ByteLevelDecoder::decode_chain(std::vector<std::string> tokens) const {
  std::string bytes;
  for (const std::string& t : tokens) {
    const size_t mark = bytes.size();
    bool mapped = true;
    for (size_t i = 0; i < t.size() && mapped;) {
      size_t len;
      const int b = byte_level_byte(decode_valid_utf8(t.data() + i, &len));
      if (b < 0)
        mapped = false;
      else
        bytes.push_back(static_cast<char>(b));
      i += len;
    }
    if (!mapped) {
      bytes.resize(mark);
      bytes += t;
    }
  }
  // String::from_utf8_lossy.
  std::string text;
  text.reserve(bytes.size());
  for_each_utf8_char(bytes, [&](const DecodedChar& d) {
    if (d.cp == kReplacementChar)
      append_utf8(text, d.cp);
    else
      text.append(bytes, d.begin, d.end - d.begin);
  });
  return {std::move(text)};
}

void trim_byte_level_offsets(RawEncoding& e, bool add_prefix_space) {
  // The Rust library works on char offsets here (the Python binding's); we move byte offsets by the same number of
  // chars of the original text.
  auto is_space = [](char32_t c) { return c == 0x120 || is_whitespace(c); };
  for (size_t i = 0; i < e.size(); ++i) {
    // Leading / trailing space chars of the token (all of them when the token is only spaces).
    const std::string& token = e.tokens[i];
    size_t leading = 0, trailing = 0;
    bool in_lead = true;
    for (size_t b = 0; b < token.size();) {
      size_t len;
      const bool space = is_space(decode_valid_utf8(token.data() + b, &len));
      in_lead = in_lead && space;
      leading += in_lead;
      trailing = space ? trailing + 1 : 0;
      b += len;
    }
    if (leading == 0 && trailing == 0) continue;
    auto& [start, end] = e.offsets[i];
    const std::string_view text = e.text_of(i);
    if (leading > 0) {
      const bool is_first = i == 0 || start == 0;
      if (is_first && add_prefix_space && leading == 1) leading = 0;
      start = std::min(advance_chars(text, start, leading), end);
    }
    if (trailing > 0) {
      // end (in chars) >= trailing: end moves back `trailing` chars, but not before start.
      std::vector<size_t> bounds{start};
      while (bounds.back() < end) bounds.push_back(advance_chars(text, bounds.back(), 1));
      const size_t span = bounds.size() - 1;
      if (trailing <= span) {
        end = std::max(bounds[span - trailing], start);
      } else {
        size_t before = 0;  // chars before start, counted up to what is needed
        for (size_t pos = 0; pos < start && before < trailing - span; ++before) pos = advance_chars(text, pos, 1);
        if (before >= trailing - span) end = start;
      }
    }
  }
}

std::vector<RawEncoding> ByteLevelProcessor::process_encodings(std::vector<RawEncoding> encodings, bool) const {
  if (trim_offsets_) {
    for (RawEncoding& e : encodings) {
      trim_byte_level_offsets(e, add_prefix_space_);
      for (RawEncoding& o : e.overflowing) trim_byte_level_offsets(o, add_prefix_space_);
    }
  }
  for (size_t i = 0; i < encodings.size(); ++i) encodings[i].set_sequence_id(i);
  return encodings;
}

}  // namespace hfcpp::tok
