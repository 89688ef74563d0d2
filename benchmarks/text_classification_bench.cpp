// Times hfcpp's text-classification pipeline end to end (tokenize -> model -> labels) on the texts of a file,
// one call per text (batch 1, as transformers' pipeline runs a list) or in batches. Prints one JSON line so
// benchmarks/compare_text_classification.py can put it beside the peers' numbers.
//   text_classification_bench --model DIR --texts FILE [--threads N] [--batch B] [--repeat R] [--dtype D]
// --dtype: auto | float32 | bfloat16 | int8 (LoadOptions::dtype); the JSON line reports the compute type used.
#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "hfcpp/hfcpp.h"

namespace {
using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }
}  // namespace

int main(int argc, char** argv) {
  std::string model, texts_path, dtype = "float32";
  int threads = 0, batch = 1, repeat = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string arg = argv[i];
    if (arg == "--model") model = argv[i + 1];
    else if (arg == "--texts") texts_path = argv[i + 1];
    else if (arg == "--threads") threads = std::stoi(argv[i + 1]);
    else if (arg == "--batch") batch = std::stoi(argv[i + 1]);
    else if (arg == "--repeat") repeat = std::stoi(argv[i + 1]);
    else if (arg == "--dtype") dtype = argv[i + 1];
  }
  if (model.empty() || texts_path.empty()) {
    std::cerr << "usage: text_classification_bench --model DIR --texts FILE [--threads N] [--batch B] [--repeat R] [--dtype D]\n";
    return 1;
  }
  try {
    std::vector<hfcpp::TextInput> texts;
    std::ifstream in(texts_path);
    for (std::string line; std::getline(in, line);) texts.push_back({line, std::nullopt});
    hfcpp::PipelineOptions options;
    options.num_threads = threads;
    options.batch_size = batch;
    options.dtype = dtype;
    const auto load_start = Clock::now();
    const hfcpp::TextClassificationPipeline pipe(model, options);
    const double load_ms = ms_since(load_start);
    hfcpp::TextClassificationOptions call;
    call.truncation = true;
    pipe({texts.front()}, call);  // warm-up: primitive creation, page faults
    std::vector<double> per_text;
    for (int r = 0; r < repeat; ++r) {
      for (size_t start = 0; start < texts.size(); start += static_cast<size_t>(batch)) {
        const std::vector<hfcpp::TextInput> chunk(texts.begin() + start,
                                                  texts.begin() + std::min(texts.size(), start + batch));
        const auto t = Clock::now();
        pipe(chunk, call);
        per_text.push_back(ms_since(t) / static_cast<double>(chunk.size()));
      }
    }
    std::sort(per_text.begin(), per_text.end());
    double total = 0;
    for (double v : per_text) total += v;
    std::cout << "{\"engine\": \"hfcpp\", \"threads\": " << hfcpp::num_threads() << ", \"dtype\": \"" << pipe.model().compute_type() << "\", \"batch\": " << batch
              << ", \"texts\": " << texts.size() << ", \"load_ms\": " << load_ms
              << ", \"median_ms_per_text\": " << per_text[per_text.size() / 2]
              << ", \"p90_ms_per_text\": " << per_text[per_text.size() * 9 / 10]
              << ", \"mean_ms_per_text\": " << total / per_text.size() << "}\n";
  } catch (const hfcpp::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
