#include "tokenizers/bpe.h"

#include <algorithm>
#include <atomic>
#include <cstring>

#include "hfcpp/core/error.h"
#include "tokenizers/unicode.h"

namespace hfcpp::tok {

namespace {

constexpr size_t kMaxCachedLength = 256;  // words at least this long are not cached (as the Rust library)
constexpr size_t kLinearMergeLimit = 48;  // longer words use the heap
constexpr char32_t kCharTableSize = 0x3000;
constexpr uint32_t kNoRank = ~uint32_t{0};

std::string byte_token(unsigned b) {
  static const char* kHex = "0123456789ABCDEF";
  return std::string("<0x") + kHex[b >> 4] + kHex[b & 15] + ">";
}

// The symbols of short words, per thread: an open-addressing table over an arena, for the two models the thread used
// last (a third one takes the place of the least recently used). A full table takes no more entries.
class WordCache {
 public:
  static constexpr size_t kEntries = 10000;
  static constexpr size_t kSlots = 16384;  // a power of two, > 1.5 * kEntries

  // Copies the symbols of `word` to `out`; false when absent.
  bool find(uint64_t hash, std::string_view word, std::vector<Bpe::Symbol>& out) const {
    if (slots_.empty()) return false;
    for (size_t i = hash & (kSlots - 1);; i = (i + 1) & (kSlots - 1)) {
      const Slot& s = slots_[i];
      if (s.hash == 0) return false;
      if (s.hash == hash && s.word_len == word.size() &&
          std::memcmp(arena_.data() + s.offset, word.data(), word.size()) == 0) {
        out.resize(s.n_symbols);
        std::memcpy(out.data(), arena_.data() + s.offset + s.word_len, s.n_symbols * sizeof(Bpe::Symbol));
        return true;
      }
    }
  }
  void insert(uint64_t hash, std::string_view word, const std::vector<Bpe::Symbol>& symbols) {
    if (entries_ >= kEntries || symbols.size() > 0xFFFF) return;
    if (slots_.empty()) slots_.resize(kSlots);
    size_t i = hash & (kSlots - 1);
    while (slots_[i].hash != 0) i = (i + 1) & (kSlots - 1);
    slots_[i] = Slot{hash, static_cast<uint32_t>(arena_.size()), static_cast<uint16_t>(word.size()),
                     static_cast<uint16_t>(symbols.size())};
    arena_.insert(arena_.end(), word.begin(), word.end());
    const auto* bytes = reinterpret_cast<const char*>(symbols.data());
    arena_.insert(arena_.end(), bytes, bytes + symbols.size() * sizeof(Bpe::Symbol));
    ++entries_;
  }
  void clear() {
    slots_.clear();
    arena_.clear();
    entries_ = 0;
  }

 private:
  struct Slot {
    uint64_t hash = 0;  // 0 = empty (hashes are stored with their low bit set)
    uint32_t offset = 0;
    uint16_t word_len = 0;
    uint16_t n_symbols = 0;
  };
  std::vector<Slot> slots_;
  std::vector<char> arena_;  // each entry: the word's bytes, then its symbols
  size_t entries_ = 0;
};

WordCache& thread_cache(uint64_t owner) {
  struct Entry {
    uint64_t owner = 0;
    uint64_t used = 0;
    WordCache cache;
  };
  thread_local Entry entries[2];
  thread_local uint64_t clock = 0;
  Entry* victim = &entries[0];
  for (Entry& e : entries) {
    if (e.owner == owner) {
      e.used = ++clock;
      return e.cache;
    }
    if (e.used < victim->used) victim = &e;
  }
  victim->owner = owner;
  victim->used = ++clock;
  victim->cache.clear();
  return victim->cache;
}

std::atomic<uint64_t> next_cache_id{1};

}  // namespace

Bpe::Bpe(Vocab vocab, const std::vector<std::pair<std::string, std::string>>& merges, BpeOptions options)
    : vocab_(std::move(vocab)), options_(std::move(options)), cache_id_(next_cache_id++) {
  unk_token_ = options_.unk_token.value_or("");
  prefix_ = options_.continuing_subword_prefix.value_or("");
  suffix_ = options_.end_of_word_suffix.value_or("");

  merges_.assign(merges.size() + merges.size() / 2 + 16, MergeEntry{kEmptyKey, 0, 0});
  auto in_vocab = [&](const std::string& token, size_t rank, const std::pair<std::string, std::string>& m) {
    auto id = vocab_.find(token);
    if (!id)
      hfcpp::fail("BPE merge #", rank + 1, " \"", m.first, " ", m.second, "\": token \"", token,
                  "\" is not in the vocabulary");
    return *id;
  };
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const auto& m = merges[rank];
    const int32_t left = in_vocab(m.first, rank, m);
    const int32_t right = in_vocab(m.second, rank, m);
    if (m.second.size() < prefix_.size())
      hfcpp::fail("BPE merge #", rank + 1, " \"", m.first, " ", m.second,
                  "\": the right token is shorter than continuing_subword_prefix");
    const int32_t merged = in_vocab(m.first + m.second.substr(prefix_.size()), rank, m);
    const uint64_t key = (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
    for (size_t i = merge_slot(key);; i = i + 1 == merges_.size() ? 0 : i + 1) {
      MergeEntry& e = merges_[i];
      if (e.key == kEmptyKey || e.key == key) {  // a repeated pair takes its last rank, as in a hash map
        e = MergeEntry{key, static_cast<uint32_t>(rank), merged};
        break;
      }
    }
  }

  char_ids_.assign(kCharTableSize, -1);
  std::string buf;
  for (char32_t cp = 0; cp < kCharTableSize; ++cp) {
    if (cp >= 0xD800 && cp < 0xE000) continue;
    buf.clear();
    append_utf8(buf, cp);
    if (auto id = vocab_.find(buf)) char_ids_[cp] = *id;
  }
  for (unsigned b = 0; b < 256; ++b) byte_ids_[b] = vocab_.find(byte_token(b)).value_or(-1);
}

Bpe::~Bpe() = default;

int32_t Bpe::unk_id() const {
  auto id = vocab_.find(unk_token_);
  HFCPP_CHECK(id.has_value(), "BPE: the unk_token \"", unk_token_, "\" is not in the vocabulary");
  return *id;
}

// One symbol per char (merge_word): the char's token (with the prefix when not first, the suffix when last), else
// its bytes as <0xXX> tokens (byte_fallback), else the unknown token (fused with a preceding one when fuse_unk);
// a char with none of these is dropped.
std::vector<Bpe::Symbol> Bpe::word_symbols(std::string_view word) const {
  std::vector<Symbol> symbols;
  symbols.reserve(word.size());
  std::optional<Symbol> unk;
  std::string piece;
  for (size_t i = 0; i < word.size();) {
    size_t len;
    const char32_t cp = decode_valid_utf8(word.data() + i, &len);
    const bool first = i == 0;
    const bool last = i + len == word.size();
    const bool plain = (first || prefix_.empty()) && (!last || suffix_.empty());
    int32_t id = -1;
    piece.clear();
    if (plain && cp < kCharTableSize) {
      id = char_ids_[cp];
    } else {
      if (!first) piece += prefix_;
      piece.append(word.substr(i, len));
      if (last) piece += suffix_;
      id = vocab_.find(piece).value_or(-1);
    }
    if (id >= 0) {
      if (unk) symbols.push_back(*unk), unk.reset();
      symbols.push_back({id, static_cast<uint32_t>(len)});
      i += len;
      continue;
    }
    if (options_.byte_fallback) {
      if (piece.empty()) piece.assign(word.substr(i, len));  // plain: no prefix or suffix
      bool all = true;
      for (unsigned char b : piece) all = all && byte_ids_[b] >= 0;
      if (all) {
        // A pending unknown token stays pending here (and so comes after these bytes), as in the Rust library.
        for (unsigned char b : piece) symbols.push_back({byte_ids_[b], 1});
        i += len;
        continue;
      }
    }
    if (options_.unk_token) {
      if (unk && options_.fuse_unk) {
        unk->len += static_cast<uint32_t>(len);
      } else {
        if (unk) symbols.push_back(*unk);
        unk = Symbol{unk_id(), static_cast<uint32_t>(len)};
      }
    }
    i += len;
  }
  if (unk) symbols.push_back(*unk);
  return symbols;
}

// Applies the merges lowest rank first, leftmost first among equal ranks. Short words: a scan over the pair ranks
// (the same order as the heap, without its allocations).
void Bpe::merge_all(std::vector<Symbol>& symbols) const {
  const size_t n = symbols.size();
  if (n < 2) return;
  if (n > kLinearMergeLimit) {
    merge_with_heap(symbols);
    return;
  }
  uint32_t ranks[kLinearMergeLimit];
  int32_t merged[kLinearMergeLimit];
  size_t count = n;
  auto set_pair = [&](size_t i) {
    const MergeEntry* m = find_merge(symbols[i].id, symbols[i + 1].id);
    ranks[i] = m ? m->rank : kNoRank;
    merged[i] = m ? m->id : -1;
  };
  for (size_t i = 0; i + 1 < count; ++i) set_pair(i);
  while (count > 1) {
    size_t best = 0;
    for (size_t i = 1; i + 1 < count; ++i)
      if (ranks[i] < ranks[best]) best = i;
    if (ranks[best] == kNoRank) break;
    symbols[best] = {merged[best], symbols[best].len + symbols[best + 1].len};
    for (size_t i = best + 1; i + 1 < count; ++i) {
      symbols[i] = symbols[i + 1];
      ranks[i] = ranks[i + 1];
      merged[i] = merged[i + 1];
    }
    --count;
    if (best > 0) set_pair(best - 1);
    if (best + 1 < count) set_pair(best);
  }
  symbols.resize(count);
}

// Word::merge_all: a priority queue of (rank, position) over a linked list of symbols; an entry made stale by an
// earlier merge is recognised because its position no longer holds a pair with that rank (a position's pair only
// grows, so it never returns to an earlier merge). The queue is a 4-ary min-heap of rank << 32 | position.
void Bpe::merge_with_heap(std::vector<Symbol>& symbols) const {
  struct Node {
    int32_t id;
    uint32_t len;  // 0 once merged into its left neighbour
    int32_t prev;
    int32_t next;
  };
  const size_t n = symbols.size();
  std::vector<Node> nodes(n);
  std::vector<uint64_t> heap;
  heap.reserve(n);
  auto key = [](uint32_t rank, size_t pos) { return (static_cast<uint64_t>(rank) << 32) | pos; };
  auto sift_up = [&](size_t i) {
    const uint64_t v = heap[i];
    while (i > 0 && heap[(i - 1) / 4] > v) {
      heap[i] = heap[(i - 1) / 4];
      i = (i - 1) / 4;
    }
    heap[i] = v;
  };
  auto sift_down = [&](size_t i) {
    const uint64_t v = heap[i];
    const size_t size = heap.size();
    while (true) {
      const size_t first = 4 * i + 1;
      if (first >= size) break;
      size_t best = first;
      for (size_t c = first + 1; c < std::min(first + 4, size); ++c)
        if (heap[c] < heap[best]) best = c;
      if (heap[best] >= v) break;
      heap[i] = heap[best];
      i = best;
    }
    heap[i] = v;
  };
  for (size_t i = 0; i < n; ++i) {
    nodes[i] = {symbols[i].id, symbols[i].len, static_cast<int32_t>(i) - 1,
                i + 1 < n ? static_cast<int32_t>(i + 1) : -1};
    if (i + 1 < n)
      if (const MergeEntry* m = find_merge(symbols[i].id, symbols[i + 1].id)) heap.push_back(key(m->rank, i));
  }
  for (size_t i = heap.size(); i-- > 0;) sift_down(i);
  auto push = [&](uint32_t rank, size_t pos) {
    heap.push_back(key(rank, pos));
    sift_up(heap.size() - 1);
  };
  while (!heap.empty()) {
    const uint64_t top = heap[0];
    heap[0] = heap.back();
    heap.pop_back();
    if (!heap.empty()) sift_down(0);
    const auto rank = static_cast<uint32_t>(top >> 32);
    const auto pos = static_cast<size_t>(top & 0xFFFFFFFFu);
    Node& cur = nodes[pos];
    if (cur.len == 0 || cur.next < 0) continue;
    Node& right = nodes[static_cast<size_t>(cur.next)];
    const MergeEntry* m = find_merge(cur.id, right.id);
    if (!m || m->rank != rank) continue;
    cur.id = m->id;
    cur.len += right.len;
    right.len = 0;
    cur.next = right.next;
    if (cur.next >= 0) nodes[static_cast<size_t>(cur.next)].prev = static_cast<int32_t>(pos);
    if (cur.prev >= 0)
      if (const MergeEntry* p = find_merge(nodes[static_cast<size_t>(cur.prev)].id, cur.id))
        push(p->rank, static_cast<size_t>(cur.prev));
    if (cur.next >= 0)
      if (const MergeEntry* p = find_merge(cur.id, nodes[static_cast<size_t>(cur.next)].id)) push(p->rank, pos);
  }
  symbols.clear();
  for (const Node& node : nodes)
    if (node.len != 0) symbols.push_back({node.id, node.len});
}

void Bpe::symbols(std::string_view word, std::vector<Symbol>& out) const {
  out.clear();
  if (options_.ignore_merges) {
    if (auto id = vocab_.find(word)) {
      out.push_back({*id, static_cast<uint32_t>(word.size())});
      return;
    }
  }
  if (word.size() >= kMaxCachedLength) {
    out = word_symbols(word);
    merge_all(out);
    return;
  }
  const uint64_t hash = std::hash<std::string_view>{}(word) | 1;
  WordCache& cache = thread_cache(cache_id_);
  if (cache.find(hash, word, out)) return;
  out = word_symbols(word);
  merge_all(out);
  cache.insert(hash, word, out);
}

std::vector<Token> Bpe::tokenize(std::string_view word) const {
  std::vector<Token> out;
  if (word.empty()) return out;
  std::vector<Symbol> syms;
  symbols(word, syms);
  out.reserve(syms.size());
  size_t pos = 0;
  for (const Symbol& s : syms) {
    const std::optional<std::string_view> value = id_to_token(s.id);
    HFCPP_CHECK(value.has_value(), "BPE: id ", s.id, " has no token in the vocabulary");
    out.push_back(Token{s.id, std::string(*value), {pos, pos + s.len}});
    pos += s.len;
  }
  return out;
}

}  // namespace hfcpp::tok
