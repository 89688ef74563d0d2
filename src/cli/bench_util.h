// Helpers shared by the `hfcpp bench` modes (bench_command.cpp: encoder forward / end to end; bench_generation.cpp:
// text generation): input files, seeded ids, percentiles and the process's memory.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace hfcpp::cli {

// Token ids as JSON [[...], ...]: rows of one non-empty length; errors name the file.
std::vector<std::vector<int32_t>> read_ids(const std::string& path);
// splitmix64: a fixed, platform-independent sequence, so every run and machine times the same ids.
uint64_t next_random(uint64_t& state);
// The q-quantile (nearest rank) of `values`; values must not be empty.
double percentile(std::vector<double> values, double q);
// One "Key:  123456 kB" line of /proc/self/status in MiB; 0 where absent.
double status_mb(const std::string& key);
// Peak resident memory of this process in MiB: VmHWM, which starts afresh at exec (getrusage's ru_maxrss keeps the
// high-water mark of the process that exec'ed us, e.g. a large Python parent).
double peak_rss_mb();
// Adds peak_rss_mb (the given reading) and the resident split now (rss_anon_mb: packed weights, activations;
// rss_file_mb: checkpoint pages still mapped) to `report`, then prints it as one JSON line and `line` after it.
void print_report(nlohmann::ordered_json& report, double peak_rss, const std::string& line);

struct GenerationBenchRequest {
  std::string model, dtype, device, input_ids;
  int batch = 1, seq = 32, new_tokens = 128, threads = 0, warmup = 1, iters = 3;
};
// `hfcpp bench --task text-generation` (bench_generation.cpp): greedy generation of new_tokens tokens after
// prompts of seq seeded ids (or --input-ids), iters timed generations; prints prefill, per-step latency (median,
// p90) and decode tokens/s as one JSON line and one readable line.
int bench_generation(const GenerationBenchRequest& request);

}  // namespace hfcpp::cli
