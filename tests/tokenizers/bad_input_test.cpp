// Bad input (issue #3 item 8) across the tokenizer kinds, beyond the targeted cases of tokenizer_test / bpe_test /
// unigram_test: every field of real tokenizer.json files removed or given a wrong type, truncated files, truncated
// and corrupted SentencePiece models (always an hfcpp::Error naming the file, never a crash or a foreign exception),
// random invalid UTF-8 (offsets on character boundaries of the original bytes, byte-level round trips), and 10 MB
// single strings (complete, linear in the input: the same tokens for every repetition of a chunk).
#include <gtest/gtest.h>

#include <random>

#include <nlohmann/json.hpp>

#include "hfcpp/core/error.h"
#include "hfcpp/tokenizers/tokenizer.h"
#include "tokenizer_test_util.h"
#include "tokenizers/unicode.h"

namespace hfcpp {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// The committed tokenizer.json files: byte-level BPE, Llama-2 style BPE (byte_fallback, no pre-tokenizer),
// Llama-3 style BPE, Unigram, WordLevel, WordPiece.
std::vector<std::pair<std::string, std::string>> committed_tokenizers() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const char* f : {"bpe/trained/bytelevel.json", "bpe/trained/llama2.json", "bpe/trained/llama3.json",
                        "unigram/unigram-trained.json", "unigram/wordlevel-trained.json"})
    out.emplace_back(f, test::read_file(test::fixtures_dir() / f));
  out.emplace_back("tiny-wordpiece", test::tiny_tokenizer_json());
  return out;
}

// What must hold for a file that may be broken: it loads and encodes / decodes, or an hfcpp::Error is thrown (one
// that names the file when loading fails). Returns a description of anything else.
std::string check_load(const std::string& path) {
  std::optional<Tokenizer> tok;
  try {
    tok = Tokenizer::from_file(path);
  } catch (const Error& e) {
    return std::string(e.what()).find(path) == std::string::npos ? "error without the file name: " + std::string(e.what())
                                                                   : "";
  } catch (const std::exception& e) {
    return std::string("not an hfcpp::Error: ") + e.what();
  }
  try {
    const Encoding e = tok->encode_pair("Hello, world! café 日本 🤗 <s> [CLS]", "a\xff" "b");
    tok->decode(e.ids, false);
  } catch (const Error&) {
  } catch (const std::exception& e) {
    return std::string("encode: not an hfcpp::Error: ") + e.what();
  }
  return "";
}

// Every node of `j` down to depth 4 (large objects and arrays: their first two and last members), as JSON pointers.
void collect_pointers(const json& j, const json::json_pointer& at, int depth, std::vector<json::json_pointer>& out) {
  if (depth > 4 || !j.is_structured()) return;
  const size_t n = j.size();
  size_t index = 0;
  for (auto it = j.begin(); it != j.end(); ++it, ++index) {
    if (n > 4 && index >= 2 && index + 1 < n) continue;
    const json::json_pointer child = j.is_object() ? at / it.key() : at / index;
    out.push_back(child);
    collect_pointers(*it, child, depth + 1, out);
  }
}

TEST(BadInput, EveryTokenizerJsonFieldRemovedOrMistypedIsAnErrorNamingTheFile) {
  test::TempDir dir("hfcpp-badjson");
  const std::string path = (dir / "tokenizer.json").string();
  const std::vector<json> wrong = {nullptr, 7, -1, "x", json::array(), json::object(), true, 1e300};
  size_t variants = 0;
  for (const auto& [name, text] : committed_tokenizers()) {
    const json base = json::parse(text);
    std::vector<json::json_pointer> pointers;
    collect_pointers(base, json::json_pointer(), 0, pointers);
    for (const json::json_pointer& p : pointers) {
      std::vector<std::pair<std::string, json>> mutations;
      json removed = base;
      removed[p.parent_pointer()].erase(removed[p.parent_pointer()].is_object()
                                            ? removed[p.parent_pointer()].find(p.back())
                                            : removed[p.parent_pointer()].begin() + std::stoi(p.back()));
      mutations.emplace_back("removed", removed);
      for (const json& w : wrong) {
        json m = base;
        m[p] = w;
        mutations.emplace_back("= " + w.dump(), m);
      }
      for (const auto& [what, data] : mutations) {
        test::write_file(path, data.dump());
        const std::string problem = check_load(path);
        EXPECT_EQ(problem, "") << name << " " << p.to_string() << " " << what;
        ++variants;
      }
    }
    for (size_t k = 1; k < 40; ++k) {  // cut anywhere: invalid JSON
      test::write_file(path, text.substr(0, text.size() * k / 40));
      EXPECT_EQ(check_load(path), "") << name << " cut at " << k << "/40";
    }
  }
  EXPECT_GT(variants, 1000u);
}

TEST(BadInput, TruncatedOrCorruptedSentencePieceModelsAreErrorsNamingTheFile) {
  std::vector<std::pair<fs::path, std::string>> models = {
      {test::fixtures_dir() / "unigram" / "xlmr-tiny" / "sentencepiece.bpe.model", "sentencepiece.bpe.model"}};
  if (fs::exists(test::shared_tokenizers_dir() / "t5-small" / "spiece.model"))
    models.emplace_back(test::shared_tokenizers_dir() / "t5-small" / "spiece.model", "spiece.model");
  std::mt19937 rng(5);
  for (const auto& [source, file] : models) {
    const std::string bytes = test::read_file(source);
    std::vector<std::pair<std::string, std::string>> variants;  // (what, content)
    for (size_t k = 0; k < 48; ++k) variants.emplace_back("cut " + std::to_string(k), bytes.substr(0, bytes.size() * k / 48));
    for (int k = 0; k < 48; ++k) {
      std::string flipped = bytes;
      const size_t at = rng() % std::min<size_t>(bytes.size(), 4096);  // the header and first pieces
      flipped[at] = static_cast<char>(flipped[at] ^ (1 + rng() % 255));
      variants.emplace_back("flip at " + std::to_string(at), flipped);
    }
    size_t errors = 0;
    for (const auto& [what, content] : variants) {
      test::TempDir dir("hfcpp-badspm");
      test::write_file(dir / file, content);
      try {
        const Tokenizer tok = Tokenizer::from_pretrained(dir.path().string());
        try {
          tok.decode(tok.encode("Hello world, café 日本 🤗").ids);
        } catch (const Error&) {
        }
      } catch (const Error& e) {
        ++errors;
        EXPECT_NE(std::string(e.what()).find(file), std::string::npos) << what << ": " << e.what();
      } catch (const std::exception& e) {
        ADD_FAILURE() << file << " " << what << ": not an hfcpp::Error: " << e.what();
      }
    }
    EXPECT_GE(errors, 40u) << file;  // nearly every cut is caught (one at a message boundary may still parse)
  }
}

// Random bytes, mostly UTF-8 lead / continuation bytes so that every kind of ill-formed sequence appears.
std::string random_bytes(std::mt19937& rng) {
  using namespace std::string_literals;
  static const std::vector<std::string> pieces = {"a", " ", "é", "日", "🤗", "\x80", "\xbf", "\xc3", "\xe2\x82",
                                                  "\xf0\x9f\xa4", "\xff", "\xc0\x80", "\xed\xa0\x80", "\0"s, "<s>", "\n"};
  std::string out;
  const size_t n = rng() % 24;
  for (size_t i = 0; i < n; ++i) out += pieces[rng() % pieces.size()];
  return out;
}

TEST(BadInput, RandomInvalidUtf8KeepsOffsetsOnCharactersOfTheOriginalBytes) {
  test::TempDir dir("hfcpp-badutf8");
  std::mt19937 rng(13);
  for (const auto& [name, text] : committed_tokenizers()) {
    SCOPED_TRACE(name);
    test::write_file(dir / "tokenizer.json", text);
    const Tokenizer tok = Tokenizer::from_file((dir / "tokenizer.json").string());
    const bool byte_level = name == "bpe/trained/bytelevel.json";
    for (int trial = 0; trial < 400; ++trial) {
      const std::string input = random_bytes(rng);
      std::vector<bool> boundary(input.size() + 1, false);  // starts of the chars errors="replace" gives, and the end
      std::string replaced;
      tok::for_each_utf8_char(input, [&](const tok::DecodedChar& d) {
        boundary[d.begin] = true;
        tok::append_utf8(replaced, d.cp);
      });
      boundary[input.size()] = true;
      const Encoding e = tok.encode(input);
      for (size_t i = 0; i < e.size(); ++i) {
        if (e.sequence_ids[i] < 0) continue;
        const auto [s, t] = e.offsets[i];
        EXPECT_TRUE(s <= t && t <= input.size() && boundary[s] && boundary[t])
            << "token " << i << " (" << s << ", " << t << ") of " << ::testing::PrintToString(input);
      }
      // Byte-level BPE without a normalizer decodes to exactly the replaced text (special tokens kept).
      if (byte_level) EXPECT_EQ(tok.decode(e.ids, false), replaced) << ::testing::PrintToString(input);
    }
  }
}

TEST(BadInput, TenMegabyteStringsCompleteAndRepeatTheTokensOfEachChunk) {
  using namespace std::string_literals;
  test::TempDir dir("hfcpp-10mb");
  // Ends with a space: the tokenizers here start a word there, so every repetition tokenizes the same way (the
  // space joins the next chunk's first word; the text's last space stays alone).
  const std::string chunk = "Hello, world! café 日本語 🤗 don't  tabs\tand\nx\0y 12345 unaffable "s;
  std::string text;
  while (text.size() < (10u << 20)) text += chunk;
  const size_t copies = text.size() / chunk.size();
  EncodeOptions options;
  options.add_special_tokens = false;
  for (const auto& [name, json_text] : committed_tokenizers()) {
    if (name == "bpe/trained/llama3.json" || name == "unigram/wordlevel-trained.json") continue;  // kinds seen above
    SCOPED_TRACE(name);
    test::write_file(dir / "tokenizer.json", json_text);
    const Tokenizer tok = Tokenizer::from_file((dir / "tokenizer.json").string());
    const Encoding one = tok.encode(chunk, options);
    const Encoding two = tok.encode(chunk + chunk, options);
    const size_t period = two.size() - one.size();
    const Encoding e = tok.encode(text, options);
    ASSERT_EQ(e.size(), one.size() + (copies - 1) * period);
    ASSERT_GT(period, 0u);
    for (size_t j = 0; j < period; ++j) ASSERT_EQ(e.ids[j], two.ids[j]);
    for (size_t k = 1; k + 1 < copies; k += 499) {  // spot checks over the whole text: copy k is copy k - 1
      for (size_t j = 0; j < period; ++j) {
        const size_t at = k * period + j;
        ASSERT_EQ(e.ids[at], e.ids[at - period]) << "copy " << k;
        // (ends: the first token's start differs, Llama's prepended "▁" maps to the text's first character)
        ASSERT_EQ(e.offsets[at].second, e.offsets[at - period].second + chunk.size()) << "copy " << k;
        ASSERT_EQ(e.word_ids[at] - e.word_ids[at - period], e.word_ids[period] - e.word_ids[0]) << "copy " << k;
      }
    }
    const size_t tail = two.size() - period;  // the end of the text is the end of two chunks, shifted
    for (size_t j = 1; j <= tail; ++j) {
      ASSERT_EQ(e.ids[e.size() - j], two.ids[two.size() - j]);
      ASSERT_EQ(e.offsets[e.size() - j].second, two.offsets[two.size() - j].second + (copies - 2) * chunk.size());
    }
    if (name == "bpe/trained/bytelevel.json") EXPECT_EQ(tok.decode(e.ids, false), text);
  }
}

}  // namespace
}  // namespace hfcpp
