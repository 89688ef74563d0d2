// parse_json_with_vocab: the DOM it builds plus the vocabulary it captures as a list are exactly what json::parse
// gives (committed tokenizer.json files and edge cases: duplicate keys, a vocab that is not an object, nested
// values, the root as the vocabulary), and malformed JSON throws as json::parse does.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "hfcpp/core/error.h"
#include "tokenizer_test_util.h"
#include "tokenizers/json_vocab.h"

namespace hfcpp {
namespace {

using nlohmann::json;
using tok::VocabEntries;

// The DOM with the captured entries put back where they were read from.
json reassembled(const std::string& text, const std::vector<std::string>& path, bool expect_capture) {
  std::optional<VocabEntries> vocab;
  json dom = tok::parse_json_with_vocab(text, path, vocab);
  EXPECT_EQ(vocab.has_value(), expect_capture) << text.substr(0, 80);
  if (vocab) {
    json* at = &dom;
    for (const std::string& key : path) at = &(*at)[key];
    EXPECT_TRUE(at->is_object() && at->empty());
    for (auto& [token, value] : *vocab) (*at)[token] = value;
  }
  return dom;
}

TEST(JsonVocab, CommittedTokenizerFilesParseAsJsonParse) {
  for (const char* f : {"bpe/trained/bytelevel.json", "bpe/trained/llama3.json", "unigram/unigram-trained.json",
                        "unigram/wordlevel-trained.json"}) {
    const std::string text = test::read_file(test::fixtures_dir() / f);
    const json want = json::parse(text);
    const bool object_vocab = want["model"]["vocab"].is_object();
    EXPECT_EQ(reassembled(text, {"model", "vocab"}, object_vocab), want) << f;
  }
  const std::string wordpiece = test::tiny_tokenizer_json();
  EXPECT_EQ(reassembled(wordpiece, {"model", "vocab"}, true), json::parse(wordpiece));
}

TEST(JsonVocab, EntriesKeepFileOrderDuplicatesAndOddValues) {
  const std::string text = R"({"model": {"type": "WordLevel", "vocab": {"b": 1, "a": 0, "b": 2, "x": [1, {"y": 2}],
                              "z": -3, "w": 1.5}, "unk_token": "a"}, "vocab": {"top": 1}})";
  std::optional<VocabEntries> vocab;
  const json dom = tok::parse_json_with_vocab(text, {"model", "vocab"}, vocab);
  ASSERT_TRUE(vocab);
  ASSERT_EQ(vocab->size(), 6u);
  EXPECT_EQ((*vocab)[0].first, "b");
  EXPECT_EQ((*vocab)[2].second, 2);
  EXPECT_EQ((*vocab)[3].second, json::parse(R"([1, {"y": 2}])"));
  EXPECT_EQ(dom["vocab"], json::parse(R"({"top": 1})"));  // only the path given is captured
  EXPECT_EQ(dom["model"]["unk_token"], "a");
  // to_token_map: the later "b" wins; a value that is not a non-negative id reaches bad_entry with its token.
  VocabEntries good((*vocab).begin(), (*vocab).begin() + 3);
  const tok::TokenMap map = tok::to_token_map(std::move(good), INT32_MAX, [](const std::string&, const json&) {
    FAIL() << "no bad entry expected";
  });
  EXPECT_EQ(map.at("b"), 2);
  EXPECT_EQ(map.at("a"), 0);
  for (size_t bad = 3; bad < 6; ++bad) {
    VocabEntries one{(*vocab)[bad]};
    EXPECT_THROW(tok::to_token_map(std::move(one), INT32_MAX,
                                   [&](const std::string& token, const json&) {
                                     EXPECT_EQ(token, (*vocab)[bad].first);
                                     hfcpp::fail("bad id for ", token);
                                   }),
                 Error);
  }
}

TEST(JsonVocab, ALaterValueAtThePathReplacesTheCapture) {
  std::optional<VocabEntries> vocab;
  json dom = tok::parse_json_with_vocab(R"({"model": {"vocab": {"a": 0}, "vocab": {"c": 5, "d": 6}}})",
                                        {"model", "vocab"}, vocab);
  ASSERT_TRUE(vocab);
  EXPECT_EQ(vocab->size(), 2u);
  EXPECT_EQ(vocab->front().first, "c");
  dom = tok::parse_json_with_vocab(R"({"model": {"vocab": {"a": 0}, "vocab": [["a", 0.5]]}})", {"model", "vocab"},
                                   vocab);
  EXPECT_FALSE(vocab);  // the array (Unigram's form) stays in the DOM, as json::parse leaves it
  EXPECT_EQ(dom["model"]["vocab"], json::parse(R"([["a", 0.5]])"));
}

TEST(JsonVocab, RootObjectAsVocabularyAndMalformedJson) {
  EXPECT_EQ(reassembled(R"({"hello": 0, "world": 1})", {}, true), json::parse(R"({"hello": 0, "world": 1})"));
  EXPECT_EQ(reassembled("[1, 2]", {}, false), json::parse("[1, 2]"));
  std::optional<VocabEntries> vocab;
  for (const char* bad : {R"({"model": {"vocab": {"a": 0,}}})", R"({"a": )", "", R"({"a": 0} trailing)"})
    EXPECT_THROW(tok::parse_json_with_vocab(bad, {"model", "vocab"}, vocab), json::exception) << bad;
}

}  // namespace
}  // namespace hfcpp
