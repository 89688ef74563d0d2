#include "tokenizers/post_processors.h"

#include <algorithm>
#include <charconv>

#include "hfcpp/core/error.h"

namespace hfcpp::tok {

RawEncoding PostProcessor::process(RawEncoding encoding, std::optional<RawEncoding> pair,
                                   bool add_special_tokens) const {
  std::vector<RawEncoding> encodings;
  encodings.push_back(std::move(encoding));
  if (pair) encodings.push_back(std::move(*pair));
  for (size_t i = 0; i < encodings.size(); ++i) {
    RawEncoding& e = encodings[i];
    e.set_sequence_id(i);
    for (RawEncoding& o : e.overflowing) o.set_sequence_id(i);
    e.type_ids.assign(e.size(), static_cast<int32_t>(i));
  }
  return RawEncoding::merge(process_encodings(std::move(encodings), add_special_tokens), false);
}

// ---- TemplateProcessing ------------------------------------------------------------------------------------------

TemplateProcessing::TemplateProcessing(std::vector<Piece> single, std::vector<Piece> pair,
                                       std::map<std::string, SpecialToken> special)
    : single_(std::move(single)), pair_(std::move(pair)), special_(std::move(special)) {
  auto count = [&](const std::vector<Piece>& pieces) {
    size_t n = 0;
    for (const Piece& p : pieces) {
      if (p.is_sequence) continue;
      auto it = special_.find(p.id);
      HFCPP_CHECK(it != special_.end(), "TemplateProcessing: missing SpecialToken(s) with id(s) `", p.id, "`");
      n += it->second.ids.size();
    }
    return n;
  };
  added_single_ = count(single_);
  added_pair_ = count(pair_);
}

std::vector<RawEncoding> TemplateProcessing::process_encodings(std::vector<RawEncoding> encodings,
                                                               bool add_special_tokens) const {
  const std::vector<Piece>& pieces = encodings.size() == 2 ? pair_ : single_;
  std::vector<RawEncoding> out;
  out.reserve(pieces.size());
  for (size_t k = 0; k < pieces.size(); ++k) {
    const Piece& p = pieces[k];
    if (p.is_sequence) {
      const size_t i = static_cast<size_t>(p.sequence);
      HFCPP_CHECK(i < encodings.size(), "TemplateProcessing: the template uses $B but no pair was given");
      RawEncoding& e = encodings[i];
      e.type_ids.assign(e.size(), p.type_id);
      e.set_sequence_id(i);
      // The sequence moves into its last place in the template and is copied only into earlier ones ("$A $A").
      const bool used_later = std::any_of(pieces.begin() + static_cast<std::ptrdiff_t>(k) + 1, pieces.end(),
                                          [&](const Piece& q) { return q.is_sequence && q.sequence == p.sequence; });
      if (used_later) out.push_back(e);
      else out.push_back(std::move(e));
    } else if (add_special_tokens) {
      const SpecialToken& tok = special_.at(p.id);
      RawEncoding e;
      e.reserve(tok.ids.size());
      for (size_t k = 0; k < tok.ids.size(); ++k) e.push(tok.ids[k], tok.tokens[k], {0, 0}, -1, p.type_id, 1);
      out.push_back(std::move(e));
    }
  }
  return out;
}

std::vector<TemplateProcessing::Piece> parse_template(const std::string& text) {
  std::vector<TemplateProcessing::Piece> pieces;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t space = text.find(' ', pos);
    if (space == std::string::npos) space = text.size();
    const std::string part = text.substr(pos, space - pos);
    pos = space + 1;
    std::string id = part;
    int32_t type_id = 0;
    if (const size_t colon = part.find(':'); colon != std::string::npos) {
      id = part.substr(0, colon);
      const std::string type = part.substr(colon + 1);
      uint32_t value = 0;
      auto [ptr, ec] = std::from_chars(type.data(), type.data() + type.size(), value);
      HFCPP_CHECK(ec == std::errc() && ptr == type.data() + type.size() && type.find(':') == std::string::npos,
                  "TemplateProcessing: cannot build Piece from string \"", part, "\"");
      type_id = static_cast<int32_t>(value);
    }
    TemplateProcessing::Piece piece{false, 0, id, type_id};
    if (!id.empty() && id[0] == '$') {
      const std::string rest = id.substr(1);
      piece.is_sequence = true;
      if (rest.empty() || rest == "A" || rest == "a") {
        piece.sequence = 0;
      } else if (rest == "B" || rest == "b") {
        piece.sequence = 1;
      } else {
        uint32_t value = 0;
        auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), value);
        HFCPP_CHECK(ec == std::errc() && ptr == rest.data() + rest.size(),
                    "TemplateProcessing: cannot build Piece from string \"", part, "\"");
        if (part.find(':') == std::string::npos) piece.type_id = static_cast<int32_t>(value);
      }
    }
    pieces.push_back(std::move(piece));
  }
  return pieces;
}

// ---- BertProcessing ----------------------------------------------------------------------------------------------

RawEncoding BertProcessing::wrap(const RawEncoding& e, bool first) const {
  RawEncoding out;
  out.reserve(e.size() + 2);
  if (first) out.push(cls_.second, cls_.first, {0, 0}, -1, 0, 1);
  for (size_t i = 0; i < e.size(); ++i) out.push(e.ids[i], e.tokens[i], e.offsets[i], e.words[i], e.type_ids[i], 0);
  out.push(sep_.second, sep_.first, {0, 0}, -1, first ? 0 : 1, 1);
  // The sequence range excludes the special tokens, as TemplateProcessing's does.
  if (first) out.sequence_ranges[0] = {1, out.size() - 1};
  else out.sequence_ranges[1] = {0, out.size() - 1};
  return out;
}

std::vector<RawEncoding> BertProcessing::process_encodings(std::vector<RawEncoding> encodings,
                                                           bool add_special_tokens) const {
  if (!add_special_tokens) return encodings;
  std::vector<RawEncoding> out;
  for (size_t i = 0; i < encodings.size(); ++i) {
    RawEncoding wrapped = wrap(encodings[i], i == 0);
    for (const RawEncoding& o : encodings[i].overflowing) wrapped.overflowing.push_back(wrap(o, i == 0));
    out.push_back(std::move(wrapped));
  }
  return out;
}

}  // namespace hfcpp::tok
