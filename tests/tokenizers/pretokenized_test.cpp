// Tokenizer::encode_words against Python (transformers 5.23 / tokenizers 0.23):
//   tok(words, [pair_words], is_split_into_words=True, return_offsets_mapping=True)
// Words are tokenized one by one; offsets are relative to each word (Python gives characters, we bytes).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "hfcpp/tokenizers/tokenizer.h"
#include "tokenizer_test_util.h"

namespace hfcpp {
namespace {

using Offsets = std::vector<std::pair<size_t, size_t>>;

struct Expected {
  std::vector<int32_t> ids;
  Offsets char_offsets;  // Python's, relative to each word
  std::vector<int32_t> word_ids;
  std::vector<int32_t> sequence_ids;  // empty: not checked
};

const std::vector<std::string> kWords = {"Héllo", "wörld!!", "  x", "", "😀b"};
const std::vector<std::string> kPairWords = {"pair", "wörds"};

// Byte offsets of `e` -> character offsets into the word each token came from.
Offsets char_offsets(const Encoding& e, const std::vector<std::string>& words, const std::vector<std::string>* pair) {
  Offsets out;
  for (size_t i = 0; i < e.size(); ++i) {
    if (e.word_ids[i] < 0) {
      out.push_back(e.offsets[i]);
      continue;
    }
    const auto& source = e.sequence_ids[i] == 1 ? *pair : words;
    const auto index = utf8_char_index(source[static_cast<size_t>(e.word_ids[i])]);
    out.emplace_back(index[e.offsets[i].first], index[e.offsets[i].second]);
  }
  return out;
}

void expect_encoding(const std::string& folder, const Expected& single, const Expected& pair) {
  const Tokenizer t = Tokenizer::from_pretrained((test::shared_tokenizers_dir() / folder).string());
  const Encoding e = t.encode_words(kWords);
  EXPECT_EQ(e.ids, single.ids);
  EXPECT_EQ(char_offsets(e, kWords, nullptr), single.char_offsets);
  EXPECT_EQ(e.word_ids, single.word_ids);
  const Encoding p = t.encode_words(kWords, {}, &kPairWords);
  EXPECT_EQ(p.ids, pair.ids);
  EXPECT_EQ(char_offsets(p, kWords, &kPairWords), pair.char_offsets);
  EXPECT_EQ(p.word_ids, pair.word_ids);
  EXPECT_EQ(p.sequence_ids, pair.sequence_ids);
}

TEST(PreTokenized, WordPieceBert) {
  HFCPP_SKIP_WITHOUT_SHARED("bert-base-uncased");
  expect_encoding("bert-base-uncased",
                  {{101, 7592, 2088, 999, 999, 1060, 100, 102},
                   {{0, 0}, {0, 5}, {0, 5}, {5, 6}, {6, 7}, {2, 3}, {0, 2}, {0, 0}},
                   {-1, 0, 1, 1, 1, 2, 4, -1}},
                  {{101, 7592, 2088, 999, 999, 1060, 100, 102, 3940, 2616, 102},
                   {{0, 0}, {0, 5}, {0, 5}, {5, 6}, {6, 7}, {2, 3}, {0, 2}, {0, 0}, {0, 4}, {0, 5}, {0, 0}},
                   {-1, 0, 1, 1, 1, 2, 4, -1, 0, 1, -1},
                   {-1, 0, 0, 0, 0, 0, 0, -1, 1, 1, -1}});
}

TEST(PreTokenized, ByteLevelGpt2) {
  HFCPP_SKIP_WITHOUT_SHARED("gpt2");
  expect_encoding("gpt2",
                  {{39, 2634, 18798, 86, 30570, 335, 3228, 220, 2124, 47249, 222, 65},
                   {{0, 1}, {1, 2}, {2, 5}, {0, 1}, {1, 3}, {3, 5}, {5, 7}, {0, 1}, {1, 3}, {0, 1}, {0, 1}, {1, 2}},
                   {0, 0, 0, 1, 1, 1, 1, 2, 2, 4, 4, 4}},
                  {{39, 2634, 18798, 86, 30570, 335, 3228, 220, 2124, 47249, 222, 65, 24874, 86, 9101, 4372, 82},
                   {{0, 1}, {1, 2}, {2, 5}, {0, 1}, {1, 3}, {3, 5}, {5, 7}, {0, 1}, {1, 3}, {0, 1}, {0, 1}, {1, 2},
                    {0, 4}, {0, 1}, {1, 2}, {2, 4}, {4, 5}},
                   {0, 0, 0, 1, 1, 1, 1, 2, 2, 4, 4, 4, 0, 1, 1, 1, 1},
                   {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1}});
}

// RoBERTa's post-processor trims the offsets of space tokens within each word ("  x" -> (1, 1), (2, 3)).
TEST(PreTokenized, ByteLevelRobertaTrimsOffsetsPerWord) {
  HFCPP_SKIP_WITHOUT_SHARED("distilroberta-base");
  expect_encoding("distilroberta-base",
                  {{0, 725, 1140, 9905, 605, 17920, 4779, 12846, 1437, 3023, 18636, 7471, 428, 2},
                   {{0, 0}, {0, 1}, {1, 2}, {2, 5}, {0, 1}, {1, 3}, {3, 5}, {5, 7}, {1, 1}, {2, 3}, {0, 1}, {0, 1},
                    {1, 2}, {0, 0}},
                   {-1, 0, 0, 0, 1, 1, 1, 1, 2, 2, 4, 4, 4, -1}},
                  {{0, 725, 1140, 9905, 605, 17920, 4779, 12846, 1437, 3023, 18636, 7471, 428, 2, 2, 44170, 605, 3671,
                    2586, 29, 2},
                   {{0, 0}, {0, 1}, {1, 2}, {2, 5}, {0, 1}, {1, 3}, {3, 5}, {5, 7}, {1, 1}, {2, 3}, {0, 1}, {0, 1},
                    {1, 2}, {0, 0}, {0, 0}, {0, 4}, {0, 1}, {1, 2}, {2, 4}, {4, 5}, {0, 0}},
                   {-1, 0, 0, 0, 1, 1, 1, 1, 2, 2, 4, 4, 4, -1, -1, 0, 1, 1, 1, 1, -1},
                   {-1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1, 1, 1, 1, 1, 1, -1}});
}

TEST(PreTokenized, NoWordsGivesOnlySpecialTokens) {
  HFCPP_SKIP_WITHOUT_SHARED("bert-base-uncased");
  const Tokenizer t = Tokenizer::from_pretrained((test::shared_tokenizers_dir() / "bert-base-uncased").string());
  EXPECT_EQ(t.encode_words({}).ids, (std::vector<int32_t>{101, 102}));
}

}  // namespace
}  // namespace hfcpp
