// ByteTrie: a static byte trie over token strings (children of a node contiguous and sorted by byte, the root's in a
// 256-entry table), shared by the models that match vocabulary prefixes byte by byte: Unigram's Viterbi lattice and
// WordPiece's greedy longest match. One walk finds every vocabulary entry that starts at a position, where a hash
// lookup per candidate length would hash the same bytes over and over.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace hfcpp::tok {

class ByteTrie {
 public:
  static constexpr uint32_t kRoot = 0;
  static constexpr uint32_t kNone = 0;  // child() when there is none (the root is never a child)

  ByteTrie() = default;
  // (key, id) pairs with distinct keys; empty keys are skipped.
  explicit ByteTrie(std::vector<std::pair<std::string_view, int32_t>> keys);

  uint32_t child(uint32_t node, unsigned char byte) const {
    if (node == kRoot) return root_children_[byte];
    const Node& n = nodes_[node];
    const Edge* begin = edges_.data() + n.first_child;
    const Edge* end = begin + n.child_count;
    if (n.child_count <= 8) {
      for (const Edge* e = begin; e != end; ++e)
        if (e->byte == byte) return e->node;
      return kNone;
    }
    return binary_search(begin, end, byte);
  }
  // The id of the key that ends at `node`, -1 when none does.
  int32_t id(uint32_t node) const { return nodes_[node].id; }

 private:
  struct Node {
    uint32_t first_child = 0;
    uint16_t child_count = 0;
    int32_t id = -1;
  };
  struct Edge {
    unsigned char byte;
    uint32_t node;
  };
  static uint32_t binary_search(const Edge* begin, const Edge* end, unsigned char byte);

  std::vector<Node> nodes_ = std::vector<Node>(1);
  std::vector<Edge> edges_;
  std::array<uint32_t, 256> root_children_{};
};

}  // namespace hfcpp::tok
