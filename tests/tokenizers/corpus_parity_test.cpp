// Corpus parity with the Python `tokenizers` library, without Python: tests/fixtures/tokenizers/corpus/<name>.json
// hold a sample of the multi-script corpus (scripts/make_tokenizer_corpus.py) and the documents that exposed bugs,
// with the ids, character offsets and decode(ids) `tokenizers` gives (written by scripts/tokenizer_parity.py
// --write-fixtures). One test per tokenizer: the real files of ../shared/models (skipped when absent) and the small
// trained tokenizer.json files committed with the fixtures.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hfcpp/tokenizers/tokenizer.h"
#include "tokenizer_test_util.h"

namespace hfcpp {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

fs::path corpus_dir() { return test::fixtures_dir() / "corpus"; }

std::vector<std::string> fixture_names() {
  std::vector<std::string> names;
  if (fs::is_directory(corpus_dir()))
    for (const auto& entry : fs::directory_iterator(corpus_dir()))
      if (entry.path().extension() == ".json" && entry.path().stem() != "docs")
        names.push_back(entry.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> corpus_docs() {
  return json::parse(test::read_file(corpus_dir() / "docs.json"))["docs"].get<std::vector<std::string>>();
}

class CorpusParity : public ::testing::TestWithParam<std::string> {};

TEST(CorpusParityFixtures, CoverEveryModelType) {
  // The sample must keep covering each model type the issue names (WordPiece, BPE, byte-level BPE with
  // byte_fallback, Unigram with and without byte_fallback, WordLevel) so that none drops out silently.
  std::vector<std::string> models;
  for (const std::string& name : fixture_names()) {
    const json fixture = json::parse(test::read_file(corpus_dir() / (name + ".json")));
    const json& where = fixture["tokenizer"];
    if (!where.contains("fixture")) continue;
    const json tok = json::parse(test::read_file(test::fixtures_dir() / where["fixture"].get<std::string>()));
    models.push_back(tok["model"]["type"].get<std::string>() +
                     (tok["model"].value("byte_fallback", false) ? "+byte_fallback" : ""));
  }
  for (const char* type : {"WordPiece", "BPE", "BPE+byte_fallback", "Unigram", "Unigram+byte_fallback", "WordLevel"})
    EXPECT_NE(std::find(models.begin(), models.end(), type), models.end()) << type;
}

TEST_P(CorpusParity, IdsOffsetsAndDecodeMatchTokenizers) {
  const json fixture = json::parse(test::read_file(corpus_dir() / (GetParam() + ".json")));
  const json& where = fixture["tokenizer"];
  fs::path path;
  if (where.contains("shared")) {
    path = test::shared_tokenizers_dir() / where["shared"].get<std::string>();
    if (!fs::exists(path)) GTEST_SKIP() << "shared model files absent: " << path;
  } else {
    path = test::fixtures_dir() / where["fixture"].get<std::string>();
  }
  const Tokenizer tok = fs::is_directory(path) ? Tokenizer::from_pretrained(path.string())
                                               : Tokenizer::from_file(path.string());
  const std::vector<std::string> docs = corpus_docs();
  ASSERT_FALSE(docs.empty());
  ASSERT_EQ(fixture["cases"].size(), docs.size()) << "one case per document of docs.json";
  for (size_t index = 0; index < docs.size(); ++index) {
    const json& c = fixture["cases"][index];
    const std::string& text = docs[index];
    SCOPED_TRACE("document " + std::to_string(index) + ": " +
                 json(text.substr(0, 120)).dump(-1, ' ', false, json::error_handler_t::replace));
    const Encoding e = tok.encode(text);
    EXPECT_EQ(e.ids, c["ids"].get<std::vector<int32_t>>());
    // Byte offsets as Python character offsets, flattened as the fixture stores them.
    const std::vector<size_t> chars = utf8_char_index(text);
    std::vector<size_t> offsets;
    for (const auto& [s, t] : e.offsets) {
      offsets.push_back(chars[s]);
      offsets.push_back(chars[t]);
    }
    EXPECT_EQ(offsets, c["offsets"].get<std::vector<size_t>>());
    EXPECT_EQ(tok.decode(e.ids, /*skip_special_tokens=*/true, /*clean_up_tokenization_spaces=*/false),
              c["decoded"].get<std::string>());
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, CorpusParity, ::testing::ValuesIn(fixture_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& ch : name)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return name;
                         });

}  // namespace
}  // namespace hfcpp
