// question-answering, mirroring transformers 4.57 pipelines/question_answering.py (fast-tokenizer path):
// question + context truncated only_second with overflow (doc_stride) -> one window per span -> start/end logits ->
// select_starts_ends / decode_spans per window -> word alignment -> equal answers summed -> top_k.
#include "hfcpp/pipelines/question_answering.h"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "hfcpp/core/error.h"
#include "hfcpp/core/threads.h"
#include "pipelines/encoder_inputs.h"
#include "pipelines/load_parts.h"
#include "pipelines/python_json.h"
#include "tokenizers/unicode.h"

namespace hfcpp {

using ordered_json = nlohmann::ordered_json;

namespace {

struct Span {
  size_t start, end;  // token indices in the window, inclusive
  float score;
};

// select_starts_ends + decode_spans for one window of `n` tokens: masked softmaxes, the optional null score, the
// `topk` best (start <= end < start + max_answer_len) pairs, kept when both ends may be part of an answer.
std::vector<Span> best_spans(const float* start_logits, const float* end_logits, const std::vector<char>& allowed,
                             size_t topk, size_t max_answer_len, bool handle_impossible, double& min_null_score) {
  const size_t n = allowed.size();
  const auto probabilities = [&](const float* logits) {
    std::vector<float> p(n);
    for (size_t t = 0; t < n; ++t) p[t] = allowed[t] ? logits[t] : -10000.0f;
    const float max = *std::max_element(p.begin(), p.end());
    float sum = 0;
    for (float& x : p) sum += (x = std::exp(x - max));
    for (float& x : p) x /= sum;
    return p;
  };
  std::vector<float> start = probabilities(start_logits), end = probabilities(end_logits);
  if (handle_impossible) min_null_score = std::min(min_null_score, static_cast<double>(start[0] * end[0]));
  start[0] = end[0] = 0.0f;  // the CLS position is never an answer span itself

  // Candidates with a non-zero score, best first (ties: row-major order, as numpy's argmax).
  std::vector<Span> spans;
  for (size_t i = 0; i < n; ++i)
    for (size_t j = i; j < std::min(n, i + max_answer_len); ++j)
      if (const float s = start[i] * end[j]; s > 0) spans.push_back(Span{i, j, s});
  std::stable_sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.score > b.score; });
  const size_t wanted = std::min(topk, n * n);
  if (spans.size() > wanted) spans.resize(wanted);
  // Fewer positive pairs than asked: numpy fills up with zero-score pairs in an order it does not define; take them
  // in row-major order.
  for (size_t flat = 0; spans.size() < wanted && flat < n * n; ++flat) {
    const size_t i = flat / n, j = flat % n;
    if (j < i || j >= i + max_answer_len || start[i] * end[j] == 0) spans.push_back(Span{i, j, 0.0f});
  }
  std::vector<Span> kept;
  for (const Span& s : spans)
    if (allowed[s.start] && allowed[s.end]) kept.push_back(s);
  return kept;
}

// Python str.lower() (per code point) for comparing answers.
std::string lower(const std::string& text) {
  std::u32string cps;
  tok::for_each_utf8_char(text, [&](const tok::DecodedChar& c) { tok::to_lowercase(c.cp, cps); });
  std::string out;
  for (char32_t cp : cps) tok::append_utf8(out, cp);
  return out;
}

// Character <-> byte positions of a text (Python str indices of its UTF-8 decoding).
struct CharIndex {
  std::vector<size_t> char_of_byte;  // utf8_char_index
  std::vector<size_t> byte_of_char;  // [num_chars + 1]
  explicit CharIndex(const std::string& text) : char_of_byte(utf8_char_index(text)) {
    byte_of_char.assign(char_of_byte.back() + 1, text.size());
    for (size_t b = text.size() + 1; b-- > 0;) byte_of_char[char_of_byte[b]] = b;
  }
  size_t chars() const { return byte_of_char.size() - 1; }
};

class WindowReader {
 public:
  WindowReader(const Encoding& e, int32_t context_seq, const CharIndex& context, const CharIndex& question)
      : e_(e), context_seq_(context_seq), context_(context), question_(question) {}

  // Character offsets of token t in its own text (special tokens: 0, 0).
  std::pair<int64_t, int64_t> char_offsets(size_t t) const {
    const CharIndex& idx = e_.sequence_ids[t] == context_seq_ ? context_ : question_;
    const auto [b, e] = e_.offsets[t];
    return {static_cast<int64_t>(idx.char_of_byte[std::min(b, idx.char_of_byte.size() - 1)]),
            static_cast<int64_t>(idx.char_of_byte[std::min(e, idx.char_of_byte.size() - 1)])};
  }

  // tokenizers' Encoding.word_to_chars(word, sequence_index): first..last token of that word in that sequence.
  std::optional<std::pair<int64_t, int64_t>> word_to_chars(int32_t word, int32_t seq) const {
    std::optional<size_t> first, last;
    for (size_t t = 0; t < e_.size(); ++t)
      if (e_.sequence_ids[t] == seq && e_.word_ids[t] == word) {
        if (!first) first = t;
        last = t;
      }
    if (!first) return std::nullopt;
    return std::pair<int64_t, int64_t>{char_offsets(*first).first, char_offsets(*last).second};
  }

  // QuestionAnsweringPipeline.get_indices.
  std::pair<int64_t, int64_t> indices(size_t s, size_t e, bool align_to_words) const {
    if (align_to_words && e_.word_ids[s] >= 0 && e_.word_ids[e] >= 0) {
      const auto a = word_to_chars(e_.word_ids[s], context_seq_), b = word_to_chars(e_.word_ids[e], context_seq_);
      if (a && b) return {a->first, b->second};
    }
    return {char_offsets(s).first, char_offsets(e).second};
  }

 private:
  const Encoding& e_;
  int32_t context_seq_;
  const CharIndex& context_;
  const CharIndex& question_;
};

void collect_windows(const Encoding& e, std::vector<const Encoding*>& out) {
  out.push_back(&e);
  for (const Encoding& o : e.overflowing) out.push_back(&o);  // transformers uses the first level only
}

}  // namespace

QuestionAnsweringPipeline::QuestionAnsweringPipeline(const std::string& model_dir, const PipelineOptions& options)
    : options_(options),
      token_type_ids_(uses_token_type_ids(model_dir)) {
  std::tie(model_, tokenizer_) = load_model_and_tokenizer(
      model_dir, [&] { return load_model(model_dir, Head::QuestionAnswering, LoadOptions{options.device, options.dtype}); });
  HFCPP_CHECK(options.batch_size >= 1, "question-answering: batch_size must be at least 1, got ", options.batch_size);
  if (options.num_threads > 0) set_num_threads(options.num_threads);
}

std::vector<QuestionAnswer> QuestionAnsweringPipeline::operator()(const QuestionAnsweringInput& input,
                                                                  const QuestionAnsweringOptions& options) const {
  HFCPP_CHECK(options.top_k >= 1, "question-answering: top_k parameter should be >= 1 (got ", options.top_k, ")");
  HFCPP_CHECK(options.max_answer_len >= 1, "question-answering: max_answer_len parameter should be >= 1 (got ",
              options.max_answer_len, ")");
  HFCPP_CHECK(!input.question.empty(), "question-answering: `question` cannot be empty");
  HFCPP_CHECK(!input.context.empty(), "question-answering: `context` cannot be empty");
  const size_t max_seq_len = options.max_seq_len.value_or(std::min<size_t>(tokenizer_.model_max_length(), 384));
  const size_t doc_stride = options.doc_stride.value_or(std::min<size_t>(max_seq_len / 2, 128));
  HFCPP_CHECK(doc_stride <= max_seq_len, "question-answering: `doc_stride` (", doc_stride,
              ") is larger than `max_seq_len` (", max_seq_len, ")");
  HFCPP_CHECK(max_seq_len <= static_cast<size_t>(model_->max_positions()), "question-answering: max_seq_len (",
              max_seq_len, ") is larger than the model's ", model_->max_positions(), " positions");

  // Question first unless the tokenizer pads on the left; only the context is cut, into overlapping windows.
  const bool question_first = tokenizer_.padding_side() == Side::Right;
  EncodeOptions encode;
  encode.truncation = TruncationOptions{
      max_seq_len, question_first ? TruncationStrategy::OnlySecond : TruncationStrategy::OnlyFirst, doc_stride, Side::Right};
  const Encoding encoding = question_first ? tokenizer_.encode_pair(input.question, input.context, encode)
                                           : tokenizer_.encode_pair(input.context, input.question, encode);
  std::vector<const Encoding*> windows;
  collect_windows(encoding, windows);

  const int32_t context_seq = question_first ? 1 : 0;
  const CharIndex context_chars(input.context), question_chars(input.question);
  const std::optional<int32_t> cls_id = tokenizer_.special_token_id("cls");
  const size_t pre_topk = options.align_to_words ? static_cast<size_t>(options.top_k) * 2 + 10
                                                 : static_cast<size_t>(options.top_k);
  const int32_t pad_id = std::max(tokenizer_.pad_token_id(), 0);  // padded positions are masked anyway

  double min_null_score = 1000000;
  std::vector<QuestionAnswer> answers;
  std::vector<std::string> answer_keys;  // lower-cased answers
  const size_t batch_size = static_cast<size_t>(options_.batch_size);
  for (size_t first = 0; first < windows.size(); first += batch_size) {
    const std::vector<const Encoding*> batch(windows.begin() + static_cast<std::ptrdiff_t>(first),
                                             windows.begin() + static_cast<std::ptrdiff_t>(std::min(windows.size(), first + batch_size)));
    const ModelOutputs outputs = model_->forward(make_model_inputs(batch, pad_id, token_type_ids_));
    HFCPP_CHECK(outputs.start_logits.defined() && outputs.end_logits.defined(),
                "question-answering: the model gives no start/end logits");
    const Tensor starts = outputs.start_logits.to(DeviceSpec{}).to(DType::F32).contiguous();  // [batch, seq]
    const Tensor ends = outputs.end_logits.to(DeviceSpec{}).to(DType::F32).contiguous();
    const size_t seq = static_cast<size_t>(starts.dim(1));
    for (size_t row = 0; row < batch.size(); ++row) {
      const Encoding& w = *batch[row];
      // p_mask: 1 for tokens that cannot be in the answer (question, specials), except CLS; padding excluded too.
      std::vector<char> allowed(w.size());
      for (size_t t = 0; t < w.size(); ++t) {
        const bool p_mask = question_first ? w.sequence_ids[t] != 1 : false;
        allowed[t] = (!p_mask || (cls_id && w.ids[t] == *cls_id)) && w.attention_mask[t] != 0;
      }
      const std::vector<Span> spans =
          best_spans(starts.data<float>() + row * seq, ends.data<float>() + row * seq, allowed, pre_topk,
                     options.max_answer_len, options.handle_impossible_answer, min_null_score);
      const WindowReader reader(w, context_seq, context_chars, question_chars);
      for (const Span& span : spans) {
        auto [start, end] = reader.indices(span.start, span.end, options.align_to_words);
        // Python slicing context[start:end]
        const int64_t chars = static_cast<int64_t>(context_chars.chars());
        const int64_t b = std::clamp<int64_t>(start, 0, chars), e = std::clamp<int64_t>(end, 0, chars);
        const std::string text =
            e > b ? input.context.substr(context_chars.byte_of_char[b], context_chars.byte_of_char[e] - context_chars.byte_of_char[b])
                  : std::string();
        const std::string key = lower(text);
        const auto same = std::find(answer_keys.begin(), answer_keys.end(), key);
        if (same != answer_keys.end()) {
          answers[static_cast<size_t>(same - answer_keys.begin())].score += static_cast<double>(span.score);
        } else {
          answers.push_back(QuestionAnswer{static_cast<double>(span.score), start, end, text});
          answer_keys.push_back(key);
        }
      }
    }
  }
  if (options.handle_impossible_answer) answers.push_back(QuestionAnswer{min_null_score, 0, 0, ""});
  std::stable_sort(answers.begin(), answers.end(), [](const auto& a, const auto& b) { return a.score > b.score; });
  if (answers.size() > static_cast<size_t>(options.top_k)) answers.resize(static_cast<size_t>(options.top_k));
  return answers;
}

std::vector<QuestionAnswer> QuestionAnsweringPipeline::operator()(const std::string& question,
                                                                  const std::string& context,
                                                                  const QuestionAnsweringOptions& options) const {
  return (*this)(QuestionAnsweringInput{question, context}, options);
}

std::vector<std::vector<QuestionAnswer>> QuestionAnsweringPipeline::operator()(
    const std::vector<QuestionAnsweringInput>& inputs, const QuestionAnsweringOptions& options) const {
  std::vector<std::vector<QuestionAnswer>> results;
  results.reserve(inputs.size());
  for (const QuestionAnsweringInput& input : inputs) results.push_back((*this)(input, options));
  return results;
}

std::string QuestionAnsweringPipeline::to_json(const std::vector<std::vector<QuestionAnswer>>& results) {
  ordered_json out = ordered_json::array();
  for (const auto& answers : results) {
    ordered_json list = ordered_json::array();
    for (const QuestionAnswer& a : answers)
      list.push_back(ordered_json{{"score", a.score}, {"start", a.start}, {"end", a.end}, {"answer", a.answer}});
    out.push_back(list.size() == 1 ? list[0] : list);
  }
  return python_json_dumps(out.size() == 1 ? out[0] : out);
}

namespace {

QuestionAnsweringInput parse_dict(const ordered_json& item) {
  HFCPP_CHECK(item.is_object(), "question-answering: ", item.dump(), " argument needs to be of type (SquadExample, dict)");
  QuestionAnsweringInput in;
  for (const char* key : {"question", "context"}) {
    HFCPP_CHECK(item.contains(key), "question-answering: You need to provide a dictionary with keys {question:..., context:...}");
    HFCPP_CHECK(!item[key].is_null(), "question-answering: `", key, "` cannot be None");
    HFCPP_CHECK(item[key].is_string(), "question-answering: `", key, "` must be a string");
    (std::string(key) == "question" ? in.question : in.context) = item[key].get<std::string>();
  }
  return in;
}

size_t non_negative(const ordered_json& v, const char* name) {
  HFCPP_CHECK(v.is_number_integer() && v.get<int64_t>() >= 0, "question-answering: ", name, " must be a non-negative integer");
  return v.get<size_t>();
}

}  // namespace

std::string QuestionAnsweringPipeline::run_json(const std::string& inputs_json, const std::string& kwargs_json) const {
  ordered_json inputs, kwargs;
  try {
    inputs = ordered_json::parse(inputs_json.empty() ? "null" : inputs_json);
    kwargs = ordered_json::parse(kwargs_json.empty() ? "{}" : kwargs_json);
  } catch (const nlohmann::json::exception& e) {
    fail("question-answering: inputs/kwargs are not valid JSON: ", e.what());
  }
  HFCPP_CHECK(kwargs.is_object(), "question-answering: kwargs must be a JSON object");
  QuestionAnsweringOptions options;
  std::optional<int> topk;
  bool top_k_given = false;
  for (const auto& [key, value] : kwargs.items()) {
    if (key == "question" || key == "context") continue;  // inputs, below
    if (value.is_null()) continue;                        // Python: None keeps the default
    if (key == "top_k" || key == "topk") {
      HFCPP_CHECK(value.is_number_integer(), "question-answering: ", key, " must be an integer");
      if (key == "top_k") {
        options.top_k = value.get<int>();
        top_k_given = true;
      } else {
        topk = value.get<int>();
      }
    } else if (key == "doc_stride") {
      options.doc_stride = non_negative(value, "doc_stride");
    } else if (key == "max_seq_len") {
      options.max_seq_len = non_negative(value, "max_seq_len");
    } else if (key == "max_question_len") {
      options.max_question_len = non_negative(value, "max_question_len");
    } else if (key == "max_answer_len") {
      HFCPP_CHECK(value.is_number_integer(), "question-answering: max_answer_len must be an integer");
      HFCPP_CHECK(value.get<int64_t>() >= 1, "question-answering: max_answer_len parameter should be >= 1 (got ",
                  value.get<int64_t>(), ")");
      options.max_answer_len = value.get<size_t>();
    } else if (key == "handle_impossible_answer" || key == "align_to_words") {
      HFCPP_CHECK(value.is_boolean(), "question-answering: ", key, " must be true or false");
      (key == "align_to_words" ? options.align_to_words : options.handle_impossible_answer) = value.get<bool>();
    } else if (key == "padding") {
      // Padding a window never changes the answers (padded positions are masked out); accepted and ignored.
      HFCPP_CHECK(value.is_boolean() || value == "do_not_pad" || value == "longest" || value == "max_length",
                  "question-answering: padding must be true, false, \"do_not_pad\", \"longest\" or \"max_length\"");
    } else {
      fail("question-answering: unknown argument '", key, "' (known: question, context, top_k, doc_stride, "
           "max_answer_len, max_seq_len, max_question_len, handle_impossible_answer, align_to_words, padding)");
    }
  }
  if (topk && !top_k_given) options.top_k = *topk;  // deprecated alias

  std::vector<QuestionAnsweringInput> examples;
  if (!inputs.is_null()) {
    if (inputs.is_array()) {
      for (const auto& item : inputs) examples.push_back(parse_dict(item));
    } else {
      examples.push_back(parse_dict(inputs));
    }
  } else {
    HFCPP_CHECK(kwargs.contains("question") && kwargs.contains("context"), "question-answering: Unknown arguments ",
                kwargs.dump(), ": give question= and context=, or {\"question\": ..., \"context\": ...} inputs");
    const ordered_json& q = kwargs["question"];
    const ordered_json& c = kwargs["context"];
    if (q.is_array() && c.is_string()) {
      for (const auto& question : q) examples.push_back(parse_dict({{"question", question}, {"context", c}}));
    } else if (q.is_array() && c.is_array()) {
      HFCPP_CHECK(q.size() == c.size(), "question-answering: Questions and contexts don't have the same lengths");
      for (size_t i = 0; i < q.size(); ++i) examples.push_back(parse_dict({{"question", q[i]}, {"context", c[i]}}));
    } else if (q.is_string() && c.is_string()) {
      examples.push_back(parse_dict({{"question", q}, {"context", c}}));
    } else {
      fail("question-answering: Arguments can't be understood (question and context must be strings, or a list of "
           "questions with one context or a list of contexts)");
    }
  }
  if (examples.empty()) return "[]";
  return to_json((*this)(examples, options));
}

}  // namespace hfcpp
