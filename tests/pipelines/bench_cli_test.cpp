// `hfcpp bench`: argument handling and the fields it prints (never how fast anything is). The forward it times must
// be the model's real forward on the inputs asked for: the saved output is compared with the fixture's expected
// logits for the same ids.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "decoder_test_util.h"
#include "hfcpp/hfcpp.h"
#include "test_util.h"

namespace fs = std::filesystem;
using hfcpp::testing::decoder_fixture;
using hfcpp::testing::fixture_model;
using hfcpp::testing::read_json;

namespace {

using Result = hfcpp::testing::CommandResult;

Result run_bench(const std::string& args) {
  return hfcpp::testing::run_command(std::string("OMP_WAIT_POLICY=passive ") + HFCPP_CLI_PATH + " bench " + args);
}

// The JSON line (the first line) and the readable line of a successful run.
std::pair<nlohmann::json, std::string> parse_output(const std::string& out) {
  std::istringstream lines(out);
  std::string json_line, text_line;
  std::getline(lines, json_line);
  std::getline(lines, text_line);
  return {nlohmann::json::parse(json_line), text_line};
}

TEST(BenchCli, ForwardPrintsLatencyAndThroughputFields) {
  const Result r = run_bench("--model " + fixture_model("bert-seqcls-2") +
                             " --task text-classification --batch 3 --seq 16 --warmup 1 --iters 4 --threads 1");
  ASSERT_EQ(r.status, 0) << r.out;
  const auto [j, line] = parse_output(r.out);
  EXPECT_EQ(j["engine"], "hfcpp");
  EXPECT_EQ(j["task"], "text-classification");
  EXPECT_EQ(j["architecture"], "BertForSequenceClassification");
  EXPECT_EQ(j["mode"], "forward");
  EXPECT_EQ(j["compute_type"], "float32");
  EXPECT_EQ(j["batch"], 3);
  EXPECT_EQ(j["seq"], 16);
  EXPECT_EQ(j["threads"], 1);
  EXPECT_EQ(j["iters"], 4);
  for (const char* field : {"median_ms", "p90_ms", "mean_ms", "min_ms", "load_ms", "peak_rss_mb"})
    EXPECT_GT(j[field].get<double>(), 0.0) << field;
  EXPECT_GE(j["p90_ms"].get<double>(), j["median_ms"].get<double>());
  EXPECT_GE(j["median_ms"].get<double>(), j["min_ms"].get<double>());
  // Throughput is derived from the median: B / median and B * S / median.
  EXPECT_NEAR(j["sequences_per_s"].get<double>(), 3 * 1000.0 / j["median_ms"].get<double>(),
              1e-6 * j["sequences_per_s"].get<double>());
  EXPECT_NEAR(j["tokens_per_s"].get<double>(), 16 * j["sequences_per_s"].get<double>(),
              1e-6 * j["tokens_per_s"].get<double>());
  EXPECT_NE(line.find("batch 3 x seq 16"), std::string::npos) << line;
  EXPECT_NE(line.find("median"), std::string::npos) << line;
  EXPECT_NE(line.find("p90"), std::string::npos) << line;
  EXPECT_NE(line.find("seq/s"), std::string::npos) << line;
}

TEST(BenchCli, InputIdsAreTheOnesTimedAndSavedOutputMatchesTheModel) {
  // The fixture's expected.json holds transformers' logits for its encoded inputs: feed those ids, compare.
  const std::string model = fixture_model("bert-seqcls-2");
  const auto expected = read_json(model + "/expected.json");
  const auto& ref = expected["outputs"]["texts"];
  const auto& ids = ref["encoding"]["input_ids"];
  const fs::path dir = fs::temp_directory_path() / "hfcpp-bench-cli-test";
  fs::create_directories(dir);
  // Only rows without padding: bench feeds an all-ones mask.
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  std::vector<size_t> kept;
  for (size_t i = 0; i < ids.size(); ++i) {
    bool padded = false;
    for (const auto& m : ref["encoding"]["attention_mask"][i]) padded |= m.get<int>() == 0;
    if (!padded && (rows.empty() || ids[i].size() == rows[0].size())) rows.push_back(ids[i]), kept.push_back(i);
  }
  ASSERT_FALSE(rows.empty());
  std::ofstream(dir / "ids.json") << rows.dump();
  const Result r = run_bench("--model " + model + " --task text-classification --warmup 0 --iters 1 --input-ids " +
                             (dir / "ids.json").string() + " --save-output " + (dir / "out.json").string());
  ASSERT_EQ(r.status, 0) << r.out;
  const auto [j, line] = parse_output(r.out);
  EXPECT_EQ(j["batch"], rows.size());
  EXPECT_EQ(j["seq"], rows[0].size());
  const auto saved = read_json((dir / "out.json").string());
  EXPECT_EQ(saved["name"], "logits");
  ASSERT_EQ(saved["shape"].size(), 2u);
  ASSERT_EQ(saved["shape"][0], rows.size());
  const size_t labels = saved["shape"][1].get<size_t>();
  for (size_t k = 0; k < kept.size(); ++k)
    for (size_t c = 0; c < labels; ++c)
      EXPECT_NEAR(saved["data"][k * labels + c].get<double>(), ref["logits"][kept[k]][c].get<double>(), 1e-4);
  fs::remove_all(dir);
}

TEST(BenchCli, EndToEndRunsThePipelineOnTextsOfTheAskedLength) {
  const Result r = run_bench("--model " + fixture_model("distilbert-seqcls-2") +
                             " --task sentiment-analysis --end-to-end --batch 2 --seq 24 --warmup 0 --iters 2");
  ASSERT_EQ(r.status, 0) << r.out;
  const auto [j, line] = parse_output(r.out);
  EXPECT_EQ(j["mode"], "end-to-end");
  EXPECT_EQ(j["task"], "text-classification");  // the alias resolved
  EXPECT_EQ(j["seq"], 24);
  EXPECT_EQ(j["batch"], 2);
  EXPECT_NE(line.find("end-to-end"), std::string::npos) << line;
}

TEST(BenchCli, EndToEndTextsFileGivesItsCountAndMeanTokenLength) {
  const std::string model = fixture_model("distilbert-seqcls-2");
  const std::vector<std::string> texts = {"I love this movie!", "The plot was slow, the acting wooden and the end dull.",
                                          "fine"};
  const fs::path path = fs::temp_directory_path() / "hfcpp-bench-cli-texts.txt";
  {
    std::ofstream file(path);
    for (const auto& t : texts) file << t << "\n";
  }
  const Result r = run_bench("--model " + model + " --task text-classification --end-to-end --batch 2 --warmup 0 " +
                             "--iters 1 --texts " + path.string());
  ASSERT_EQ(r.status, 0) << r.out;
  const auto [j, line] = parse_output(r.out);
  const hfcpp::Tokenizer tok = hfcpp::Tokenizer::from_pretrained(model);
  size_t tokens = 0;
  for (const auto& t : texts) tokens += tok.encode(t).size();
  EXPECT_EQ(j["batch"], texts.size());
  EXPECT_EQ(j["batch_size"], 2);
  EXPECT_EQ(j["seq"], (tokens + texts.size() / 2) / texts.size());
  fs::remove(path);
  // --texts is only for the pipeline end to end.
  const Result forward = run_bench("--model " + model + " --task text-classification --texts " + path.string());
  EXPECT_EQ(forward.status, 1);
  EXPECT_NE(forward.out.find("--texts goes with --end-to-end"), std::string::npos) << forward.out;
}

TEST(BenchCli, TextGenerationReportsPrefillDecodeStepsAndTokensPerSecond) {
  const std::string model = decoder_fixture("gpt2-tiny");
  const Result r = run_bench("--model " + model + " --task text-generation --batch 2 --seq 5 --new 6 --warmup 0 " +
                             "--iters 2 --threads 1 --dtype int8");
  ASSERT_EQ(r.status, 0) << r.out;
  const auto [j, line] = parse_output(r.out);
  EXPECT_EQ(j["task"], "text-generation");
  EXPECT_EQ(j["mode"], "generate");
  EXPECT_EQ(j["architecture"], "GPT2LMHeadModel");
  EXPECT_EQ(j["compute_type"], "int8");
  EXPECT_EQ(j["batch"], 2);
  EXPECT_EQ(j["seq"], 5);
  EXPECT_EQ(j["new_tokens"], 6);
  EXPECT_EQ(j["iters"], 2);
  for (const char* field : {"load_ms", "prefill_ms", "median_ms", "p90_ms", "decode_tokens_per_s", "total_ms"})
    EXPECT_GT(j[field].get<double>(), 0.0) << field;
  EXPECT_GE(j["p90_ms"].get<double>(), j["median_ms"].get<double>());
  // A generation is its prefill plus 5 decode steps of the median's order.
  EXPECT_GT(j["total_ms"].get<double>(), j["prefill_ms"].get<double>());
  EXPECT_NE(line.find("batch 2 x prompt 5 + 6 new"), std::string::npos) << line;
  EXPECT_NE(line.find("tok/s"), std::string::npos) << line;

  // One new token is the prefill alone: no decode step to report.
  const Result one = run_bench("--model " + model + " --task text-generation --new 1 --warmup 0 --iters 1");
  ASSERT_EQ(one.status, 0) << one.out;
  const auto [j1, line1] = parse_output(one.out);
  EXPECT_EQ(j1["seq"], 32);  // the text-generation default prompt length
  EXPECT_GT(j1["prefill_ms"].get<double>(), 0.0);
  EXPECT_EQ(j1["decode_tokens_per_s"].get<double>(), 0.0);
}

TEST(BenchCli, TextGenerationTakesPromptIdsAndRejectsEncoderOptions) {
  const std::string model = decoder_fixture("gpt2-tiny");
  const fs::path ids = fs::temp_directory_path() / "hfcpp-bench-generation-ids.json";
  std::ofstream(ids) << "[[1, 2, 3, 4], [5, 6, 7, 8]]";
  const Result r = run_bench("--model " + model + " --task text-generation --new 3 --warmup 0 --iters 1 --input-ids " +
                             ids.string());
  ASSERT_EQ(r.status, 0) << r.out;
  const auto [j, line] = parse_output(r.out);
  EXPECT_EQ(j["batch"], 2);
  EXPECT_EQ(j["seq"], 4);
  std::ofstream(ids) << "[[1, 2, 999999]]";
  const Result bad = run_bench("--model " + model + " --task text-generation --input-ids " + ids.string());
  EXPECT_EQ(bad.status, 1) << bad.out;
  EXPECT_NE(bad.out.find("outside the vocabulary"), std::string::npos) << bad.out;
  fs::remove(ids);
  const Result e2e = run_bench("--model " + model + " --task text-generation --end-to-end");
  EXPECT_EQ(e2e.status, 1) << e2e.out;
  EXPECT_NE(e2e.out.find("--end-to-end, --texts and --save-output are for the encoder tasks"), std::string::npos)
      << e2e.out;
}

TEST(BenchCli, BadArgumentsFailWithAMessage) {
  const std::string model = fixture_model("bert-seqcls-2");
  struct Case {
    std::string args, message;
  };
  const std::vector<Case> cases = {
      {"--task text-classification", "--model DIR is required"},
      {"--model " + model, "--task T is required"},
      {"--model " + model + " --task text-classification --batch 0", "--batch must be at least 1"},
      {"--model " + model + " --task text-classification --seq abc", "--seq expects an integer"},
      {"--model " + model + " --task text-classification --iters", "--iters needs a value"},
      {"--model " + model + " --task text-classification --frobnicate", "unknown argument '--frobnicate'"},
      {"--model " + model + " --task text-classification --seq 1", "shorter than the 2 special tokens"},
      {"--model " + model + " --task text-classification --input-ids /nonexistent/ids.json", "cannot read"},
      {"--model " + model + " --task no-such-task", "no-such-task"},
      {"--model " + model + " --task text-classification --new 5", "--new is for --task text-generation"},
  };
  for (const Case& c : cases) {
    const Result r = run_bench(c.args);
    EXPECT_EQ(r.status, 1) << c.args << "\n" << r.out;
    EXPECT_NE(r.out.find(c.message), std::string::npos) << c.args << "\n" << r.out;
  }
}

}  // namespace
