#include "tokenizers/encoding.h"

#include "hfcpp/core/error.h"

namespace hfcpp::tok {

namespace {

template <class T>
void prepend(std::vector<T>& v, size_t n, const T& value) {
  v.insert(v.begin(), n, value);
}

template <class T>
void append(std::vector<T>& v, std::vector<T>&& other) {
  v.insert(v.end(), std::make_move_iterator(other.begin()), std::make_move_iterator(other.end()));
}

}  // namespace

void RawEncoding::reserve(size_t n) {
  ids.reserve(n);
  type_ids.reserve(n);
  tokens.reserve(n);
  words.reserve(n);
  offsets.reserve(n);
  special_tokens_mask.reserve(n);
  attention_mask.reserve(n);
}

void RawEncoding::push(int32_t id, std::string token, Offsets off, int32_t word, int32_t type_id, int32_t special) {
  ids.push_back(id);
  type_ids.push_back(type_id);
  tokens.push_back(std::move(token));
  words.push_back(word);
  offsets.push_back(off);
  special_tokens_mask.push_back(special);
  attention_mask.push_back(1);
}

RawEncoding RawEncoding::slice(size_t begin, size_t end) const {
  RawEncoding e;
  auto cut = [&](const auto& v) { return std::decay_t<decltype(v)>(v.begin() + begin, v.begin() + end); };
  e.ids = cut(ids);
  e.type_ids = cut(type_ids);
  e.tokens = cut(tokens);
  e.words = cut(words);
  e.offsets = cut(offsets);
  e.special_tokens_mask = cut(special_tokens_mask);
  e.attention_mask = cut(attention_mask);
  e.original = original;
  e.word_texts = word_texts;
  return e;
}

void RawEncoding::truncate(size_t max_len, size_t stride, Side direction) {
  const size_t len = size();
  if (max_len >= len) return;
  if (max_len == 0) {
    RawEncoding whole = std::move(*this);
    *this = RawEncoding();
    overflowing.push_back(std::move(whole));
    return;
  }
  HFCPP_CHECK(stride < max_len, "tokenizer truncation: stride (", stride, ") must be strictly less than the length ",
              max_len, " left for the sequence once the special tokens are counted");
  sequence_ranges.clear();
  const size_t step = max_len - stride;
  std::vector<std::pair<size_t, size_t>> parts;
  if (direction == Side::Right) {
    for (size_t start = 0; start < len; start += step) {
      const size_t stop = std::min(start + max_len, len);
      parts.emplace_back(start, stop);
      if (stop == len) break;
    }
  } else {
    // (0..len).rev().step_by(step): stop-1 = len-1, len-1-step, ...
    for (size_t k = 0; k < len; k += step) {
      const size_t stop = len - k;
      const size_t start = stop > max_len ? stop - max_len : 0;
      parts.emplace_back(start, stop);
      if (start == 0) break;
    }
  }
  RawEncoding first = slice(parts[0].first, parts[0].second);
  for (size_t i = 1; i < parts.size(); ++i) first.overflowing.push_back(slice(parts[i].first, parts[i].second));
  *this = std::move(first);
}

void RawEncoding::merge_with(RawEncoding pair, bool growing_offsets) {
  if (ids.empty() && overflowing.empty() && sequence_ranges.empty() && !growing_offsets) {
    *this = std::move(pair);  // what the steps below give for an empty encoding, without copying
    return;
  }
  std::vector<RawEncoding> overflowings;
  for (const RawEncoding& self_o : overflowing) {
    RawEncoding n = self_o;
    n.merge_with(pair, growing_offsets);
    overflowings.push_back(std::move(n));
    for (const RawEncoding& other_o : pair.overflowing) {
      RawEncoding m = self_o;
      m.merge_with(other_o, growing_offsets);
      overflowings.push_back(std::move(m));
    }
  }
  for (const RawEncoding& other_o : pair.overflowing) {
    RawEncoding n = *this;
    n.merge_with(other_o, growing_offsets);
    overflowings.push_back(std::move(n));
  }
  const size_t original_len = size();
  for (const auto& [seq, range] : pair.sequence_ranges)
    sequence_ranges[seq] = {original_len + range.first, original_len + range.second};
  const size_t starting_offset = growing_offsets && !offsets.empty() ? offsets.back().second : 0;
  for (auto& o : pair.offsets) o = {o.first + starting_offset, o.second + starting_offset};
  append(ids, std::move(pair.ids));
  append(type_ids, std::move(pair.type_ids));
  append(tokens, std::move(pair.tokens));
  append(words, std::move(pair.words));
  append(offsets, std::move(pair.offsets));
  append(special_tokens_mask, std::move(pair.special_tokens_mask));
  append(attention_mask, std::move(pair.attention_mask));
  overflowing = std::move(overflowings);
}

RawEncoding RawEncoding::merge(std::vector<RawEncoding> encodings, bool growing_offsets) {
  RawEncoding out;
  size_t total = 0;
  for (const RawEncoding& e : encodings) total += e.size();
  for (size_t i = 0; i < encodings.size(); ++i) {
    out.merge_with(std::move(encodings[i]), growing_offsets);
    if (i == 0) out.reserve(total);  // one allocation per vector for the whole result
  }
  return out;
}

void RawEncoding::pad(size_t target, int32_t pad_id, int32_t pad_type_id, const std::string& pad_token,
                      Side direction) {
  for (RawEncoding& o : overflowing) o.pad(target, pad_id, pad_type_id, pad_token, direction);
  if (size() >= target) return;
  const size_t n = target - size();
  if (direction == Side::Left) {
    prepend(ids, n, pad_id);
    prepend(type_ids, n, pad_type_id);
    prepend(tokens, n, pad_token);
    prepend(words, n, -1);
    prepend(attention_mask, n, 0);
    prepend(special_tokens_mask, n, 1);
    prepend(offsets, n, Offsets{0, 0});
    for (auto& [seq, range] : sequence_ranges) range = {range.first + n, range.second + n};
  } else {
    ids.insert(ids.end(), n, pad_id);
    type_ids.insert(type_ids.end(), n, pad_type_id);
    tokens.insert(tokens.end(), n, pad_token);
    words.insert(words.end(), n, -1);
    attention_mask.insert(attention_mask.end(), n, 0);
    special_tokens_mask.insert(special_tokens_mask.end(), n, 1);
    offsets.insert(offsets.end(), n, Offsets{0, 0});
  }
}

std::vector<int32_t> RawEncoding::sequence_ids() const {
  std::vector<int32_t> out(size(), -1);
  if (sequence_ranges.empty()) {
    std::fill(out.begin(), out.end(), 0);
    return out;
  }
  // get_sequence_ids: sequence ids 0..n_sequences, a missing id covering the whole encoding.
  for (size_t seq = 0; seq < sequence_ranges.size(); ++seq) {
    auto it = sequence_ranges.find(seq);
    const auto range = it != sequence_ranges.end() ? it->second : std::pair<size_t, size_t>{0, size()};
    for (size_t i = range.first; i < range.second && i < out.size(); ++i) out[i] = static_cast<int32_t>(seq);
  }
  return out;
}

Encoding RawEncoding::to_public() && {
  Encoding e;
  e.sequence_ids = sequence_ids();
  e.ids = std::move(ids);
  e.type_ids = std::move(type_ids);
  e.tokens = std::move(tokens);
  e.attention_mask = std::move(attention_mask);
  e.special_tokens_mask = std::move(special_tokens_mask);
  e.offsets = std::move(offsets);
  e.word_ids = std::move(words);
  e.overflowing.reserve(overflowing.size());
  for (RawEncoding& o : overflowing) e.overflowing.push_back(std::move(o).to_public());
  return e;
}

Encoding RawEncoding::to_public() const& {
  Encoding e;
  e.ids = ids;
  e.type_ids = type_ids;
  e.tokens = tokens;
  e.attention_mask = attention_mask;
  e.special_tokens_mask = special_tokens_mask;
  e.offsets = offsets;
  e.word_ids = words;
  e.sequence_ids = sequence_ids();
  e.overflowing.reserve(overflowing.size());
  for (const RawEncoding& o : overflowing) e.overflowing.push_back(o.to_public());
  return e;
}

}  // namespace hfcpp::tok
