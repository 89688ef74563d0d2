#include "tokenizers/unigram.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <map>

#include "hfcpp/core/error.h"
#include "tokenizers/unicode.h"

namespace hfcpp::tok {

namespace {
constexpr double kUnkPenalty = 10.0;
}

Unigram::Unigram(std::vector<std::pair<std::string, double>> vocab, std::optional<size_t> unk_id, bool byte_fallback)
    : unk_id_(unk_id), byte_fallback_(byte_fallback) {
  HFCPP_CHECK(!(vocab.empty() && unk_id), "Unigram: the vocabulary is empty but unk_id is set (EmptyVocabulary)");
  HFCPP_CHECK(!unk_id || *unk_id < vocab.size(), "Unigram: unk_id ", unk_id.value_or(0),
              " is outside the vocabulary of ", vocab.size(), " pieces (UnkIdNotInVocabulary)");
  HFCPP_CHECK(vocab.size() < static_cast<size_t>(std::numeric_limits<int32_t>::max()), "Unigram: vocabulary too large");
  pieces_.reserve(vocab.size());
  scores_.reserve(vocab.size());
  ids_.reserve(vocab.size());
  double min_score = std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < vocab.size(); ++i) {
    ids_.insert_or_assign(vocab[i].first, static_cast<int32_t>(i));  // a later duplicate wins
    min_score = std::min(min_score, vocab[i].second);
    pieces_.push_back(std::move(vocab[i].first));
    scores_.push_back(vocab[i].second);
  }
  unk_score_ = min_score - kUnkPenalty;
  if (unk_id_) unk_token_ = pieces_[*unk_id_];
  byte_ids_.fill(-1);
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof(name), "<0x%02X>", b);
    if (auto it = ids_.find(std::string_view(name)); it != ids_.end()) byte_ids_[static_cast<size_t>(b)] = it->second;
  }
  std::vector<std::pair<std::string_view, int32_t>> keys;
  keys.reserve(ids_.size());
  for (const auto& [piece, id] : ids_) keys.emplace_back(piece, id);
  trie_ = ByteTrie(std::move(keys));
}

std::vector<Unigram::Segment> Unigram::segment(std::string_view word) const {
  const size_t n = word.size();
  struct Best {
    double score;
    int32_t id;      // -1: an unknown char without unk_id
    uint32_t start;
    bool reached;
  };
  std::vector<Best> best(n + 1, Best{0.0, -1, 0, false});
  best[0].reached = true;
  const int32_t unk = unk_id_ ? static_cast<int32_t>(*unk_id_) : -1;
  auto relax = [&](size_t end, double score, int32_t id, size_t start) {
    Best& b = best[end];
    if (!b.reached || score > b.score) b = Best{score, id, static_cast<uint32_t>(start), true};
  };
  for (size_t pos = 0; pos < n;) {
    size_t char_len;
    decode_valid_utf8(word.data() + pos, &char_len);
    if (best[pos].reached) {
      const double base = best[pos].score;
      bool has_single = false;
      uint32_t node = ByteTrie::kRoot;
      for (size_t k = pos; k < n; ++k) {
        node = trie_.child(node, static_cast<unsigned char>(word[k]));
        if (node == ByteTrie::kNone) break;
        const int32_t id = trie_.id(node);
        if (id < 0) continue;
        relax(k + 1, base + scores_[static_cast<size_t>(id)], id, pos);
        if (k + 1 - pos == char_len) has_single = true;
      }
      if (!has_single) relax(pos + char_len, base + unk_score_, unk, pos);
    }
    pos += char_len;
  }
  // Backtrack; consecutive unknown pieces are fused (their id is then looked up by text, as is any piece's).
  std::vector<Segment> out;
  size_t end = n;
  size_t unk_end = 0;
  bool in_unk = false;
  while (end > 0) {
    const Best& b = best[end];
    const size_t start = b.start;
    if (unk_id_ && b.id == unk) {
      if (!in_unk) unk_end = end;
      in_unk = true;
    } else {
      if (in_unk) out.push_back({end, unk_end, -1});
      in_unk = false;
      out.push_back({start, end, b.id});
    }
    end = start;
  }
  if (in_unk) out.push_back({0, unk_end, -1});
  std::reverse(out.begin(), out.end());
  return out;
}

std::vector<Token> Unigram::tokenize(std::string_view word) const {
  std::vector<Token> tokens;
  const std::vector<Segment> segments = segment(word);
  tokens.reserve(segments.size());
  for (const Segment& s : segments) {
    const std::string_view piece = word.substr(s.begin, s.end - s.begin);
    int32_t id = s.id;
    if (id < 0)
      if (auto it = ids_.find(piece); it != ids_.end()) id = it->second;
    if (id >= 0) {
      tokens.push_back(Token{id, std::string(piece), {s.begin, s.end}});
      continue;
    }
    if (byte_fallback_ && std::all_of(piece.begin(), piece.end(), [&](char b) {
          return byte_ids_[static_cast<unsigned char>(b)] >= 0;
        })) {
      for (char b : piece) {
        const int32_t byte_id = byte_ids_[static_cast<unsigned char>(b)];
        tokens.push_back(Token{byte_id, pieces_[static_cast<size_t>(byte_id)], {s.begin, s.end}});
      }
      continue;
    }
    HFCPP_CHECK(unk_id_.has_value(), "Unigram: Encountered an unknown token but `unk_id` is missing");
    tokens.push_back(Token{static_cast<int32_t>(*unk_id_), std::string(piece), {s.begin, s.end}});
  }
  return tokens;
}

std::optional<int32_t> Unigram::token_to_id(std::string_view token) const {
  auto it = ids_.find(token);
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string_view> Unigram::id_to_token(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= pieces_.size()) return std::nullopt;
  return pieces_[static_cast<size_t>(id)];
}

}  // namespace hfcpp::tok
