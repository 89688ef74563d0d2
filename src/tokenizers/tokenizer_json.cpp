// tokenizer.json parsing: one function per component family; every error names the file and the component.
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "hfcpp/core/error.h"
#include "tokenizers/bpe_json.h"
#include "tokenizers/json_vocab.h"
#include "tokenizers/tokenizer_impl.h"
#include "tokenizers/unigram_json.h"
#include "tokenizers/wordpiece.h"

namespace hfcpp::tok {

using nlohmann::json;

namespace {

// Where we are in the file, for messages: "tokenizer.json '<path>': <component>: ...".
struct Ctx {
  const std::string& path;
  std::string component;

  template <class... Args>
  [[noreturn]] void fail(Args&&... args) const {
    hfcpp::fail("tokenizer.json '", path, "': ", component, ": ", std::forward<Args>(args)...);
  }
  Ctx sub(const std::string& name) const { return Ctx{path, component + "." + name}; }

  const json& field(const json& j, const char* name) const {
    if (!j.is_object()) fail("expected an object, got ", j.type_name());
    auto it = j.find(name);
    if (it == j.end()) fail("missing field \"", name, "\"");
    return *it;
  }
  std::string str(const json& j, const char* name) const {
    const json& v = field(j, name);
    if (!v.is_string()) fail("field \"", name, "\" must be a string, got ", v.type_name());
    return v.get<std::string>();
  }
  bool boolean(const json& j, const char* name) const {
    const json& v = field(j, name);
    if (!v.is_boolean()) fail("field \"", name, "\" must be a boolean, got ", v.type_name());
    return v.get<bool>();
  }
  bool boolean_or(const json& j, const char* name, bool fallback) const {
    auto it = j.find(name);
    return it == j.end() || it->is_null() ? fallback : boolean(j, name);
  }
  int64_t integer(const json& j, const char* name) const {
    const json& v = field(j, name);
    if (!v.is_number_integer()) fail("field \"", name, "\" must be an integer, got ", v.type_name());
    return v.get<int64_t>();
  }
  std::string type(const json& j) const { return str(j, "type"); }
};

std::unique_ptr<Normalizer> parse_normalizer(const json& j, const Ctx& ctx) {
  const std::string type = ctx.type(j);
  if (type == "BertNormalizer" || type == "Bert") {
    const json& strip = ctx.field(j, "strip_accents");
    if (!strip.is_null() && !strip.is_boolean()) ctx.fail("field \"strip_accents\" must be a boolean or null");
    return std::make_unique<BertNormalizer>(ctx.boolean(j, "clean_text"), ctx.boolean(j, "handle_chinese_chars"),
                                            strip.is_null() ? std::nullopt : std::optional<bool>(strip.get<bool>()),
                                            ctx.boolean(j, "lowercase"));
  }
  if (type == "Lowercase") return std::make_unique<LowercaseNormalizer>();
  if (type == "NFD") return std::make_unique<NfdNormalizer>();
  if (type == "NFKD") return std::make_unique<NfkdNormalizer>();
  if (type == "StripAccents") return std::make_unique<StripAccentsNormalizer>();
  if (type == "Strip") return std::make_unique<StripNormalizer>(ctx.boolean(j, "strip_left"), ctx.boolean(j, "strip_right"));
  if (type == "Sequence") {
    const json& list = ctx.field(j, "normalizers");
    if (!list.is_array()) ctx.fail("field \"normalizers\" must be an array");
    std::vector<std::unique_ptr<Normalizer>> items;
    for (size_t i = 0; i < list.size(); ++i) items.push_back(parse_normalizer(list[i], ctx.sub(std::to_string(i))));
    return std::make_unique<SequenceNormalizer>(std::move(items));
  }
  if (auto n = parse_bpe_normalizer(j, type, JsonPlace{ctx.path, ctx.component})) return n;
  if (auto n = parse_unigram_normalizer(j, type, JsonPlace{ctx.path, ctx.component})) return n;
  ctx.fail("unknown or unsupported type \"", type,
           "\" (supported: BertNormalizer, Lowercase, NFD, NFKD, NFC, NFKC, StripAccents, Strip, Replace, Prepend, "
           "Precompiled, Sequence)");
}

std::unique_ptr<PreTokenizer> parse_pre_tokenizer(const json& j, const Ctx& ctx) {
  const std::string type = ctx.type(j);
  if (type == "BertPreTokenizer") return std::make_unique<BertPreTokenizer>();
  if (type == "Whitespace") return std::make_unique<WhitespacePreTokenizer>();
  if (type == "WhitespaceSplit") return std::make_unique<WhitespaceSplitPreTokenizer>();
  if (type == "Sequence") {
    const json& list = ctx.field(j, "pretokenizers");
    if (!list.is_array()) ctx.fail("field \"pretokenizers\" must be an array");
    std::vector<std::unique_ptr<PreTokenizer>> items;
    for (size_t i = 0; i < list.size(); ++i) items.push_back(parse_pre_tokenizer(list[i], ctx.sub(std::to_string(i))));
    return std::make_unique<SequencePreTokenizer>(std::move(items));
  }
  if (auto p = parse_bpe_pre_tokenizer(j, type, JsonPlace{ctx.path, ctx.component})) return p;
  if (auto p = parse_unigram_pre_tokenizer(j, type, JsonPlace{ctx.path, ctx.component})) return p;
  ctx.fail("unknown or unsupported type \"", type, "\" (supported: BertPreTokenizer, Whitespace, WhitespaceSplit, "
           "ByteLevel, Split, Digits, Punctuation, Metaspace, Sequence)");
}

// Non-const: a BPE model takes its vocab and merges out of `j` (parse_bpe_model).
std::unique_ptr<Model> parse_model(json& j, std::optional<VocabEntries>& vocab, const Ctx& ctx) {
  if (!j.is_object()) ctx.fail("expected an object, got ", j.type_name());
  // Files written before "type" existed are recognised by their fields, as the Rust library does.
  std::string type = j.contains("type") ? ctx.type(j)
                     : j.contains("merges")                  ? "BPE"
                     : j.contains("continuing_subword_prefix") ? "WordPiece"
                                                               : "";
  if (type == "BPE") return parse_bpe_model(j, vocab, JsonPlace{ctx.path, ctx.component});
  if (type == "WordPiece") {
    ctx.field(j, "vocab");  // present (else the error names it)
    json& vocab_json = j["vocab"];
    if (!vocab_json.is_object()) ctx.fail("field \"vocab\" must be an object token -> id");
    TokenMap map = to_token_map(take_vocab(vocab_json, vocab), INT32_MAX, [&](const std::string& token, const json&) {
      ctx.fail("vocab entry \"", token, "\" must have a non-negative id");
    });
    const int64_t max_chars = ctx.integer(j, "max_input_chars_per_word");
    if (max_chars < 0) ctx.fail("max_input_chars_per_word must not be negative");
    return std::make_unique<WordPiece>(Vocab(std::move(map)), ctx.str(j, "unk_token"),
                                       ctx.str(j, "continuing_subword_prefix"), static_cast<size_t>(max_chars));
  }
  if (auto m = parse_unigram_model(j, type, vocab, JsonPlace{ctx.path, ctx.component})) return m;
  if (type.empty()) ctx.fail("missing field \"type\"");
  ctx.fail("unknown or unsupported type \"", type, "\" (supported: WordPiece, BPE, Unigram, WordLevel)");
}

TemplateProcessing::Piece parse_piece(const json& j, const Ctx& ctx) {
  if (j.is_string()) {
    auto pieces = parse_template(j.get<std::string>());
    if (pieces.size() != 1) ctx.fail("bad template piece \"", j.get<std::string>(), "\"");
    return pieces[0];
  }
  if (j.contains("Sequence")) {
    const json& s = j["Sequence"];
    const std::string id = ctx.str(s, "id");
    if (id != "A" && id != "B") ctx.fail("Sequence id must be \"A\" or \"B\", got \"", id, "\"");
    return {true, id == "A" ? 0 : 1, "", static_cast<int32_t>(ctx.integer(s, "type_id"))};
  }
  if (j.contains("SpecialToken")) {
    const json& s = j["SpecialToken"];
    return {false, 0, ctx.str(s, "id"), static_cast<int32_t>(ctx.integer(s, "type_id"))};
  }
  ctx.fail("a template piece must be {\"Sequence\": ...} or {\"SpecialToken\": ...}");
}

std::vector<TemplateProcessing::Piece> parse_pieces(const json& j, const Ctx& ctx) {
  if (j.is_string()) return parse_template(j.get<std::string>());
  if (!j.is_array()) ctx.fail("a template must be a string or an array of pieces");
  std::vector<TemplateProcessing::Piece> pieces;
  for (const json& p : j) pieces.push_back(parse_piece(p, ctx));
  return pieces;
}

std::pair<std::string, int32_t> parse_token_pair(const json& j, const char* name, const Ctx& ctx) {
  const json& v = ctx.field(j, name);
  if (!v.is_array() || v.size() != 2 || !v[0].is_string() || !v[1].is_number_integer())
    ctx.fail("field \"", name, "\" must be [token, id]");
  return {v[0].get<std::string>(), v[1].get<int32_t>()};
}

std::unique_ptr<PostProcessor> parse_post_processor(const json& j, const Ctx& ctx) {
  const std::string type = ctx.type(j);
  if (type == "TemplateProcessing") {
    std::map<std::string, TemplateProcessing::SpecialToken> special;
    const json& tokens = ctx.field(j, "special_tokens");
    if (!tokens.is_object()) ctx.fail("field \"special_tokens\" must be an object");
    for (auto it = tokens.begin(); it != tokens.end(); ++it) {
      const Ctx tctx = ctx.sub("special_tokens." + it.key());
      const json& ids = tctx.field(it.value(), "ids");
      const json& toks = tctx.field(it.value(), "tokens");
      if (!ids.is_array() || !toks.is_array() || ids.size() != toks.size())
        tctx.fail("ids and tokens must be arrays of the same length");
      TemplateProcessing::SpecialToken st;
      for (size_t i = 0; i < ids.size(); ++i) {
        st.ids.push_back(ids[i].get<int32_t>());
        st.tokens.push_back(toks[i].get<std::string>());
      }
      special[it.key()] = std::move(st);  // the template refers to the map key, as in the Rust library
    }
    auto single = parse_pieces(ctx.field(j, "single"), ctx.sub("single"));
    auto pair = parse_pieces(ctx.field(j, "pair"), ctx.sub("pair"));
    try {
      return std::make_unique<TemplateProcessing>(std::move(single), std::move(pair), std::move(special));
    } catch (const Error& e) {
      ctx.fail(e.what());
    }
  }
  if (type == "BertProcessing")
    return std::make_unique<BertProcessing>(parse_token_pair(j, "sep", ctx), parse_token_pair(j, "cls", ctx));
  auto any = [&](const json& item, const std::string& name) { return parse_post_processor(item, Ctx{ctx.path, name}); };
  if (auto p = parse_bpe_post_processor(j, type, JsonPlace{ctx.path, ctx.component}, any)) return p;
  ctx.fail("unknown or unsupported type \"", type, "\" (supported: TemplateProcessing, BertProcessing, "
           "RobertaProcessing, ByteLevel, Sequence)");
}

std::unique_ptr<Decoder> parse_decoder(const json& j, const Ctx& ctx) {
  const std::string type = ctx.type(j);
  if (type == "WordPiece") return std::make_unique<WordPieceDecoder>(ctx.str(j, "prefix"), ctx.boolean(j, "cleanup"));
  auto any = [&](const json& item, const std::string& name) { return parse_decoder(item, Ctx{ctx.path, name}); };
  if (auto d = parse_bpe_decoder(j, type, JsonPlace{ctx.path, ctx.component}, any)) return d;
  if (auto d = parse_unigram_decoder(j, type, JsonPlace{ctx.path, ctx.component})) return d;
  ctx.fail("unknown or unsupported type \"", type, "\" (supported: WordPiece, ByteLevel, BPEDecoder, ByteFallback, "
           "Fuse, Strip, Replace, Metaspace, Sequence)");
}

AddedToken parse_added_token(const json& j, const Ctx& ctx) {
  AddedToken t;
  t.content = ctx.str(j, "content");
  t.special = ctx.boolean_or(j, "special", false);
  t.single_word = ctx.boolean_or(j, "single_word", false);
  t.lstrip = ctx.boolean_or(j, "lstrip", false);
  t.rstrip = ctx.boolean_or(j, "rstrip", false);
  t.normalized = ctx.boolean_or(j, "normalized", !t.special);
  return t;
}

}  // namespace

std::string read_text_file(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) hfcpp::fail(what, " '", path, "': cannot open the file");
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) hfcpp::fail(what, " '", path, "': read error");
  return buf.str();
}

std::shared_ptr<Tokenizer::Impl> load_tokenizer_json(const std::string& path) {
  json j;
  std::optional<VocabEntries> vocab;  // model.vocab when it is an object: a list, not a DOM object (json_vocab.h)
  {
    const std::string text = read_text_file(path, "tokenizer.json");  // freed once parsed (loading's peak memory)
    try {
      j = parse_json_with_vocab(text, {"model", "vocab"}, vocab);
    } catch (const json::exception& e) {
      hfcpp::fail("tokenizer.json '", path, "': invalid JSON: ", e.what());
    }
  }
  const Ctx root{path, "tokenizer"};
  if (!j.is_object()) root.fail("the top level must be an object");
  if (auto v = j.find("version"); v != j.end() && !(v->is_string() && v->get<std::string>() == "1.0"))
    root.fail("unknown tokenizer version ", v->dump());

  auto impl = std::make_shared<Tokenizer::Impl>();
  impl->source = path;
  try {
    auto it = j.find("model");
    if (it == j.end() || it->is_null()) Ctx{path, "model"}.fail("missing (every tokenizer.json needs a model)");
    impl->model = parse_model(*it, vocab, Ctx{path, "model"});
    if (auto n = j.find("normalizer"); n != j.end() && !n->is_null())
      impl->normalizer = parse_normalizer(*n, Ctx{path, "normalizer"});
    if (auto p = j.find("pre_tokenizer"); p != j.end() && !p->is_null())
      impl->pre_tokenizer = parse_pre_tokenizer(*p, Ctx{path, "pre_tokenizer"});
    if (auto p = j.find("post_processor"); p != j.end() && !p->is_null())
      impl->post_processor = parse_post_processor(*p, Ctx{path, "post_processor"});
    if (auto d = j.find("decoder"); d != j.end() && !d->is_null())
      impl->decoder = parse_decoder(*d, Ctx{path, "decoder"});
    // Added tokens are re-added in file order; their ids come from the vocabularies, as the Rust loader does.
    if (auto a = j.find("added_tokens"); a != j.end() && !a->is_null()) {
      const Ctx actx{path, "added_tokens"};
      if (!a->is_array()) actx.fail("must be an array");
      std::vector<AddedToken> tokens;
      for (size_t i = 0; i < a->size(); ++i) tokens.push_back(parse_added_token((*a)[i], actx.sub(std::to_string(i))));
      impl->added.add_tokens(tokens, *impl->model, impl->normalizer.get());
    }
  } catch (const json::exception& e) {
    hfcpp::fail("tokenizer.json '", path, "': ", e.what());
  }
  return impl;
}

}  // namespace hfcpp::tok
