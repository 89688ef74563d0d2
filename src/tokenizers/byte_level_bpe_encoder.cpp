#include "tokenizers/byte_level_bpe_encoder.h"

#include <array>
#include <cstdlib>

#include "tokenizers/bpe.h"
#include "tokenizers/byte_level.h"
#include "tokenizers/compose.h"
#include "tokenizers/split.h"
#include "tokenizers/unicode.h"

namespace hfcpp::tok {

namespace {

bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Valid UTF-8 (and, for NFC, no code point from U+0300 on: lead bytes below 0xCC).
bool acceptable(std::string_view text, bool nfc) {
  for (size_t i = 0; i < text.size();) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b < 0x80) {
      ++i;
      continue;
    }
    if (nfc && b >= 0xCC) return false;
    char32_t cp;
    const size_t n = decode_utf8(text, i, &cp);
    if (cp == kReplacementChar && !(n == 3 && text.compare(i, 3, "\xEF\xBF\xBD") == 0)) return false;
    i += n;
  }
  return true;
}

// Each byte's byte-level char as UTF-8 (one or two bytes).
struct MappedByte {
  char bytes[2];
  uint8_t len;
};

const std::array<MappedByte, 256>& mapped_bytes() {
  static const auto table = [] {
    std::array<MappedByte, 256> t{};
    for (size_t b = 0; b < 256; ++b) {
      const std::string& c = byte_level_chars()[b];
      t[b].len = static_cast<uint8_t>(c.size());
      for (size_t i = 0; i < c.size(); ++i) t[b].bytes[i] = c[i];
    }
    return t;
  }();
  return table;
}

}  // namespace

std::unique_ptr<ByteLevelBpeEncoder> ByteLevelBpeEncoder::create(const Tokenizer::Impl& impl) {
  if (const char* generic = std::getenv("HFCPP_TOKENIZER_GENERIC"); generic && *generic && *generic != '0')
    return nullptr;
  const auto* bpe = dynamic_cast<const Bpe*>(impl.model.get());
  if (!bpe || bpe->options().byte_fallback) return nullptr;
  for (const std::string& c : byte_level_chars())
    if (!bpe->token_to_id(c)) return nullptr;
  auto encoder = std::unique_ptr<ByteLevelBpeEncoder>(new ByteLevelBpeEncoder());
  if (impl.normalizer) {
    if (!dynamic_cast<const NfcNormalizer*>(impl.normalizer.get())) return nullptr;
    encoder->nfc_ = true;
  }
  const PreTokenizer* pre = impl.pre_tokenizer.get();
  if (const auto* seq = dynamic_cast<const SequencePreTokenizer*>(pre)) {
    if (seq->items().size() != 2) return nullptr;
    const auto* split = dynamic_cast<const SplitPreTokenizer*>(seq->items()[0].get());
    const auto* level = dynamic_cast<const ByteLevelPreTokenizer*>(seq->items()[1].get());
    if (!split || split->behavior() != SplitBehavior::Isolated || split->invert() || !level || level->use_regex() ||
        level->add_prefix_space())
      return nullptr;
    encoder->regex_ = &split->regex();
  } else if (const auto* level = dynamic_cast<const ByteLevelPreTokenizer*>(pre)) {
    encoder->regex_ = level->use_regex() ? &gpt2_regex() : nullptr;
    encoder->add_prefix_space_ = level->add_prefix_space();
  } else {
    return nullptr;
  }
  encoder->added_ = &impl.added;
  encoder->bpe_ = bpe;
  encoder->plain_tokens_ = bpe->options().continuing_subword_prefix.value_or("").empty() &&
                           bpe->options().end_of_word_suffix.value_or("").empty();
  return encoder;
}

std::optional<RawEncoding> ByteLevelBpeEncoder::encode(std::string_view text, int32_t type_id) const {
  if (!acceptable(text, nfc_)) return std::nullopt;
  std::vector<std::pair<Offsets, int32_t>> pieces;
  if (added_->empty())
    pieces.push_back({{0, text.size()}, -1});
  else
    pieces = added_->split_unnormalized(text);

  const auto& table = mapped_bytes();
  RawEncoding e;
  e.reserve(text.size() / 2 + 16);
  int32_t word = 0;
  thread_local std::string prefixed, mapped;
  thread_local std::vector<Bpe::Symbol> symbols;
  for (const auto& [range, id] : pieces) {
    if (range.first == range.second) continue;
    const std::string_view segment = text.substr(range.first, range.second - range.first);
    if (id >= 0) {
      e.push(id, std::string(segment), range, word++, type_id, 0);
      continue;
    }
    // The pre-tokenizer's input: the segment, after the space ByteLevel prepends (aligned to the first char).
    const bool synthetic = add_prefix_space_ && segment[0] != ' ';
    std::string_view subject = segment;
    if (synthetic) {
      prefixed.assign(1, ' ');
      prefixed.append(segment);
      subject = prefixed;
    }
    const size_t base = range.first;
    size_t first_char_end = base + 1;
    while (first_char_end < range.second && is_continuation(text[first_char_end])) ++first_char_end;
    // Original byte range of subject byte k (the char it belongs to).
    auto char_start = [&](size_t k) {
      if (synthetic && k == 0) return base;
      size_t p = base + k - (synthetic ? 1 : 0);
      while (p > base && is_continuation(text[p])) --p;
      return p;
    };
    auto char_end = [&](size_t k) {
      if (synthetic && k == 0) return first_char_end;
      size_t p = base + k - (synthetic ? 1 : 0) + 1;
      while (p < range.second && is_continuation(text[p])) ++p;
      return p;
    };
    auto emit = [&](size_t from, size_t to) {
      mapped.resize(2 * (to - from));
      char* out = mapped.data();
      for (size_t k = from; k < to; ++k) {
        const MappedByte& m = table[static_cast<unsigned char>(subject[k])];
        out[0] = m.bytes[0];
        out[1] = m.bytes[1];
        out += m.len;
      }
      mapped.resize(static_cast<size_t>(out - mapped.data()));
      bpe_->symbols(mapped, symbols);
      size_t k = from, at = 0;
      for (const Bpe::Symbol& s : symbols) {
        const size_t start = k;
        for (size_t consumed = 0; consumed < s.len; ++k) consumed += table[static_cast<unsigned char>(subject[k])].len;
        // Without prefix and suffix a token is the piece of the word it covers (no lookup in the large table).
        const std::optional<std::string_view> token = plain_tokens_ ? std::nullopt : bpe_->id_to_token(s.id);
        e.push(s.id, token ? std::string(*token) : std::string(mapped, at, s.len),
               {char_start(start), char_end(k - 1)}, word, type_id, 0);
        at += s.len;
      }
      ++word;
    };
    if (!regex_) {
      emit(0, subject.size());
      continue;
    }
    size_t last = 0;
    regex_->for_each_match(subject, [&](size_t begin, size_t end) {
      if (begin > last) emit(last, begin);
      if (end > begin) emit(begin, end);
      last = end;
    });
    if (last < subject.size()) emit(last, subject.size());
  }
  e.original = text;
  return e;
}

}  // namespace hfcpp::tok
