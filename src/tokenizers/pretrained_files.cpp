// The files around tokenizer.json in a model folder: tokenizer_config.json, special_tokens_map.json, and the legacy
// vocab.txt from which transformers builds the BERT pipeline when there is no tokenizer.json.
#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "hfcpp/core/error.h"
#include "tokenizers/bpe_files.h"
#include "tokenizers/config_tokens.h"
#include "tokenizers/tokenizer_impl.h"
#include "tokenizers/wordpiece.h"

namespace hfcpp::tok {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// The special token roles, in transformers' SPECIAL_TOKENS_ATTRIBUTES order.
constexpr const char* kRoles[] = {"bos", "eos", "unk", "sep", "pad", "cls", "mask"};
const std::map<std::string, std::string> kBertDefaults = {
    {"unk", "[UNK]"}, {"sep", "[SEP]"}, {"pad", "[PAD]"}, {"cls", "[CLS]"}, {"mask", "[MASK]"}};

std::optional<json> read_json(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return std::nullopt;
  const std::string text = read_text_file(path.string(), path.filename().string().c_str());
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    hfcpp::fail(path.filename().string(), " '", path.string(), "': invalid JSON: ", e.what());
  }
}

// The roles a config file names ("<role>_token").
void read_roles(const json& j, std::map<std::string, std::string, std::less<>>& roles) {
  if (!j.is_object()) return;
  for (const char* role : kRoles) {
    auto it = j.find(std::string(role) + "_token");
    if (it == j.end() || it->is_null() || roles.count(role)) continue;
    if (auto content = token_content(*it)) roles[role] = *content;
  }
}

const json* config_field(const std::optional<json>& j, const char* name) {
  if (!j || !j->is_object()) return nullptr;
  auto it = j->find(name);
  return it == j->end() || it->is_null() ? nullptr : &*it;
}

// transformers' BertTokenizer / DistilBertTokenizer rebuild the BertNormalizer from tokenizer_config.json's
// do_lower_case, strip_accents and tokenize_chinese_chars, even over tokenizer.json. We apply the keys present.
void apply_bert_flags(Tokenizer::Impl& impl, const std::optional<json>& config, const fs::path& config_path) {
  const auto* bert = dynamic_cast<const BertNormalizer*>(impl.normalizer.get());
  if (!bert || !config || !config->is_object()) return;
  const json* cls = config_field(config, "tokenizer_class");
  static const char* kBertClasses[] = {"BertTokenizer", "BertTokenizerFast", "DistilBertTokenizer",
                                       "DistilBertTokenizerFast"};
  if (cls && !std::any_of(std::begin(kBertClasses), std::end(kBertClasses),
                          [&](const char* c) { return cls->is_string() && cls->get<std::string>() == c; }))
    return;
  auto flag = [&](const char* name, bool current) {
    const json* v = config_field(config, name);
    if (!v) return current;
    if (!v->is_boolean())
      hfcpp::fail("tokenizer_config.json '", config_path.string(), "': ", name, " must be a boolean");
    return v->get<bool>();
  };
  std::optional<bool> strip = bert->strip_accents();
  if (auto it = config->find("strip_accents"); it != config->end())  // null: follows lowercase
    strip = it->is_null() ? std::nullopt : std::optional<bool>(flag("strip_accents", false));
  impl.normalizer = std::make_unique<BertNormalizer>(bert->clean_text(),
                                                     flag("tokenize_chinese_chars", bert->handle_chinese_chars()),
                                                     strip, flag("do_lower_case", bert->lowercase()));
}

// transformers' fast tokenizer __init__ over tokenizer.json: the added_tokens_decoder entries and the special token
// roles that tokenizer.json does not already hold as added tokens are added (t5-small's <sql_context>, id 32100).
// The legacy loaders added them already, so for them this adds nothing.
void add_config_tokens(Tokenizer::Impl& impl, const std::optional<json>& config) {
  std::vector<AddedToken> missing;
  auto known = [&](const std::string& content) {
    return impl.added.token_to_id(content).has_value() ||
           std::any_of(missing.begin(), missing.end(), [&](const AddedToken& t) { return t.content == content; });
  };
  if (config)
    for (auto& [id, token] : added_tokens_decoder(*config))
      if (!known(token.content)) missing.push_back(std::move(token));
  for (const char* role : kRoles) {
    auto it = impl.special_tokens.find(role);
    if (it != impl.special_tokens.end() && !known(it->second))
      missing.push_back(AddedToken{it->second, false, false, false, false, true});
  }
  if (!missing.empty()) impl.added.add_tokens(missing, *impl.model, impl.normalizer.get());
}

}  // namespace

std::optional<std::string> token_content(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object()) {
    auto it = v.find("content");
    if (it != v.end() && it->is_string()) return it->get<std::string>();
  }
  return std::nullopt;
}

std::vector<std::pair<long, AddedToken>> added_tokens_decoder(const json& config) {
  std::vector<std::pair<long, AddedToken>> entries;
  const auto decoder = config.is_object() ? config.find("added_tokens_decoder") : config.end();
  if (!config.is_object() || decoder == config.end() || !decoder->is_object()) return entries;
  for (auto it = decoder->begin(); it != decoder->end(); ++it) {
    const json& v = it.value();
    auto content = token_content(v);
    if (!content) continue;
    AddedToken t;
    t.content = *content;
    const bool object = v.is_object();
    t.special = object && v.value("special", false);
    t.single_word = object && v.value("single_word", false);
    t.lstrip = object && v.value("lstrip", false);
    t.rstrip = object && v.value("rstrip", false);
    t.normalized = object ? v.value("normalized", !t.special) : !t.special;
    entries.emplace_back(std::strtol(it.key().c_str(), nullptr, 10), std::move(t));
  }
  std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return entries;
}

void apply_tokenizer_config(Tokenizer::Impl& impl, const std::string& dir) {
  // An empty `dir` (Tokenizer::from_file) reads no file: only the default roles are filled in.
  const fs::path config_path = fs::path(dir) / "tokenizer_config.json";
  const std::optional<json> config = dir.empty() ? std::nullopt : read_json(config_path);
  const std::optional<json> special_map =
      dir.empty() ? std::nullopt : read_json(fs::path(dir) / "special_tokens_map.json");
  if (const json* v = config_field(config, "model_max_length")) {
    // transformers writes int(1e30) (VERY_LARGE_INTEGER) when the length is unknown.
    if (v->is_number_unsigned() && v->get<uint64_t>() < (uint64_t{1} << 62)) {
      impl.model_max_length = static_cast<size_t>(v->get<uint64_t>());
    } else if (!v->is_number()) {
      hfcpp::fail("tokenizer_config.json '", config_path.string(), "': model_max_length must be a number");
    }
  }
  if (const json* v = config_field(config, "padding_side")) {
    const std::string side = v->is_string() ? v->get<std::string>() : "";
    if (side != "left" && side != "right")
      hfcpp::fail("tokenizer_config.json '", config_path.string(), "': padding_side must be \"left\" or \"right\"");
    impl.padding_side = side == "left" ? Side::Left : Side::Right;
  }
  if (config) read_roles(*config, impl.special_tokens);
  apply_bert_flags(impl, config, config_path);
  if (special_map) read_roles(*special_map, impl.special_tokens);
  apply_byte_level_bpe_config(impl, config ? &*config : nullptr);
  // Without configuration, transformers' BertTokenizer defaults apply (when the vocabulary has them).
  if (dynamic_cast<const WordPiece*>(impl.model.get()))
    for (const auto& [role, content] : kBertDefaults)
      if (!impl.special_tokens.count(role) && impl.token_to_id(content)) impl.special_tokens[role] = content;
  if (!dir.empty()) add_config_tokens(impl, config);
}

std::shared_ptr<Tokenizer::Impl> load_legacy_wordpiece(const std::string& dir) {
  const fs::path vocab_path = fs::path(dir) / "vocab.txt";
  const std::string vocab_text = read_text_file(vocab_path.string(), "vocab.txt");
  Vocab vocab = Vocab::from_lines(vocab_text);
  if (vocab.size() == 0) hfcpp::fail("vocab.txt '", vocab_path.string(), "': the vocabulary is empty");

  const fs::path config_path = fs::path(dir) / "tokenizer_config.json";
  const std::optional<json> config = read_json(config_path);
  auto flag = [&](const char* name, bool fallback) {
    const json* v = config_field(config, name);
    if (!v) return fallback;
    if (!v->is_boolean()) hfcpp::fail("tokenizer_config.json '", config_path.string(), "': ", name, " must be a boolean");
    return v->get<bool>();
  };
  const bool lowercase = flag("do_lower_case", true);
  const bool chinese = flag("tokenize_chinese_chars", true);
  std::optional<bool> strip_accents;
  if (config_field(config, "strip_accents")) strip_accents = flag("strip_accents", false);

  std::map<std::string, std::string, std::less<>> roles;
  if (config) read_roles(*config, roles);
  if (auto special_map = read_json(fs::path(dir) / "special_tokens_map.json")) read_roles(*special_map, roles);
  for (const auto& [role, content] : kBertDefaults)
    if (!roles.count(role)) roles[role] = content;

  auto impl = std::make_shared<Tokenizer::Impl>();
  impl->source = dir;
  impl->model = std::make_unique<WordPiece>(std::move(vocab), roles["unk"], "##", 100);
  impl->normalizer = std::make_unique<BertNormalizer>(true, chinese, strip_accents, lowercase);
  impl->pre_tokenizer = std::make_unique<BertPreTokenizer>();
  impl->decoder = std::make_unique<WordPieceDecoder>("##", true);

  // Added tokens: tokenizer_config.json's added_tokens_decoder (in id order), then the special token roles.
  std::vector<AddedToken> added;
  if (config)
    for (auto& entry : added_tokens_decoder(*config)) added.push_back(std::move(entry.second));
  for (const char* role : kRoles) {
    auto it = roles.find(role);
    if (it == roles.end()) continue;
    bool present = false;
    for (const AddedToken& t : added) present = present || t.content == it->second;
    if (!present) added.push_back(AddedToken{it->second, false, false, false, false, true});
  }
  impl->added.add_tokens(added, *impl->model, impl->normalizer.get());

  const std::string cls = roles["cls"], sep = roles["sep"];
  const int32_t cls_id = impl->token_to_id(cls).value_or(2);
  const int32_t sep_id = impl->token_to_id(sep).value_or(3);
  std::map<std::string, TemplateProcessing::SpecialToken> special = {{cls, {{cls_id}, {cls}}}, {sep, {{sep_id}, {sep}}}};
  using Piece = TemplateProcessing::Piece;
  std::vector<Piece> single = {{false, 0, cls, 0}, {true, 0, "", 0}, {false, 0, sep, 0}};
  std::vector<Piece> pair = {{false, 0, cls, 0}, {true, 0, "", 0}, {false, 0, sep, 0}, {true, 1, "", 1}, {false, 0, sep, 1}};
  impl->post_processor = std::make_unique<TemplateProcessing>(std::move(single), std::move(pair), std::move(special));
  return impl;
}

}  // namespace hfcpp::tok
