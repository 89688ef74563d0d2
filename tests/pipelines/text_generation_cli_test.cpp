// `hfcpp run text-generation`: the options map to the pipeline's kwargs (same output as run_json in process),
// --stream prints the same text piece by piece, bad values fail with exit status 1.
#include <gtest/gtest.h>

#include "hfcpp/pipelines/text_generation.h"
#include "test_util.h"

using namespace hfcpp;
using hfcpp::testing::run_command;

namespace {

std::string decoder_dir(const std::string& name) { return std::string(HFCPP_FIXTURES_DIR) + "/decoders/" + name; }

hfcpp::testing::CommandResult cli(const std::string& args) {
  return run_command(std::string(HFCPP_CLI_PATH) + " run text-generation --model " + decoder_dir("gpt2-tiny") + " " + args);
}

const std::shared_ptr<Pipeline>& gpt2() {
  static const std::shared_ptr<Pipeline> pipe = pipeline("text-generation", decoder_dir("gpt2-tiny"));
  return pipe;
}

TEST(TextGenerationCli, OptionsGiveThePipelineResult) {
  struct Case {
    std::string args, inputs, kwargs;
  };
  const std::vector<Case> cases = {
      {"--max-new-tokens 12 --do-sample false \"The quick\"", R"("The quick")",
       R"({"max_new_tokens": 12, "do_sample": false})"},
      {"--max-new-tokens 10 --num-beams 3 --num-return-sequences 2 --do-sample false \"The quick\"", R"("The quick")",
       R"({"max_new_tokens": 10, "num_beams": 3, "num_return_sequences": 2, "do_sample": false})"},
      {"--max-new-tokens 6 --do-sample false --return-full-text false \"The quick\" \"I love\"", R"(["The quick", "I love"])",
       R"({"max_new_tokens": 6, "do_sample": false, "return_full_text": false})"},
      {"--max-new-tokens 16 --do-sample --temperature 1.3 --top-k 20 --top-p 0.9 --seed 5 \"The quick\"", R"("The quick")",
       R"({"max_new_tokens": 16, "do_sample": true, "temperature": 1.3, "top_k": 20, "top_p": 0.9, "seed": 5})"},
      {"--max-new-tokens 40 --do-sample false --stop G \"The quick\"", R"("The quick")",
       R"({"max_new_tokens": 40, "do_sample": false, "stop_sequence": ["G"]})"},
  };
  for (const Case& c : cases) {
    const auto r = cli(c.args);
    ASSERT_EQ(r.status, 0) << c.args << "\n" << r.out;
    EXPECT_EQ(r.out, gpt2()->run_json(c.inputs, c.kwargs) + "\n") << c.args;
  }
}

TEST(TextGenerationCli, SeedMakesSamplingRepeatable) {
  const auto a = cli("--max-new-tokens 16 --do-sample --seed 11 \"The quick\"");
  const auto b = cli("--max-new-tokens 16 --do-sample --seed 11 \"The quick\"");
  ASSERT_EQ(a.status, 0) << a.out;
  EXPECT_EQ(a.out, b.out);
}

TEST(TextGenerationCli, StreamPrintsTheFullText) {
  const auto r = cli("--max-new-tokens 24 --do-sample false --stream \"The quick\"");
  ASSERT_EQ(r.status, 0) << r.out;
  const auto want = nlohmann::ordered_json::parse(gpt2()->run_json(R"("The quick")", R"({"max_new_tokens": 24, "do_sample": false})"));
  EXPECT_EQ(r.out, want[0]["generated_text"].get<std::string>() + "\n");
  const auto only_new = cli("--max-new-tokens 24 --do-sample false --return-full-text false --stream \"The quick\"");
  EXPECT_EQ(only_new.out, r.out.substr(std::string("The quick").size()));
}

TEST(TextGenerationCli, BadValuesFail) {
  for (const char* args : {"--max-new-tokens 0 \"a\"", "--max-new-tokens x \"a\"", "--temperature warm \"a\"",
                           "--return-full-text maybe \"a\"", "--stream \"a\" \"b\"", "--num-beams 2 --num-return-sequences 3 \"a\"",
                           "--do-sample --top-p 1.5 \"a\"", "--seed -3 \"a\""}) {
    const auto r = cli(args);
    EXPECT_EQ(r.status, 1) << args << "\n" << r.out;
    EXPECT_NE(r.out.find("hfcpp: error:"), std::string::npos) << args << "\n" << r.out;
  }
}

}  // namespace
