// The hfcpp CLI end to end: repo ids resolved through a Hugging Face cache laid out as huggingface_hub does,
// output in Python's json.dumps shape, clear errors with a non-zero exit status.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "test_util.h"

namespace fs = std::filesystem;
using hfcpp::testing::fixture_model;
using hfcpp::testing::read_json;

namespace {

using Result = hfcpp::testing::CommandResult;

Result run_cli(const std::string& args, const std::string& env = "") {
  return hfcpp::testing::run_command(env + " " + HFCPP_CLI_PATH + " " + args);
}

// <cache>/models--org--name/{refs/main, snapshots/<hash>/...} with the fixture's files copied in.
fs::path make_fake_cache(const std::string& repo_id, const std::string& fixture) {
  const fs::path cache = fs::temp_directory_path() / "hfcpp-cli-test-cache";
  fs::remove_all(cache);
  std::string folder = "models--" + repo_id;
  folder.replace(folder.find('/'), 1, "--");
  const std::string hash = "0123456789abcdef0123456789abcdef01234567";
  fs::create_directories(cache / folder / "refs");
  fs::create_directories(cache / folder / "snapshots" / hash);
  std::ofstream(cache / folder / "refs" / "main") << hash;
  for (const auto& entry : fs::directory_iterator(fixture_model(fixture)))
    fs::copy_file(entry.path(), cache / folder / "snapshots" / hash / entry.path().filename());
  return cache;
}

TEST(Cli, RepoIdFromHubCachePrintsPythonJson) {
  const fs::path cache = make_fake_cache("acme/tiny-sentiment", "distilbert-seqcls-2");
  const Result r = run_cli("run sentiment-analysis --model acme/tiny-sentiment --top-k all \"I love this movie!\"",
                           "HF_HUB_CACHE=" + cache.string());
  ASSERT_EQ(r.status, 0) << r.out;
  // json.dumps layout: ", " and ": " separators, one line.
  EXPECT_EQ(r.out.rfind("[{\"label\": \"", 0), 0u) << r.out;
  const auto got = nlohmann::ordered_json::parse(r.out);
  const auto expected = read_json(fixture_model("distilbert-seqcls-2") + "/expected.json");
  for (const auto& c : expected["pipeline"]["cases"]) {
    if (c["name"] != "single_top_k_none") continue;
    ASSERT_EQ(got.size(), c["output"].size());
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i]["label"], c["output"][i]["label"]);
      EXPECT_NEAR(got[i]["score"].get<double>(), c["output"][i]["score"].get<double>(), 1e-4);
    }
  }
  fs::remove_all(cache);
}

TEST(Cli, DefaultModelMissingSaysHowToDownload) {
  const fs::path empty = fs::temp_directory_path() / "hfcpp-cli-empty-cache";
  fs::create_directories(empty);
  const Result r = run_cli("run sentiment-analysis \"hello\"", "HF_HUB_CACHE=" + empty.string());
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("huggingface-cli download distilbert/distilbert-base-uncased-finetuned-sst-2-english"),
            std::string::npos)
      << r.out;
}

TEST(Cli, SeveralTextsGiveTheListShapeAndStdinWorks) {
  const std::string model = fixture_model("bert-seqcls-3");
  const Result list = run_cli("run text-classification --model " + model + " a b c");
  ASSERT_EQ(list.status, 0) << list.out;
  EXPECT_EQ(nlohmann::ordered_json::parse(list.out).size(), 3u);
  const Result stdin_list = run_cli("run text-classification --model " + model + " - < /dev/null");
  EXPECT_NE(stdin_list.status, 0);  // no input at all is an error, not an empty run
  const Result piped = run_cli("run text-classification --model " + model + " -", "printf 'one\\ntwo\\n' |");
  ASSERT_EQ(piped.status, 0) << piped.out;
  EXPECT_EQ(nlohmann::ordered_json::parse(piped.out).size(), 2u);
}

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// --is-split-into-words: the TEXT arguments are the words of one input, as Python's ner(words, is_split_into_words=True).
TEST(Cli, PreTokenizedNerMatchesTransformers) {
  const auto expected = read_json(std::string(HFCPP_FIXTURES_DIR) + "/pipelines/token-classification/bert-tokcls-5.json");
  size_t checked = 0;
  for (const auto& c : expected["cases"]) {
    if (c["name"] != "words" && c["name"] != "words_delimiter") continue;
    std::string args = "run ner --model " + fixture_model("bert-tokcls-5") + " --is-split-into-words";
    const auto& kwargs = c["call"]["kwargs"];
    if (kwargs.contains("delimiter")) args += " --delimiter " + shell_quote(kwargs["delimiter"].get<std::string>());
    if (kwargs.contains("aggregation_strategy"))
      args += " --aggregation-strategy " + kwargs["aggregation_strategy"].get<std::string>();
    if (kwargs.contains("ignore_labels")) {
      ASSERT_TRUE(kwargs["ignore_labels"].empty());  // the CLI spells "no labels ignored" as an empty list
      args += " --ignore-labels ''";
    }
    for (const auto& w : c["call"]["inputs"]) args += " " + shell_quote(w.get<std::string>());
    const Result r = run_cli(args);
    ASSERT_EQ(r.status, 0) << args << " -> " << r.out;
    hfcpp::testing::expect_same_json(nlohmann::ordered_json::parse(r.out), c["output"], c["name"].get<std::string>());
    ++checked;
  }
  EXPECT_EQ(checked, 2u);
}

TEST(Cli, BadArgumentsFailWithAMessage) {
  const std::string model = fixture_model("bert-seqcls-2");
  for (const std::string& args : std::vector<std::string>{"", "run", "frobnicate", "run sentiment-analysis --model " + model,
                                 "run sentiment-analysis --model " + model + " --top-k x hi",
                                 "run sentiment-analysis --model " + model + " --bogus hi",
                                 "run no-such-task --model " + model + " hi",
                                 "run sentiment-analysis --model /no/such/dir hi"}) {
    const Result r = run_cli(args);
    EXPECT_NE(r.status, 0) << args;
    EXPECT_NE(r.out.find("hfcpp: error:"), std::string::npos) << args << " -> " << r.out;
  }
}

}  // namespace
