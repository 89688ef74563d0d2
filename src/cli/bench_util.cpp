// Helpers shared by the `hfcpp bench` modes (bench_util.h).
#include "cli/bench_util.h"

#include <sys/resource.h>

#include <algorithm>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "hfcpp/core/error.h"

namespace hfcpp::cli {

std::vector<std::vector<int32_t>> read_ids(const std::string& path) {
  std::ifstream in(path);
  if (!in) fail("bench: cannot read --input-ids file ", path);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const std::exception& e) {
    fail("bench: --input-ids file ", path, " is not JSON: ", e.what());
  }
  if (!j.is_array() || j.empty()) fail("bench: --input-ids file ", path, " must hold a non-empty [[id, ...], ...]");
  std::vector<std::vector<int32_t>> rows;
  for (const auto& row : j) {
    if (!row.is_array() || row.size() != j[0].size() || row.empty())
      fail("bench: --input-ids file ", path, ": every row must be a non-empty list of the same length");
    rows.push_back(row.get<std::vector<int32_t>>());
  }
  return rows;
}

uint64_t next_random(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

double status_mb(const std::string& key) {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind(key + ":", 0) == 0) return std::stod(line.substr(key.size() + 1)) / 1024.0;
  return 0.0;
}

double peak_rss_mb() {
  if (const double hwm = status_mb("VmHWM"); hwm > 0) return hwm;
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // KiB on Linux
}

double percentile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  const double rank = q * static_cast<double>(values.size() - 1) + 0.5;
  return values[std::min(values.size() - 1, static_cast<size_t>(rank))];
}

void print_report(nlohmann::ordered_json& report, double peak_rss, const std::string& line) {
  report["peak_rss_mb"] = peak_rss;
  report["rss_anon_mb"] = status_mb("RssAnon");
  report["rss_file_mb"] = status_mb("RssFile");
  std::cout << report.dump() << "\n" << line << "\n";
}

}  // namespace hfcpp::cli
