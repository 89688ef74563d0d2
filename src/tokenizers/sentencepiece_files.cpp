// A model folder with a SentencePiece model and no tokenizer.json (spiece.model: T5, ALBERT;
// sentencepiece.bpe.model: XLM-R): the pipeline transformers' slow T5Tokenizer / AlbertTokenizer /
// XLMRobertaTokenizer build from it, with tokenizer_config.json / special_tokens_map.json / config.json.
#include <algorithm>
#include <filesystem>
#include <map>

#include <nlohmann/json.hpp>
#include <sentencepiece_processor.h>

#include "hfcpp/core/error.h"
#include "tokenizers/sentencepiece_files.h"
#include "tokenizers/config_tokens.h"
#include "tokenizers/sentencepiece_model.h"

namespace hfcpp::tok {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr const char* kRoles[] = {"bos", "eos", "unk", "sep", "pad", "cls", "mask"};

json read_json_or_null(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return json();
  const std::string text = read_text_file(path.string(), path.filename().string().c_str());
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    fail(path.filename().string(), " '", path.string(), "': invalid JSON: ", e.what());
  }
}

AddedToken added_token_from(const json& v, const std::string& content) {
  AddedToken t;
  t.content = content;
  t.special = v.is_object() ? v.value("special", true) : true;
  t.single_word = v.is_object() && v.value("single_word", false);
  t.lstrip = v.is_object() && v.value("lstrip", false);
  t.rstrip = v.is_object() && v.value("rstrip", false);
  t.normalized = v.is_object() ? v.value("normalized", !t.special) : false;
  return t;
}

SpmFlavor choose_flavor(const fs::path& model_path, const json& config, const json& model_config,
                        const sentencepiece::SentencePieceProcessor& sp) {
  std::string cls = config.is_object() ? config.value("tokenizer_class", std::string()) : std::string();
  if (cls.size() > 4 && cls.compare(cls.size() - 4, 4, "Fast") == 0) cls.resize(cls.size() - 4);
  if (cls == "T5Tokenizer") return SpmFlavor::T5;
  if (cls == "AlbertTokenizer") return SpmFlavor::Albert;
  if (cls == "XLMRobertaTokenizer") return SpmFlavor::XlmRoberta;
  if (!cls.empty())
    fail("tokenizer_config.json in '", model_path.parent_path().string(), "': tokenizer_class \"", cls,
         "\" is not supported with a SentencePiece model and no tokenizer.json (supported: T5Tokenizer, "
         "AlbertTokenizer, XLMRobertaTokenizer)");
  const std::string type = model_config.is_object() ? model_config.value("model_type", std::string()) : "";
  if (type == "t5") return SpmFlavor::T5;
  if (type == "albert") return SpmFlavor::Albert;
  if (type == "xlm-roberta") return SpmFlavor::XlmRoberta;
  if (model_path.filename() == "sentencepiece.bpe.model") return SpmFlavor::XlmRoberta;
  // spiece.model without configuration: ALBERT's vocabulary has [CLS] / [SEP] pieces, T5's has none.
  const bool albert = sp.PieceToId("[CLS]") != sp.unk_id() && sp.PieceToId("[SEP]") != sp.unk_id();
  return albert ? SpmFlavor::Albert : SpmFlavor::T5;
}

}  // namespace

std::optional<std::string> find_sentencepiece_file(const std::string& dir) {
  std::error_code ec;
  for (const char* name : {"spiece.model", "sentencepiece.bpe.model"})
    if (fs::is_regular_file(fs::path(dir) / name, ec)) return (fs::path(dir) / name).string();
  return std::nullopt;
}

std::shared_ptr<Tokenizer::Impl> load_legacy_sentencepiece(const std::string& dir, const std::string& model_path) {
  const fs::path config_path = fs::path(dir) / "tokenizer_config.json";
  const json config = read_json_or_null(config_path);
  const json special_map = read_json_or_null(fs::path(dir) / "special_tokens_map.json");
  const json model_config = read_json_or_null(fs::path(dir) / "config.json");
  auto sp = load_sentencepiece(model_path);
  const SpmFlavor flavor = choose_flavor(model_path, config, model_config, *sp);
  auto flag = [&](const char* name, bool fallback) {
    if (!config.is_object() || !config.contains(name) || config[name].is_null()) return fallback;
    if (!config[name].is_boolean()) fail("tokenizer_config.json '", config_path.string(), "': ", name, " must be a boolean");
    return config[name].get<bool>();
  };

  // Special token roles: the configuration, else the slow tokenizer's defaults.
  std::map<std::string, std::string> defaults;
  if (flavor == SpmFlavor::T5) defaults = {{"eos", "</s>"}, {"unk", "<unk>"}, {"pad", "<pad>"}};
  if (flavor == SpmFlavor::Albert)
    defaults = {{"bos", "[CLS]"}, {"eos", "[SEP]"}, {"unk", "<unk>"}, {"sep", "[SEP]"},
                {"pad", "<pad>"}, {"cls", "[CLS]"}, {"mask", "[MASK]"}};
  if (flavor == SpmFlavor::XlmRoberta)
    defaults = {{"bos", "<s>"}, {"eos", "</s>"}, {"unk", "<unk>"}, {"sep", "</s>"},
                {"pad", "<pad>"}, {"cls", "<s>"}, {"mask", "<mask>"}};
  std::map<std::string, std::string, std::less<>> roles;
  std::map<std::string, json> role_entries;  // role -> its entry (for AddedToken flags)
  for (const json* j : {&config, &special_map}) {
    if (!j->is_object()) continue;
    for (const char* role : kRoles) {
      auto it = j->find(std::string(role) + "_token");
      if (it == j->end() || it->is_null() || roles.count(role)) continue;
      if (auto content = token_content(*it)) {
        roles[role] = *content;
        role_entries[role] = *it;
      }
    }
  }
  for (const auto& [role, content] : defaults)
    if (!roles.count(role)) roles[role] = content;
  std::vector<std::string> additional;
  for (const json* j : {&config, &special_map})
    if (j->is_object() && additional.empty() && j->contains("additional_special_tokens") &&
        (*j)["additional_special_tokens"].is_array())
      for (const json& v : (*j)["additional_special_tokens"])
        if (auto content = token_content(v)) additional.push_back(*content);

  // Added tokens with known ids (the configuration's added_tokens_decoder over T5's default sentinels), in id
  // order, then the special tokens still missing.
  std::map<long, AddedToken> by_id;
  const int sp_size = sp->GetPieceSize();
  if (flavor == SpmFlavor::T5) {
    const int extra_ids = config.is_object() && config.contains("extra_ids") && config["extra_ids"].is_number_integer()
                              ? config["extra_ids"].get<int>()
                              : 100;
    HFCPP_CHECK(!(config.is_object() && config.contains("legacy") && config["legacy"] == false),
                "tokenizer_config.json '", config_path.string(),
                "': T5Tokenizer with legacy=false is not supported without tokenizer.json");
    bool has_extra = false;
    for (const std::string& a : additional) has_extra = has_extra || a.find("<extra_id_") != std::string::npos;
    for (int i = 0; i < extra_ids; ++i) {
      const std::string content = "<extra_id_" + std::to_string(i) + ">";
      by_id[sp_size - 1 + extra_ids - i] = AddedToken{content, false, true, true, false, true};
      if (!has_extra) additional.push_back(content);
    }
  }
  for (auto& [id, token] : added_tokens_decoder(config)) by_id[id] = std::move(token);
  std::vector<AddedToken> added;
  for (auto& [id, t] : by_id) added.push_back(t);
  auto present = [&](const std::string& content) {
    return std::any_of(added.begin(), added.end(), [&](const AddedToken& t) { return t.content == content; });
  };
  for (const char* role : kRoles) {
    auto it = roles.find(role);
    if (it == roles.end() || present(it->second)) continue;
    AddedToken t = role_entries.count(role) ? added_token_from(role_entries[role], it->second)
                                            : AddedToken{it->second, false, false, false, false, true};
    t.special = true;
    if (std::string(role) == "mask" && flavor != SpmFlavor::T5 && !role_entries.count(role)) t.lstrip = true;
    added.push_back(t);
  }
  for (const std::string& a : additional)
    if (!present(a)) added.push_back(AddedToken{a, false, false, false, false, true});

  auto impl = std::make_shared<Tokenizer::Impl>();
  impl->source = dir;
  impl->model = std::make_unique<SentencePieceModel>(sp, flavor);
  if (flavor == SpmFlavor::Albert)
    impl->normalizer = std::make_unique<AlbertPreprocessNormalizer>(
        flag("remove_space", true), flag("keep_accents", false), flag("do_lower_case", true));
  impl->added.add_tokens(added, *impl->model, impl->normalizer.get());
  impl->special_tokens = roles;

  // Decoding: every special token; "legacy added" = the non-special added tokens and the additional special tokens
  // outside the slow tokenizer's vocab_size.
  const size_t slow_vocab_size = impl->model->vocab_size() + (flavor == SpmFlavor::XlmRoberta ? 1 : 0);
  std::set<std::string> special, legacy;
  for (const auto& [role, content] : roles) special.insert(content);
  for (const std::string& a : additional) special.insert(a);
  for (const auto& [id, t] : impl->added.tokens()) {
    if (!t.special) legacy.insert(t.content);
    else if (static_cast<size_t>(id) >= slow_vocab_size &&
             std::find(additional.begin(), additional.end(), t.content) != additional.end())
      legacy.insert(t.content);
  }
  impl->decoder = std::make_unique<SentencePieceDecoder>(sp, flavor, special, legacy,
                                                         flag("add_prefix_space", true));

  auto id_of = [&](const std::string& role) {
    auto id = impl->token_to_id(roles[role]);
    HFCPP_CHECK(id.has_value(), "SentencePiece folder '", dir, "': the ", role, " token \"", roles[role],
                "\" has no id");
    return *id;
  };
  using Piece = TemplateProcessing::Piece;
  if (flavor == SpmFlavor::T5) {
    impl->post_processor = std::make_unique<T5EosProcessing>(roles["eos"], id_of("eos"));
  } else {
    const std::string cls = roles["cls"], sep = roles["sep"];
    std::map<std::string, TemplateProcessing::SpecialToken> tokens = {{cls, {{id_of("cls")}, {cls}}},
                                                                      {sep, {{id_of("sep")}, {sep}}}};
    std::vector<Piece> single = {{false, 0, cls, 0}, {true, 0, "", 0}, {false, 0, sep, 0}};
    std::vector<Piece> pair;
    if (flavor == SpmFlavor::Albert)
      pair = {{false, 0, cls, 0}, {true, 0, "", 0}, {false, 0, sep, 0}, {true, 1, "", 1}, {false, 0, sep, 1}};
    else
      pair = {{false, 0, cls, 0}, {true, 0, "", 0}, {false, 0, sep, 0},
              {false, 0, sep, 0}, {true, 1, "", 0}, {false, 0, sep, 0}};
    impl->post_processor = std::make_unique<TemplateProcessing>(std::move(single), std::move(pair), std::move(tokens));
  }
  return impl;
}

}  // namespace hfcpp::tok
