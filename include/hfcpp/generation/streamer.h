// TextStreamer: hands the text of generated tokens to a callback while generate() runs (transformers' TextStreamer /
// TextIteratorStreamer, with a callback in place of print / a queue), and lets the callback stop generation.
//
// Each piece is valid UTF-8 and never half a character: the streamer decodes all tokens since the last newline
// (as transformers' streamers do) and holds back what later tokens may still change: a trailing incomplete UTF-8
// sequence (it decodes to U+FFFD until its last byte arrives) and trailing spaces (clean_up_tokenization_spaces may
// remove a space before punctuation). Unlike transformers' TextStreamer, which holds back whole words (up to the
// last space), a piece is released as soon as it is final, so text appears token by token.
// The pieces of one generation concatenate to tokenizer.decode(new_tokens) - the pipeline's return_full_text=False
// text. Like transformers, streaming needs one sequence: batch size 1, num_return_sequences 1, no beam search
// (generate() throws otherwise). The prompt is not streamed (transformers' skip_prompt=True).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace hfcpp {

class Tokenizer;

class TextStreamer {
 public:
  // Receives each piece; return false to stop generation after the current token (the text emitted so far is then
  // all the output has, but for what end() flushes).
  using OnText = std::function<bool(std::string_view piece)>;

  struct Options {
    bool skip_special_tokens = true;             // as tokenizer.decode and the pipeline's postprocess
    bool clean_up_tokenization_spaces = false;  // as the pipeline's decode (ignored by byte-level BPE tokenizers)
  };

  // `tokenizer` must outlive the streamer.
  TextStreamer(const Tokenizer& tokenizer, OnText on_text, Options options);
  TextStreamer(const Tokenizer& tokenizer, OnText on_text) : TextStreamer(tokenizer, std::move(on_text), Options{}) {}

  // One generated token. Returns false when the callback asked to stop (generate() then stops).
  bool put(int64_t token);
  // Generation is over: emits whatever is still held back (an incomplete character at the very end becomes U+FFFD,
  // as in the decoded text). Called by generate(); calling it again does nothing.
  void end();

  const std::string& text() const { return text_; }  // everything emitted so far
  bool stopped() const { return stopped_; }           // the callback returned false

 private:
  bool emit(std::string_view piece);

  const Tokenizer& tokenizer_;
  OnText on_text_;
  Options options_;
  std::vector<int32_t> cache_;  // tokens since the last newline
  size_t printed_ = 0;          // bytes of decode(cache_) already emitted
  std::string text_;
  bool stopped_ = false;
};

}  // namespace hfcpp
