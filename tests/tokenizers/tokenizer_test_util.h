// Helpers shared by the tokenizer tests: fixture / shared-model paths, temporary folders, a tiny tokenizer.json.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "hfcpp/tokenizers/tokenizer.h"

namespace hfcpp::test {

inline std::filesystem::path fixtures_dir() { return std::filesystem::path(HFCPP_FIXTURES_DIR) / "tokenizers"; }
inline std::filesystem::path shared_tokenizers_dir() {
  return std::filesystem::path(HFCPP_SHARED_MODELS_DIR) / "tokenizers";
}

#define HFCPP_SKIP_WITHOUT_SHARED(folder)                                                                       \
  do {                                                                                                          \
    if (!std::filesystem::exists(::hfcpp::test::shared_tokenizers_dir() / (folder)))                          \
      GTEST_SKIP() << "shared model files absent: " << (::hfcpp::test::shared_tokenizers_dir() / (folder)); \
  } while (0)

// A fixture's "truncation" entry ({max_length, stride, strategy, direction} as the fixture scripts write it);
// null = no truncation.
inline std::optional<TruncationOptions> truncation_of(const nlohmann::json& j) {
  if (j.is_null()) return std::nullopt;
  TruncationOptions t;
  t.max_length = j["max_length"].get<size_t>();
  t.stride = j["stride"].get<size_t>();
  const std::string s = j["strategy"];
  t.strategy = s == "only_first"    ? TruncationStrategy::OnlyFirst
               : s == "only_second" ? TruncationStrategy::OnlySecond
                                    : TruncationStrategy::LongestFirst;
  t.direction = j["direction"] == "left" ? Side::Left : Side::Right;
  return t;
}

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void write_file(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

// A folder under the system temp dir, removed with the object.
class TempDir {
 public:
  explicit TempDir(const std::string& name) {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            (name + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// A small BERT-like tokenizer.json (uncased WordPiece, [CLS] A [SEP] template) that needs no shared files.
inline std::string tiny_tokenizer_json() {
  return R"({
  "version": "1.0", "truncation": null, "padding": null,
  "added_tokens": [
    {"id": 0, "content": "[PAD]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
    {"id": 1, "content": "[UNK]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
    {"id": 2, "content": "[CLS]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
    {"id": 3, "content": "[SEP]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
    {"id": 4, "content": "[MASK]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}
  ],
  "normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": null, "lowercase": true},
  "pre_tokenizer": {"type": "BertPreTokenizer"},
  "post_processor": {"type": "TemplateProcessing",
    "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
    "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "[SEP]", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}, {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
    "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [2], "tokens": ["[CLS]"]}, "[SEP]": {"id": "[SEP]", "ids": [3], "tokens": ["[SEP]"]}}},
  "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": true},
  "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 100,
    "vocab": {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "[MASK]": 4, "hello": 5, "world": 6, "un": 7, "##aff": 8,
              "##able": 9, "a": 10, "b": 11, "##b": 12, ",": 13, ".": 14, "!": 15, "cafe": 16, "北": 17, "##s": 18,
              "the": 19, "'": 20, "t": 21, "don": 22}}
})";
}

}  // namespace hfcpp::test
