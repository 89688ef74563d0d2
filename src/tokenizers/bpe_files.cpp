#include "tokenizers/bpe_files.h"
#include "tokenizers/config_tokens.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "hfcpp/core/error.h"
#include "tokenizers/bpe_json.h"
#include "tokenizers/byte_level.h"
#include "tokenizers/roberta_processing.h"

namespace hfcpp::tok {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

enum class Family { Unknown, Gpt2, Roberta };

// The special token roles, in transformers' SPECIAL_TOKENS_ATTRIBUTES order.
constexpr const char* kRoles[] = {"bos", "eos", "unk", "sep", "pad", "cls", "mask"};

json read_json_or_null(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return json();
  const std::string text = read_text_file(path.string(), path.filename().string().c_str());
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    hfcpp::fail(path.filename().string(), " '", path.string(), "': invalid JSON: ", e.what());
  }
}

std::string string_field(const json* j, const char* name) {
  if (!j || !j->is_object()) return "";
  auto it = j->find(name);
  return it != j->end() && it->is_string() ? it->get<std::string>() : "";
}

bool bool_field(const json* j, const char* name, bool fallback) {
  if (!j || !j->is_object()) return fallback;
  auto it = j->find(name);
  return it != j->end() && it->is_boolean() ? it->get<bool>() : fallback;
}

Family family_of_class(std::string cls) {
  if (cls.size() > 4 && cls.compare(cls.size() - 4, 4, "Fast") == 0) cls.resize(cls.size() - 4);
  if (cls == "GPT2Tokenizer") return Family::Gpt2;
  if (cls == "RobertaTokenizer" || cls == "BartTokenizer") return Family::Roberta;
  return Family::Unknown;
}

Family family_of_model_type(const std::string& type) {
  static const char* kGpt2[] = {"gpt2", "gpt_neo", "gptj", "opt", "codegen", "phi", "starcoder2", "dbrx", "blip-2"};
  static const char* kRoberta[] = {"roberta", "bart",        "longformer", "data2vec-text", "roberta-prelayernorm",
                                   "ibert",   "bridgetower", "clap",       "lilt",          "mega",
                                   "mra",     "florence2"};
  for (const char* t : kGpt2)
    if (type == t) return Family::Gpt2;
  for (const char* t : kRoberta)
    if (type == t) return Family::Roberta;
  return Family::Unknown;
}

// Class defaults of the special tokens (GPT2Tokenizer / RobertaTokenizer __init__ arguments).
std::map<std::string, std::string> default_roles(Family family) {
  if (family == Family::Roberta)
    return {{"bos", "<s>"},   {"eos", "</s>"},  {"sep", "</s>"},   {"cls", "<s>"},
            {"unk", "<unk>"}, {"pad", "<pad>"}, {"mask", "<mask>"}};
  return {{"bos", "<|endoftext|>"}, {"eos", "<|endoftext|>"}, {"unk", "<|endoftext|>"}};
}

// A role's value: "<s>", {"content": "<s>", "lstrip": ...} (an AddedToken), or null (no such token).
std::optional<AddedToken> role_token(const json& v) {
  AddedToken t;
  t.special = true;
  t.normalized = false;
  if (v.is_string()) {
    t.content = v.get<std::string>();
    return t;
  }
  if (!v.is_object() || !v.contains("content") || !v["content"].is_string()) return std::nullopt;
  t.content = v["content"].get<std::string>();
  t.single_word = v.value("single_word", false);
  t.lstrip = v.value("lstrip", false);
  t.rstrip = v.value("rstrip", false);
  t.normalized = v.value("normalized", false);
  return t;
}

std::vector<std::pair<std::string, std::string>> read_merges(const fs::path& path) {
  const std::string text = read_text_file(path.string(), "merges.txt");
  std::vector<std::pair<std::string, std::string>> merges;
  size_t rank = 0;
  for (size_t pos = 0; pos < text.size();) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    std::string_view line(text.data() + pos, eol - pos);
    pos = eol + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.rfind("#version", 0) == 0) continue;
    ++rank;
    const size_t space = line.find(' ');
    if (space == std::string_view::npos || line.find(' ', space + 1) != std::string_view::npos)
      hfcpp::fail("merges.txt '", path.string(), "': merge #", rank, " (line \"", line,
                  "\") is not two tokens separated by one space");
    merges.emplace_back(std::string(line.substr(0, space)), std::string(line.substr(space + 1)));
  }
  return merges;
}

std::unique_ptr<PostProcessor> gpt2_template(const Tokenizer::Impl& impl, const json* config) {
  const bool bos = bool_field(config, "add_bos_token", false) && impl.special_tokens.count("bos");
  const bool eos = bool_field(config, "add_eos_token", false) && impl.special_tokens.count("eos");
  using Piece = TemplateProcessing::Piece;
  std::map<std::string, TemplateProcessing::SpecialToken> special;
  std::vector<Piece> single, pair;
  for (int seq = 0; seq < 2; ++seq) {
    std::vector<Piece>& pieces = pair;
    if (bos) pieces.push_back({false, 0, impl.special_tokens.at("bos"), seq});
    pieces.push_back({true, seq, "", seq});
    if (eos) pieces.push_back({false, 0, impl.special_tokens.at("eos"), seq});
    if (seq == 0) single = pieces;
  }
  for (const char* role : {"bos", "eos"}) {
    if ((role[0] == 'b' ? !bos : !eos)) continue;
    const std::string& content = impl.special_tokens.at(role);
    auto id = impl.token_to_id(content);
    if (!id) hfcpp::fail("Tokenizer '", impl.source, "': the ", role, " token \"", content, "\" has no id");
    special[content] = {{*id}, {content}};
  }
  return std::make_unique<TemplateProcessing>(std::move(single), std::move(pair), std::move(special));
}

std::unique_ptr<PostProcessor> roberta_processing(const Tokenizer::Impl& impl, const json* config) {
  auto role = [&](const char* name, const char* fallback) {
    auto it = impl.special_tokens.find(name);
    const std::string content = it != impl.special_tokens.end() ? it->second : fallback;
    auto id = impl.token_to_id(content);
    if (!id) hfcpp::fail("Tokenizer '", impl.source, "': the ", name, " token \"", content, "\" has no id");
    return std::pair<std::string, int32_t>{content, *id};
  };
  return std::make_unique<RobertaProcessing>(role("sep", "</s>"), role("cls", "<s>"),
                                             bool_field(config, "trim_offsets", true),
                                             bool_field(config, "add_prefix_space", false));
}

// The components GPT2Tokenizer / RobertaTokenizer set around the BPE model.
void build_pipeline(Tokenizer::Impl& impl, Family family, const json* config, bool keep_post_processor) {
  impl.normalizer.reset();
  impl.pre_tokenizer = std::make_unique<ByteLevelPreTokenizer>(bool_field(config, "add_prefix_space", false), true);
  impl.decoder = std::make_unique<ByteLevelDecoder>();
  if (family == Family::Roberta) {
    impl.post_processor = roberta_processing(impl, config);
  } else {
    const bool explicit_bos_eos =
        config && config->is_object() && (config->contains("add_bos_token") || config->contains("add_eos_token"));
    if (!keep_post_processor || !impl.post_processor || explicit_bos_eos)
      impl.post_processor = gpt2_template(impl, config);
  }
}

}  // namespace

bool has_legacy_bpe_files(const std::string& dir) {
  std::error_code ec;
  return fs::is_regular_file(fs::path(dir) / "vocab.json", ec) && fs::is_regular_file(fs::path(dir) / "merges.txt", ec);
}

std::shared_ptr<Tokenizer::Impl> load_legacy_bpe(const std::string& dir) {
  const fs::path vocab_path = fs::path(dir) / "vocab.json";
  const json config = read_json_or_null(fs::path(dir) / "tokenizer_config.json");
  const json special_map = read_json_or_null(fs::path(dir) / "special_tokens_map.json");
  const json model_config = read_json_or_null(fs::path(dir) / "config.json");
  json vocab;
  std::optional<VocabEntries> entries;  // the top-level object, as a list (json_vocab.h)
  try {
    vocab = parse_json_with_vocab(read_text_file(vocab_path.string(), "vocab.json"), {}, entries);
  } catch (const json::exception& e) {
    hfcpp::fail("vocab.json '", vocab_path.string(), "': invalid JSON: ", e.what());
  }
  const std::string where = "vocab.json '" + vocab_path.string() + "' / merges.txt";
  if (!vocab.is_object()) hfcpp::fail(where, ": the vocabulary must be an object token -> id");
  auto impl = std::make_shared<Tokenizer::Impl>();
  impl->source = dir;
  impl->model = make_bpe(take_vocab(vocab, entries), read_merges(fs::path(dir) / "merges.txt"),
                         BpeOptions{std::nullopt, "", "", false, false, false}, where);
  const auto in_vocab = [&](std::string_view token) { return impl->model->token_to_id(token).has_value(); };

  Family family = family_of_class(string_field(&config, "tokenizer_class"));
  if (family == Family::Unknown) family = family_of_model_type(string_field(&model_config, "model_type"));
  if (family == Family::Unknown)
    family =
        in_vocab("<s>") && in_vocab("</s>") && in_vocab("<mask>") ? Family::Roberta : Family::Gpt2;

  // Special tokens: tokenizer_config.json, then special_tokens_map.json, then the class defaults; a role set to
  // null has no token.
  std::map<std::string, AddedToken> roles;
  std::set<std::string> nulled;
  for (const json* source : {&config, &special_map}) {
    if (!source->is_object()) continue;
    for (const char* role : kRoles) {
      auto it = source->find(std::string(role) + "_token");
      if (it == source->end() || roles.count(role) || nulled.count(role)) continue;
      if (it->is_null())
        nulled.insert(role);
      else if (auto t = role_token(*it))
        roles[role] = *t;
    }
  }
  for (const auto& [role, content] : default_roles(family))
    if (!roles.count(role) && !nulled.count(role)) roles[role] = AddedToken{content, false, false, false, false, true};
  for (const auto& [role, token] : roles) impl->special_tokens[role] = token.content;

  // Added tokens: added_tokens_decoder (in id order), then the special tokens not among them.
  std::vector<AddedToken> added;
  for (auto& entry : added_tokens_decoder(config)) added.push_back(std::move(entry.second));
  for (const char* role : kRoles) {
    auto it = roles.find(role);
    if (it == roles.end()) continue;
    const bool present =
        std::any_of(added.begin(), added.end(), [&](const AddedToken& t) { return t.content == it->second.content; });
    if (!present) added.push_back(it->second);
  }
  impl->added.add_tokens(added, *impl->model, nullptr);
  build_pipeline(*impl, family, config.is_object() ? &config : nullptr, false);
  return impl;
}

void apply_byte_level_bpe_config(Tokenizer::Impl& impl, const json* config) {
  const Family family = family_of_class(string_field(config, "tokenizer_class"));
  if (family == Family::Unknown || !dynamic_cast<const Bpe*>(impl.model.get())) return;
  build_pipeline(impl, family, config, true);
}

}  // namespace hfcpp::tok
