// Golden parity of the Unigram / SentencePiece tokenizers with the Hugging Face `tokenizers` library (tokenizer.json
// files) and with transformers' slow tokenizers (legacy spiece.model / sentencepiece.bpe.model folders); fixtures in
// tests/fixtures/tokenizers/unigram, written by tests/fixtures/make_unigram_fixtures.py.
#include <cstring>
#include <iostream>

#include "tokenizers/unicode.h"
#include "unigram_test_util.h"

namespace hfcpp {
namespace {

using test::json;

// The fixture's patch of a trained tokenizer.json (see make_unigram_models.py: "_byte_fallback" appends the 256
// <0xXX> pieces with that score).
json apply_patch(json data, const json& patch) {
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    if (it.key() == "_byte_fallback") {
      char name[8];
      for (int b = 0; b < 256; ++b) {
        std::snprintf(name, sizeof(name), "<0x%02X>", b);
        data["model"]["vocab"].push_back(json::array({name, it.value()}));
      }
      data["model"]["byte_fallback"] = true;
    } else {
      data[it.key()] = it.value();
    }
  }
  return data;
}

TEST(UnigramParity, T5TokenizerJson) {
  HFCPP_SKIP_WITHOUT_SHARED("t5-small");
  const Tokenizer tok = Tokenizer::from_pretrained((test::shared_tokenizers_dir() / "t5-small").string());
  EXPECT_EQ(tok.model_max_length(), 512u);
  EXPECT_EQ(tok.vocab_size(), 32101u);  // + tokenizer_config.json's <sql_context>, as transformers adds it
  EXPECT_EQ(tok.pad_token_id(), 0);
  EXPECT_EQ(tok.special_token_id("eos"), 1);
  EXPECT_EQ(tok.num_special_tokens_to_add(false), 1u);
  // transformers 5.23: tok("a <sql_context> b").input_ids
  EXPECT_EQ(tok.encode("a <sql_context> b").ids, (std::vector<int32_t>{3, 9, 32100, 3, 115, 1}));
  EXPECT_GT(test::run_compact_cases(tok, test::load_unigram_fixture("t5-small.json")["cases"]), 60u);
}

TEST(UnigramParity, TrainedTokenizersAndComponentVariants) {
  const json fixture = test::load_unigram_fixture("trained.json");
  size_t configs = 0;
  for (const json& config : fixture["configs"]) {
    SCOPED_TRACE(config["name"].get<std::string>());
    const json base = json::parse(test::read_file(test::unigram_dir() / config["file"].get<std::string>()));
    test::TempDir dir("hfcpp-unigram");
    test::write_file(dir / "tokenizer.json", apply_patch(base, config["patch"]).dump());
    const Tokenizer tok = Tokenizer::from_file((dir / "tokenizer.json").string());
    EXPECT_GT(test::run_compact_cases(tok, config["cases"]), 5u);
    ++configs;
  }
  EXPECT_EQ(configs, 10u);
}

// The tokenizer.json transformers converts from an XLM-R-style sentencepiece.bpe.model: fairseq ids, a small
// Precompiled charsmap, <s> $A </s> </s> $B </s>.
TEST(UnigramParity, XlmRobertaStyleTokenizerJson) {
  const Tokenizer tok = Tokenizer::from_file((test::unigram_dir() / "xlmr-tiny-fast.json").string());
  EXPECT_EQ(tok.num_special_tokens_to_add(true), 4u);
  EXPECT_GT(test::run_compact_cases(tok, test::load_unigram_fixture("xlmr-tiny-legacy.json")["fast_cases"]), 15u);
}

// ---- legacy SentencePiece folders vs transformers' slow tokenizers ------------------------------------------------

// [begin, end) without the chars SentencePiece normalization turns into "▁" or drops at its ends: whitespace,
// controls, the common format chars, U+FFFD (or an ill-formed byte sequence) and "▁" itself.
std::pair<size_t, size_t> trim_span(const std::string& text, std::pair<size_t, size_t> span) {
  auto away = [](char32_t c) {
    return tok::is_whitespace(c) || c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0xAD || (c >= 0x200B && c <= 0x200F) ||
           (c >= 0x202A && c <= 0x202E) || (c >= 0x2060 && c <= 0x206F) || c == 0xFEFF || c == 0xFFFD || c == 0x2581;
  };
  std::vector<tok::DecodedChar> chars;
  tok::for_each_utf8_char(std::string_view(text).substr(span.first, span.second - span.first),
                          [&](const tok::DecodedChar& d) { chars.push_back(d); });
  size_t b = 0, e = chars.size();
  while (b < e && away(chars[b].cp)) ++b;
  while (e > b && away(chars[e - 1].cp)) --e;
  if (b == e) return {span.first, span.first};
  return {span.first + chars[b].begin, span.first + chars[e - 1].end};
}

// Compares ids / tokens / type ids and decode with the slow tokenizer; offsets with the fast tokenizer converted from
// the same file where it produced the same tokens. Returns the number of cases where fast and slow differ.
struct OffsetStats {
  size_t compared = 0;
  std::vector<std::string> differing;
};

size_t run_legacy(const Tokenizer& tok, const json& fixture, OffsetStats& stats) {
  size_t index = 0, fast_differs = 0;
  for (const json& c : fixture["cases"]) {
    const std::string where = "case " + std::to_string(index++) + ": " + c.dump().substr(0, 140);
    SCOPED_TRACE(where);
    const std::string text = test::case_text(c);
    const bool pair = c.contains("pair");
    const Encoding e = pair ? tok.encode_pair(text, c["pair"].get<std::string>()) : tok.encode(text);
    const json& slow = c["slow"];
    EXPECT_EQ(e.ids, slow["ids"].get<std::vector<int32_t>>());
    // The slow tokenizer's tokens are convert_ids_to_tokens(ids): "<unk>" for unknown text, the content of an added
    // token; ours keep the text, as tokenize() and the `tokenizers` library do.
    std::vector<std::string> tokens;
    for (size_t i = 0; i < e.ids.size(); ++i) {
      tokens.push_back(tok.id_to_token(e.ids[i]).value_or("?"));
      const bool piece = !tok.is_special_id(e.ids[i]) && std::optional<int32_t>(e.ids[i]) != tok.special_token_id("unk");
      if (piece) EXPECT_EQ(e.tokens[i], tokens.back()) << "token " << i;
    }
    EXPECT_EQ(tokens, slow["tokens"].get<std::vector<std::string>>());
    if (pair && !slow["type_ids"].is_null()) EXPECT_EQ(e.type_ids, slow["type_ids"].get<std::vector<int32_t>>());
    if (c["fast"].contains("ids")) {
      ++fast_differs;
      continue;
    }
    // Offsets: as the fast tokenizer converted from the same file, up to the chars normalization turns into "▁" or
    // drops (whitespace, controls, format chars, U+FFFD, "▁") at the ends of a span; lone "▁" tokens are skipped.
    const auto fast_offsets = test::pairs_of(c["fast"]["offsets"]);
    if (e.offsets.size() != fast_offsets.size()) {
      ADD_FAILURE() << "offsets: " << e.offsets.size() << " vs " << fast_offsets.size();
      continue;
    }
    const std::string& source = pair ? c["pair"].get_ref<const std::string&>() : text;
    for (size_t i = 0; i < fast_offsets.size(); ++i) {
      if (e.tokens[i] == "\xE2\x96\x81" || e.special_tokens_mask[i]) continue;
      const std::string& t = e.sequence_ids[i] == 1 ? source : text;
      ++stats.compared;
      if (trim_span(t, e.offsets[i]) == trim_span(t, fast_offsets[i])) continue;
      stats.differing.push_back(where.substr(0, 40) + " token " + e.tokens[i] + " (" +
                                std::to_string(e.offsets[i].first) + ", " + std::to_string(e.offsets[i].second) +
                                ") vs fast (" + std::to_string(fast_offsets[i].first) + ", " +
                                std::to_string(fast_offsets[i].second) + ")");
    }
  }
  for (const json& d : fixture["decode"])
    EXPECT_EQ(tok.decode(d["ids"].get<std::vector<int32_t>>(), d["skip_special_tokens"], d["clean_up"]),
              d["slow"].get<std::string>())
        << d.dump();
  return fast_differs;
}

// Offsets come from SentencePiece's surfaces, not from the fast tokenizer's alignment: they may differ for chars
// whose normalization expands or merges (listed when they do); at most 2% of the tokens.
void expect_offsets_close(const OffsetStats& stats) {
  EXPECT_GT(stats.compared, 100u);
  std::string list;
  for (const std::string& d : stats.differing) list += "\n  " + d;
  EXPECT_LE(stats.differing.size() * 50, stats.compared) << stats.differing.size() << " of " << stats.compared
                                                         << " token offsets differ from the fast tokenizer's:" << list;
  if (!stats.differing.empty()) std::cout << stats.differing.size() << " of " << stats.compared << " offsets differ:" << list << "\n";
}

Tokenizer legacy_folder(const test::TempDir& dir, const std::filesystem::path& model, const std::string& name,
                        const json& config = json()) {
  std::filesystem::copy_file(model, dir / name);
  if (!config.is_null()) test::write_file(dir / "tokenizer_config.json", config.dump());
  return Tokenizer::from_pretrained(dir.path().string());
}

TEST(SentencePieceLegacy, T5SpieceModel) {
  HFCPP_SKIP_WITHOUT_SHARED("t5-small");
  const auto t5 = test::shared_tokenizers_dir() / "t5-small";
  test::TempDir dir("hfcpp-t5-legacy");
  const json config = json::parse(test::read_file(t5 / "tokenizer_config.json"));
  const Tokenizer tok = legacy_folder(dir, t5 / "spiece.model", "spiece.model", config);
  const json fixture = test::load_unigram_fixture("t5-small-legacy.json");
  EXPECT_EQ(tok.model_max_length(), fixture["model_max_length"].get<size_t>());
  EXPECT_EQ(tok.vocab_size(), fixture["vocab_size"].get<size_t>());
  // Known slow/fast difference: T5Tokenizer adds no </s> after a text already ending with it (fixture cases whose
  // fast ids differ).
  OffsetStats stats;
  EXPECT_GE(run_legacy(tok, fixture, stats), 1u);
  expect_offsets_close(stats);
}

TEST(SentencePieceLegacy, AlbertSpieceModelDefaults) {
  HFCPP_SKIP_WITHOUT_SHARED("albert-base-v2");
  test::TempDir dir("hfcpp-albert-legacy");
  const Tokenizer tok =
      legacy_folder(dir, test::shared_tokenizers_dir() / "albert-base-v2" / "spiece.model", "spiece.model");
  const json fixture = test::load_unigram_fixture("albert-base-v2-legacy.json");
  EXPECT_EQ(tok.vocab_size(), fixture["vocab_size"].get<size_t>());
  EXPECT_EQ(tok.special_token("cls"), "[CLS]");
  EXPECT_EQ(tok.special_token_id("mask"), 4);
  // Known slow/fast differences: AlbertTokenizer splits "<digit>," pieces and lowercases with Python's final sigma.
  OffsetStats stats;
  EXPECT_GE(run_legacy(tok, fixture, stats), 1u);
  expect_offsets_close(stats);
}

TEST(SentencePieceLegacy, AlbertSpieceModelWithConfig) {
  HFCPP_SKIP_WITHOUT_SHARED("albert-base-v2");
  const json fixture = test::load_unigram_fixture("albert-base-v2-legacy-config.json");
  test::TempDir dir("hfcpp-albert-config");
  const Tokenizer tok = legacy_folder(dir, test::shared_tokenizers_dir() / "albert-base-v2" / "spiece.model",
                                      "spiece.model", fixture["tokenizer_config"]);
  EXPECT_EQ(tok.model_max_length(), 512u);
  OffsetStats stats;
  run_legacy(tok, fixture, stats);
  expect_offsets_close(stats);
}

TEST(SentencePieceLegacy, XlmRobertaSentencepieceBpeModel) {
  const json fixture = test::load_unigram_fixture("xlmr-tiny-legacy.json");
  const Tokenizer tok = Tokenizer::from_pretrained((test::unigram_dir() / "xlmr-tiny").string());
  EXPECT_EQ(tok.vocab_size(), fixture["vocab_size"].get<size_t>());
  EXPECT_EQ(tok.special_token_id("bos"), 0);
  EXPECT_EQ(tok.special_token_id("pad"), 1);
  EXPECT_EQ(tok.special_token_id("eos"), 2);
  EXPECT_EQ(tok.special_token_id("unk"), 3);
  EXPECT_EQ(tok.special_token_id("mask"), static_cast<int32_t>(fixture["vocab_size"].get<size_t>()) - 1);
  OffsetStats stats;
  run_legacy(tok, fixture, stats);
  expect_offsets_close(stats);
}

}  // namespace
}  // namespace hfcpp
