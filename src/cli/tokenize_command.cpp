// `hfcpp tokenize` / `hfcpp detokenize`: the tokenizer of a model folder from the command line.
//
// tokenize prints, per input, json.dumps({"ids": [...], "tokens": [...], "offsets": [[s, e], ...]}) as Python
// prints what `tokenizers` returns for that str: character offsets (Python str indices; invalid UTF-8 bytes count as
// the U+FFFD characters errors="replace" makes of them), ASCII-only output (\uXXXX escapes), so every line is valid
// JSON whatever bytes the input holds.
#include <climits>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "hfcpp/core/error.h"
#include "hfcpp/tokenizers/tokenizer.h"
#include "pipelines/encoder_inputs.h"
#include "pipelines/python_json.h"

namespace hfcpp::cli {

namespace {

constexpr const char* kTokenizeUsage = "usage:\n" HFCPP_TOKENIZE_USAGE
    "TEXT / IDS \"-\": one text / one id sequence per line of standard input. DIR: a model folder or a tokenizer.json.\n";
constexpr size_t kStdinChunk = 4096;  // lines encoded (in parallel) before their output is written

std::string need_value(int& i, int argc, char** argv) {
  if (i + 1 >= argc) fail(argv[0], ": option ", argv[i], " needs a value");
  return argv[++i];
}

// DIR: a model folder (tokenizer.json or the legacy files) or a tokenizer.json file itself.
Tokenizer load(const std::string& model, const char* command) {
  if (model.empty()) fail(command, ": --model DIR is required");
  std::error_code ec;
  if (std::filesystem::is_regular_file(model, ec)) return Tokenizer::from_file(model);
  return Tokenizer::from_pretrained(model);
}

// Python's character offsets of a token: byte offsets mapped through the char index of its sequence's text.
nlohmann::ordered_json char_offsets(const Encoding& e, const std::vector<size_t>& text_index,
                                    const std::vector<size_t>& pair_index) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (size_t i = 0; i < e.size(); ++i) {
    const int32_t seq = e.sequence_ids[i];
    if (seq < 0) {
      out.push_back({0, 0});  // special tokens and padding
      continue;
    }
    const std::vector<size_t>& index = seq == 1 ? pair_index : text_index;
    out.push_back({index[e.offsets[i].first], index[e.offsets[i].second]});
  }
  return out;
}

struct TokenizeArgs {
  std::string model;
  std::optional<std::string> pair;
  bool special_tokens = true, offsets = false;
  std::vector<std::string> texts;
  bool read_stdin = false;
};

void print_encodings(const Tokenizer& tok, const TokenizeArgs& a, const std::vector<std::string>& texts) {
  EncodeOptions options;
  options.add_special_tokens = a.special_tokens;
  const std::vector<std::string> pairs(a.pair ? texts.size() : 0, a.pair.value_or(""));
  // An empty --pair is still a pair (Python: tokenizer(text, "")); encode_batch takes "" as no pair.
  std::vector<Encoding> encodings;
  if (a.pair && a.pair->empty()) {
    for (const std::string& t : texts) encodings.push_back(tok.encode_pair(t, "", options));
  } else {
    encodings = tok.encode_batch(texts, options, a.pair ? &pairs : nullptr);
  }
  const std::vector<size_t> pair_index = utf8_char_index(a.pair.value_or(""));
  std::string out;
  for (size_t i = 0; i < texts.size(); ++i) {
    nlohmann::ordered_json j;
    j["ids"] = encodings[i].ids;
    j["tokens"] = encodings[i].tokens;
    if (a.offsets) j["offsets"] = char_offsets(encodings[i], utf8_char_index(texts[i]), pair_index);
    out += python_json_dumps(j);
    out += '\n';
  }
  std::cout << out << std::flush;
}

// Ids separated by spaces, commas or brackets ("1 2 3", "1,2,3", "[1, 2, 3]" all read as 1 2 3).
void parse_ids(const std::string& text, std::vector<int32_t>& ids) {
  std::string token;
  auto flush = [&] {
    if (token.empty()) return;
    try {
      size_t used = 0;
      const long long v = std::stoll(token, &used);
      if (used == token.size() && v >= INT32_MIN && v <= INT32_MAX) {
        ids.push_back(static_cast<int32_t>(v));
        token.clear();
        return;
      }
    } catch (const std::exception&) {
    }
    fail("detokenize: '", token, "' is not a token id");
  };
  for (char c : text) {
    if (c == ' ' || c == ',' || c == '[' || c == ']' || c == '\t' || c == '\r' || c == '\n') flush();
    else token += c;
  }
  flush();
}

}  // namespace

int tokenize_command(int argc, char** argv) {
  TokenizeArgs a;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--model") a.model = need_value(i, argc, argv);
    else if (arg == "--pair") a.pair = need_value(i, argc, argv);
    else if (arg == "--no-special-tokens") a.special_tokens = false;
    else if (arg == "--offsets") a.offsets = true;
    else if (arg == "-h" || arg == "--help") { std::cout << kTokenizeUsage; return 0; }
    else if (arg == "-") a.read_stdin = true;
    else if (arg.rfind("--", 0) == 0) fail("tokenize: unknown option ", arg, "\n", kTokenizeUsage);
    else a.texts.push_back(arg);
  }
  if (a.read_stdin && !a.texts.empty()) fail("tokenize: give TEXT arguments or \"-\" (standard input), not both");
  if (!a.read_stdin && a.texts.empty()) fail("tokenize: no input text given\n", kTokenizeUsage);
  const Tokenizer tok = load(a.model, "tokenize");
  if (!a.read_stdin) {
    print_encodings(tok, a, a.texts);
    return 0;
  }
  // One text per line, in chunks so that output starts before the input ends.
  std::vector<std::string> lines;
  for (std::string line; std::getline(std::cin, line);) {
    lines.push_back(std::move(line));
    if (lines.size() == kStdinChunk) {
      print_encodings(tok, a, lines);
      lines.clear();
    }
  }
  if (!lines.empty()) print_encodings(tok, a, lines);
  return 0;
}

int detokenize_command(int argc, char** argv) {
  std::string model;
  bool skip_special_tokens = false, read_stdin = false;
  std::optional<bool> clean_up;
  std::vector<int32_t> ids;
  bool any_ids = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--model") model = need_value(i, argc, argv);
    else if (arg == "--skip-special-tokens") skip_special_tokens = true;
    else if (arg == "--clean-up") clean_up = true;
    else if (arg == "--no-clean-up") clean_up = false;
    else if (arg == "-h" || arg == "--help") { std::cout << kTokenizeUsage; return 0; }
    else if (arg == "-") read_stdin = true;
    else if (arg.rfind("--", 0) == 0) fail("detokenize: unknown option ", arg, "\n", kTokenizeUsage);
    else {
      parse_ids(arg, ids);
      any_ids = true;
    }
  }
  if (read_stdin && any_ids) fail("detokenize: give IDS arguments or \"-\" (standard input), not both");
  if (!read_stdin && !any_ids) fail("detokenize: no token ids given\n", kTokenizeUsage);
  const Tokenizer tok = load(model, "detokenize");
  // transformers' decode(ids) default: the folder's tokenizer_config.json clean_up_tokenization_spaces.
  std::error_code ec;
  const bool clean = clean_up.value_or(std::filesystem::is_directory(model, ec) &&
                                       default_clean_up_tokenization_spaces(model));
  if (!read_stdin) {
    std::cout << tok.decode(ids, skip_special_tokens, clean) << "\n";
    return 0;
  }
  std::vector<std::vector<int32_t>> sequences;  // one per input line
  for (std::string line; std::getline(std::cin, line);) parse_ids(line, sequences.emplace_back());
  std::string out;
  for (const std::string& text : tok.batch_decode(sequences, skip_special_tokens, clean)) out += text + "\n";
  std::cout << out << std::flush;
  return 0;
}

}  // namespace hfcpp::cli
