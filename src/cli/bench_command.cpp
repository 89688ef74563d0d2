// `hfcpp bench`: times an encoder pipeline's model forward (or the whole pipeline with --end-to-end) on B inputs of
// exactly S tokens, and prints latency (median, p90) and throughput as one JSON line and one readable line;
// text-generation goes to bench_generation.cpp.
// benchmarks/compare_encoders.py runs it beside PyTorch, ONNX Runtime and CTranslate2 on the same token ids
// (--input-ids) and compares the outputs (--save-output).
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/bench_util.h"
#include "cli/commands.h"
#include "hfcpp/hfcpp.h"
#include "pipelines/encoder_inputs.h"

namespace hfcpp::cli {

namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kBenchUsage = "usage:\n" HFCPP_BENCH_USAGE
    "  --end-to-end      time text in -> JSON out (tokenize, model, post-processing) instead of the model forward\n"
    "  --texts FILE      with --end-to-end: one text per line, all of them per timed call (in batches of B)\n"
    "                    instead of B generated texts of exactly S tokens\n"
    "  --input-ids FILE  token ids as JSON [[...], ...] (sets B and S; special tokens included); default: seeded\n"
    "                    random ids framed by the tokenizer's special tokens\n"
    "  --save-output F   write the model output of the last forward (logits, else start/end logits, else\n"
    "                    last_hidden_state) as JSON {\"name\", \"shape\", \"data\"}\n"
    "  --device D        cpu (default), cuda, cuda:N\n"
    "  --new N           text-generation: new tokens per generation (default 128); B prompts of S seeded ids (or\n"
    "                    --input-ids), greedy, KV cache; prints prefill, decode-step latency and tokens/s\n"
    "defaults: --batch 1 --seq 128 --dtype float32 --warmup 3 --iters 20; --threads 0 = OMP_NUM_THREADS or all cores;\n"
    "text-generation: --seq 32 --warmup 1 --iters 3 (generations)\n";

struct BenchArgs {
  std::string model, task, dtype = "float32", device = "cpu", input_ids, save_output, texts;
  int batch = 1, seq = 128, threads = 0, warmup = 3, iters = 20, new_tokens = 128;
  // Which options were given: text-generation has its own defaults, and --new is for it alone.
  bool end_to_end = false, seq_given = false, warmup_given = false, iters_given = false, new_given = false;
};

std::string need_value(int& i, int argc, char** argv) {
  if (i + 1 >= argc) fail("bench: option ", argv[i], " needs a value");
  return argv[++i];
}

int parse_count(const std::string& text, const char* option, int minimum) {
  int value = 0;
  size_t used = 0;
  try {
    value = std::stoi(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size()) fail("bench: option ", option, " expects an integer, got '", text, "'");
  if (value < minimum) fail("bench: option ", option, " must be at least ", minimum, ", got ", value);
  return value;
}

BenchArgs parse(int argc, char** argv) {
  BenchArgs a;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--model") a.model = need_value(i, argc, argv);
    else if (arg == "--task") a.task = need_value(i, argc, argv);
    else if (arg == "--batch") a.batch = parse_count(need_value(i, argc, argv), "--batch", 1);
    else if (arg == "--seq") a.seq = parse_count(need_value(i, argc, argv), "--seq", 1), a.seq_given = true;
    else if (arg == "--dtype") a.dtype = need_value(i, argc, argv);
    else if (arg == "--threads") a.threads = parse_count(need_value(i, argc, argv), "--threads", 0);
    else if (arg == "--warmup") a.warmup = parse_count(need_value(i, argc, argv), "--warmup", 0), a.warmup_given = true;
    else if (arg == "--iters") a.iters = parse_count(need_value(i, argc, argv), "--iters", 1), a.iters_given = true;
    else if (arg == "--new") a.new_tokens = parse_count(need_value(i, argc, argv), "--new", 1), a.new_given = true;
    else if (arg == "--device") a.device = need_value(i, argc, argv);
    else if (arg == "--input-ids") a.input_ids = need_value(i, argc, argv);
    else if (arg == "--save-output") a.save_output = need_value(i, argc, argv);
    else if (arg == "--texts") a.texts = need_value(i, argc, argv);
    else if (arg == "--end-to-end") a.end_to_end = true;
    else if (arg == "-h" || arg == "--help") {
      std::cout << kBenchUsage;
      std::exit(0);
    } else fail("bench: unknown argument '", arg, "'\n", kBenchUsage);
  }
  if (a.model.empty()) fail("bench: --model DIR is required\n", kBenchUsage);
  if (a.task.empty()) fail("bench: --task T is required\n", kBenchUsage);
  if (a.end_to_end && !a.input_ids.empty()) fail("bench: --input-ids is for the model forward, not --end-to-end");
  if (!a.end_to_end && !a.texts.empty()) fail("bench: --texts goes with --end-to-end");
  if (a.new_given && a.task != "text-generation") fail("bench: --new is for --task text-generation");
  return a;
}

// The special tokens the tokenizer frames one text with ([CLS] ... [SEP], <s> ... </s>): the ids before and
// after the content of a one-word encoding.
void special_frame(const Tokenizer& tok, std::vector<int32_t>& prefix, std::vector<int32_t>& suffix) {
  const Encoding e = tok.encode("hello");
  size_t first = e.size(), last = 0;
  for (size_t i = 0; i < e.size(); ++i)
    if (e.sequence_ids[i] == 0) first = std::min(first, i), last = i;
  HFCPP_CHECK(first < e.size(), "bench: the tokenizer gives no tokens for 'hello'");
  prefix.assign(e.ids.begin(), e.ids.begin() + static_cast<std::ptrdiff_t>(first));
  suffix.assign(e.ids.begin() + static_cast<std::ptrdiff_t>(last) + 1, e.ids.end());
}

// B rows of exactly S ids: the special-token frame around seeded random non-special ids of the vocabulary.
std::vector<std::vector<int32_t>> random_ids(const Tokenizer& tok, int batch, int seq) {
  std::vector<int32_t> prefix, suffix;
  special_frame(tok, prefix, suffix);
  const size_t frame = prefix.size() + suffix.size();
  if (static_cast<size_t>(seq) < frame) fail("bench: --seq ", seq, " is shorter than the ", frame, " special tokens");
  const uint64_t vocab = tok.vocab_size(false);
  uint64_t state = 0;
  std::vector<std::vector<int32_t>> rows(static_cast<size_t>(batch));
  for (auto& row : rows) {
    row = prefix;
    while (row.size() + suffix.size() < static_cast<size_t>(seq)) {
      const auto id = static_cast<int32_t>(next_random(state) % vocab);
      if (!tok.is_special_id(id)) row.push_back(id);
    }
    row.insert(row.end(), suffix.begin(), suffix.end());
  }
  return rows;
}

std::vector<std::string> read_texts(const std::string& path) {
  std::ifstream in(path);
  if (!in) fail("bench: cannot read --texts file ", path);
  std::vector<std::string> texts;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) texts.push_back(line);
  if (texts.empty()) fail("bench: --texts file ", path, " holds no text");
  return texts;
}

// B texts that the tokenizer turns into exactly S tokens (special tokens included): single-token words of the
// vocabulary joined by spaces. fill-mask texts carry one mask token.
std::vector<std::string> texts_of_length(const Tokenizer& tok, const std::string& task, int batch, int seq) {
  std::vector<int32_t> prefix, suffix;
  special_frame(tok, prefix, suffix);
  const int content = seq - static_cast<int>(prefix.size() + suffix.size());
  if (content < 1) fail("bench: --seq ", seq, " leaves no room for text between the special tokens");
  // Words that stay one token on their own and after a space.
  std::vector<std::string> words;
  uint64_t state = 1;
  const uint64_t vocab = tok.vocab_size(false);
  for (int tries = 0; words.size() < 200 && tries < 20000; ++tries) {
    const auto id = static_cast<int32_t>(next_random(state) % vocab);
    if (tok.is_special_id(id)) continue;
    std::string word = tok.decode({id});
    word.erase(0, word.find_first_not_of(' '));
    if (word.size() < 2 || !std::all_of(word.begin(), word.end(), [](unsigned char c) { return std::isalpha(c); }))
      continue;
    const Encoding alone = tok.encode(word), inner = tok.encode("a " + word);
    if (alone.size() == prefix.size() + suffix.size() + 1 && inner.size() == alone.size() + 1) words.push_back(word);
  }
  if (words.empty()) fail("bench: found no single-token words in the tokenizer's vocabulary");
  const std::optional<std::string> mask = tok.special_token("mask");
  if (task == "fill-mask" && !mask) fail("bench: the tokenizer has no mask token for fill-mask");
  std::vector<std::string> texts;
  for (int b = 0; b < batch; ++b) {
    std::string text;
    for (int i = 0; i < content; ++i) {
      if (i) text += ' ';
      text += (task == "fill-mask" && i == content / 2) ? *mask : words[next_random(state) % words.size()];
    }
    const size_t got = tok.encode(text).size();
    if (got != static_cast<size_t>(seq))
      fail("bench: could not build a text of exactly ", seq, " tokens (got ", got, "); use the model forward");
    texts.push_back(std::move(text));
  }
  return texts;
}

void save_output(const ModelOutputs& out, const std::string& path) {
  const char* name = out.logits.defined() ? "logits" : out.start_logits.defined() ? "start_logits" : "last_hidden_state";
  const Tensor& t = out.logits.defined() ? out.logits : out.start_logits.defined() ? out.start_logits : out.last_hidden_state;
  const Tensor host = t.to(DeviceSpec{}).to(DType::F32).contiguous();
  nlohmann::json j = {{"name", name}, {"shape", host.shape()}, {"data", host.to_vector<float>()}};
  std::ofstream file(path);
  if (!file) fail("bench: cannot write --save-output file ", path);
  file << j.dump() << "\n";
}

}  // namespace

int bench_command(int argc, char** argv) {
  const BenchArgs a = parse(argc, argv);
  if (a.task == "text-generation") {
    if (a.end_to_end || !a.save_output.empty() || !a.texts.empty())
      fail("bench: text-generation times generate() on token ids; --end-to-end, --texts and --save-output are for "
           "the encoder tasks");
    GenerationBenchRequest r;
    r.model = a.model, r.dtype = a.dtype, r.device = a.device, r.input_ids = a.input_ids;
    r.batch = a.batch, r.seq = a.seq_given ? a.seq : 32, r.new_tokens = a.new_tokens, r.threads = a.threads;
    r.warmup = a.warmup_given ? a.warmup : 1, r.iters = a.iters_given ? a.iters : 3;
    return bench_generation(r);
  }
  PipelineOptions options;
  options.device = a.device;
  options.dtype = a.dtype;
  options.num_threads = a.threads;
  options.batch_size = a.batch;
  const auto load_start = Clock::now();
  const auto pipe = pipeline(a.task, a.model, options);
  const double load_ms = std::chrono::duration<double, std::milli>(Clock::now() - load_start).count();
  const Tokenizer& tok = pipe->tokenizer();

  int batch = a.batch, seq = a.seq;
  std::function<void()> step;
  ModelOutputs last;
  ModelInputs inputs;
  std::string texts_json, kwargs_json = "{}";
  if (a.end_to_end) {
    if (pipe->task() == "question-answering" || pipe->task() == "zero-shot-classification")
      fail("bench: --end-to-end supports text-classification, token-classification, fill-mask and "
           "feature-extraction (", pipe->task(), " needs more than texts)");
    const std::vector<std::string> texts =
        a.texts.empty() ? texts_of_length(tok, pipe->task(), batch, seq) : read_texts(a.texts);
    if (!a.texts.empty()) {  // B = texts per call, S = their mean length in tokens (special tokens included)
      size_t tokens = 0;
      for (const Encoding& e : tok.encode_batch(texts)) tokens += e.size();
      batch = static_cast<int>(texts.size());
      seq = static_cast<int>((tokens + texts.size() / 2) / texts.size());
    }
    // One text is Python's single-input call (pipe(text)); several, the list call.
    const nlohmann::json inputs_json = texts.size() == 1 ? nlohmann::json(texts[0]) : nlohmann::json(texts);
    texts_json = inputs_json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    step = [&] {
      const std::string out = pipe->run_json(texts_json, kwargs_json);
      HFCPP_CHECK(!out.empty(), "bench: empty pipeline output");
    };
  } else {
    const auto rows = a.input_ids.empty() ? random_ids(tok, batch, seq) : read_ids(a.input_ids);
    batch = static_cast<int>(rows.size());
    seq = static_cast<int>(rows[0].size());
    std::vector<Encoding> encodings(rows.size());
    std::vector<const Encoding*> pointers;
    for (size_t i = 0; i < rows.size(); ++i) {
      encodings[i].ids = rows[i];
      encodings[i].type_ids.assign(rows[i].size(), 0);
      encodings[i].attention_mask.assign(rows[i].size(), 1);
      pointers.push_back(&encodings[i]);
    }
    inputs = make_model_inputs(pointers, std::max(tok.pad_token_id(), 0), uses_token_type_ids(a.model));
    if (a.device != "cpu") {
      const DeviceSpec device = parse_device(a.device);
      inputs.input_ids = inputs.input_ids.to(device);
      inputs.attention_mask = inputs.attention_mask.to(device);
      if (inputs.token_type_ids.defined()) inputs.token_type_ids = inputs.token_type_ids.to(device);
    }
    const Model& model = pipe->model();
    step = [&] {
      last = model.forward(inputs);
      // The forward is done when its output is on the host (a GPU forward returns before the kernels finish).
      const Tensor& t = last.logits.defined() ? last.logits : last.last_hidden_state;
      if (t.defined() && t.device().type != Device::CPU) (void)t.to(DeviceSpec{});
    };
  }

  for (int i = 0; i < a.warmup; ++i) step();
  std::vector<double> times_ms;
  for (int i = 0; i < a.iters; ++i) {
    const auto start = Clock::now();
    step();
    times_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  if (!a.save_output.empty()) {
    if (a.end_to_end) fail("bench: --save-output is for the model forward, not --end-to-end");
    save_output(last, a.save_output);
  }
  double mean = 0;
  for (double t : times_ms) mean += t / static_cast<double>(times_ms.size());
  const double median = percentile(times_ms, 0.5), p90 = percentile(times_ms, 0.9);
  const double peak_rss = peak_rss_mb();
  const double seqs_per_s = batch * 1000.0 / median;

  nlohmann::ordered_json j;
  j["engine"] = "hfcpp";
  j["model"] = a.model;
  j["task"] = pipe->task();
  j["architecture"] = pipe->model().architecture();
  j["mode"] = a.end_to_end ? "end-to-end" : "forward";
  j["dtype"] = a.dtype;
  j["compute_type"] = pipe->model().compute_type();
  j["device"] = a.device;
  j["threads"] = num_threads();
  j["batch"] = batch;  // inputs per timed call
  j["batch_size"] = a.batch;  // inputs per model forward
  j["seq"] = seq;
  j["warmup"] = a.warmup;
  j["iters"] = a.iters;
  j["load_ms"] = load_ms;
  j["median_ms"] = median;
  j["p90_ms"] = p90;
  j["mean_ms"] = mean;
  j["min_ms"] = *std::min_element(times_ms.begin(), times_ms.end());
  j["sequences_per_s"] = seqs_per_s;
  j["tokens_per_s"] = seqs_per_s * seq;
  char line[512];
  std::snprintf(line, sizeof line,
                "%s %s %s (%s), batch %d x seq %d, %d threads: median %.3f ms, p90 %.3f ms, %.1f seq/s, %.0f tok/s "
                "(load %.0f ms, peak RSS %.0f MiB)",
                pipe->model().architecture().c_str(), a.end_to_end ? "end-to-end" : "forward",
                pipe->model().compute_type().c_str(), a.device.c_str(), batch, seq, num_threads(), median, p90,
                seqs_per_s, seqs_per_s * seq, load_ms, peak_rss);
  print_report(j, peak_rss, line);
  return 0;
}

}  // namespace hfcpp::cli
