#include "tokenizers/vocab.h"

#include <algorithm>

#include "hfcpp/core/error.h"
#include "tokenizers/unicode.h"

namespace hfcpp::tok {

Vocab::Vocab(TokenMap map) {
  // Moving the keys out of the (node-based) map frees its nodes as we go.
  std::vector<std::pair<std::string, int32_t>> sorted;
  sorted.reserve(map.size());
  while (!map.empty()) {
    auto node = map.extract(map.begin());
    sorted.emplace_back(std::move(node.key()), node.mapped());
  }
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
  const size_t n = sorted.size();
  bool dense = true;
  size_t total = 0;
  for (size_t e = 0; e < n; ++e) {
    dense = dense && sorted[e].second == static_cast<int32_t>(e);
    total += sorted[e].first.size();
  }
  HFCPP_CHECK(total < kEmpty && n < kEmpty, "vocabulary: ", n, " tokens of ", total,
              " bytes exceed the 4 GiB this table indexes");
  bytes_.reserve(total);
  offsets_.reserve(n + 1);
  offsets_.push_back(0);
  if (!dense) ids_.reserve(n);
  table_.assign(std::max<size_t>(16, 2 * n), kEmpty);
  for (auto& [token, id] : sorted) {
    const auto e = static_cast<uint32_t>(offsets_.size() - 1);
    size_t i = slot(token);
    while (table_[i] != kEmpty) i = i + 1 == table_.size() ? 0 : i + 1;  // keys are unique: the first free slot
    table_[i] = e;
    if (!dense) ids_.push_back(id);
    bytes_ += token;
    offsets_.push_back(static_cast<uint32_t>(bytes_.size()));
    std::string().swap(token);  // the sorted copy shrinks as the buffer grows
  }
  if (dense) return;
  const int32_t max_id = n == 0 ? -1 : ids_.back();
  by_id_.assign(static_cast<size_t>(std::max(max_id, -1) + 1), kEmpty);
  for (uint32_t e = 0; e < n; ++e)
    if (ids_[e] >= 0) by_id_[static_cast<size_t>(ids_[e])] = e;
}

std::vector<std::pair<std::string_view, int32_t>> Vocab::entries() const {
  std::vector<std::pair<std::string_view, int32_t>> out;
  out.reserve(size());
  for (uint32_t e = 0; e < size(); ++e) out.emplace_back(entry_token(e), id_of(e));
  return out;
}

Vocab Vocab::from_lines(std::string_view text) {
  TokenMap map;
  int32_t index = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    // Rust str::trim_end: drop trailing White_Space chars (which includes the '\r' of CRLF files).
    while (!line.empty()) {
      size_t start = line.size() - 1;
      while (start > 0 && (static_cast<unsigned char>(line[start]) & 0xC0) == 0x80) --start;
      char32_t cp;
      const size_t len = decode_utf8(line, start, &cp);
      if (start + len != line.size() || !is_whitespace(cp)) break;
      line.remove_suffix(len);
    }
    map.insert_or_assign(std::string(line), index++);
    pos = eol + 1;
  }
  return Vocab(std::move(map));
}

}  // namespace hfcpp::tok
