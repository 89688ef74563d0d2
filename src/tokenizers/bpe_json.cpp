#include "tokenizers/bpe_json.h"

#include <nlohmann/json.hpp>

#include "hfcpp/core/error.h"
#include "tokenizers/byte_level.h"
#include "tokenizers/compose.h"
#include "tokenizers/piece_decoders.h"
#include "tokenizers/replace.h"
#include "tokenizers/roberta_processing.h"
#include "tokenizers/split.h"
#include "tokenizers/unicode.h"

namespace hfcpp::tok {

using nlohmann::json;

namespace {

// Typed field access with messages naming the file and the component.
struct Fields {
  const JsonPlace& place;

  template <class... Args>
  [[noreturn]] void fail(Args&&... args) const {
    hfcpp::fail("tokenizer.json '", place.path, "': ", place.component, ": ", std::forward<Args>(args)...);
  }
  const json& field(const json& j, const char* name) const {
    auto it = j.find(name);
    if (it == j.end()) fail("missing field \"", name, "\"");
    return *it;
  }
  std::string str(const json& j, const char* name) const {
    const json& v = field(j, name);
    if (!v.is_string()) fail("field \"", name, "\" must be a string, got ", v.type_name());
    return v.get<std::string>();
  }
  std::optional<std::string> optional_str(const json& j, const char* name) const {
    auto it = j.find(name);
    if (it == j.end() || it->is_null()) return std::nullopt;
    return str(j, name);
  }
  bool boolean(const json& j, const char* name, std::optional<bool> fallback = std::nullopt) const {
    auto it = j.find(name);
    if ((it == j.end() || it->is_null()) && fallback) return *fallback;
    const json& v = field(j, name);
    if (!v.is_boolean()) fail("field \"", name, "\" must be a boolean, got ", v.type_name());
    return v.get<bool>();
  }
  size_t count(const json& j, const char* name) const {
    const json& v = field(j, name);
    if (!v.is_number_unsigned()) fail("field \"", name, "\" must be a non-negative integer, got ", v.dump());
    return v.get<size_t>();
  }
  const json& array(const json& j, const char* name) const {
    const json& v = field(j, name);
    if (!v.is_array()) fail("field \"", name, "\" must be an array, got ", v.type_name());
    return v;
  }
  // {"String": "..."} (literal) or {"Regex": "..."}.
  Regex pattern(const json& j) const {
    const json& p = field(j, "pattern");
    try {
      if (p.is_object() && p.size() == 1 && p.begin().value().is_string()) {
        const std::string text = p.begin().value().get<std::string>();
        if (p.begin().key() == "String") return Regex::literal(text);
        if (p.begin().key() == "Regex") return Regex(text);
      }
    } catch (const Error& e) {
      fail(e.what());
    }
    fail("field \"pattern\" must be {\"String\": ...} or {\"Regex\": ...}, got ", p.dump());
  }
  SplitBehavior behavior(const json& j, std::optional<SplitBehavior> fallback = std::nullopt) const {
    if (!j.contains("behavior") && fallback) return *fallback;
    const std::string b = str(j, "behavior");
    if (b == "Removed") return SplitBehavior::Removed;
    if (b == "Isolated") return SplitBehavior::Isolated;
    if (b == "MergedWithPrevious") return SplitBehavior::MergedWithPrevious;
    if (b == "MergedWithNext") return SplitBehavior::MergedWithNext;
    if (b == "Contiguous") return SplitBehavior::Contiguous;
    fail("unknown behavior \"", b, "\" (Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous)");
  }
  std::pair<std::string, int32_t> token_pair(const json& j, const char* name) const {
    const json& v = field(j, name);
    if (!v.is_array() || v.size() != 2 || !v[0].is_string() || !v[1].is_number_unsigned())
      fail("field \"", name, "\" must be [token, id], got ", v.dump());
    return {v[0].get<std::string>(), v[1].get<int32_t>()};
  }
};

}  // namespace

std::unique_ptr<Bpe> make_bpe(VocabEntries&& vocab, std::vector<std::pair<std::string, std::string>> merges,
                              BpeOptions options, const std::string& where) {
  TokenMap map = to_token_map(std::move(vocab), INT32_MAX, [&](const std::string& token, const json& id) {
    hfcpp::fail(where, ": vocabulary entry \"", token, "\" must have a non-negative id, got ", id.dump());
  });
  try {
    Vocab table(std::move(map));
    return std::make_unique<Bpe>(std::move(table), std::move(merges), std::move(options));
  } catch (const Error& e) {
    hfcpp::fail(where, ": ", e.what());
  }
}

std::unique_ptr<Model> parse_bpe_model(json& j, std::optional<VocabEntries>& vocab, const JsonPlace& place) {
  const Fields f{place};
  if (auto d = j.find("dropout"); d != j.end() && !d->is_null()) {
    if (!d->is_number() || d->get<double>() < 0.0 || d->get<double>() > 1.0)
      f.fail("dropout must be null or a number in [0, 1], got ", d->dump());
  }
  BpeOptions options;
  options.unk_token = f.optional_str(j, "unk_token");
  options.continuing_subword_prefix = f.optional_str(j, "continuing_subword_prefix");
  options.end_of_word_suffix = f.optional_str(j, "end_of_word_suffix");
  options.fuse_unk = f.boolean(j, "fuse_unk", false);
  options.byte_fallback = f.boolean(j, "byte_fallback", false);
  options.ignore_merges = f.boolean(j, "ignore_merges", false);
  if (!j.contains("vocab") || !j.contains("merges")) f.fail("missing vocab/merges");
  std::vector<std::pair<std::string, std::string>> merges;
  {
    // Taken out of the document (and freed with `list` below) so it is not held while the tables are built.
    const json list = std::move(j["merges"]);
    if (!list.is_array()) f.fail("field \"merges\" must be an array, got ", list.type_name());
    merges.reserve(list.size());
    for (size_t i = 0; i < list.size(); ++i) {
      const json& m = list[i];
      if (m.is_string()) {
        // Legacy "a b": exactly one space.
        const std::string& s = m.get_ref<const std::string&>();
        const size_t space = s.find(' ');
        if (space == std::string::npos || s.find(' ', space + 1) != std::string::npos)
          f.fail("merge #", i + 1, " \"", s, "\" is not two tokens separated by one space");
        merges.emplace_back(s.substr(0, space), s.substr(space + 1));
      } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
        merges.emplace_back(m[0].get<std::string>(), m[1].get<std::string>());
      } else {
        f.fail("merge #", i + 1, " must be \"a b\" or [\"a\", \"b\"], got ", m.dump());
      }
    }
  }
  const std::string where = "tokenizer.json '" + place.path + "': " + place.component;
  if (!j["vocab"].is_object()) hfcpp::fail(where, ": the vocabulary must be an object token -> id");
  return make_bpe(take_vocab(j["vocab"], vocab), std::move(merges), std::move(options), where);
}

std::unique_ptr<Normalizer> parse_bpe_normalizer(const json& j, const std::string& type, const JsonPlace& place) {
  const Fields f{place};
  if (type == "Replace") return std::make_unique<ReplaceNormalizer>(f.pattern(j), f.str(j, "content"));
  if (type == "Prepend") return std::make_unique<PrependNormalizer>(f.str(j, "prepend"));
  if (type == "NFC") return std::make_unique<NfcNormalizer>();
  if (type == "NFKC") return std::make_unique<NfkcNormalizer>();
  return nullptr;
}

std::unique_ptr<PreTokenizer> parse_bpe_pre_tokenizer(const json& j, const std::string& type, const JsonPlace& place) {
  const Fields f{place};
  if (type == "ByteLevel")
    return std::make_unique<ByteLevelPreTokenizer>(f.boolean(j, "add_prefix_space", true),
                                                   f.boolean(j, "use_regex", true));
  if (type == "Split") return std::make_unique<SplitPreTokenizer>(f.pattern(j), f.behavior(j), f.boolean(j, "invert"));
  if (type == "Digits") return std::make_unique<DigitsPreTokenizer>(f.boolean(j, "individual_digits", false));
  if (type == "Punctuation") return std::make_unique<PunctuationPreTokenizer>(f.behavior(j, SplitBehavior::Isolated));
  return nullptr;
}

std::unique_ptr<PostProcessor> parse_bpe_post_processor(const json& j, const std::string& type, const JsonPlace& place,
                                                        const ParseProcessorFn& parse_any) {
  const Fields f{place};
  if (type == "ByteLevel")
    return std::make_unique<ByteLevelProcessor>(f.boolean(j, "trim_offsets", true),
                                                f.boolean(j, "add_prefix_space", true));
  if (type == "RobertaProcessing")
    return std::make_unique<RobertaProcessing>(f.token_pair(j, "sep"), f.token_pair(j, "cls"),
                                               f.boolean(j, "trim_offsets", true),
                                               f.boolean(j, "add_prefix_space", true));
  if (type == "Sequence") {
    const json& list = f.array(j, "processors");
    std::vector<std::unique_ptr<PostProcessor>> items;
    for (size_t i = 0; i < list.size(); ++i)
      items.push_back(parse_any(list[i], place.component + "." + std::to_string(i)));
    return std::make_unique<SequenceProcessor>(std::move(items));
  }
  return nullptr;
}

std::unique_ptr<Decoder> parse_bpe_decoder(const json& j, const std::string& type, const JsonPlace& place,
                                           const ParseDecoderFn& parse_any) {
  const Fields f{place};
  if (type == "ByteLevel") return std::make_unique<ByteLevelDecoder>();
  if (type == "BPEDecoder") return std::make_unique<BpeDecoder>(j.contains("suffix") ? f.str(j, "suffix") : "</w>");
  if (type == "ByteFallback") return std::make_unique<ByteFallbackDecoder>();
  if (type == "Fuse") return std::make_unique<FuseDecoder>();
  if (type == "Strip") {
    const std::string content = f.str(j, "content");
    if (count_chars(content) != 1) f.fail("field \"content\" must be a single char, got \"", content, "\"");
    size_t len;
    return std::make_unique<StripDecoder>(decode_valid_utf8(content.data(), &len), f.count(j, "start"),
                                          f.count(j, "stop"));
  }
  if (type == "Replace") return std::make_unique<ReplaceDecoder>(f.pattern(j), f.str(j, "content"));
  if (type == "Sequence") {
    const json& list = f.array(j, "decoders");
    std::vector<std::unique_ptr<Decoder>> items;
    for (size_t i = 0; i < list.size(); ++i)
      items.push_back(parse_any(list[i], place.component + "." + std::to_string(i)));
    return std::make_unique<SequenceDecoder>(std::move(items));
  }
  return nullptr;
}

}  // namespace hfcpp::tok
