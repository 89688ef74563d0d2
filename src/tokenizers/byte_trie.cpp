#include "tokenizers/byte_trie.h"

#include <algorithm>

namespace hfcpp::tok {

ByteTrie::ByteTrie(std::vector<std::pair<std::string_view, int32_t>> keys) {
  // Sorted bytewise, each node's children are the distinct next bytes of its key range, laid out breadth-first so
  // that they are contiguous and sorted.
  keys.erase(std::remove_if(keys.begin(), keys.end(), [](const auto& k) { return k.first.empty(); }), keys.end());
  std::sort(keys.begin(), keys.end());
  struct Work {  // a node, its depth, and the [lo, hi) range of keys sharing its prefix
    uint32_t node;
    size_t depth, lo, hi;
  };
  std::vector<Work> queue = {{kRoot, 0, 0, keys.size()}};
  for (size_t q = 0; q < queue.size(); ++q) {
    const Work w = queue[q];
    size_t i = w.lo;
    if (i < w.hi && keys[i].first.size() == w.depth) nodes_[w.node].id = keys[i++].second;
    nodes_[w.node].first_child = static_cast<uint32_t>(edges_.size());
    while (i < w.hi) {
      const auto byte = static_cast<unsigned char>(keys[i].first[w.depth]);
      size_t j = i;
      while (j < w.hi && static_cast<unsigned char>(keys[j].first[w.depth]) == byte) ++j;
      const auto node = static_cast<uint32_t>(nodes_.size());
      nodes_.emplace_back();
      edges_.push_back({byte, node});
      queue.push_back({node, w.depth + 1, i, j});
      i = j;
    }
    nodes_[w.node].child_count = static_cast<uint16_t>(edges_.size() - nodes_[w.node].first_child);
  }
  root_children_.fill(kNone);
  for (uint32_t e = nodes_[kRoot].first_child; e < nodes_[kRoot].first_child + nodes_[kRoot].child_count; ++e)
    root_children_[edges_[e].byte] = edges_[e].node;
}

uint32_t ByteTrie::binary_search(const Edge* begin, const Edge* end, unsigned char byte) {
  const Edge* it = std::lower_bound(begin, end, byte, [](const Edge& e, unsigned char b) { return e.byte < b; });
  return it != end && it->byte == byte ? it->node : kNone;
}

}  // namespace hfcpp::tok
