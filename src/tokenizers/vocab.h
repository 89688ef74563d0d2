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

// Stores every token's bytes once, back to back in id order (one buffer + 4-byte offsets), with an open-addressing
// table of entry indices for lookups: one std::string per token costs 32 bytes before its text, and a node-based
// hash map several times the vocabulary file (issue #3 item 7 memory target: GPT-2's tokenizer <= 2x its files).
class Vocab {
 public:
  Vocab() = default;
  // Builds from token -> id (later duplicates of a token were already resolved by the caller).
  explicit Vocab(TokenMap map);
  // vocab.txt: one token per line, id = line number, trailing whitespace trimmed (a later duplicate wins).
  static Vocab from_lines(std::string_view text);

  std::optional<int32_t> find(std::string_view token) const {
    if (table_.empty()) return std::nullopt;
    for (size_t i = slot(token);; i = i + 1 == table_.size() ? 0 : i + 1) {
      const uint32_t e = table_[i];
      if (e == kEmpty) return std::nullopt;
      if (entry_token(e) == token) return id_of(e);
    }
  }
  // The token of `id`, a view into this vocabulary; nullopt when no token has that id.
  std::optional<std::string_view> token(int32_t id) const {
    if (id < 0) return std::nullopt;
    const auto i = static_cast<size_t>(id);
    if (ids_.empty()) return i < size() ? std::optional(entry_token(static_cast<uint32_t>(i))) : std::nullopt;
    if (i >= by_id_.size() || by_id_[i] == kEmpty) return std::nullopt;
    return entry_token(by_id_[i]);
  }
  size_t size() const { return offsets_.empty() ? 0 : offsets_.size() - 1; }
  // Every (token, id), in no particular order.
  std::vector<std::pair<std::string_view, int32_t>> entries() const;

 private:
  static constexpr uint32_t kEmpty = ~uint32_t{0};
  int32_t id_of(uint32_t entry) const { return ids_.empty() ? static_cast<int32_t>(entry) : ids_[entry]; }
  std::string_view entry_token(uint32_t e) const {
    return {bytes_.data() + offsets_[e], offsets_[e + 1] - offsets_[e]};
  }
  // The table is 2x the entries, not the next power of two above that (memory: up to 2x less), so the hash is
  // mapped onto it by a multiply-shift. Half full keeps linear-probing misses (token_to_id of absent strings) short.
  size_t slot(std::string_view token) const {
    const unsigned __int128 h = static_cast<uint64_t>(StringHash{}(token) * 0x9E3779B97F4A7C15ull);
    return static_cast<size_t>((h * table_.size()) >> 64);
  }

  // Entries in id order. When the ids are exactly 0..n-1 (the usual case) entry = id, and ids_ / by_id_ stay empty.
  std::string bytes_;              // every entry's token, back to back
  std::vector<uint32_t> offsets_;  // entry e is bytes_[offsets_[e], offsets_[e + 1])
  std::vector<int32_t> ids_;       // id of each entry
  std::vector<uint32_t> table_;    // entry index or kEmpty; 2x the entries
  std::vector<uint32_t> by_id_;    // entry of each id (of two tokens with one id, the later entry), kEmpty if none
};

}  // namespace hfcpp::tok
