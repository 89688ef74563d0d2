// Tests for the weight-only linear layers (ops::LinearCompute::Int8WeightOnly / BFloat16WeightOnly, and the float32
// decoder form Float32Panels that shares their panels and GEMV,
// kernels/cpu/weight_only_linear.cpp), the decoder form of int8 and bfloat16:
//  - against a double-precision linear over the same dequantized weights (int8: the quantizer's own integers and
//    scales; bfloat16: round-to-nearest-even), for shapes that are and are not multiples of the 4-row panels and
//    8-column steps, for the GEMV rows (M <= 4) and the widened-block sgemm rows (M > 4), with bias and activations;
//  - int8 against float32 within the rounding bound of the weights;
//  - row lookups (the tied token embedding) equal the dequantized rows, and bad ids fail clearly;
//  - the same bits on every thread and for every thread count;
//  - HFCPP_GENERIC_KERNELS selects the portable GEMV (ctest also runs this whole suite with it set, so the kernels
//    a CPU without AVX2 would run are tested on every machine).
#include <cmath>
#include <cstdlib>
#include <thread>

#include "hfcpp/core/error.h"
#include "hfcpp/core/threads.h"
#include "kernels/cpu/quantized.h"
#include "ops_test_util.h"

namespace hfcpp {
namespace {

using test::all_close;
namespace kc = kernels::cpu;
using LC = ops::LinearCompute;

// The weights as the layer stores them, back in float32: [N, K].
std::vector<float> dequantized(const std::vector<float>& w, int64_t N, int64_t K, LC compute) {
  std::vector<float> out(w.size());
  if (compute == LC::Int8WeightOnly) {
    std::vector<int8_t> q(w.size());
    std::vector<float> scale(N);
    std::vector<int32_t> sum(N);
    kc::quantize_weights_s8(w.data(), N, K, 127, q.data(), scale.data(), sum.data());
    for (int64_t i = 0; i < N * K; ++i) out[i] = q[i] * scale[i / K];
  } else if (compute == LC::Float32Panels) {
    out = w;
  } else {
    std::vector<uint16_t> b(w.size());
    kc::f32_to_bf16(w.data(), b.data(), N * K);
    for (size_t i = 0; i < w.size(); ++i) out[i] = bf16_to_float(b[i]);
  }
  return out;
}

std::vector<double> reference(const std::vector<float>& x, const std::vector<float>& w, const std::vector<float>& bias,
                              int64_t M, int64_t N, int64_t K, ops::Activation act) {
  std::vector<double> y(M * N);
  for (int64_t m = 0; m < M; ++m)
    for (int64_t n = 0; n < N; ++n) {
      double acc = bias.empty() ? 0.0 : bias[n];
      for (int64_t k = 0; k < K; ++k) acc += static_cast<double>(x[m * K + k]) * w[n * K + k];
      y[m * N + n] = test::ref_act(acc, act);
    }
  return y;
}

class WeightOnly : public ::testing::TestWithParam<LC> {};

TEST_P(WeightOnly, MatchesTheDequantizedWeightsForEveryShapeAndRowCount) {
  const LC compute = GetParam();
  const std::pair<int64_t, int64_t> shapes[] = {{1, 1}, {3, 7}, {5, 8}, {8, 16}, {37, 200}, {130, 67}, {68, 768}};
  uint32_t seed = 100;
  for (const auto& [N, K] : shapes) {
    const auto wv = test::random_values(N * K, ++seed, -0.3f, 0.3f);
    const auto bv = test::random_values(N, ++seed);
    const auto wq = dequantized(wv, N, K, compute);
    for (bool with_bias : {true, false}) {
      const Tensor w = Tensor::from_vector(wv, {N, K});
      const Tensor b = with_bias ? Tensor::from_vector(bv, {N}) : Tensor();
      const auto lin = ops::PreparedLinear::prepare(w, b, compute);
      EXPECT_EQ(lin.compute(), compute);
      for (int64_t M : {1, 2, 4, 5, 7, 33, 70, 130}) {  // 7 = 4 + 2 + 1 rows; 130: widen + sgemm
        const Tensor x = test::random_tensor({M, K}, ++seed, -2.0f, 2.0f);
        for (ops::Activation act : {ops::Activation::None, ops::Activation::Gelu, ops::Activation::Silu}) {
          const auto want = reference(x.to_vector<float>(), wq, with_bias ? bv : std::vector<float>{}, M, N, K, act);
          EXPECT_TRUE(all_close(lin.forward(x, act).to_vector<float>(), want, 1e-5, 1e-5))
              << "N=" << N << " K=" << K << " M=" << M << " bias=" << with_bias << " act=" << test::act_name(act);
        }
      }
    }
  }
}

TEST_P(WeightOnly, RowLookupsReturnTheStoredRows) {
  const LC compute = GetParam();
  const int64_t N = 50, K = 45;
  const auto wv = test::random_values(N * K, 7, -1.0f, 1.0f);
  const auto wq = dequantized(wv, N, K, compute);
  const auto lin = ops::PreparedLinear::prepare(Tensor::from_vector(wv, {N, K}), Tensor(), compute);
  ASSERT_TRUE(lin.has_row_lookup());
  const std::vector<int64_t> ids = {0, 49, 3, 3, 48, 47, 1};
  const Tensor rows = lin.lookup_rows(Tensor::from_vector(ids, {1, 7}));
  ASSERT_EQ(rows.shape(), (Shape{1, 7, K}));
  const auto got = rows.to_vector<float>();
  for (size_t i = 0; i < ids.size(); ++i)
    for (int64_t k = 0; k < K; ++k) ASSERT_EQ(got[i * K + k], wq[ids[i] * K + k]) << "id " << ids[i] << " k " << k;
  const auto i32 = lin.lookup_rows(Tensor::from_vector(std::vector<int32_t>{48, 2}, {2})).to_vector<float>();
  EXPECT_EQ(std::vector<float>(i32.begin(), i32.begin() + K), std::vector<float>(wq.begin() + 48 * K, wq.begin() + 49 * K));
  auto expect_error = [&](const Tensor& bad, const std::string& needle) {
    try {
      lin.lookup_rows(bad);
      ADD_FAILURE() << "expected an error containing " << needle;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error(Tensor::from_vector(std::vector<int64_t>{1, 50}, {2}), "id 50");
  expect_error(Tensor::from_vector(std::vector<int64_t>{-1}, {1}), "out of range");
  expect_error(Tensor::from_vector(std::vector<float>{1.0f}, {1}), "int32 or int64");
}

TEST_P(WeightOnly, SameBitsOnEveryThreadAndForEveryThreadCount) {
  const LC compute = GetParam();
  const Tensor w = test::random_tensor({300, 256}, 8), b = test::random_tensor({300}, 9);
  const auto lin = ops::PreparedLinear::prepare(w, b, compute);
  for (int64_t M : {1, 3, 9}) {
    const Tensor x = test::random_tensor({M, 256}, 10 + static_cast<uint32_t>(M));
    const int saved = num_threads();
    set_num_threads(1);
    const auto one = lin.forward(x, ops::Activation::Gelu).to_vector<float>();
    set_num_threads(2);
    const auto two = lin.forward(x, ops::Activation::Gelu).to_vector<float>();
    set_num_threads(saved);
    EXPECT_EQ(one, two) << "M=" << M;
    std::vector<std::vector<float>> got(4);
    std::vector<std::thread> threads;
    for (size_t t = 0; t < got.size(); ++t)
      threads.emplace_back([&, t] {
        for (int r = 0; r < 10; ++r) got[t] = lin.forward(x, ops::Activation::Gelu).to_vector<float>();
      });
    for (auto& t : threads) t.join();
    for (const auto& g : got) EXPECT_EQ(g, two) << "M=" << M;
  }
}

TEST_P(WeightOnly, TransposedConv1DWeightsGiveTheSameLayer) {
  // transformers' Conv1D stores [in, out]; the model passes its transposed view, which is read in place.
  const LC compute = GetParam();
  const int64_t N = 300, K = 72;  // more rows than one conversion chunk
  const Tensor kn = test::random_tensor({K, N}, 14), b = test::random_tensor({N}, 15);
  const Tensor view = kn.transpose(0, 1);
  const auto from_view = ops::PreparedLinear::prepare(view, b, compute);
  const auto from_rows = ops::PreparedLinear::prepare(view.contiguous(), b, compute);
  for (int64_t M : {1, 6}) {
    const Tensor x = test::random_tensor({M, K}, 16);
    EXPECT_EQ(from_view.forward(x).to_vector<float>(), from_rows.forward(x).to_vector<float>()) << "M=" << M;
  }
}

INSTANTIATE_TEST_SUITE_P(Types, WeightOnly,
                         ::testing::Values(LC::Int8WeightOnly, LC::BFloat16WeightOnly, LC::Float32Panels),
                         [](const auto& info) {
                           return info.param == LC::Int8WeightOnly       ? "Int8"
                                  : info.param == LC::BFloat16WeightOnly ? "BFloat16"
                                                                         : "Float32";
                         });

TEST(WeightOnlyInt8, CloseToFloat32WithinTheRoundingOfTheWeights) {
  // Only the weights are rounded (to half a step of their row's scale): |y - y_f32| <= sum_k |x_k| * scale_n / 2.
  const int64_t M = 3, N = 256, K = 768;
  const auto xv = test::random_values(M * K, 11, -2.0f, 2.0f), wv = test::random_values(N * K, 12, -0.1f, 0.1f);
  const Tensor x = Tensor::from_vector(xv, {M, K}), w = Tensor::from_vector(wv, {N, K});
  const auto f32 = ops::PreparedLinear::prepare(w, Tensor()).forward(x).to_vector<float>();
  const auto i8 = ops::PreparedLinear::prepare(w, Tensor(), LC::Int8WeightOnly).forward(x).to_vector<float>();
  double err2 = 0, ref2 = 0;
  for (int64_t n = 0; n < N; ++n) {
    float amax = 0;
    for (int64_t k = 0; k < K; ++k) amax = std::max(amax, std::fabs(wv[n * K + k]));
    for (int64_t m = 0; m < M; ++m) {
      double bound = 0;
      for (int64_t k = 0; k < K; ++k) bound += std::fabs(xv[m * K + k]) * amax / 127 / 2;
      const double err = std::fabs(i8[m * N + n] - f32[m * N + n]);
      EXPECT_LE(err, bound * (1 + 1e-4) + 1e-5) << m << "," << n;
      err2 += err * err, ref2 += double(f32[m * N + n]) * f32[m * N + n];
    }
  }
  const double rel_rms = std::sqrt(err2 / ref2);
  std::cout << "[ info ] int8 weight-only vs float32, 3x768x256 uniform data: relative RMS error " << rel_rms << "\n";
  EXPECT_LT(rel_rms, 0.01);
}

TEST(WeightOnlyKernels, GenericKernelsRunWhenAskedForAndGiveTheSameResult) {
  const int64_t N = 70, K = 203;
  const auto wv = test::random_values(N * K, 7, -0.3f, 0.3f);
  const auto x = test::random_values(2 * K, 8, -2.0f, 2.0f);
  const char* before = std::getenv("HFCPP_GENERIC_KERNELS");
  const std::string saved = before ? before : "";
  for (auto storage : {kc::WeightStorage::Int8, kc::WeightStorage::BFloat16}) {
    const auto lin = kc::pack_linear_weight_only(wv.data(), nullptr, N, K, storage);
    std::vector<float> fast(2 * N), generic(2 * N);
    unsetenv("HFCPP_GENERIC_KERNELS");
    const std::string fast_name = lin->implementation(1, kc::Act::None);
    lin->forward(x.data(), fast.data(), 2, kc::Act::None);
    setenv("HFCPP_GENERIC_KERNELS", "1", 1);
    EXPECT_NE(lin->implementation(1, kc::Act::None).find("gemv (hfcpp, generic)"), std::string::npos)
        << lin->implementation(1, kc::Act::None);
    lin->forward(x.data(), generic.data(), 2, kc::Act::None);
    // Different summation orders of the same products: equal within float32 rounding.
    EXPECT_TRUE(all_close(generic, std::vector<double>(fast.begin(), fast.end()), 1e-5, 1e-5)) << fast_name;
  }
  if (before) setenv("HFCPP_GENERIC_KERNELS", saved.c_str(), 1);
  else unsetenv("HFCPP_GENERIC_KERNELS");
}

TEST(WeightOnlyInt8, NamesAndSupport) {
  EXPECT_EQ(ops::linear_compute_name(LC::Int8WeightOnly), "int8 (weights only)");
  EXPECT_EQ(ops::linear_compute_name(LC::BFloat16WeightOnly), "bfloat16 (weights only)");
  EXPECT_EQ(ops::linear_compute_name(LC::Float32Panels), "float32 (panels)");
  EXPECT_TRUE(ops::linear_compute_supported(LC::Float32Panels, DeviceSpec{}));
  EXPECT_FALSE(ops::linear_compute_supported(LC::Float32Panels, DeviceSpec{Device::CUDA, 0}));
  EXPECT_TRUE(ops::linear_compute_supported(LC::Int8WeightOnly, DeviceSpec{}));
  EXPECT_TRUE(ops::linear_compute_supported(LC::BFloat16WeightOnly, DeviceSpec{}));
  EXPECT_FALSE(ops::linear_compute_supported(LC::Int8WeightOnly, DeviceSpec{Device::CUDA, 0}));
}

}  // namespace
}  // namespace hfcpp
