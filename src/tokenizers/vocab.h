// Vocab: token <-> id tables shared by the models, with allocation-free string_view lookups.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace hfcpp::tok {

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

using TokenMap = std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>>;

// Stores each token once (by_entry_), with an open-addressing table of entry indices for lookups: a node-based
// hash map of strings costs several times the vocabulary file (issue #3 item 7 memory target).
class Vocab {
 public:
  Vocab() = default;
  // Builds from token -> id (later duplicates of a token were already resolved by the caller).
  explicit Vocab(TokenMap map);
  // vocab.txt: one token per line, id = line number, trailing whitespace trimmed (a later duplicate wins).
  static Vocab from_lines(std::string_view text);

  std::optional<int32_t> find(std::string_view token) const {
    if (table_.empty()) return std::nullopt;
    for (size_t i = slot(token);; i = (i + 1) & mask_) {
      const uint32_t e = table_[i];
      if (e == kEmpty) return std::nullopt;
      if (tokens_[e] == token) return id_of(e);
    }
  }
  const std::string* token(int32_t id) const {
    if (id < 0) return nullptr;
    const auto i = static_cast<size_t>(id);
    if (ids_.empty()) return i < tokens_.size() ? &tokens_[i] : nullptr;
    if (i >= by_id_.size() || by_id_[i] == kEmpty) return nullptr;
    return &tokens_[by_id_[i]];
  }
  size_t size() const { return tokens_.size(); }
  // Every (token, id), in no particular order.
  std::vector<std::pair<std::string_view, int32_t>> entries() const;

 private:
  static constexpr uint32_t kEmpty = ~uint32_t{0};
  int32_t id_of(uint32_t entry) const { return ids_.empty() ? static_cast<int32_t>(entry) : ids_[entry]; }
  size_t slot(std::string_view token) const { return (StringHash{}(token) * 0x9E3779B97F4A7C15ull) & mask_; }

  // Entries in id order. When the ids are exactly 0..n-1 (the usual case) entry = id, and ids_ / by_id_ stay empty.
  std::vector<std::string> tokens_;  // one per entry
  std::vector<int32_t> ids_;         // id of each entry
  std::vector<uint32_t> table_;      // entry index or kEmpty; a power of two at most half full
  size_t mask_ = 0;
  std::vector<uint32_t> by_id_;  // entry of each id (of two tokens with one id, the later entry), kEmpty if none
};

}  // namespace hfcpp::tok
