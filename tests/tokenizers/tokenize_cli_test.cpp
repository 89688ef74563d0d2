// `hfcpp tokenize` / `hfcpp detokenize` end to end: the lines printed are those Python prints
// (json.dumps of what `tokenizers` returns, character offsets; transformers' decode), recorded in the "cli" cases of
// tests/fixtures/tokenizers/api.json (tests/fixtures/make_tokenizer_api_fixtures.py); inputs from arguments and from
// standard input; any input bytes give valid JSON; errors exit with status 1 and say what is wrong.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "hfcpp/tokenizers/tokenizer.h"
#include "test_util.h"
#include "tokenizer_test_util.h"

namespace hfcpp {
namespace {

using nlohmann::json;
using testing::run_command;
namespace fs = std::filesystem;

std::string quote(const std::string& arg) {  // one shell word
  std::string out = "'";
  for (char c : arg) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string cli(const std::string& args) { return std::string(HFCPP_CLI_PATH) + " " + args; }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The model folder of a fixture entry: a committed tokenizer.json with its tokenizer_config.json copied into `dir`,
// or a shared folder (empty when absent).
std::string model_dir(const json& entry, const test::TempDir& dir) {
  if (entry.contains("shared")) {
    const fs::path folder = test::shared_tokenizers_dir() / entry["shared"].get<std::string>();
    return fs::exists(folder) ? folder.string() : "";
  }
  fs::copy_file(test::fixtures_dir() / entry["file"].get<std::string>(), dir / "tokenizer.json");
  test::write_file(dir / "tokenizer_config.json", entry["tokenizer_config"].dump());
  return dir.path().string();
}

TEST(TokenizeCli, PrintsWhatPythonPrintsForEveryTokenizer) {
  const json fixture = json::parse(test::read_file(test::fixtures_dir() / "api.json"));
  size_t checked = 0;
  for (const json& entry : fixture["tokenizers"]) {
    const std::string name = entry["name"];
    SCOPED_TRACE(name);
    test::TempDir dir("hfcpp-tokcli");
    const std::string model = model_dir(entry, dir);
    if (model.empty()) {
      std::cout << "[ note     ] " << name << ": shared files absent, skipped\n";
      continue;
    }
    ++checked;
    for (const json& c : entry["cli"]) {
      if (c.contains("detokenize")) {
        std::string ids;
        for (const json& id : c["detokenize"]) ids += " " + std::to_string(id.get<int32_t>());
        const std::string flags = c["skip_special_tokens"].get<bool>() ? " --skip-special-tokens" : "";
        const auto r = run_command(cli("detokenize --model " + quote(model) + flags + ids));
        EXPECT_EQ(r.status, 0) << r.out;
        EXPECT_EQ(r.out, c["expected"].get<std::string>() + "\n");
        // The same ids as one line of standard input, in the form tokenize prints them, twice: two lines out.
        test::write_file(dir / "ids.txt", c["detokenize"].dump() + "\n" + c["detokenize"].dump() + "\n");
        const auto s = run_command(cli("detokenize --model " + quote(model) + flags + " - < " + quote((dir / "ids.txt").string())));
        EXPECT_EQ(s.out, c["expected"].get<std::string>() + "\n" + c["expected"].get<std::string>() + "\n");
        continue;
      }
      std::string args;
      for (const json& a : c["args"]) args += " " + quote(a.get<std::string>());
      const auto texts = c["texts"].get<std::vector<std::string>>();
      const auto expected = c["lines"].get<std::vector<std::string>>();
      // Standard input: one text per line (NUL bytes included).
      std::string input;
      for (const std::string& t : texts) input += t + "\n";
      test::write_file(dir / "texts.txt", input);
      const auto r = run_command(cli("tokenize --model " + quote(model) + args + " - < " + quote((dir / "texts.txt").string())));
      EXPECT_EQ(r.status, 0) << r.out;
      EXPECT_EQ(lines_of(r.out), expected) << args;
      // Arguments: those without NUL (argv cannot hold one), in one call.
      std::string words;
      std::vector<std::string> want;
      for (size_t i = 0; i < texts.size(); ++i) {
        if (texts[i].find('\0') != std::string::npos) continue;
        words += " " + quote(texts[i]);
        want.push_back(expected[i]);
      }
      const auto a = run_command(cli("tokenize --model " + quote(model) + args + words));
      EXPECT_EQ(a.status, 0) << a.out;
      EXPECT_EQ(lines_of(a.out), want) << args;
    }
  }
  EXPECT_GE(checked, 4u);
}

TEST(TokenizeCli, AnyInputBytesGiveValidJsonWithPythonCharacterOffsets) {
  test::TempDir dir("hfcpp-tokcli");
  const json fixture = json::parse(test::read_file(test::fixtures_dir() / "api.json"));
  const std::string model = model_dir(fixture["tokenizers"][0], dir);  // byte-level BPE: every byte is a token
  const Tokenizer tok = Tokenizer::from_pretrained(model);
  const std::vector<std::string> texts = {"a\xff" "b", "caf\xc3", "\xe2\x82 euro \xe2\x82\xac", "\xc0\x80\xed\xa0\x80 x",
                                          "ok \xf0\x9f\xa4 \xf0\x9f\xa4\x97", "\x01\x02\x1b[0m\x7f", "\"quoted\" \\ back"};
  std::string input;
  for (const std::string& t : texts) input += t + "\n";
  test::write_file(dir / "bytes.txt", input);
  const auto r = run_command(cli("tokenize --model " + quote(model) + " --offsets - < " + quote((dir / "bytes.txt").string())));
  ASSERT_EQ(r.status, 0) << r.out;
  const std::vector<std::string> lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    SCOPED_TRACE(i);
    for (char c : lines[i]) EXPECT_LT(static_cast<unsigned char>(c), 0x80u) << "json.dumps output is ASCII";
    const json j = json::parse(lines[i]);  // throws (fails the test) when not valid JSON
    const Encoding e = tok.encode(texts[i]);
    EXPECT_EQ(j["ids"].get<std::vector<int32_t>>(), e.ids);
    const std::vector<size_t> chars = utf8_char_index(texts[i]);
    ASSERT_EQ(j["offsets"].size(), e.size());
    for (size_t k = 0; k < e.size(); ++k)
      EXPECT_EQ(j["offsets"][k], json::array({chars[e.offsets[k].first], chars[e.offsets[k].second]}));
  }
  // A tokenizer.json file works as --model too.
  const auto f = run_command(cli("tokenize --model " + quote(model + "/tokenizer.json") + " " + quote("hello world")));
  EXPECT_EQ(f.status, 0) << f.out;
  EXPECT_EQ(json::parse(f.out)["ids"].get<std::vector<int32_t>>(), tok.encode("hello world").ids);
}

TEST(TokenizeCli, ErrorsExitWithStatusOneAndSayWhy) {
  test::TempDir dir("hfcpp-tokcli");
  const json fixture = json::parse(test::read_file(test::fixtures_dir() / "api.json"));
  const std::string model = model_dir(fixture["tokenizers"][0], dir);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"tokenize x", "--model DIR is required"},
      {"tokenize --model " + quote(model), "no input text"},
      {"tokenize --model " + quote(model) + " --bogus x", "unknown option --bogus"},
      {"tokenize --model " + quote(model) + " --pair", "--pair needs a value"},
      {"tokenize --model " + quote(model) + " x -", "not both"},
      {"tokenize --model " + quote((dir / "absent").string()) + " x", "absent"},
      {"detokenize --model " + quote(model), "no token ids"},
      {"detokenize --model " + quote(model) + " 1 two 3", "'two' is not a token id"},
      {"detokenize --model " + quote(model) + " 99999999999", "not a token id"},
  };
  for (const auto& [args, message] : cases) {
    const auto r = run_command(cli(args));
    EXPECT_EQ(r.status, 1) << args << "\n" << r.out;
    EXPECT_NE(r.out.find(message), std::string::npos) << args << "\n" << r.out;
  }
  const auto help = run_command(cli("tokenize --help"));
  EXPECT_EQ(help.status, 0);
  EXPECT_NE(help.out.find("hfcpp detokenize --model DIR"), std::string::npos) << help.out;
}

}  // namespace
}  // namespace hfcpp
