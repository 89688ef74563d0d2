#include "tokenizers/added_vocabulary.h"

#include <algorithm>

#include "tokenizers/unicode.h"

namespace hfcpp::tok {

// ---- Trie --------------------------------------------------------------------------------------------------------

void AddedVocabulary::Trie::insert(std::string_view pattern, int32_t id) {
  if (nodes.empty()) nodes.emplace_back();
  size_t node = 0;
  for (unsigned char b : pattern) {
    int32_t child = -1;
    for (const auto& [byte, index] : nodes[node].next)
      if (byte == b) child = index;
    if (child < 0) {
      child = static_cast<int32_t>(nodes.size());
      nodes[node].next.emplace_back(b, child);
      if (node == 0) root[b] = child;
      nodes.emplace_back();
    }
    node = static_cast<size_t>(child);
  }
  // The first pattern inserted for a given string keeps it (patterns are unique in practice).
  if (nodes[node].value < 0) nodes[node].value = id;
}

std::pair<size_t, int32_t> AddedVocabulary::Trie::longest_at(std::string_view text, size_t pos) const {
  std::pair<size_t, int32_t> best{0, -1};
  if (nodes.empty()) return best;
  if (pos >= text.size() || root[static_cast<unsigned char>(text[pos])] == 0) return best;
  size_t node = 0;
  for (size_t i = pos; i < text.size(); ++i) {
    int32_t child = -1;
    const auto b = static_cast<unsigned char>(text[i]);
    for (const auto& [byte, index] : nodes[node].next)
      if (byte == b) {
        child = index;
        break;
      }
    if (child < 0) break;
    node = static_cast<size_t>(child);
    if (nodes[node].value >= 0) best = {i + 1 - pos, nodes[node].value};
  }
  return best;
}

// ---- vocabulary --------------------------------------------------------------------------------------------------

std::vector<int32_t> AddedVocabulary::add_tokens(const std::vector<AddedToken>& tokens, const Model& model,
                                                 const Normalizer* normalizer) {
  const auto model_size = static_cast<int32_t>(model.vocab_size());
  int32_t next_id = model_size;
  if (!by_id_.empty()) {
    int32_t max_id = -1;
    for (const auto& [id, t] : by_id_) max_id = std::max(max_id, id);
    next_id = (max_id >= model_size || model_size == 0) ? max_id + 1 : model_size;
  }
  std::vector<int32_t> ids;
  for (const AddedToken& token : tokens) {
    if (token.content.empty()) {
      ids.push_back(-1);
      continue;
    }
    int32_t id;
    if (auto known = token_to_id(token.content)) id = *known;
    else if (auto in_model = model.token_to_id(token.content)) id = *in_model;
    else id = next_id++;
    if (token.normalized && normalizer) {
      NormalizedString s = NormalizedString::from_original(token.content);
      normalizer->normalize(s);
      if (s.get() != token.content) normalized_cache_[id] = s.get();
    }
    by_content_.insert_or_assign(token.content, id);
    if (token.special) special_.insert(token.content);
    by_id_.insert_or_assign(id, token);
    ids.push_back(id);
  }
  rebuild();
  return ids;
}

void AddedVocabulary::rebuild() {
  trie_ = Trie();
  normalized_trie_ = Trie();
  // Insert in id order so the structure does not depend on hash-map iteration order.
  std::vector<int32_t> ids;
  for (const auto& [id, t] : by_id_) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  for (int32_t id : ids) {
    const AddedToken& t = by_id_.at(id);
    if (t.normalized) {
      auto cached = normalized_cache_.find(id);
      normalized_trie_.insert(cached != normalized_cache_.end() ? cached->second : t.content, id);
    } else {
      trie_.insert(t.content, id);
    }
  }
}

std::optional<int32_t> AddedVocabulary::token_to_id(std::string_view token) const {
  auto it = by_content_.find(token);
  if (it == by_content_.end()) return std::nullopt;
  return it->second;
}

const AddedToken* AddedVocabulary::by_id(int32_t id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &it->second;
}

const std::string* AddedVocabulary::decode_string(int32_t id) const {
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return nullptr;
  auto cached = normalized_cache_.find(id);
  return cached != normalized_cache_.end() ? &cached->second : &it->second.content;
}

// ---- matching ----------------------------------------------------------------------------------------------------

namespace {

char32_t last_char(std::string_view s) {
  size_t start = s.size() - 1;
  while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
  size_t len;
  return decode_valid_utf8(s.data() + start, &len);
}

}  // namespace

std::vector<AddedVocabulary::Match> AddedVocabulary::find_matches(std::string_view sentence, const Trie& trie) const {
  std::vector<Match> splits;
  if (sentence.empty()) {
    splits.push_back({-1, {0, 0}});
    return splits;
  }
  if (trie.empty()) {
    splits.push_back({-1, {0, sentence.size()}});
    return splits;
  }
  size_t start_offset = 0;
  size_t pos = 0;
  while (pos < sentence.size()) {
    const auto [len, id] = trie.longest_at(sentence, pos);
    if (len == 0) {
      ++pos;
      continue;
    }
    size_t start = pos;
    size_t stop = pos + len;
    pos = stop;  // the search resumes after this match even when it is discarded
    const AddedToken& token = by_id_.at(id);
    if (token.single_word) {
      const bool start_space = start == 0 || !is_word_char(last_char(sentence.substr(0, start)));
      size_t l;
      const bool stop_space =
          stop == sentence.size() || !is_word_char(decode_valid_utf8(sentence.data() + stop, &l));
      if (!start_space || !stop_space) continue;
    }
    if (token.lstrip) {
      size_t new_start = start;
      while (new_start > 0) {
        const char32_t c = last_char(sentence.substr(0, new_start));
        if (!is_whitespace(c)) break;
        new_start -= utf8_length(c);
      }
      start = std::max(new_start, start_offset);
    }
    if (token.rstrip) {
      while (stop < sentence.size()) {
        size_t l;
        const char32_t c = decode_valid_utf8(sentence.data() + stop, &l);
        if (!is_whitespace(c)) break;
        stop += l;
      }
    }
    if (start_offset < start) splits.push_back({-1, {start_offset, start}});
    splits.push_back({id, {start, stop}});
    start_offset = stop;
  }
  if (start_offset != sentence.size()) splits.push_back({-1, {start_offset, sentence.size()}});
  return splits;
}

std::vector<Split> AddedVocabulary::split_with_indices(NormalizedString&& sentence, const Trie& trie) const {
  std::vector<Split> out;
  const auto matches = find_matches(sentence.get(), trie);
  out.reserve(matches.size());
  for (const Match& m : matches) {
    NormalizedString slice = matches.size() == 1 ? std::move(sentence).into_slice(m.offsets.first, m.offsets.second)
                                                 : sentence.slice(m.offsets.first, m.offsets.second);
    if (m.id >= 0) {
      std::string value = slice.get();
      const size_t len = value.size();
      std::vector<Token> tokens;
      tokens.push_back(Token{m.id, std::move(value), {0, len}});
      out.push_back({std::move(slice), std::move(tokens)});
    } else {
      out.push_back({std::move(slice), std::nullopt});
    }
  }
  return out;
}

std::vector<std::pair<Offsets, int32_t>> AddedVocabulary::split_unnormalized(std::string_view text) const {
  std::vector<std::pair<Offsets, int32_t>> out;
  for (const Match& m : find_matches(text, trie_)) {
    if (m.id >= 0) {
      out.emplace_back(m.offsets, m.id);
      continue;
    }
    const size_t base = m.offsets.first;
    for (const Match& n : find_matches(text.substr(base, m.offsets.second - base), normalized_trie_))
      out.emplace_back(Offsets{base + n.offsets.first, base + n.offsets.second}, n.id);
  }
  return out;
}

PreTokenizedString AddedVocabulary::extract_and_normalize(const Normalizer* normalizer, std::string_view text) const {
  PreTokenizedString pre(NormalizedString::from_original(text));
  pre.split([&](size_t, NormalizedString&& s) { return split_with_indices(std::move(s), trie_); });
  pre.split([&](size_t, NormalizedString&& s) {
    if (normalizer) normalizer->normalize(s);
    return split_with_indices(std::move(s), normalized_trie_);
  });
  return pre;
}

}  // namespace hfcpp::tok
