// Tokenizer benchmark and parity dump over a corpus of documents (JSON lines, one JSON string per line; see
// scripts/make_tokenizer_corpus.py). TOKENIZER is a tokenizer.json file (Tokenizer::from_file, what the Python
// `tokenizers` library loads) or a model folder (Tokenizer::from_pretrained).
//
//   tokenizer_bench --dump   --tokenizer T --corpus F --out OUT [--no-special]
//       one JSON line per document: {"ids": [...], "offsets": [[s, e], ...], "decoded": "..."}; offsets are Python
//       character offsets (the Encoding's byte offsets through utf8_char_index), decoded = decode(ids) with
//       skip_special_tokens and no clean-up, as tokenizers' Tokenizer.decode.
//   tokenizer_bench --bench  --tokenizer T --corpus F [--threads N] [--batch B] [--repeat R]
//       encode_batch over the corpus in batches of B documents (0 = all at once); the best of R passes.
//   tokenizer_bench --long   --tokenizer T --corpus F [--sizes 1,5,10]
//       encode() of one string of each size in MB (corpus documents joined by newlines): time must grow linearly.
//   tokenizer_bench --memory --tokenizer T
//       resident memory that loading costs (right after loading, at its peak during loading, and held once the
//       freed pages of the parse are returned with malloc_trim), beside the size of the files read; the held RSS
//       splits into anonymous pages (heap) and file pages (the code that loading touched), and malloc'd bytes.
// Each timing mode prints one JSON line for benchmarks/compare_tokenizers.py.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <malloc.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "hfcpp/core/threads.h"
#include "hfcpp/tokenizers/tokenizer.h"

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::vector<std::string> read_corpus(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open corpus " + path);
  std::vector<std::string> docs;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) docs.push_back(json::parse(line).get<std::string>());
  return docs;
}

hfcpp::Tokenizer load(const std::string& path) {
  return std::filesystem::is_directory(path) ? hfcpp::Tokenizer::from_pretrained(path)
                                             : hfcpp::Tokenizer::from_file(path);
}

size_t total_bytes(const std::vector<std::string>& docs) {
  size_t n = 0;
  for (const std::string& d : docs) n += d.size();
  return n;
}

// Resident set size in bytes (Linux /proc/self/statm).
size_t rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

// Resident memory that is not file-backed (heap, anonymous mappings): the RSS less the code and data pages of the
// program and its libraries that a first load touches.
size_t anon_rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  size_t pages = 0, resident = 0, shared = 0;
  statm >> pages >> resident >> shared;
  return (resident - shared) * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

// The peak RSS since the last reset_peak_rss() (VmHWM in /proc/self/status).
size_t peak_rss_bytes() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6)) * 1024;  // "VmHWM:   1234 kB"
  return 0;
}

// Starts a new peak: writing 5 to clear_refs resets VmHWM to the current RSS (Linux >= 4.0).
bool reset_peak_rss() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
  clear.flush();
  return static_cast<bool>(clear);
}

// Bytes handed out by malloc and not freed (small blocks in the arenas + large mmap'd blocks).
size_t malloced_bytes() {
  const struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

int dump(const std::string& tokenizer, const std::string& corpus, const std::string& out_path, bool special) {
  const hfcpp::Tokenizer tok = load(tokenizer);
  std::ofstream out(out_path, std::ios::binary);
  hfcpp::EncodeOptions options;
  options.add_special_tokens = special;
  for (const std::string& doc : read_corpus(corpus)) {
    const hfcpp::Encoding e = tok.encode(doc, options);
    const std::vector<size_t> index = hfcpp::utf8_char_index(doc);
    json offsets = json::array();
    for (const auto& [s, t] : e.offsets) offsets.push_back({index[s], index[t]});
    json line = {{"ids", e.ids}, {"offsets", std::move(offsets)}};
    line["decoded"] = tok.decode(e.ids, /*skip_special_tokens=*/true, /*clean_up_tokenization_spaces=*/false);
    // A decode that is not valid UTF-8 would already be a mismatch (Python's decode returns a str): write it with
    // U+FFFD so the comparison shows where.
    out << line.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
  }
  return 0;
}

int bench(const std::string& tokenizer, const std::string& corpus, int threads, size_t batch, int repeat) {
  if (threads > 0) hfcpp::set_num_threads(threads);
  const hfcpp::Tokenizer tok = load(tokenizer);
  const std::vector<std::string> docs = read_corpus(corpus);
  const size_t step = batch == 0 ? docs.size() : batch;
  std::vector<std::vector<std::string>> batches;
  for (size_t i = 0; i < docs.size(); i += step)
    batches.emplace_back(docs.begin() + i, docs.begin() + std::min(docs.size(), i + step));
  double best = 1e300;
  size_t tokens = 0;
  for (int r = 0; r < repeat; ++r) {
    size_t n = 0;
    const auto t = Clock::now();
    for (const auto& b : batches)
      for (const hfcpp::Encoding& e : tok.encode_batch(b)) n += e.ids.size();
    best = std::min(best, seconds_since(t));
    tokens = n;
  }
  const double mb = static_cast<double>(total_bytes(docs)) / 1e6;
  std::cout << json{{"engine", "hfcpp"},        {"threads", hfcpp::num_threads()}, {"docs", docs.size()},
                    {"mb", mb},                 {"tokens", tokens},                {"seconds", best},
                    {"mb_per_s", mb / best},    {"docs_per_s", static_cast<double>(docs.size()) / best}}
                   .dump()
            << std::endl;
  return 0;
}

int long_strings(const std::string& tokenizer, const std::string& corpus, const std::vector<double>& sizes_mb) {
  const hfcpp::Tokenizer tok = load(tokenizer);
  const std::vector<std::string> docs = read_corpus(corpus);
  json rows = json::array();
  for (double mb : sizes_mb) {
    const size_t want = static_cast<size_t>(mb * 1e6);
    std::string text;
    for (size_t i = 0; text.size() < want; i = (i + 1) % docs.size()) text += docs[i] + "\n";
    size_t cut = want;  // cut at a character boundary
    while (cut < text.size() && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) ++cut;
    text.resize(cut);
    const auto t = Clock::now();
    const hfcpp::Encoding e = tok.encode(text);
    const double s = seconds_since(t);
    rows.push_back({{"mb", static_cast<double>(text.size()) / 1e6}, {"seconds", s}, {"tokens", e.ids.size()}});
  }
  std::cout << json{{"engine", "hfcpp"}, {"long", rows}}.dump() << std::endl;
  return 0;
}

int memory(const std::string& tokenizer) {
  malloc_trim(0);
  const size_t before = rss_bytes();
  const size_t anon_before = anon_rss_bytes();
  const size_t malloc_before = malloced_bytes();
  const bool peak_known = reset_peak_rss();
  const hfcpp::Tokenizer tok = load(tokenizer);
  const size_t after = rss_bytes();
  const size_t peak = peak_rss_bytes();
  // Loading parses the JSON into a temporary document that it frees; glibc keeps freed pages mapped until asked.
  // The memory a loaded tokenizer holds is what stays after returning them.
  malloc_trim(0);
  // Signed: a count can come out below its start (pages the load let go of).
  const auto growth = [](size_t now, size_t start) {
    return static_cast<int64_t>(now) - static_cast<int64_t>(start);
  };
  const int64_t held = growth(rss_bytes(), before);
  const int64_t held_anon = growth(anon_rss_bytes(), anon_before);
  const int64_t held_malloc = growth(malloced_bytes(), malloc_before);
  // The files that loading reads: the tokenizer.json, or a folder's tokenizer files.
  size_t files = 0;
  if (std::filesystem::is_directory(tokenizer)) {
    const bool has_json = std::filesystem::exists(std::filesystem::path(tokenizer) / "tokenizer.json");
    for (const char* name : {"tokenizer.json", "vocab.json", "merges.txt", "vocab.txt", "spiece.model",
                             "sentencepiece.bpe.model", "tokenizer_config.json", "special_tokens_map.json"}) {
      const auto p = std::filesystem::path(tokenizer) / name;
      const std::string n = name;
      if (has_json && (n == "vocab.json" || n == "merges.txt" || n == "vocab.txt" || n == "spiece.model")) continue;
      if (std::filesystem::exists(p)) files += std::filesystem::file_size(p);
    }
  } else {
    files = std::filesystem::file_size(tokenizer);
  }
  std::cout << json{{"engine", "hfcpp"},
                    {"rss_before", before},
                    {"rss_after", after},
                    {"load_rss", growth(after, before)},
                    {"held_rss", held},
                    {"file_bytes", files},
                    {"ratio", static_cast<double>(held) / static_cast<double>(files)},
                    {"held_anon_rss", held_anon},
                    {"anon_ratio", static_cast<double>(held_anon) / static_cast<double>(files)},
                    {"held_file_rss", held - held_anon},
                    {"held_malloc", held_malloc},
                    // null when the kernel cannot reset the peak (then VmHWM could predate the load)
                    {"peak_load_rss", peak_known ? json(growth(peak, before)) : json(nullptr)},
                    {"vocab_size", tok.vocab_size()}}
                   .dump()
            << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode, tokenizer, corpus, out;
  int threads = 0, repeat = 3;
  size_t batch = 1000;
  bool special = true;
  std::vector<double> sizes = {1, 5, 10};
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--dump" || arg == "--bench" || arg == "--long" || arg == "--memory") mode = arg.substr(2);
    else if (arg == "--tokenizer") tokenizer = value();
    else if (arg == "--corpus") corpus = value();
    else if (arg == "--out") out = value();
    else if (arg == "--threads") threads = std::stoi(value());
    else if (arg == "--batch") batch = std::stoul(value());
    else if (arg == "--repeat") repeat = std::stoi(value());
    else if (arg == "--no-special") special = false;
    else if (arg == "--sizes") {
      sizes.clear();
      std::stringstream s(value());
      for (std::string item; std::getline(s, item, ',');) sizes.push_back(std::stod(item));
    } else {
      std::cerr << "unknown argument " << arg << "\n";
      return 2;
    }
  }
  if (mode.empty() || tokenizer.empty() || (mode != "memory" && corpus.empty()) || (mode == "dump" && out.empty())) {
    std::cerr << "usage: tokenizer_bench --dump|--bench|--long|--memory --tokenizer FILE_OR_DIR [--corpus F]\n"
                 "       [--out F] [--no-special] [--threads N] [--batch B] [--repeat R] [--sizes 1,5,10]\n";
    return 2;
  }
  try {
    if (mode == "dump") return dump(tokenizer, corpus, out, special);
    if (mode == "bench") return bench(tokenizer, corpus, threads, batch, repeat);
    if (mode == "long") return long_strings(tokenizer, corpus, sizes);
    return memory(tokenizer);
  } catch (const std::exception& e) {
    std::cerr << "tokenizer_bench: " << e.what() << "\n";
    return 1;
  }
}
