// Times greedy decoding of a CausalLM on token ids and prints one JSON line:
//  - generate(): the prompt pass, then decode tokens/s (steps after the first token; median of --repeat runs), and
//    the generated ids (so a comparison script can check them against other engines);
//  - peak RSS after load + generation, with the KV cache size that generation used;
//  - with --contexts: per-token time at each context length C (prefill C - steps positions, then time `steps` single
//    -token forward() calls; the median). Flat numbers mean the KV cache works: only attention grows with C.
//   generate_bench --model DIR [--prompt 32 | --ids 1,2,3] [--new 128] [--batch 1] [--threads 1] [--repeat 3]
//                  [--contexts 128,256,512,1024] [--steps 8] [--dtype float32|bfloat16|int8|auto]
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "hfcpp/hfcpp.h"

namespace {
using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

std::vector<int64_t> parse_list(const std::string& text) {
  std::vector<int64_t> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(std::stoll(item));
  return out;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

// Current resident memory split as /proc/self/status reports it: "RssAnon", "RssFile" (MB; 0 where unreadable).
double status_mb(const std::string& key) {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind(key + ":", 0) == 0) return std::stod(line.substr(key.size() + 1)) / 1024.0;  // kB
  return 0.0;
}

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;  // Linux: kilobytes
}

// Per-token ms of single-token forward() calls once the cache holds context - steps positions.
double ms_per_token_at(const hfcpp::CausalLM& model, int64_t context, int64_t steps) {
  hfcpp::KvCache cache = model.make_cache(1, context);
  std::vector<int64_t> ids(static_cast<size_t>(context - steps));
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<int64_t>((1 + 7919 * i) % (model.vocab_size() - 1));
  hfcpp::CausalLMInputs in;
  in.input_ids = hfcpp::Tensor::from_vector(ids, {1, static_cast<int64_t>(ids.size())});
  in.last_logits_only = true;
  model.forward(in, cache);
  std::vector<double> ms;
  for (int64_t s = 0; s < steps; ++s) {
    in.input_ids = hfcpp::Tensor::from_vector(std::vector<int64_t>{(7 + 131 * s) % model.vocab_size()}, {1, 1});
    const auto start = Clock::now();
    model.forward(in, cache);
    ms.push_back(ms_since(start));
  }
  return median(ms);
}
}  // namespace

int main(int argc, char** argv) {
  std::string model_dir, ids_arg, contexts_arg, dtype = "float32";
  int prompt = 32, new_tokens = 128, batch = 1, threads = 1, repeat = 3, steps = 8;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string arg = argv[i];
    if (arg == "--model") model_dir = argv[i + 1];
    else if (arg == "--prompt") prompt = std::stoi(argv[i + 1]);
    else if (arg == "--ids") ids_arg = argv[i + 1];
    else if (arg == "--new") new_tokens = std::stoi(argv[i + 1]);
    else if (arg == "--batch") batch = std::stoi(argv[i + 1]);
    else if (arg == "--threads") threads = std::stoi(argv[i + 1]);
    else if (arg == "--repeat") repeat = std::max(1, std::stoi(argv[i + 1]));
    else if (arg == "--contexts") contexts_arg = argv[i + 1];
    else if (arg == "--steps") steps = std::max(1, std::stoi(argv[i + 1]));
    else if (arg == "--dtype") dtype = argv[i + 1];
  }
  if (model_dir.empty()) {
    std::cerr << "usage: generate_bench --model DIR [--prompt N | --ids 1,2,3] [--new N] [--batch B] [--threads T] "
                 "[--repeat R] [--contexts 128,256,512,1024] [--steps 8] [--dtype D]\n";
    return 1;
  }
  try {
    const double rss_start_mb = peak_rss_mb();
    hfcpp::set_num_threads(threads);
    const auto load_start = Clock::now();
    hfcpp::LoadOptions options;
    options.dtype = dtype;
    const auto model = hfcpp::load_causal_lm(model_dir, options);
    const double load_ms = ms_since(load_start);
    std::vector<std::vector<int64_t>> prompts(batch);
    const std::vector<int64_t> given = parse_list(ids_arg);
    for (int b = 0; b < batch; ++b) {
      if (!given.empty()) {
        prompts[b] = given;
        continue;
      }
      for (int i = 0; i < prompt; ++i) prompts[b].push_back((1 + 7919 * (i + 31 * b)) % (model->vocab_size() - 1));
    }
    const int64_t prompt_len = static_cast<int64_t>(prompts[0].size());
    hfcpp::GenerationConfig config;
    config.max_new_tokens = new_tokens;
    config.eos_token_id = std::vector<int64_t>{};  // never stop early
    hfcpp::GenerationConfig warm = config;
    warm.max_new_tokens = 2;
    hfcpp::generate(*model, prompts, warm);

    std::vector<double> rates, prefill, totals;
    std::vector<double> step_ms;
    hfcpp::GenerationOutput out;
    for (int r = 0; r < repeat; ++r) {
      step_ms.clear();
      auto last = Clock::now();
      const auto start = last;
      hfcpp::GenerateOptions options;
      options.on_tokens = [&](const std::vector<int64_t>&) {
        step_ms.push_back(ms_since(last));
        last = Clock::now();
        return true;
      };
      out = hfcpp::generate(*model, prompts, config, options);
      totals.push_back(ms_since(start));
      double decode_ms = 0;
      for (size_t i = 1; i < step_ms.size(); ++i) decode_ms += step_ms[i];
      rates.push_back((step_ms.size() - 1) * batch / (decode_ms / 1000.0));
      prefill.push_back(step_ms.front());
    }
    const double rss_mb = peak_rss_mb();
    const double anon_mb = status_mb("RssAnon"), file_mb = status_mb("RssFile");
    const hfcpp::KvCache sizing = model->make_cache(batch, prompt_len + new_tokens);  // what generate() allocated
    const double kv_mb = 2.0 * sizing.num_layers() * batch * sizing.capacity() * sizing.kv_dim() * 4 / (1 << 20);

    std::cout << "{\"model\": \"" << model->architecture() << "\", \"compute_type\": \"" << model->compute_type()
              << "\", \"threads\": " << hfcpp::num_threads()
              << ", \"batch\": " << batch << ", \"prompt\": " << prompt_len << ", \"new\": " << new_tokens
              << ", \"load_ms\": " << load_ms << ", \"prefill_ms\": " << median(prefill)
              << ", \"decode_tokens_per_s\": " << median(rates) << ", \"decode_tokens_per_s_runs\": [";
    for (size_t i = 0; i < rates.size(); ++i) std::cout << (i ? ", " : "") << rates[i];
    std::cout << "], \"total_ms\": " << median(totals) << ", \"rss_start_mb\": " << rss_start_mb
              << ", \"peak_rss_mb\": " << rss_mb << ", \"rss_anon_mb\": " << anon_mb << ", \"rss_file_mb\": " << file_mb << ", \"kv_cache_mb\": " << kv_mb << ", \"tokens\": [";
    for (size_t i = out.prompt_length; i < out.sequences[0].size(); ++i)
      std::cout << (i == static_cast<size_t>(out.prompt_length) ? "" : ", ") << out.sequences[0][i];
    std::cout << "], \"ms_per_token_at\": {";
    const std::vector<int64_t> contexts = parse_list(contexts_arg);
    for (size_t i = 0; i < contexts.size(); ++i)
      std::cout << (i ? ", " : "") << "\"" << contexts[i] << "\": " << ms_per_token_at(*model, contexts[i], steps);
    std::cout << "}}\n";
  } catch (const std::exception& e) {
    std::cerr << "generate_bench: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
