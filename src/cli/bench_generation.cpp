// `hfcpp bench --task text-generation`: times greedy generation as generate() runs it for a pipeline (KV cache,
// one token per step), on B prompts of S seeded ids. Prefill (the first step) and the decode steps are reported
// apart: a decode step's time is what tokens/s means for a chat or a stream.
#include <chrono>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "cli/bench_util.h"
#include "hfcpp/hfcpp.h"

namespace hfcpp::cli {

namespace {

using Clock = std::chrono::steady_clock;

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// B prompts of S ids drawn from the vocabulary (seeded: every run and machine times the same prompts).
std::vector<std::vector<int64_t>> prompt_ids(const GenerationBenchRequest& r, int64_t vocab) {
  std::vector<std::vector<int64_t>> prompts;
  if (!r.input_ids.empty()) {
    for (const auto& row : read_ids(r.input_ids)) {
      prompts.emplace_back(row.begin(), row.end());
      for (int64_t id : prompts.back())
        if (id < 0 || id >= vocab) fail("bench: --input-ids holds id ", id, ", outside the vocabulary of ", vocab);
    }
    return prompts;
  }
  uint64_t state = 0;
  prompts.resize(static_cast<size_t>(r.batch));
  for (auto& p : prompts)
    for (int i = 0; i < r.seq; ++i) p.push_back(static_cast<int64_t>(next_random(state) % static_cast<uint64_t>(vocab)));
  return prompts;
}

}  // namespace

int bench_generation(const GenerationBenchRequest& r) {
  if (r.threads > 0) set_num_threads(r.threads);
  LoadOptions options;
  options.dtype = r.dtype;
  options.device = r.device;
  const auto load_start = Clock::now();
  const auto model = load_causal_lm(r.model, options);
  const double load_ms = ms_between(load_start, Clock::now());
  const auto prompts = prompt_ids(r, model->vocab_size());
  const int batch = static_cast<int>(prompts.size()), seq = static_cast<int>(prompts[0].size());

  GenerationConfig config;
  config.max_new_tokens = r.new_tokens;
  config.eos_token_id = std::vector<int64_t>{};  // never stop early: every generation times the same steps
  for (int i = 0; i < r.warmup; ++i) generate(*model, prompts, config);

  std::vector<double> prefill_ms, step_ms, tokens_per_s, total_ms;
  for (int i = 0; i < r.iters; ++i) {
    std::vector<double> steps;
    auto last = Clock::now();
    const auto start = last;
    GenerateOptions generate_options;
    generate_options.on_tokens = [&](const std::vector<int64_t>&) {
      const auto now = Clock::now();
      steps.push_back(ms_between(last, now));
      last = now;
      return true;
    };
    generate(*model, prompts, config, generate_options);
    total_ms.push_back(ms_between(start, Clock::now()));
    prefill_ms.push_back(steps.front());
    double decode_ms = 0;
    for (size_t s = 1; s < steps.size(); ++s) decode_ms += steps[s], step_ms.push_back(steps[s]);
    if (steps.size() > 1) tokens_per_s.push_back(static_cast<double>((steps.size() - 1) * batch) / decode_ms * 1000.0);
  }
  const double prefill = percentile(prefill_ms, 0.5);
  const bool decoded = !step_ms.empty();  // --new 1 has a prefill only
  const double step_median = decoded ? percentile(step_ms, 0.5) : 0.0, step_p90 = decoded ? percentile(step_ms, 0.9) : 0.0;
  const double rate = decoded ? percentile(tokens_per_s, 0.5) : 0.0;
  const double peak_rss = peak_rss_mb();

  nlohmann::ordered_json j;
  j["engine"] = "hfcpp";
  j["model"] = r.model;
  j["task"] = "text-generation";
  j["architecture"] = model->architecture();
  j["mode"] = "generate";
  j["dtype"] = r.dtype;
  j["compute_type"] = model->compute_type();
  j["device"] = r.device;
  j["threads"] = num_threads();
  j["batch"] = batch;
  j["seq"] = seq;  // prompt tokens
  j["new_tokens"] = r.new_tokens;
  j["warmup"] = r.warmup;
  j["iters"] = r.iters;  // timed generations
  j["load_ms"] = load_ms;
  j["prefill_ms"] = prefill;            // median over generations: the prompt's forward + the first token
  j["median_ms"] = step_median;         // one decode step (all B sequences), median over every step timed
  j["p90_ms"] = step_p90;
  j["decode_tokens_per_s"] = rate;      // B tokens per step; median over generations
  j["total_ms"] = percentile(total_ms, 0.5);
  char line[512];
  std::snprintf(line, sizeof line,
                "%s generate %s (%s), batch %d x prompt %d + %d new, %d threads: prefill %.3f ms, decode step median "
                "%.3f ms, p90 %.3f ms, %.1f tok/s (load %.0f ms, peak RSS %.0f MiB)",
                model->architecture().c_str(), model->compute_type().c_str(), r.device.c_str(), batch, seq,
                r.new_tokens, num_threads(), prefill, step_median, step_p90, rate, load_ms, peak_rss);
  print_report(j, peak_rss, line);
  return 0;
}

}  // namespace hfcpp::cli
