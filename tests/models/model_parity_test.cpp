// Model parity with transformers: each fixture checkpoint (tests/fixtures/models/*, written by make_fixtures.py)
// runs the recorded padded batches; logits, QA start/end logits and hidden states (whole, or the recorded slices
// of masked-LM logits and RoBERTa hidden states) must match within 1e-4, as must the fill-mask logits.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <thread>

#include "hfcpp/models/model.h"
#include "layers/layers.h"
#include "test_util.h"

using namespace hfcpp;
using hfcpp::testing::fixture_model;
using hfcpp::testing::max_abs_error;
using hfcpp::testing::read_json;

namespace {

constexpr double kTolerance = 1e-4;

ModelInputs inputs_from(const nlohmann::ordered_json& encoding) {
  ModelInputs in;
  in.input_ids = hfcpp::testing::json_to_i64_tensor(encoding["input_ids"]);
  in.attention_mask = hfcpp::testing::json_to_i64_tensor(encoding["attention_mask"]);
  if (encoding.contains("token_type_ids")) in.token_type_ids = hfcpp::testing::json_to_i64_tensor(encoding["token_type_ids"]);
  return in;
}

// Row-major element at [b, s, d] of a [B, S, D] tensor's values.
float at3(const std::vector<float>& values, const Shape& shape, int64_t b, int64_t s, int64_t d) {
  return values[static_cast<size_t>((b * shape[1] + s) * shape[2] + d)];
}

// Compares a [B, S, D] output with a make_fixtures.py tensor_slice() record: the shape, the recorded columns of
// the last dim at every position, and the full rows at the recorded positions. Returns the max abs error. With a
// mask ([B, S] values), positions whose mask is 0 are skipped.
double max_slice_error(const Tensor& actual, const nlohmann::ordered_json& slice, const std::vector<int64_t>& mask = {}) {
  const Shape shape = slice["shape"].get<Shape>();
  EXPECT_EQ(shape_to_string(actual.shape()), shape_to_string(shape));
  if (actual.shape() != shape) return INFINITY;
  const std::vector<float> got = actual.to(DType::F32).to_vector<float>();
  const auto columns = slice["columns"].get<std::vector<int64_t>>();
  double worst = 0;
  const auto skipped = [&](int64_t b, int64_t s) { return !mask.empty() && mask[static_cast<size_t>(b * shape[1] + s)] == 0; };
  for (int64_t b = 0; b < shape[0]; ++b)
    for (int64_t s = 0; s < shape[1]; ++s)
      for (size_t c = 0; c < columns.size() && !skipped(b, s); ++c)
        worst = std::max(worst, std::abs(at3(got, shape, b, s, columns[c]) -
                                         slice["at_columns"][static_cast<size_t>(b)][static_cast<size_t>(s)][c].get<double>()));
  const auto& positions = slice["positions"];
  for (size_t i = 0; i < positions.size(); ++i) {
    const int64_t b = positions[i][0].get<int64_t>(), s = positions[i][1].get<int64_t>();
    EXPECT_EQ(slice["rows"][i].size(), static_cast<size_t>(shape[2]));
    if (skipped(b, s)) continue;
    for (int64_t d = 0; d < shape[2]; ++d)
      worst = std::max(worst,
                       std::abs(at3(got, shape, b, s, d) - slice["rows"][i][static_cast<size_t>(d)].get<double>()));
  }
  return worst;
}

class ModelParity : public ::testing::TestWithParam<std::string> {};

TEST_P(ModelParity, MatchesTransformers) {
  const std::string dir = fixture_model(GetParam());
  const auto expected = read_json(dir + "/expected.json");
  const auto model = load_model(dir);
  EXPECT_EQ(model->architecture(), expected["model"]["architecture"].get<std::string>());
  for (const char* group : {"texts", "pairs"}) {
    if (!expected["outputs"].contains(group)) continue;
    SCOPED_TRACE(group);
    const auto& want = expected["outputs"][group];
    const ModelOutputs out = model->forward(inputs_from(want["encoding"]));
    if (want.contains("logits")) EXPECT_LE(max_abs_error(out.logits, want["logits"]), kTolerance);
    if (want.contains("last_hidden_state"))
      EXPECT_LE(max_abs_error(out.last_hidden_state, want["last_hidden_state"]), kTolerance);
    if (want.contains("pooler_output")) EXPECT_LE(max_abs_error(out.pooler_output, want["pooler_output"]), kTolerance);
    if (want.contains("start_logits")) EXPECT_LE(max_abs_error(out.start_logits, want["start_logits"]), kTolerance);
    if (want.contains("end_logits")) EXPECT_LE(max_abs_error(out.end_logits, want["end_logits"]), kTolerance);
    if (want.contains("logits_slice")) EXPECT_LE(max_slice_error(out.logits, want["logits_slice"]), kTolerance);
    if (want.contains("last_hidden_state_slice"))
      EXPECT_LE(max_slice_error(out.last_hidden_state, want["last_hidden_state_slice"]), kTolerance);
  }
  if (expected.contains("fill_mask")) {  // masked-LM heads: logits at the mask of one fill-mask style input
    SCOPED_TRACE("fill_mask");
    const auto& fill = expected["fill_mask"];
    const ModelInputs in = inputs_from(fill["encoding"]);
    const Tensor logits = model->forward(in).logits;  // [1, S, vocab]
    ASSERT_EQ(logits.rank(), 3);
    const std::vector<float> got = logits.to_vector<float>();
    const std::vector<int64_t> ids = in.input_ids.to_vector<int64_t>();
    ASSERT_FALSE(fill["mask_positions"].empty());
    for (size_t i = 0; i < fill["mask_positions"].size(); ++i) {
      const int64_t b = fill["mask_positions"][i][0].get<int64_t>(), s = fill["mask_positions"][i][1].get<int64_t>();
      EXPECT_EQ(ids[static_cast<size_t>(b * in.input_ids.dim(1) + s)], fill["mask_token_id"].get<int64_t>());
      double worst = 0;
      for (int64_t v = 0; v < logits.dim(2); ++v)
        worst = std::max(worst, std::abs(at3(got, logits.shape(), b, s, v) -
                                         fill["logits_at_mask"][i][static_cast<size_t>(v)].get<double>()));
      EXPECT_LE(worst, kTolerance);
    }
  }
}

// The max abs error of a [B, S, ...] output against transformers' values at the positions whose mask is 1 (or of the
// whole output when its leading dims are not [B, S], e.g. sequence logits [B, labels]).
double max_error_at_tokens(const Tensor& actual, const nlohmann::ordered_json& expected, const Tensor& mask) {
  if (actual.rank() < 2 || actual.dim(0) != mask.dim(0) || actual.dim(1) != mask.dim(1))
    return max_abs_error(actual, expected);
  EXPECT_EQ(shape_to_string(actual.shape()), shape_to_string(hfcpp::testing::json_shape(expected)));
  std::vector<double> want;
  hfcpp::testing::flatten(expected, want);
  const std::vector<float> got = actual.to(DType::F32).to_vector<float>();
  const std::vector<int64_t> m = mask.to_vector<int64_t>();
  if (got.size() != want.size()) return INFINITY;
  const size_t inner = got.size() / m.size();
  double worst = 0;
  for (size_t i = 0; i < got.size(); ++i)
    if (m[i / inner] != 0) worst = std::max(worst, std::abs(static_cast<double>(got[i]) - want[i]));
  return worst;
}

// skip_padding (what the pipelines pass): encoders pack the real tokens without padding. Every output at a real
// token, and every sequence output, still matches transformers; hidden states at padding are zeros.
TEST_P(ModelParity, SkipPaddingMatchesTransformersAtTokens) {
  const std::string dir = fixture_model(GetParam());
  const auto expected = read_json(dir + "/expected.json");
  const auto model = load_model(dir);
  for (const char* group : {"texts", "pairs"}) {
    if (!expected["outputs"].contains(group)) continue;
    SCOPED_TRACE(group);
    const auto& want = expected["outputs"][group];
    ModelInputs in = inputs_from(want["encoding"]);
    in.skip_padding = true;
    const std::vector<int64_t> mask = in.attention_mask.to_vector<int64_t>();
    ASSERT_NE(std::count(mask.begin(), mask.end(), 0), 0) << "the fixture batch has no padding to skip";
    const ModelOutputs out = model->forward(in);
    for (const auto& [name, tensor] : {std::pair{"logits", &out.logits}, {"last_hidden_state", &out.last_hidden_state},
                                       {"pooler_output", &out.pooler_output}, {"start_logits", &out.start_logits},
                                       {"end_logits", &out.end_logits}})
      if (want.contains(name)) EXPECT_LE(max_error_at_tokens(*tensor, want[name], in.attention_mask), kTolerance) << name;
    if (want.contains("logits_slice")) EXPECT_LE(max_slice_error(out.logits, want["logits_slice"], mask), kTolerance);
    if (want.contains("last_hidden_state_slice"))
      EXPECT_LE(max_slice_error(out.last_hidden_state, want["last_hidden_state_slice"], mask), kTolerance);
    const std::vector<float> hidden = out.last_hidden_state.to(DType::F32).to_vector<float>();
    const size_t width = hidden.size() / mask.size();
    for (size_t i = 0; i < hidden.size(); ++i)
      if (mask[i / width] == 0) ASSERT_EQ(hidden[i], 0.0f) << "hidden state at padding position " << i / width;
  }
}

// Rows with no token at all (mask all zeros) pack to nothing: the other rows are unchanged, and a batch of only such
// rows still runs (every layer sees zero tokens) in every compute type.
TEST(SkipPadding, EmptyRowsAndAllPaddingBatches) {
  for (const char* name : {"bert-seqcls-2", "distilbert-tokcls-5", "roberta-qa"}) {
    for (const char* dtype : {"float32", "int8"}) {
      SCOPED_TRACE(std::string(name) + " " + dtype);
      LoadOptions options;
      options.dtype = dtype;
      const auto model = load_model(fixture_model(name), std::nullopt, options);
      ModelInputs in;
      in.input_ids = Tensor::from_vector(std::vector<int64_t>{5, 6, 7, 8, 5, 6, 7, 8, 9, 10, 11, 12}, {3, 4});
      in.attention_mask = Tensor::from_vector(std::vector<int64_t>{1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0}, {3, 4});
      const ModelOutputs padded = model->forward(in);
      in.skip_padding = true;
      const ModelOutputs packed = model->forward(in);
      const auto h0 = padded.last_hidden_state.to_vector<float>(), h1 = packed.last_hidden_state.to_vector<float>();
      const int64_t width = padded.last_hidden_state.dim(2);
      const std::vector<int64_t> tokens = {0, 1, 2, 8, 9};  // positions b * 4 + s with mask 1
      for (const int64_t t : tokens)
        for (int64_t d = 0; d < width; ++d) EXPECT_NEAR(h1[t * width + d], h0[t * width + d], 1e-4) << t;
      for (int64_t t = 4; t < 8; ++t)
        for (int64_t d = 0; d < width; ++d) ASSERT_EQ(h1[t * width + d], 0.0f);
      in.attention_mask = Tensor::zeros({3, 4}, DType::I64);
      const ModelOutputs none = model->forward(in);
      EXPECT_EQ(none.last_hidden_state.shape(), (Shape{3, 4, width}));
      for (const float x : none.last_hidden_state.to_vector<float>()) ASSERT_EQ(x, 0.0f);
    }
  }
}

std::vector<std::string> all_fixtures() { return hfcpp::testing::fixture_models_with("outputs"); }

INSTANTIATE_TEST_SUITE_P(Fixtures, ModelParity, ::testing::ValuesIn(all_fixtures()),
                         hfcpp::testing::param_name);

TEST(ModelLoading, HeadIsChosenByModelTypeLikeAutoModelFor) {
  // A base checkpoint has no classifier weights: asking for the head names the missing tensor.
  try {
    load_model(fixture_model("bert-base"), Head::SequenceClassification);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("classifier"), std::string::npos) << e.what();
  }
  const auto base = load_model(fixture_model("bert-seqcls-2"), Head::Base);
  EXPECT_EQ(base->architecture(), "BertModel");
}

TEST(ModelLoading, MissingHeadForModelTypeListsFittingArchitectures) {
  try {
    load_model(fixture_model("bert-seqcls-2"), Head::CausalLM);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("CausalLM"), std::string::npos) << e.what();
  }
}

TEST(ModelLoading, UnknownArchitectureAndMissingConfigAreClearErrors) {
  const auto dir = std::filesystem::temp_directory_path() / "hfcpp-unknown-arch";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "config.json") << R"({"architectures": ["FrobnicatorModel"], "model_type": "frob"})";
  try {
    load_model(dir.string());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("FrobnicatorModel"), std::string::npos) << what;
    EXPECT_NE(what.find("BertModel"), std::string::npos) << what;  // lists what is supported
  }
  std::filesystem::remove(dir / "config.json");
  EXPECT_THROW(load_model(dir.string()), Error);
  EXPECT_THROW(load_model((dir / "absent").string()), Error);
  std::filesystem::remove_all(dir);
}

TEST(ModelLoading, RejectsBadInputShapes) {
  const auto model = load_model(fixture_model("bert-seqcls-2"));
  ModelInputs in;
  in.input_ids = Tensor::zeros({4}, DType::I64);
  EXPECT_THROW(model->forward(in), Error);
  in.input_ids = Tensor::zeros({1, 4}, DType::I64);
  in.attention_mask = Tensor::zeros({1, 5}, DType::I64);
  EXPECT_THROW(model->forward(in), Error);
  in.input_ids = Tensor::zeros({1, model->max_positions() + 1}, DType::I64);
  in.attention_mask = Tensor();
  EXPECT_THROW(model->forward(in), Error);
  in.input_ids = Tensor::full({1, 3}, 0.f).to(DType::F32);
  EXPECT_THROW(model->forward(in), Error);
}

TEST(ModelLoading, OutOfVocabularyIdIsAnError) {
  const auto model = load_model(fixture_model("distilbert-seqcls-2"));
  ModelInputs in;
  in.input_ids = Tensor::from_vector(std::vector<int64_t>{2, 999999, 3}, {1, 3});
  try {
    model->forward(in);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("999999"), std::string::npos) << e.what();
  }
}

// Model blocks load side by side (layers::for_each_block): every block exactly once, and the error of the lowest
// failing block is the one thrown, whichever thread saw it first.
TEST(ModelLoading, BlocksLoadInParallelOnceEachAndTheFirstErrorWins) {
  std::vector<std::atomic<int>> calls(13);
  layers::for_each_block(DeviceSpec{}, 13, [&](int64_t i) { ++calls[static_cast<size_t>(i)]; });
  for (const auto& c : calls) EXPECT_EQ(c.load(), 1);
  try {
    layers::for_each_block(DeviceSpec{}, 9, [](int64_t i) {
      if (i == 6 || i == 2) hfcpp::fail("block ", i, " is broken");
    });
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("block 2 is broken"), std::string::npos) << e.what();
  }
  const std::vector<std::string> names =
      layers::load_blocks<std::string>(DeviceSpec{}, 5, [](int64_t i) { return "h." + std::to_string(i); });
  EXPECT_EQ(names, (std::vector<std::string>{"h.0", "h.1", "h.2", "h.3", "h.4"}));
}

TEST(ModelThreadSafety, OneModelManyThreadsSameLogits) {
  const std::string dir = fixture_model("distilbert-seqcls-2");
  const auto expected = read_json(dir + "/expected.json");
  const auto model = load_model(dir);
  const ModelInputs in = inputs_from(expected["outputs"]["texts"]["encoding"]);
  const std::vector<float> reference = model->forward(in).logits.to_vector<float>();
  std::vector<std::vector<float>> results(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < results.size(); ++t)
    threads.emplace_back([&, t] {
      for (int rep = 0; rep < 3; ++rep) results[t] = model->forward(in).logits.to_vector<float>();
    });
  for (auto& th : threads) th.join();
  // Thread teams may split work differently; results agree to float rounding.
  for (const auto& r : results) {
    ASSERT_EQ(r.size(), reference.size());
    for (size_t i = 0; i < r.size(); ++i) EXPECT_NEAR(r[i], reference[i], 1e-6);
  }
}

}  // namespace
