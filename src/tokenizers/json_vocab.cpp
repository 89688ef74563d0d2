// parse_json_with_vocab: a SAX handler that builds nlohmann's DOM (as json::parse would) but collects one
// vocabulary object as a list (json_vocab.h says why).
#include "tokenizers/json_vocab.h"

#include <nlohmann/json.hpp>

namespace hfcpp::tok {

using nlohmann::json;

namespace {

class DomWithVocab final : public nlohmann::json_sax<json> {
 public:
  DomWithVocab(json& root, const std::vector<std::string>& vocab_path, std::optional<VocabEntries>& vocab)
      : root_(root), vocab_path_(vocab_path), vocab_(vocab) {}

  bool null() override { return put(json(nullptr)) != nullptr; }
  bool boolean(bool v) override { return put(json(v)) != nullptr; }
  bool number_integer(number_integer_t v) override { return put(json(v)) != nullptr; }
  bool number_unsigned(number_unsigned_t v) override { return put(json(v)) != nullptr; }
  bool number_float(number_float_t v, const string_t&) override { return put(json(v)) != nullptr; }
  bool string(string_t& v) override { return put(json(std::move(v))) != nullptr; }
  bool binary(binary_t& v) override { return put(json::binary(std::move(v))) != nullptr; }

  bool start_object(std::size_t) override {
    const bool capture = at_vocab_path();
    json* slot = put(json::object());
    if (capture) vocab_.emplace();
    stack_.push_back(Frame{slot, capture ? Kind::Vocab : Kind::Object, {}});
    return true;
  }
  bool key(string_t& k) override {
    stack_.back().key = std::move(k);
    return true;
  }
  bool end_object() override {
    stack_.pop_back();
    return true;
  }
  bool start_array(std::size_t) override {
    json* slot = put(json::array());
    stack_.push_back(Frame{slot, Kind::Array, {}});
    return true;
  }
  bool end_array() override {
    stack_.pop_back();
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override { throw e; }

 private:
  enum class Kind { Object, Array, Vocab };
  struct Frame {
    json* value;
    Kind kind;
    std::string key;  // objects: the key of the value being read
  };

  // Whether the value about to start sits at vocab_path: every enclosing frame an object, entered by its key.
  bool at_vocab_path() const {
    if (stack_.size() != vocab_path_.size()) return false;
    for (size_t i = 0; i < stack_.size(); ++i)
      if (stack_[i].kind != Kind::Object || stack_[i].key != vocab_path_[i]) return false;
    return true;
  }

  // Stores a value where the parser is and returns where it now lives (stable until its container grows: only
  // after the value's own frame, if any, is closed).
  json* put(json&& v) {
    if (at_vocab_path()) vocab_.reset();  // a later value under the same key replaces an earlier one, as in the DOM
    if (stack_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    Frame& top = stack_.back();
    switch (top.kind) {
      case Kind::Array:
        top.value->push_back(std::move(v));
        return &top.value->back();
      case Kind::Object: {
        json& slot = (*top.value)[top.key];  // a later duplicate key replaces the earlier value, as json::parse
        slot = std::move(v);
        return &slot;
      }
      case Kind::Vocab:
        vocab_->emplace_back(std::move(top.key), std::move(v));
        return &vocab_->back().second;
    }
    return nullptr;
  }

  json& root_;
  const std::vector<std::string>& vocab_path_;
  std::optional<VocabEntries>& vocab_;
  std::vector<Frame> stack_;
};

}  // namespace

json parse_json_with_vocab(const std::string& text, const std::vector<std::string>& vocab_path,
                           std::optional<VocabEntries>& vocab) {
  vocab.reset();
  json root;
  DomWithVocab handler(root, vocab_path, vocab);
  json::sax_parse(text, &handler);
  return root;
}

VocabEntries take_vocab(json& object, std::optional<VocabEntries>& captured) {
  if (captured) {
    VocabEntries entries = std::move(*captured);
    captured.reset();
    return entries;
  }
  VocabEntries entries;
  json::object_t& nodes = object.get_ref<json::object_t&>();
  entries.reserve(nodes.size());
  while (!nodes.empty()) {
    auto node = nodes.extract(nodes.begin());
    entries.emplace_back(std::move(node.key()), std::move(node.mapped()));
  }
  return entries;
}

TokenMap to_token_map(VocabEntries&& entries, uint64_t max_id,
                      const std::function<void(const std::string&, const json&)>& bad_entry) {
  TokenMap map;
  map.reserve(entries.size());
  for (auto& [token, id] : entries) {
    if (!id.is_number_unsigned() || id.get<uint64_t>() > max_id) bad_entry(token, id);
    map.insert_or_assign(std::move(token), static_cast<int32_t>(id.get<uint64_t>()));
  }
  VocabEntries().swap(entries);
  return map;
}

}  // namespace hfcpp::tok
