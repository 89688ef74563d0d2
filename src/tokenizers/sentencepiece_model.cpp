#include "tokenizers/sentencepiece_model.h"

#include <sentencepiece_processor.h>
#include <utf8proc.h>

#include <algorithm>

#include "hfcpp/core/error.h"
#include "tokenizers/encoding.h"
#include "tokenizers/unicode.h"

namespace hfcpp::tok {

namespace {

const std::string kSpiece = "\xE2\x96\x81";  // U+2581

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// Python's str.isdigit() for the chars that can precede ALBERT's "," rule (Nd, and the superscript / subscript /
// circled digits whose Numeric_Type is Digit).
bool is_python_digit(char32_t c) {
  if (utf8proc_category(static_cast<utf8proc_int32_t>(c)) == UTF8PROC_CATEGORY_ND) return true;
  return c == 0xB2 || c == 0xB3 || c == 0xB9 || c == 0x2070 || (c >= 0x2074 && c <= 0x2079) ||
         (c >= 0x2080 && c <= 0x2089) || (c >= 0x2460 && c <= 0x2468) || (c >= 0x2474 && c <= 0x247C) ||
         (c >= 0x2488 && c <= 0x2490) || (c >= 0x24F5 && c <= 0x24FD) || c == 0x24EA || c == 0x24FF ||
         (c >= 0x2776 && c <= 0x277E) || (c >= 0x2780 && c <= 0x2788) || (c >= 0x278A && c <= 0x2792) ||
         (c >= 0x1369 && c <= 0x1371) || c == 0x19DA;
}

// Chars SentencePiece normalization commonly turns into "▁" or drops: whitespace, controls / format chars, U+FFFD.
bool normalized_away(char32_t c) {
  if (is_python_space(c) || c == 0x2581 || c == kReplacementChar) return true;
  const auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(c));
  return cat == UTF8PROC_CATEGORY_CC || cat == UTF8PROC_CATEGORY_CF;
}

bool only_normalized_away(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    size_t len;
    if (!normalized_away(decode_valid_utf8(s.data() + i, &len))) return false;
    i += len;
  }
  return true;
}

char32_t last_char(std::string_view s) {
  size_t start = s.size() - 1;
  while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
  size_t len;
  return decode_valid_utf8(s.data() + start, &len);
}

struct Piece {
  std::string piece;
  Offsets offsets;  // bytes of the text given to the encoder
};

std::vector<Piece> encode_pieces(const sentencepiece::SentencePieceProcessor& sp, std::string_view text) {
  const auto proto = sp.EncodeAsImmutableProto(text);
  std::vector<Piece> out;
  out.reserve(proto.pieces_size());
  for (size_t i = 0; i < proto.pieces_size(); ++i) {
    const auto p = proto.pieces(static_cast<int>(i));
    out.push_back({p.piece(), {std::min<size_t>(p.begin(), text.size()), std::min<size_t>(p.end(), text.size())}});
  }
  return out;
}

// AlbertTokenizer._tokenize: a piece ending in "<digit>," is re-encoded without the comma, which stands alone.
std::vector<Piece> albert_split_digit_commas(const sentencepiece::SentencePieceProcessor& sp, std::string_view text,
                                             std::vector<Piece> pieces) {
  std::vector<Piece> out;
  out.reserve(pieces.size());
  for (Piece& p : pieces) {
    const std::u32string chars = to_u32(p.piece);
    if (chars.size() < 2 || chars.back() != U',' || !is_python_digit(chars[chars.size() - 2])) {
      out.push_back(std::move(p));
      continue;
    }
    const std::string body = replace_all(p.piece.substr(0, p.piece.size() - 1), kSpiece, "");
    std::vector<Piece> sub = encode_pieces(sp, body);
    if (!starts_with(p.piece, kSpiece) && !sub.empty() && starts_with(sub[0].piece, kSpiece)) {
      if (sub[0].piece == kSpiece) sub.erase(sub.begin());
      else sub[0].piece.erase(0, kSpiece.size());
    }
    // Offsets: the comma is the surface's last byte; the sub-pieces map into the surface when it spells `body`.
    const auto [begin, end] = p.offsets;
    const size_t comma = end > begin && text[end - 1] == ',' ? end - 1 : end;
    size_t body_begin = begin;
    while (body_begin < comma && text.substr(body_begin, comma - body_begin) != body &&
           is_python_space(static_cast<unsigned char>(text[body_begin])))
      ++body_begin;
    const bool aligned = text.substr(body_begin, comma - body_begin) == body;
    for (size_t k = 0; k < sub.size(); ++k) {
      Piece& s = sub[k];
      s.offsets = aligned ? Offsets{k == 0 ? begin : body_begin + s.offsets.first, body_begin + s.offsets.second}
                          : Offsets{begin, comma};
      out.push_back(std::move(s));
    }
    out.push_back({",", {comma, end}});
  }
  return out;
}

}  // namespace

bool is_python_space(char32_t c) { return is_whitespace(c) || (c >= 0x1C && c <= 0x1F); }

std::string python_strip(const std::string& s) {
  const std::u32string chars = to_u32(s);
  size_t b = 0, e = chars.size();
  while (b < e && is_python_space(chars[b])) ++b;
  while (e > b && is_python_space(chars[e - 1])) --e;
  std::string out;
  for (size_t i = b; i < e; ++i) append_utf8(out, chars[i]);
  return out;
}

std::shared_ptr<const sentencepiece::SentencePieceProcessor> load_sentencepiece(const std::string& path) {
  auto sp = std::make_shared<sentencepiece::SentencePieceProcessor>();
  const auto status = sp->Load(path);
  if (!status.ok()) fail("SentencePiece model '", path, "': cannot load (missing, truncated or corrupt): ",
                         status.ToString());
  HFCPP_CHECK(sp->GetPieceSize() > 0, "SentencePiece model '", path, "': the vocabulary is empty");
  return sp;
}

// ---- SentencePieceModel ------------------------------------------------------------------------------------------

SentencePieceModel::SentencePieceModel(std::shared_ptr<const sentencepiece::SentencePieceProcessor> sp,
                                       SpmFlavor flavor)
    : sp_(std::move(sp)), flavor_(flavor) {
  unk_token_ = sp_->unk_id() >= 0 ? sp_->IdToPiece(sp_->unk_id()) : "<unk>";
  if (flavor_ == SpmFlavor::XlmRoberta) {
    fairseq_tokens_ = {"<s>", "<pad>", "</s>", "<unk>"};
    unk_token_ = "<unk>";
  }
}

int32_t SentencePieceModel::piece_id(const std::string& piece) const {
  if (flavor_ != SpmFlavor::XlmRoberta) return sp_->PieceToId(piece);
  for (size_t i = 0; i < fairseq_tokens_.size(); ++i)
    if (piece == fairseq_tokens_[i]) return static_cast<int32_t>(i);
  const int id = sp_->PieceToId(piece);
  return id ? id + 1 : 3;  // fairseq_offset; SentencePiece's unknown (0) -> <unk> (3)
}

std::vector<Token> SentencePieceModel::tokenize(std::string_view word) const {
  std::vector<Piece> pieces = encode_pieces(*sp_, word);
  if (flavor_ == SpmFlavor::Albert) pieces = albert_split_digit_commas(*sp_, word, std::move(pieces));
  auto char_end = [&](size_t pos) {
    size_t len = 1;
    if (pos < word.size()) decode_valid_utf8(word.data() + pos, &len);
    return std::min(pos + len, word.size());
  };
  std::vector<Token> out;
  out.reserve(pieces.size());
  for (Piece& p : pieces) out.push_back(Token{piece_id(p.piece), std::move(p.piece), p.offsets});
  // SentencePiece gives the surface of a char that normalization expanded ("ﬃ" -> "f" "f" "i", "½" -> "1" "⁄" "2")
  // to the last of its pieces; like the fast tokenizers, every piece holding part of it covers the whole char:
  // pieces with an empty surface, and one whose surface is only the space of its "▁" ("▁D" over " " before "ǅ").
  for (size_t i = 0; i < out.size(); ++i) {
    const auto [b, e] = pieces[i].offsets;
    if (out[i].value == kSpiece || e >= word.size()) continue;
    if (b == e) {
      out[i].offsets = {b, char_end(b)};
    } else if (i + 1 < out.size() && pieces[i + 1].offsets.first == e && only_normalized_away(word.substr(b, e - b))) {
      out[i].offsets.second = char_end(e);
    }
  }
  // The surface also holds the chars normalization turned into the "▁" or dropped (whitespace, controls, U+FFFD, a
  // literal "▁") at its ends; the fast tokenizers' offsets leave them out.
  for (Token& t : out) {
    if (t.value == kSpiece || t.value.empty()) continue;
    auto& [b, e] = t.offsets;
    size_t len;
    const char32_t first = decode_valid_utf8(t.value.data(), &len);
    while (b < e) {
      const char32_t c = decode_valid_utf8(word.data() + b, &len);
      if ((c == first && first != 0x2581) || !normalized_away(c) || b + len >= e) break;
      b += len;
    }
    const char32_t last = last_char(t.value);
    while (e > b) {
      size_t start = e - 1;
      while (start > b && (static_cast<unsigned char>(word[start]) & 0xC0) == 0x80) --start;
      const char32_t c = decode_valid_utf8(word.data() + start, &len);
      if (c == last || !normalized_away(c) || start == b) break;
      e = start;
    }
  }
  // The dummy-prefix "▁" (empty surface) takes the first char of the piece after it.
  for (size_t i = 0; i + 1 < out.size(); ++i)
    if (out[i].value == kSpiece && out[i].offsets.first == out[i].offsets.second &&
        out[i + 1].offsets.first < out[i + 1].offsets.second)
      out[i].offsets = {out[i + 1].offsets.first,
                        std::min(char_end(out[i + 1].offsets.first), out[i + 1].offsets.second)};
  return out;
}

std::optional<int32_t> SentencePieceModel::token_to_id(std::string_view token) const {
  const std::string t(token);
  const int32_t id = piece_id(t);
  const std::optional<std::string_view> back = id_to_token(id);
  if (!back || *back != t) return std::nullopt;
  return id;
}

std::optional<std::string_view> SentencePieceModel::id_to_token(int32_t id) const {
  if (id < 0) return std::nullopt;
  if (flavor_ == SpmFlavor::XlmRoberta) {
    if (static_cast<size_t>(id) < fairseq_tokens_.size()) return fairseq_tokens_[static_cast<size_t>(id)];
    --id;
  }
  if (id >= sp_->GetPieceSize()) return std::nullopt;
  return sp_->IdToPiece(id);
}

size_t SentencePieceModel::vocab_size() const {
  return static_cast<size_t>(sp_->GetPieceSize()) + (flavor_ == SpmFlavor::XlmRoberta ? 1 : 0);
}

// ---- T5EosProcessing ---------------------------------------------------------------------------------------------

std::vector<RawEncoding> T5EosProcessing::process_encodings(std::vector<RawEncoding> encodings,
                                                            bool add_special_tokens) const {
  for (RawEncoding& e : encodings) {
    e.type_ids.assign(e.size(), 0);
    if (!add_special_tokens || (!e.ids.empty() && e.ids.back() == eos_id_)) continue;
    const size_t n = e.size();
    e.push(eos_id_, eos_, {0, 0}, -1, 0, 1);
    for (auto& [seq, range] : e.sequence_ranges) range = {0, n};
    for (RawEncoding& o : e.overflowing) {
      o.type_ids.assign(o.size(), 0);
      if (!o.ids.empty() && o.ids.back() == eos_id_) continue;
      const size_t m = o.size();
      o.push(eos_id_, eos_, {0, 0}, -1, 0, 1);
      for (auto& [seq, range] : o.sequence_ranges) range = {0, m};
    }
  }
  return encodings;
}

// ---- SentencePieceDecoder ----------------------------------------------------------------------------------------

std::string SentencePieceDecoder::tokens_to_string(std::vector<std::string> tokens) const {
  if (tokens.empty()) return "";
  if (flavor_ == SpmFlavor::XlmRoberta) {
    std::string joined;
    for (const std::string& t : tokens) joined += t;
    return python_strip(replace_all(joined, kSpiece, " "));
  }
  if (flavor_ == SpmFlavor::T5 && add_prefix_space_ && starts_with(tokens[0], kSpiece))
    tokens[0].erase(0, kSpiece.size());
  std::string out;
  std::vector<std::string> run;
  bool prev_special = false;
  for (std::string& t : tokens) {
    if (special_.count(t)) {
      if (!prev_special) out += " ";
      out += sp_->DecodePieces(run) + t;
      prev_special = true;
      run.clear();
    } else {
      run.push_back(std::move(t));
      prev_special = false;
    }
  }
  out += sp_->DecodePieces(run);
  return python_strip(out);
}

std::vector<std::string> SentencePieceDecoder::decode_chain(std::vector<std::string> tokens) const {
  std::vector<std::string> parts;
  std::vector<std::string> run;
  for (std::string& t : tokens) {
    if (legacy_added_.count(t)) {
      if (!run.empty()) {
        std::string s = tokens_to_string(std::move(run));
        if (!s.empty()) parts.push_back(std::move(s));
        run.clear();
      }
      parts.push_back(std::move(t));
    } else {
      run.push_back(std::move(t));
    }
  }
  if (!run.empty()) parts.push_back(tokens_to_string(std::move(run)));
  std::string text;
  for (size_t i = 0; i < parts.size(); ++i) text += (i ? " " : "") + parts[i];
  return {text};
}

}  // namespace hfcpp::tok
