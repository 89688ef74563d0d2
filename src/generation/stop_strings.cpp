// StopStringCriteria: transformers' stop-string matching (generation/stopping_criteria.py, v5.23) on token surfaces.
// transformers precomputes per-token "valid positions" and "end overlaps" to match with tensor ops; the same
// decision is made here by walking the last tokens backwards over the stop string, which is equivalent and simpler.
#include <algorithm>
#include <cctype>
#include <optional>

#include "hfcpp/core/error.h"
#include "hfcpp/generation/stopping_criteria.h"
#include "hfcpp/tokenizers/tokenizer.h"
#include "tokenizers/byte_level.h"
#include "tokenizers/unicode.h"

namespace hfcpp {
namespace {

enum class MatchingMode { Text, ByteLevel, ByteFallback };

// transformers' _get_stop_string_matching_mode reads the decoder's type from tokenizer.json; the public Tokenizer
// does not expose it, so the decoder is asked how it decodes the telltale tokens instead (a ByteLevel decoder maps
// "Ġ" to a space, a ByteFallback decoder maps "<0x41>" to "A"). ByteFallback wins when both apply, as there.
MatchingMode matching_mode(const Tokenizer& tokenizer) {
  if (tokenizer.convert_tokens_to_string({"<0x41>"}) == "A") return MatchingMode::ByteFallback;
  if (tokenizer.convert_tokens_to_string({"\xC4\xA0"}) == " ") return MatchingMode::ByteLevel;  // "Ġ"
  return MatchingMode::Text;
}

// _token_to_bytes for the byte-level alphabet: the bytes the symbols stand for, or nothing when a char is outside it.
std::optional<std::string> byte_level_bytes(const std::string& token) {
  std::string bytes;
  for (size_t pos = 0; pos < token.size();) {
    char32_t cp = 0;
    pos += tok::decode_utf8(token, pos, &cp);
    const int byte = tok::byte_level_byte(cp);
    if (byte < 0) return std::nullopt;
    bytes.push_back(static_cast<char>(byte));
  }
  return bytes;
}

bool is_byte_fallback_token(const std::string& t) {
  return t.size() == 6 && t.compare(0, 3, "<0x") == 0 && t[5] == '>' && std::isxdigit(static_cast<unsigned char>(t[3])) &&
         std::isxdigit(static_cast<unsigned char>(t[4]));
}

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

}  // namespace

std::shared_ptr<const std::vector<std::string>> StopStringCriteria::token_surfaces(const Tokenizer& tokenizer) {
  const MatchingMode mode = matching_mode(tokenizer);
  // clean_tokenizer_vocab: decode "abcdef"'s tokens followed by the token, keep what follows the prefix
  static constexpr std::string_view kPrefix = "abcdef";
  EncodeOptions plain;
  plain.add_special_tokens = false;
  const std::vector<std::string> base = tokenizer.encode(kPrefix, plain).tokens;
  auto surfaces = std::make_shared<std::vector<std::string>>(tokenizer.vocab_size());
  for (size_t id = 0; id < surfaces->size(); ++id) {
    const std::optional<std::string> token = tokenizer.id_to_token(static_cast<int32_t>(id));
    if (!token) continue;
    if (mode == MatchingMode::ByteLevel) {
      if (auto bytes = byte_level_bytes(*token)) {
        (*surfaces)[id] = std::move(*bytes);
        continue;
      }
    } else if (mode == MatchingMode::ByteFallback && is_byte_fallback_token(*token)) {
      (*surfaces)[id] = std::string(1, static_cast<char>(std::stoi(token->substr(3, 2), nullptr, 16)));
      continue;
    }
    std::vector<std::string> tokens = base;
    tokens.push_back(*token);
    const std::string text = tokenizer.convert_tokens_to_string(tokens);
    const size_t at = text.find(kPrefix);
    if (at != std::string::npos) (*surfaces)[id] = text.substr(at + kPrefix.size());
  }
  return surfaces;
}

StopStringCriteria::StopStringCriteria(std::vector<std::string> stop_strings,
                                       std::shared_ptr<const std::vector<std::string>> token_surfaces)
    : stop_strings_(std::move(stop_strings)), surfaces_(std::move(token_surfaces)) {
  HFCPP_CHECK(surfaces_, "StopStringCriteria: no token surfaces given");
  HFCPP_CHECK(!stop_strings_.empty(), "StopStringCriteria: no stop strings given");
  bool some_token_ends_one = false;
  for (const std::string& stop : stop_strings_) {
    HFCPP_CHECK(!stop.empty(), "StopStringCriteria: a stop string is empty");
    window_ = std::max(window_, stop.size());
    // a token can end a match when a non-empty prefix of it ends the stop string (or holds it whole)
    for (const std::string& s : *surfaces_) {
      for (size_t c = 1; c <= s.size() && !some_token_ends_one; ++c) {
        const std::string_view head(s.data(), c);
        some_token_ends_one = c >= stop.size() ? ends_with(head, stop) : ends_with(stop, head);
      }
      if (some_token_ends_one) break;
    }
  }
  HFCPP_CHECK(some_token_ends_one,
              "StopStringCriteria: Stop string preprocessing was unable to identify tokens matching one or more of the "
              "supplied stop string(s). This is most often caused by the stop strings containing unusual characters "
              "that are not in the tokenizer vocabulary.");
}

StopStringCriteria::StopStringCriteria(std::vector<std::string> stop_strings, const Tokenizer& tokenizer)
    : StopStringCriteria(std::move(stop_strings), token_surfaces(tokenizer)) {}

bool StopStringCriteria::operator()(std::span<const int64_t> sequence) const {
  const std::span<const int64_t> window = sequence.last(std::min(sequence.size(), window_));
  for (const std::string& stop : stop_strings_)
    if (matches(window, stop)) return true;
  return false;
}

// The final token's first c bytes (c >= 1) must end the stop string; every earlier token, walking back, must fill
// the part of the string still unmatched (a token may run past the string's start), within the window.
bool StopStringCriteria::matches(std::span<const int64_t> window, const std::string& stop) const {
  if (window.empty()) return false;
  const std::vector<std::string>& surfaces = *surfaces_;
  const auto surface = [&](int64_t id) -> const std::string* {
    return id >= 0 && static_cast<size_t>(id) < surfaces.size() ? &surfaces[static_cast<size_t>(id)] : nullptr;
  };
  const std::string* last = surface(window.back());
  if (!last) return false;
  const std::string_view s(stop);
  for (size_t c = 1; c <= last->size(); ++c) {
    const std::string_view head(last->data(), c);
    if (c >= s.size()) {
      if (ends_with(head, s)) return true;
      continue;
    }
    if (!ends_with(s, head)) continue;
    size_t left = s.size() - c;  // bytes of the stop string still to match, from its start
    for (size_t k = window.size() - 1; k-- > 0;) {
      const std::string* t = surface(window[k]);
      if (!t) break;
      if (t->size() >= left) {
        if (ends_with(*t, s.substr(0, left))) return true;
        break;
      }
      if (s.substr(left - t->size(), t->size()) != *t) break;
      left -= t->size();
    }
  }
  return false;
}

}  // namespace hfcpp
