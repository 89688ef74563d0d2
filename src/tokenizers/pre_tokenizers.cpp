#include "tokenizers/pre_tokenizers.h"

#include "tokenizers/unicode.h"

namespace hfcpp::tok {

namespace {

std::vector<Split> to_splits(std::vector<NormalizedString>&& parts) {
  std::vector<Split> out;
  out.reserve(parts.size());
  for (auto& p : parts) out.push_back({std::move(p), std::nullopt});
  return out;
}

}  // namespace

void BertPreTokenizer::pre_tokenize(PreTokenizedString& s) const {
  // Splitting on whitespace (removed) and then each part on punctuation (isolated) gives the same parts as one split
  // where whitespace chars are removed delimiters and each punctuation char a part of its own: one pass, one slice
  // per word.
  s.split([](size_t, NormalizedString&& n) {
    const std::string& text = n.get();
    std::vector<std::pair<Offsets, bool>> matches;  // (range, removed): the words, and the gaps between them
    size_t covered = 0;
    for_each_word(text, [&](size_t begin, size_t end) {
      if (covered < begin) matches.push_back({{covered, begin}, true});
      matches.push_back({{begin, end}, false});
      covered = end;
    });
    if (covered < text.size() || text.empty()) matches.push_back({{covered, text.size()}, true});
    return to_splits(n.split(std::move(matches), SplitBehavior::Removed));
  });
}

void WhitespaceSplitPreTokenizer::pre_tokenize(PreTokenizedString& s) const {
  s.split([](size_t, NormalizedString&& n) {
    return to_splits(n.split([](char32_t c) { return is_whitespace(c); }, SplitBehavior::Removed));
  });
}

void WhitespacePreTokenizer::pre_tokenize(PreTokenizedString& s) const {
  s.split([](size_t, NormalizedString&& n) {
    // Runs of one class: 0 = word char, 1 = whitespace, 2 = other. Whitespace runs are the removed delimiters.
    const std::string& text = n.get();
    std::vector<std::pair<Offsets, bool>> matches;
    if (text.empty()) matches.push_back({{0, 0}, false});
    int run_class = -1;
    for (size_t b = 0; b < text.size();) {
      size_t len;
      const char32_t c = decode_valid_utf8(text.data() + b, &len);
      const int cls = is_word_char(c) ? 0 : is_whitespace(c) ? 1 : 2;
      if (cls == run_class) {
        matches.back().first.second = b + len;
      } else {
        matches.push_back({{b, b + len}, cls == 1});
        run_class = cls;
      }
      b += len;
    }
    return to_splits(n.split(std::move(matches), SplitBehavior::Removed));
  });
}

}  // namespace hfcpp::tok
