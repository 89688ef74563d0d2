// The batch API of hfcpp::Tokenizer against the `tokenizers` / transformers libraries (tests/fixtures/tokenizers/
// api.json, written by tests/fixtures/make_tokenizer_api_fixtures.py): truncation strategies with overflowing
// windows, padding (longest / max_length / pad_to_multiple_of / left / right) of batches with pairs, batch_decode,
// vocab_size with and without added tokens; and encode_batch's threads: order, errors, sharing, nesting.
#include <gtest/gtest.h>
#include <omp.h>

#include <atomic>
#include <filesystem>
#include <iostream>
#include <thread>
#include <tuple>

#include "hfcpp/core/error.h"
#include "hfcpp/tokenizers/tokenizer.h"
#include "tokenizer_test_util.h"
#include "unigram_test_util.h"

namespace hfcpp {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const json& api_fixture() {
  static const json fixture = json::parse(test::read_file(test::fixtures_dir() / "api.json"));
  return fixture;
}

// A fixture tokenizer: a committed tokenizer.json copied into a folder with the fixture's tokenizer_config.json
// (its pad token), or a shared model folder; nullopt when the shared folder is absent.
std::optional<Tokenizer> load(const json& entry, const test::TempDir& dir) {
  if (entry.contains("shared")) {
    const fs::path folder = test::shared_tokenizers_dir() / entry["shared"].get<std::string>();
    if (!fs::exists(folder)) return std::nullopt;
    return Tokenizer::from_pretrained(folder.string());
  }
  fs::copy_file(test::fixtures_dir() / entry["file"].get<std::string>(), dir / "tokenizer.json");
  test::write_file(dir / "tokenizer_config.json", entry["tokenizer_config"].dump());
  return Tokenizer::from_pretrained(dir.path().string());
}


// expect_compact_encoding checks everything but the attention mask; this adds it, windows included.
void expect_encoding(const Tokenizer& tok, const Encoding& e, const json& x, const std::string& where) {
  test::expect_compact_encoding(tok, e, x, where);
  EXPECT_EQ(e.attention_mask, x["attention"].get<std::vector<int32_t>>()) << where;
  for (size_t i = 0; i < std::min(e.overflowing.size(), x.value("overflowing", json::array()).size()); ++i)
    EXPECT_EQ(e.overflowing[i].attention_mask, x["overflowing"][i]["attention"].get<std::vector<int32_t>>()) << where;
}

TEST(TokenizerApi, MatchesTokenizersOnTruncationPaddingBatchesAndDecode) {
  const json& fixture = api_fixture();
  const auto texts = fixture["texts"].get<std::vector<std::string>>();
  const auto pairs = fixture["pairs"].get<std::vector<std::string>>();
  size_t checked = 0;
  for (const json& entry : fixture["tokenizers"]) {
    const std::string name = entry["name"];
    SCOPED_TRACE(name);
    test::TempDir dir("hfcpp-tokapi");
    const std::optional<Tokenizer> tok = load(entry, dir);
    if (!tok) {
      std::cout << "[ note     ] " << name << ": shared files absent, skipped\n";
      continue;
    }
    ++checked;
    // t5-small: tokenizer_config.json's <sql_context> (id 32100) is added over tokenizer.json, as transformers does.
    EXPECT_EQ(tok->vocab_size(), entry["vocab_size"].get<size_t>());
    EXPECT_EQ(tok->vocab_size(true), entry["vocab_size"].get<size_t>());
    EXPECT_EQ(tok->vocab_size(false), entry["vocab_size_without_added"].get<size_t>());

    size_t index = 0;
    for (const json& c : entry["truncation"]) {
      const std::string where = name + " truncation case " + std::to_string(index++) + ": " + c.dump().substr(0, 200);
      EncodeOptions options;
      options.add_special_tokens = c["add_special_tokens"];
      options.truncation = test::truncation_of(c["truncation"]);
      const std::string text = c["text"];
      auto run = [&] {
        return c["pair"].is_null() ? tok->encode(text, options)
                                   : tok->encode_pair(text, c["pair"].get<std::string>(), options);
      };
      if (c["expected"].contains("error")) {
        EXPECT_THROW(run(), Error) << where << "\nPython: " << c["expected"]["error"];
        continue;
      }
      expect_encoding(*tok, run(), c["expected"], where);
    }

    index = 0;
    for (const json& c : entry["batch"]) {
      EncodeOptions options;
      if (!c["truncation"].is_null()) options.truncation = test::truncation_of(c["truncation"]);
      const json& p = c["padding"];
      options.padding.strategy = p["strategy"] == "longest" ? PaddingStrategy::Longest : PaddingStrategy::MaxLength;
      options.padding.max_length = p["max_length"].get<size_t>();
      options.padding.pad_to_multiple_of = p["pad_to_multiple_of"].get<size_t>();
      if (!p["side"].is_null()) options.padding.side = p["side"] == "left" ? Side::Left : Side::Right;
      const std::vector<std::string>* batch_pairs = c["pairs"].get<bool>() ? &pairs : nullptr;
      for (int threads : {1, 3}) {  // the same batch serially and on threads
        options.num_threads = threads;
        const std::string where = name + " batch case " + std::to_string(index) + " on " + std::to_string(threads) +
                                  " threads: " + c.dump().substr(0, 160);
        const std::vector<Encoding> out = tok->encode_batch(texts, options, batch_pairs);
        ASSERT_EQ(out.size(), c["expected"].size()) << where;
        for (size_t i = 0; i < out.size(); ++i)
          expect_encoding(*tok, out[i], c["expected"][i], where + " item " + std::to_string(i));
      }
      ++index;
    }

    for (const json& c : entry["batch_decode"]) {
      const auto ids = c["ids"].get<std::vector<std::vector<int32_t>>>();
      for (int threads : {1, 2})
        EXPECT_EQ(tok->batch_decode(ids, c["skip_special_tokens"], c["clean_up"], threads),
                  c["expected"].get<std::vector<std::string>>())
            << name << " " << c.dump().substr(0, 200);
    }
  }
  EXPECT_GE(checked, 4u);  // the committed tokenizers always run
}

// ---- encode_batch on threads ---------------------------------------------------------------------------------------

// Inputs of very different lengths, so that threads finish out of order.
std::vector<std::string> mixed_texts(size_t n) {
  const std::vector<std::string> words = {"hello", "world", "unaffable", "a", "b", "café", "北", "[MASK]", "don't", ","};
  std::vector<std::string> texts;
  for (size_t i = 0; i < n; ++i) {
    std::string t;
    const size_t length = (i * 7919) % 13 == 0 ? 400 : (i * 31) % 17;
    for (size_t w = 0; w < length; ++w) t += words[(i + w * 3) % words.size()] + " ";
    texts.push_back(t);
  }
  return texts;
}

Tokenizer tiny_tokenizer(const test::TempDir& dir) {
  test::write_file(dir / "tokenizer.json", test::tiny_tokenizer_json());
  return Tokenizer::from_file((dir / "tokenizer.json").string());
}

void expect_same(const std::vector<Encoding>& got, const std::vector<Encoding>& expected, const std::string& where) {
  ASSERT_EQ(got.size(), expected.size()) << where;
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].ids, expected[i].ids) << where << " item " << i;
    EXPECT_EQ(got[i].offsets, expected[i].offsets) << where << " item " << i;
    EXPECT_EQ(got[i].attention_mask, expected[i].attention_mask) << where << " item " << i;
    EXPECT_EQ(got[i].overflowing.size(), expected[i].overflowing.size()) << where << " item " << i;
  }
}

TEST(TokenizerApi, EncodeBatchOnThreadsKeepsTheOrderOfASerialLoop) {
  test::TempDir dir("hfcpp-tokapi");
  const Tokenizer tok = tiny_tokenizer(dir);
  const std::vector<std::string> texts = mixed_texts(300);
  const std::vector<std::string> pairs = mixed_texts(301);
  const std::vector<std::string> pair_of(pairs.begin() + 1, pairs.end());
  EncodeOptions options;
  options.truncation = TruncationOptions{24, TruncationStrategy::LongestFirst, 4, Side::Right};
  options.padding.strategy = PaddingStrategy::Longest;
  std::vector<Encoding> serial;
  for (size_t i = 0; i < texts.size(); ++i) {
    EncodeOptions one = options;
    one.padding = {};
    serial.push_back(pair_of[i].empty() ? tok.encode(texts[i], one) : tok.encode_pair(texts[i], pair_of[i], one));
  }
  const std::vector<Encoding> reference = [&] {
    EncodeOptions one_thread = options;
    one_thread.num_threads = 1;
    return tok.encode_batch(texts, one_thread, &pair_of);
  }();
  for (size_t i = 0; i < texts.size(); ++i) {  // padding aside, the batch is the serial encodes
    const size_t n = serial[i].size();
    EXPECT_EQ(std::vector<int32_t>(reference[i].ids.begin(), reference[i].ids.begin() + n), serial[i].ids) << i;
    EXPECT_EQ(reference[i].size(), 24u) << i;
  }
  for (int threads : {0, 2, 3, 8, 1000}) {
    options.num_threads = threads;
    expect_same(tok.encode_batch(texts, options, &pair_of), reference, "threads " + std::to_string(threads));
  }
  options.num_threads = 4;
  EXPECT_TRUE(tok.encode_batch({}, options).empty());
  expect_same(tok.encode_batch({texts[0]}, options), {tok.encode(texts[0], options)}, "one input");
}

TEST(TokenizerApi, EncodeBatchThrowsTheErrorOfTheFirstFailingInput) {
  // Two inputs fail differently: an unknown word without [UNK] in the vocabulary, and only_second truncation of a
  // text that has no pair. The error thrown is the one of the first failing input, whatever the threads.
  test::TempDir dir("hfcpp-tokapi");
  test::write_file(dir / "vocab.txt", "[PAD]\n[CLS]\n[SEP]\nhello\n");
  const Tokenizer tok = Tokenizer::from_pretrained(dir.path().string());
  EncodeOptions options;
  options.truncation = TruncationOptions{16, TruncationStrategy::OnlySecond, 0, Side::Right};
  std::string hellos;
  for (int i = 0; i < 15; ++i) hellos += "hello ";
  for (const auto& [unknown_at, no_pair_at, message] :
       {std::tuple<size_t, size_t, std::string>{5, 31, "[UNK]"}, {31, 5, "Second sequence"}}) {
    std::vector<std::string> texts(40, "hello hello");
    std::vector<std::string> pairs(texts.size(), "hello hello hello hello hello hello hello hello hello hello");
    texts[unknown_at] = "goodbye";
    texts[no_pair_at] = hellos;
    pairs[no_pair_at] = "";
    for (int threads : {1, 2, 4, 16}) {
      options.num_threads = threads;
      for (int round = 0; round < 5; ++round) {
        try {
          tok.encode_batch(texts, options, &pairs);
          ADD_FAILURE() << "no exception";
        } catch (const Error& e) {
          EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << threads << ": " << e.what();
        }
      }
    }
    texts[unknown_at] = texts[no_pair_at] = "hello";  // without them the batch encodes
    options.num_threads = 4;
    EXPECT_EQ(tok.encode_batch(texts, options, &pairs).size(), texts.size());
  }
  // Padding a batch with a tokenizer that has no pad token: an error, on threads too.
  test::TempDir nopad("hfcpp-tokapi-nopad");
  std::string json_text = test::tiny_tokenizer_json();
  for (size_t at; (at = json_text.find("[PAD]")) != std::string::npos;) json_text.replace(at, 5, "[PXD]");
  test::write_file(nopad / "tokenizer.json", json_text);
  const Tokenizer no_pad = Tokenizer::from_file((nopad / "tokenizer.json").string());
  EncodeOptions pad;
  pad.padding.strategy = PaddingStrategy::Longest;
  pad.num_threads = 2;
  try {
    no_pad.encode_batch({"hello", "hello world"}, pad);
    ADD_FAILURE() << "no exception";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("pad_token"), std::string::npos) << e.what();
  }
}

TEST(TokenizerApi, OneTokenizerSharedByThreadsEncodingBatchesConcurrently) {
  test::TempDir dir("hfcpp-tokapi");
  const bool real = fs::exists(test::shared_tokenizers_dir() / "roberta-base");
  const Tokenizer tok = real ? Tokenizer::from_pretrained((test::shared_tokenizers_dir() / "roberta-base").string())
                             : tiny_tokenizer(dir);
  const std::vector<std::string> texts = mixed_texts(120);
  EncodeOptions options;
  options.padding.strategy = PaddingStrategy::Longest;
  options.num_threads = 1;
  const std::vector<Encoding> reference = tok.encode_batch(texts, options);
  std::vector<std::vector<int32_t>> ids;
  for (const Encoding& e : reference) ids.push_back(e.ids);
  const std::vector<std::string> decoded = tok.batch_decode(ids, true, false, 1);
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      EncodeOptions mine = options;
      mine.num_threads = t % 3;  // 0 (the hfcpp setting), 1, 2: batches on threads inside threads
      for (int round = 0; round < 4; ++round) {
        const std::vector<Encoding> out = tok.encode_batch(texts, mine);
        for (size_t i = 0; i < out.size(); ++i)
          if (out[i].ids != reference[i].ids || out[i].offsets != reference[i].offsets) ++mismatches;
        if (tok.batch_decode(ids, true, false, t % 3) != decoded) ++mismatches;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0);
  // Inside an OpenMP parallel region encode_batch runs serially on each thread (no nested teams), same results.
  std::atomic<int> nested_mismatches{0};
#pragma omp parallel num_threads(2)
  {
    EncodeOptions mine = options;
    mine.num_threads = 4;
    const std::vector<Encoding> out = tok.encode_batch(texts, mine);
    for (size_t i = 0; i < out.size(); ++i)
      if (out[i].ids != reference[i].ids) ++nested_mismatches;
  }
  EXPECT_EQ(nested_mismatches.load(), 0);
}

TEST(TokenizerApi, BatchDecodeIsDecodeOfEachSequence) {
  test::TempDir dir("hfcpp-tokapi");
  const Tokenizer tok = tiny_tokenizer(dir);
  std::vector<std::vector<int32_t>> ids;
  for (const std::string& t : mixed_texts(50)) ids.push_back(tok.encode(t).ids);
  ids.push_back({});
  ids.push_back({2, 1000000, -5, 3});  // unknown ids are dropped, as decode does
  for (bool skip : {true, false}) {
    for (bool clean : {true, false}) {
      std::vector<std::string> expected;
      for (const auto& seq : ids) expected.push_back(tok.decode(seq, skip, clean));
      for (int threads : {0, 1, 3}) EXPECT_EQ(tok.batch_decode(ids, skip, clean, threads), expected);
    }
  }
  EXPECT_EQ(tok.batch_decode({{2, 1000000, -5, 3}, {5, 6}}, true, true, 2),
            (std::vector<std::string>{"", "hello world"}));
  EXPECT_THROW(Tokenizer().batch_decode({{1}}), Error);
}

}  // namespace
}  // namespace hfcpp
