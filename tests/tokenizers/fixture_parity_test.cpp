// Golden parity with the Hugging Face `tokenizers` / `transformers` libraries: the cases of
// tests/fixtures/tokenizers/*.json (written by tests/fixtures/make_tokenizer_fixtures.py) on real BERT tokenizers.
#include <gtest/gtest.h>

#include <cstdlib>

#include <nlohmann/json.hpp>

#include "hfcpp/core/error.h"
#include "hfcpp/tokenizers/tokenizer.h"
#include "tokenizer_test_util.h"

namespace hfcpp {
namespace {

using nlohmann::json;
using test::fixtures_dir;
using test::shared_tokenizers_dir;

json load_fixture(const std::string& name) { return json::parse(test::read_file(fixtures_dir() / name)); }

std::string from_hex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}


PaddingOptions padding_of(const json& j) {
  PaddingOptions p;
  if (j.is_null()) return p;
  const std::string s = j["strategy"];
  p.strategy = s == "longest" ? PaddingStrategy::Longest : s == "max_length" ? PaddingStrategy::MaxLength
                                                                            : PaddingStrategy::None;
  p.max_length = j["max_length"].get<size_t>();
  p.pad_to_multiple_of = j["pad_to_multiple_of"].get<size_t>();
  if (!j["side"].is_null()) p.side = j["side"] == "left" ? Side::Left : Side::Right;
  return p;
}

void expect_encoding(const Encoding& e, const json& x, const std::string& where) {
  SCOPED_TRACE(where);
  const size_t n = e.ids.size();
  EXPECT_EQ(e.tokens, x["tokens"].get<std::vector<std::string>>());
  EXPECT_EQ(e.ids, x["ids"].get<std::vector<int32_t>>());
  EXPECT_EQ(e.type_ids, x["type_ids"].get<std::vector<int32_t>>());
  std::vector<std::pair<size_t, size_t>> offsets;
  for (const json& o : x["offsets"]) offsets.emplace_back(o[0].get<size_t>(), o[1].get<size_t>());
  EXPECT_EQ(e.offsets, offsets);
  EXPECT_EQ(e.special_tokens_mask, x["special"].get<std::vector<int32_t>>());
  EXPECT_EQ(e.attention_mask, x["attention"].get<std::vector<int32_t>>());
  EXPECT_EQ(e.word_ids, x["words"].get<std::vector<int32_t>>());
  EXPECT_EQ(e.sequence_ids, x["seq"].get<std::vector<int32_t>>());
  EXPECT_TRUE(e.type_ids.size() == n && e.tokens.size() == n && e.offsets.size() == n && e.word_ids.size() == n &&
              e.sequence_ids.size() == n && e.attention_mask.size() == n && e.special_tokens_mask.size() == n);
  const json overflow = x.value("overflowing", json::array());
  ASSERT_EQ(e.overflowing.size(), overflow.size());
  for (size_t i = 0; i < overflow.size(); ++i)
    expect_encoding(e.overflowing[i], overflow[i], where + " / overflowing[" + std::to_string(i) + "]");
}

// Runs every case of a fixture on `tok`; returns the number of cases checked.
size_t run_cases(const Tokenizer& tok, const json& fixture) {
  size_t index = 0;
  for (const json& c : fixture["cases"]) {
    const std::string where = "case " + std::to_string(index++) + ": " + c.dump().substr(0, 160);
    SCOPED_TRACE(where);
    const std::string kind = c["kind"];
    if (kind == "encode") {
      EncodeOptions options;
      options.add_special_tokens = c["add_special_tokens"];
      options.truncation = test::truncation_of(c["truncation"]);
      const std::string text = c.contains("text_hex") ? from_hex(c["text_hex"]) : c["text"].get<std::string>();
      auto run = [&] {
        return c.contains("pair") ? tok.encode_pair(text, c["pair"].get<std::string>(), options)
                                  : tok.encode(text, options);
      };
      if (c.contains("error")) {
        EXPECT_THROW(run(), Error) << "HF error: " << c["error"];
        continue;
      }
      expect_encoding(run(), c["expected"], where);
    } else if (kind == "batch") {
      EncodeOptions options;
      options.truncation = test::truncation_of(c["truncation"]);
      options.padding = padding_of(c["padding"]);
      const auto texts = c["texts"].get<std::vector<std::string>>();
      std::vector<std::string> pairs;
      if (!c["pairs"].is_null()) pairs = c["pairs"].get<std::vector<std::string>>();
      const auto out = tok.encode_batch(texts, options, c["pairs"].is_null() ? nullptr : &pairs);
      if (out.size() != c["expected"].size()) {
        ADD_FAILURE() << "batch size " << out.size();
        continue;
      }
      for (size_t i = 0; i < out.size(); ++i) expect_encoding(out[i], c["expected"][i], where + " item " + std::to_string(i));
    } else if (kind == "decode") {
      EXPECT_EQ(tok.decode(c["ids"].get<std::vector<int32_t>>(), c["skip_special_tokens"], c["clean_up"]),
                c["expected"].get<std::string>());
    } else {
      ADD_FAILURE() << "unknown case kind " << kind;
    }
  }
  return index;
}

TEST(TokenizerParity, BertBaseUncased) {
  HFCPP_SKIP_WITHOUT_SHARED("bert-base-uncased");
  const Tokenizer tok = Tokenizer::from_pretrained((shared_tokenizers_dir() / "bert-base-uncased").string());
  EXPECT_EQ(tok.model_max_length(), Tokenizer::kUnknownMaxLength);
  EXPECT_EQ(tok.vocab_size(), 30522u);
  EXPECT_EQ(tok.pad_token_id(), 0);
  EXPECT_GT(run_cases(tok, load_fixture("bert-base-uncased.json")), 100u);
}

TEST(TokenizerParity, BertBaseUncasedFromFile) {
  HFCPP_SKIP_WITHOUT_SHARED("bert-base-uncased");
  const Tokenizer tok = Tokenizer::from_file((shared_tokenizers_dir() / "bert-base-uncased" / "tokenizer.json").string());
  run_cases(tok, load_fixture("bert-base-uncased.json"));
}

TEST(TokenizerParity, DistilBertSquad) {
  HFCPP_SKIP_WITHOUT_SHARED("distilbert-base-uncased-distilled-squad");
  const json fixture = load_fixture("distilbert-base-uncased-distilled-squad.json");
  const Tokenizer tok =
      Tokenizer::from_pretrained((shared_tokenizers_dir() / "distilbert-base-uncased-distilled-squad").string());
  EXPECT_EQ(tok.model_max_length(), fixture["model_max_length"].get<size_t>());
  EXPECT_EQ(tok.special_token("cls"), "[CLS]");
  EXPECT_EQ(tok.special_token_id("mask"), 103);
  EXPECT_EQ(tok.num_special_tokens_to_add(true), 3u);
  run_cases(tok, fixture);
}

TEST(TokenizerParity, LegacyVocabTxtFolder) {
  HFCPP_SKIP_WITHOUT_SHARED("bert-base-uncased");
  const json fixture = load_fixture("legacy-vocab-cased.json");
  test::TempDir dir("hfcpp-legacy-vocab");
  std::filesystem::copy_file(shared_tokenizers_dir() / "bert-base-uncased" / "vocab.txt", dir / "vocab.txt");
  test::write_file(dir / "tokenizer_config.json", fixture["tokenizer_config"].dump());
  const Tokenizer tok = Tokenizer::from_pretrained(dir.path().string());
  EXPECT_EQ(tok.model_max_length(), 64u);
  EXPECT_EQ(tok.padding_side(), Side::Left);
  EXPECT_EQ(tok.special_token("unk"), "[UNK]");
  run_cases(tok, fixture);
}

// The legacy folder and tokenizer.json of bert-base-uncased must behave the same.
TEST(TokenizerParity, LegacyUncasedMatchesTokenizerJson) {
  HFCPP_SKIP_WITHOUT_SHARED("bert-base-uncased");
  test::TempDir dir("hfcpp-legacy-uncased");
  std::filesystem::copy_file(shared_tokenizers_dir() / "bert-base-uncased" / "vocab.txt", dir / "vocab.txt");
  const Tokenizer legacy = Tokenizer::from_pretrained(dir.path().string());
  const Tokenizer json_tok = Tokenizer::from_pretrained((shared_tokenizers_dir() / "bert-base-uncased").string());
  const json fixture = load_fixture("bert-base-uncased.json");
  for (const json& c : fixture["cases"]) {
    if (c["kind"] != "encode" || !c.contains("text") || c.contains("error")) continue;
    const Encoding a = legacy.encode(c["text"].get<std::string>());
    const Encoding b = json_tok.encode(c["text"].get<std::string>());
    EXPECT_EQ(a.ids, b.ids) << c["text"];
    EXPECT_EQ(a.offsets, b.offsets) << c["text"];
  }
}

// Other normalizers / pre-tokenizers / post-processors / added-token flags, patched into bert-base-uncased's file.
TEST(TokenizerParity, OtherComponentsAndAddedTokenFlags) {
  HFCPP_SKIP_WITHOUT_SHARED("bert-base-uncased");
  const json base = json::parse(test::read_file(shared_tokenizers_dir() / "bert-base-uncased" / "tokenizer.json"));
  const json fixture = load_fixture("custom-components.json");
  for (const json& config : fixture["configs"]) {
    SCOPED_TRACE(config["name"].get<std::string>());
    json patched = base;
    for (const char* field : {"normalizer", "pre_tokenizer", "post_processor", "decoder"}) patched[field] = config[field];
    for (const json& t : config["added_tokens"]) patched["added_tokens"].push_back(t);
    test::TempDir dir("hfcpp-custom");
    test::write_file(dir / "tokenizer.json", patched.dump());
    const Tokenizer tok = Tokenizer::from_file((dir / "tokenizer.json").string());
    EXPECT_GT(run_cases(tok, config), 10u);
  }
}

// Extra cases in the fixture format (e.g. randomly generated ones), against bert-base-uncased or the tokenizer folder
// HFCPP_TOKENIZER_EXTRA_DIR names:
// HFCPP_TOKENIZER_EXTRA_FIXTURE=/path/cases.json tokenizers_tests --gtest_filter=*Extra*
TEST(TokenizerParity, ExtraFixtureFromEnvironment) {
  const char* path = std::getenv("HFCPP_TOKENIZER_EXTRA_FIXTURE");
  if (!path) GTEST_SKIP() << "HFCPP_TOKENIZER_EXTRA_FIXTURE not set";
  const char* dir = std::getenv("HFCPP_TOKENIZER_EXTRA_DIR");
  if (!dir) HFCPP_SKIP_WITHOUT_SHARED("bert-base-uncased");
  const Tokenizer tok =
      Tokenizer::from_pretrained(dir ? std::string(dir) : (shared_tokenizers_dir() / "bert-base-uncased").string());
  run_cases(tok, json::parse(test::read_file(path)));
}

}  // namespace
}  // namespace hfcpp
