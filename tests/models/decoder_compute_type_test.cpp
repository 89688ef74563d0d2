// Compute types of decoder models (GPT-2, BLOOM): on CPU, int8 and bfloat16 store the weights of the blocks' linears
// and of the LM head reduced and compute in float32 (ops::LinearCompute::*WeightOnly), on every CPU. Checked here:
// what each request resolves to, which layers take it, logits against float32 on every fixture (prompt forward and
// cached decode steps), the tied token embedding served by the reduced head, and bad ids through it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "decoder_test_util.h"
#include "hfcpp/hfcpp.h"
#include "hfcpp/ops/ops.h"
#include "layers/decoder.h"

using namespace hfcpp;
using hfcpp::testing::decoder_fixture;
using hfcpp::testing::json_rows;
using hfcpp::testing::read_json;

namespace {

LoadOptions with_dtype(const std::string& dtype) {
  LoadOptions options;
  options.dtype = dtype;
  return options;
}

Tensor i64(const std::vector<std::vector<int64_t>>& rows) {
  std::vector<int64_t> flat;
  for (const auto& r : rows) flat.insert(flat.end(), r.begin(), r.end());
  return Tensor::from_vector(flat, {static_cast<int64_t>(rows.size()), static_cast<int64_t>(rows[0].size())});
}

TEST(DecoderComputeType, RequestsResolveToWeightOnlyTypesOnEveryCpu) {
  for (const char* name : {"gpt2-tiny", "bloom-tiny"}) {
    SCOPED_TRACE(name);
    const std::string dir = decoder_fixture(name);
    EXPECT_EQ(load_causal_lm(dir)->compute_type(), "float32");
    EXPECT_EQ(load_causal_lm(dir, with_dtype("int8"))->compute_type(), "int8");
    EXPECT_EQ(load_causal_lm(dir, with_dtype("bfloat16"))->compute_type(), "bfloat16");
    EXPECT_EQ(load_causal_lm(dir, with_dtype("auto"))->compute_type(), "bfloat16");
  }
}

TEST(DecoderComputeType, BlocksAndLmHeadTakeTheWeightOnlyForm) {
  const std::string dir = decoder_fixture("bloom-tiny");
  auto checkpoint = std::make_shared<const SafeTensorsCheckpoint>(SafeTensorsCheckpoint::open_dir(dir));
  const WeightLoader encoder_like = WeightLoader(checkpoint).with_linear_dtype(DType::I8);
  const WeightLoader decoder = encoder_like.with_weight_only_linears(true);
  const auto block = decoder.try_prefixes({"transformer.", ""}, "word_embeddings.weight").sub("h.0.mlp.dense_h_to_4h");
  const int64_t h = block.get("weight").dim(1), inner = block.get("weight").dim(0);
  EXPECT_EQ(layers::Linear::load(block, h, inner).prepared.compute(), ops::LinearCompute::Int8WeightOnly);
  EXPECT_EQ(layers::lm_head_compute(decoder), ops::LinearCompute::Int8WeightOnly);
  EXPECT_EQ(layers::lm_head_compute(decoder.with_linear_dtype(DType::BF16)), ops::LinearCompute::BFloat16WeightOnly);
  EXPECT_EQ(layers::lm_head_compute(decoder.with_linear_dtype(DType::F32)), ops::LinearCompute::Float32Panels);
  EXPECT_EQ(layers::Linear::load(block.with_linear_dtype(DType::F32), h, inner).prepared.compute(),
            ops::LinearCompute::Float32Panels);
  EXPECT_EQ(layers::lm_head_compute(encoder_like), ops::LinearCompute::Float32);  // encoders keep float32 heads
}

// max |a - b| / max |b| over two logit tensors of the same shape.
double relative_error(const std::vector<float>& a, const std::vector<float>& b) {
  double worst = 0, scale = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    worst = std::max(worst, std::abs(double(a[i]) - b[i]));
    scale = std::max(scale, std::abs(double(b[i])));
  }
  return worst / scale;
}

struct Case {
  std::string model, dtype;
  double bound;  // on relative_error against float32
};

class DecoderReducedLogits : public ::testing::TestWithParam<Case> {};

// The fixtures are tiny random models (hidden 32-64): rounding errors do not average out over so few products, so
// the bounds are loose next to what real models see (docs/performance.md). Measured worst: printed.
TEST_P(DecoderReducedLogits, CloseToFloat32OnPromptsAndDecodeSteps) {
  const Case c = GetParam();
  const std::string dir = decoder_fixture(c.model);
  const auto expected = read_json(dir + "/expected.json");
  const auto f32 = load_causal_lm(dir);
  const auto reduced = load_causal_lm(dir, with_dtype(c.dtype));
  double worst = 0;
  for (const auto& f : expected["forward"]) {
    if (f["output"] != "logits") continue;
    const auto mask = json_rows(f["attention_mask"]);
    ModelInputs in;
    in.input_ids = i64(json_rows(f["input_ids"]));
    in.attention_mask = i64(mask);
    if (f.contains("position_ids")) in.position_ids = i64(json_rows(f["position_ids"]));
    const double e = relative_error(reduced->forward(in).logits.to_vector<float>(),
                                    f32->forward(in).logits.to_vector<float>());
    EXPECT_LE(e, c.bound) << f["name"];
    worst = std::max(worst, e);
  }
  // Decode steps over the KV cache (the GEMV path) from a prompt: both models fed the same tokens.
  std::vector<int64_t> tokens = {1, 5, 9, 2, 7};
  KvCache cache_f32 = f32->make_cache(1, 16), cache_reduced = reduced->make_cache(1, 16);
  CausalLMInputs in;
  in.input_ids = Tensor::from_vector(tokens, {1, 5});
  in.last_logits_only = true;
  for (int step = 0; step < 8; ++step) {
    const auto want = f32->forward(in, cache_f32).to_vector<float>();
    const auto got = reduced->forward(in, cache_reduced).to_vector<float>();
    const double e = relative_error(got, want);
    EXPECT_LE(e, c.bound) << "step " << step;
    worst = std::max(worst, e);
    const int64_t next = std::max_element(want.begin(), want.end()) - want.begin();
    in.input_ids = Tensor::from_vector(std::vector<int64_t>{next}, {1, 1});
  }
  std::cout << "[ info ] " << c.model << " " << c.dtype << ": worst max|logit error| / max|logit| = " << worst
            << "\n";
}

INSTANTIATE_TEST_SUITE_P(Fixtures, DecoderReducedLogits,
                         // measured worst: int8 0.026 (gpt2-tiny), bfloat16 0.0066 (bloom-tiny)
                         ::testing::Values(Case{"gpt2-tiny", "int8", 0.06}, Case{"gpt2-tiny", "bfloat16", 0.015},
                                           Case{"gpt2-tiny-untied", "int8", 0.06},
                                           Case{"bloom-tiny", "int8", 0.06}, Case{"bloom-tiny", "bfloat16", 0.015}),
                         [](const auto& info) {
                           std::string name = info.param.model + "_" + info.param.dtype;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(DecoderComputeType, TiedEmbeddingThroughTheReducedHeadRejectsBadIds) {
  for (const char* dtype : {"int8", "bfloat16", "float32"}) {
    SCOPED_TRACE(dtype);
    const auto model = load_causal_lm(decoder_fixture("gpt2-tiny"), with_dtype(dtype));
    KvCache cache = model->make_cache(1, 4);
    CausalLMInputs in;
    in.input_ids = Tensor::from_vector(std::vector<int64_t>{1, model->vocab_size()}, {1, 2});
    try {
      model->forward(in, cache);
      ADD_FAILURE() << "expected an error for an id equal to the vocabulary size";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("out of range"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
