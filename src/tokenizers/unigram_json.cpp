#include "tokenizers/unigram_json.h"

#include <charconv>
#include <cstdlib>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "hfcpp/core/error.h"
#include "tokenizers/metaspace.h"
#include "tokenizers/precompiled.h"
#include "tokenizers/unicode.h"
#include "tokenizers/unigram.h"
#include "tokenizers/wordlevel.h"

namespace hfcpp::tok {

using nlohmann::json;

namespace {

template <class... Args>
[[noreturn]] void fail_at(const JsonPlace& place, Args&&... args) {
  hfcpp::fail("tokenizer.json '", place.path, "': ", place.component, ": ", std::forward<Args>(args)...);
}

const json& field(const json& j, const char* name, const JsonPlace& place) {
  if (!j.is_object()) fail_at(place, "expected an object, got ", j.type_name());
  auto it = j.find(name);
  if (it == j.end()) fail_at(place, "missing field \"", name, "\"");
  return *it;
}

// The score the Rust library holds for a JSON number: serde_json (without its float_roundtrip feature) reads up to
// 19 significant digits into a u64, converts that to f64 and divides (or multiplies) by an f64 power of ten; for the
// 17-digit scores trainers write this is 1 ulp off the correctly rounded value in about one score of seven, enough
// to flip Viterbi ties between equal-scoring segmentations. `value` is nlohmann's correctly rounded parse; its
// shortest representation is the text the file holds (Python's json and serde_json write shortest representations).
double serde_json_f64(double value) {
  char text[64];
  const auto r = std::to_chars(text, text + sizeof(text), value);
  if (r.ec != std::errc()) return value;
  const char* p = text;
  const bool negative = *p == '-';
  if (negative) ++p;
  uint64_t significand = 0;
  int exponent = 0;
  bool overflowed = false, after_point = false;
  for (; p < r.ptr && *p != 'e' && *p != 'E'; ++p) {
    if (*p == '.') {
      after_point = true;
      continue;
    }
    if (*p < '0' || *p > '9') return value;  // inf / nan: not JSON numbers
    const uint64_t digit = static_cast<uint64_t>(*p - '0');
    if (!overflowed && (significand > (UINT64_MAX - digit) / 10)) overflowed = true;
    if (overflowed) {
      if (!after_point) ++exponent;  // further integer digits scale, further decimals are ignored
      continue;
    }
    significand = significand * 10 + digit;
    if (after_point) --exponent;
  }
  if (p < r.ptr) exponent += std::atoi(p + 1);
  static const double* pow10 = [] {
    static double table[309];
    for (int i = 0; i <= 308; ++i) table[i] = std::strtod(("1e" + std::to_string(i)).c_str(), nullptr);
    return table;
  }();
  double f = static_cast<double>(significand);
  while (true) {
    const int k = exponent < 0 ? -exponent : exponent;
    if (k <= 308) {
      f = exponent >= 0 ? f * pow10[k] : f / pow10[k];
      break;
    }
    if (f == 0.0 || exponent >= 0) break;
    f /= 1e308;
    exponent += 308;
  }
  return negative ? -f : f;
}

std::unique_ptr<Model> parse_unigram(const json& j, const JsonPlace& place) {
  const json& vocab = field(j, "vocab", place);
  if (!vocab.is_array()) fail_at(place, "field \"vocab\" must be an array of [piece, score], got ", vocab.type_name());
  std::vector<std::pair<std::string, double>> pieces;
  pieces.reserve(vocab.size());
  for (size_t i = 0; i < vocab.size(); ++i) {
    const json& e = vocab[i];
    if (!e.is_array() || e.size() != 2 || !e[0].is_string())
      fail_at(place, "vocab[", i, "] must be [piece, score], got ", e.dump().substr(0, 80));
    if (!e[1].is_number()) fail_at(place, "vocab[", i, "] (\"", e[0].get<std::string>(), "\"): the score must be a number, got ", e[1].dump());
    pieces.emplace_back(e[0].get<std::string>(), serde_json_f64(e[1].get<double>()));
  }
  std::optional<size_t> unk_id;
  if (auto it = j.find("unk_id"); it != j.end() && !it->is_null()) {
    if (!it->is_number_unsigned()) fail_at(place, "field \"unk_id\" must be a non-negative integer or null, got ", it->dump());
    unk_id = it->get<size_t>();
  }
  bool byte_fallback = false;
  if (auto it = j.find("byte_fallback"); it != j.end() && !it->is_null()) {
    if (!it->is_boolean()) fail_at(place, "field \"byte_fallback\" must be a boolean");
    byte_fallback = it->get<bool>();
  }
  try {
    return std::make_unique<Unigram>(std::move(pieces), unk_id, byte_fallback);
  } catch (const Error& e) {
    fail_at(place, e.what());
  }
}

std::unique_ptr<Model> parse_wordlevel(json& j, std::optional<VocabEntries>& captured, const JsonPlace& place) {
  field(j, "vocab", place);  // present (else the error names it)
  json& vocab = j["vocab"];
  if (!vocab.is_object()) fail_at(place, "field \"vocab\" must be an object token -> id");
  TokenMap map = to_token_map(take_vocab(vocab, captured), INT32_MAX, [&](const std::string& token, const json& id) {
    fail_at(place, "vocab entry \"", token, "\" must have a non-negative 32-bit id, got ", id.dump());
  });
  const json& unk = field(j, "unk_token", place);
  if (!unk.is_string()) fail_at(place, "field \"unk_token\" must be a string");
  return std::make_unique<WordLevel>(Vocab(std::move(map)), unk.get<std::string>());
}

char32_t replacement_char(const json& j, const JsonPlace& place) {
  const json& r = field(j, "replacement", place);
  if (!r.is_string()) fail_at(place, "field \"replacement\" must be a string");
  const std::string s = r.get<std::string>();
  char32_t c = 0;
  const size_t len = s.empty() ? 0 : decode_utf8(s, 0, &c);
  if (s.empty() || len != s.size() || (c == kReplacementChar && s != "\xEF\xBF\xBD"))
    fail_at(place, "field \"replacement\" must be exactly one character, got \"", s, "\"");
  return c;
}

// prepend_scheme (default always). The legacy add_prefix_space must agree as the Rust library checks: false requires
// prepend_scheme never (so add_prefix_space false alone is an error).
PrependScheme prepend_scheme(const json& j, const JsonPlace& place) {
  std::optional<bool> add_prefix_space;
  if (auto it = j.find("add_prefix_space"); it != j.end() && !it->is_null()) {
    if (!it->is_boolean()) fail_at(place, "field \"add_prefix_space\" must be a boolean");
    add_prefix_space = it->get<bool>();
  }
  PrependScheme scheme = PrependScheme::Always;
  if (auto it = j.find("prepend_scheme"); it != j.end() && !it->is_null()) {
    const std::string s = it->is_string() ? it->get<std::string>() : "";
    if (s == "always") scheme = PrependScheme::Always;
    else if (s == "first") scheme = PrependScheme::First;
    else if (s == "never") scheme = PrependScheme::Never;
    else fail_at(place, "field \"prepend_scheme\" must be \"always\", \"first\" or \"never\", got ", it->dump());
  }
  if (add_prefix_space == false && scheme != PrependScheme::Never)
    fail_at(place, "add_prefix_space does not match declared prepend_scheme");
  return scheme;
}

}  // namespace

std::unique_ptr<Model> parse_unigram_model(json& j, const std::string& type, std::optional<VocabEntries>& vocab,
                                           const JsonPlace& place) {
  std::string t = type;
  if (t.empty() && j.is_object()) {
    const auto vocab = j.find("vocab");
    if (vocab != j.end() && vocab->is_array()) t = "Unigram";
    else if (vocab != j.end() && vocab->is_object() && j.contains("unk_token")) t = "WordLevel";
  }
  if (t == "Unigram") return parse_unigram(j, place);
  if (t == "WordLevel") return parse_wordlevel(j, vocab, place);
  return nullptr;
}

std::unique_ptr<Normalizer> parse_unigram_normalizer(const json& j, const std::string& type, const JsonPlace& place) {
  if (type != "Precompiled") return nullptr;
  const json& blob = field(j, "precompiled_charsmap", place);
  if (!blob.is_string()) fail_at(place, "field \"precompiled_charsmap\" must be a base64 string, got ", blob.type_name());
  try {
    return std::make_unique<PrecompiledNormalizer>(base64_decode(blob.get<std::string>()));
  } catch (const Error& e) {
    fail_at(place, "Precompiled: ", e.what());
  }
}

std::unique_ptr<PreTokenizer> parse_unigram_pre_tokenizer(const json& j, const std::string& type,
                                                          const JsonPlace& place) {
  if (type != "Metaspace") return nullptr;
  bool split = true;
  if (auto it = j.find("split"); it != j.end() && !it->is_null()) {
    if (!it->is_boolean()) fail_at(place, "field \"split\" must be a boolean");
    split = it->get<bool>();
  }
  return std::make_unique<MetaspacePreTokenizer>(replacement_char(j, place), prepend_scheme(j, place), split);
}

std::unique_ptr<Decoder> parse_unigram_decoder(const json& j, const std::string& type, const JsonPlace& place) {
  if (type != "Metaspace") return nullptr;
  return std::make_unique<MetaspaceDecoder>(replacement_char(j, place), prepend_scheme(j, place));
}

}  // namespace hfcpp::tok
