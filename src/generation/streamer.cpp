// TextStreamer: incremental decoding of generated tokens into UTF-8-safe pieces (see hfcpp/generation/streamer.h).
#include "hfcpp/generation/streamer.h"

#include "hfcpp/core/error.h"
#include "hfcpp/tokenizers/tokenizer.h"

namespace hfcpp {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD, what an incomplete UTF-8 sequence decodes to

// The end of the part of `text` that later tokens cannot change: before trailing U+FFFDs and spaces.
size_t stable_end(std::string_view text) {
  size_t end = text.size();
  while (true) {
    if (end >= kReplacement.size() && text.substr(end - kReplacement.size(), kReplacement.size()) == kReplacement) {
      end -= kReplacement.size();
    } else if (end > 0 && text[end - 1] == ' ') {
      --end;
    } else {
      return end;
    }
  }
}

}  // namespace

TextStreamer::TextStreamer(const Tokenizer& tokenizer, OnText on_text, Options options)
    : tokenizer_(tokenizer), on_text_(std::move(on_text)), options_(options) {
  HFCPP_CHECK(static_cast<bool>(on_text_), "TextStreamer: no callback given");
}

bool TextStreamer::emit(std::string_view piece) {
  if (piece.empty()) return !stopped_;
  text_.append(piece);
  if (!on_text_(piece)) stopped_ = true;
  return !stopped_;
}

bool TextStreamer::put(int64_t token) {
  cache_.push_back(static_cast<int32_t>(token));
  const std::string text = tokenizer_.decode(cache_, options_.skip_special_tokens, options_.clean_up_tokenization_spaces);
  // Only text that extends what was emitted can go out; a decoder that rewrote earlier text (not the case for
  // byte-level BPE) waits for end().
  if (text.compare(0, printed_, text_, text_.size() - printed_, printed_) != 0) return !stopped_;
  bool go_on = true;
  if (!text.empty() && text.back() == '\n') {  // a line is complete: emit it and start afresh, as transformers does
    go_on = emit(std::string_view(text).substr(printed_));
    cache_.clear();
    printed_ = 0;
    return go_on;
  }
  const size_t end = stable_end(text);
  if (end > printed_) {
    go_on = emit(std::string_view(text).substr(printed_, end - printed_));
    printed_ = end;
  }
  return go_on;
}

void TextStreamer::end() {
  if (!cache_.empty()) {
    const std::string text = tokenizer_.decode(cache_, options_.skip_special_tokens, options_.clean_up_tokenization_spaces);
    if (text.size() > printed_ && text.compare(0, printed_, text_, text_.size() - printed_, printed_) == 0)
      emit(std::string_view(text).substr(printed_));
  }
  cache_.clear();
  printed_ = 0;
}

}  // namespace hfcpp
