#include "tokenizers/decoders.h"

namespace hfcpp::tok {

std::string Decoder::decode(std::vector<std::string> tokens) const {
  std::string out;
  for (const std::string& t : decode_chain(std::move(tokens))) out += t;
  return out;
}

std::string replace_all(const std::string& text, const std::string& from, const std::string& to) {
  if (from.empty()) return text;
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (true) {
    const size_t hit = text.find(from, pos);
    if (hit == std::string::npos) break;
    out.append(text, pos, hit - pos);
    out += to;
    pos = hit + from.size();
  }
  out.append(text, pos, std::string::npos);
  return out;
}

namespace {
// Every cleanup rule starts with a space: a text without one (most decoded tokens) is returned untouched, and a rule
// is only rewritten into a new string when it occurs (decode runs these per token).
template <size_t N>
std::string apply_space_rules(const std::string& text, const std::pair<const char*, const char*> (&rules)[N]) {
  if (text.find(' ') == std::string::npos) return text;
  std::string out = text;
  for (const auto& [from, to] : rules)
    if (out.find(from) != std::string::npos) out = replace_all(out, from, to);
  return out;
}
}  // namespace

std::string wordpiece_cleanup(const std::string& text) {
  static const std::pair<const char*, const char*> kRules[] = {
      {" .", "."},     {" ?", "?"},     {" !", "!"},           {" ,", ","},     {" ' ", "'"},   {" n't", "n't"},
      {" 'm", "'m"},   {" do not", " don't"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
  return apply_space_rules(text, kRules);
}

std::string clean_up_tokenization(const std::string& text) {
  static const std::pair<const char*, const char*> kRules[] = {
      {" .", "."},   {" ?", "?"},   {" !", "!"},   {" ,", ","},   {" ' ", "'"},
      {" n't", "n't"}, {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
  return apply_space_rules(text, kRules);
}

std::vector<std::string> WordPieceDecoder::decode_chain(std::vector<std::string> tokens) const {
  for (size_t i = 0; i < tokens.size(); ++i) {
    std::string& t = tokens[i];
    if (i != 0) {
      if (t.compare(0, prefix_.size(), prefix_) == 0) t.erase(0, prefix_.size());
      else t = " " + t;
    }
    if (cleanup_) t = wordpiece_cleanup(t);
  }
  return tokens;
}

}  // namespace hfcpp::tok
