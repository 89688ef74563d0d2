// Tests for the reduced-precision linear layers (kernels/cpu/quantized.h, ops::LinearCompute):
//  - the quantization kernels against their definitions (ranges, rounding, exact zero, per-row scales);
//  - int8 PreparedLinear against a double-precision reference computed from the same quantized integers (so the
//    oneDNN GEMM, zero-point compensation, bias and fused activation must be exact up to float rounding), at the
//    extreme values where AVX2's 16-bit pair sums would saturate;
//  - int8 against float32 within the error bound the quantization steps imply;
//  - bfloat16 where this CPU runs it, and otherwise a clear error (load_model falls back; compute_type_test.cpp).
#include <cmath>
#include <thread>

#include "backends/cpu/cpu_backend.h"
#include "hfcpp/core/error.h"
#include "kernels/cpu/quantized.h"
#include "ops_test_util.h"

namespace hfcpp {
namespace {

using test::all_close;
namespace kc = kernels::cpu;

struct QuantizedWeights {
  std::vector<int8_t> q;
  std::vector<float> scale;
  std::vector<int32_t> sum;
};

QuantizedWeights quantize_weights(const std::vector<float>& w, int64_t N, int64_t K, int qmax) {
  QuantizedWeights r{std::vector<int8_t>(N * K), std::vector<float>(N), std::vector<int32_t>(N)};
  kc::quantize_weights_s8(w.data(), N, K, qmax, r.q.data(), r.scale.data(), r.sum.data());
  return r;
}

struct QuantizedRows {
  std::vector<uint8_t> q;
  std::vector<float> scale;
  std::vector<int32_t> zp;
};

QuantizedRows quantize_rows(const std::vector<float>& x, int64_t M, int64_t K) {
  QuantizedRows r{std::vector<uint8_t>(M * K), std::vector<float>(M), std::vector<int32_t>(M)};
  kc::quantize_rows_u8(x.data(), M, K, r.q.data(), r.scale.data(), r.zp.data());
  return r;
}

// act(sum_k a_scale (xq - zp) * w_scale wq + bias) in double, from the kernels' own quantized values.
std::vector<double> dequantized_reference(const std::vector<float>& x, const std::vector<float>& w,
                                          const std::vector<float>& bias, int64_t M, int64_t N, int64_t K, int qmax,
                                          ops::Activation act) {
  const QuantizedWeights qw = quantize_weights(w, N, K, qmax);
  const QuantizedRows qx = quantize_rows(x, M, K);
  std::vector<double> y(M * N);
  for (int64_t m = 0; m < M; ++m)
    for (int64_t n = 0; n < N; ++n) {
      int64_t acc = 0;
      for (int64_t k = 0; k < K; ++k) acc += (int64_t{qx.q[m * K + k]} - qx.zp[m]) * qw.q[n * K + k];
      const double v = static_cast<double>(acc) * qx.scale[m] * qw.scale[n] + (bias.empty() ? 0.0 : bias[n]);
      y[m * N + n] = test::ref_act(v, act);
    }
  return y;
}

TEST(Quantize, WeightsPerOutputChannel) {
  const int64_t N = 5, K = 67;
  std::vector<float> w = test::random_values(N * K, 1, -0.5f, 0.5f);
  for (int64_t k = 0; k < K; ++k) w[3 * K + k] = 0.0f;  // an all-zero channel
  for (int qmax : {127, 63}) {
    const QuantizedWeights q = quantize_weights(w, N, K, qmax);
    for (int64_t n = 0; n < N; ++n) {
      float amax = 0;
      for (int64_t k = 0; k < K; ++k) amax = std::max(amax, std::fabs(w[n * K + k]));
      EXPECT_FLOAT_EQ(q.scale[n], amax > 0 ? amax / qmax : 1.0f) << "row " << n;
      int32_t sum = 0, qabs = 0;
      for (int64_t k = 0; k < K; ++k) {
        const int v = q.q[n * K + k];
        EXPECT_EQ(v, static_cast<int>(std::nearbyint(w[n * K + k] / q.scale[n]))) << n << "," << k;
        EXPECT_LE(std::abs(v), qmax);
        EXPECT_LE(std::fabs(v * q.scale[n] - w[n * K + k]), 0.5f * q.scale[n] * (1 + 1e-6f));
        sum += v;
        qabs = std::max(qabs, std::abs(v));
      }
      EXPECT_EQ(q.sum[n], sum);
      EXPECT_EQ(qabs, n == 3 ? 0 : qmax);  // the largest weight uses the whole range
    }
  }
}

TEST(Quantize, ActivationsPerRowKeepZeroExact) {
  const int64_t M = 4, K = 300;
  std::vector<float> x = test::random_values(M * K, 2, -3.0f, 5.0f);
  for (int64_t k = 0; k < K; ++k) x[1 * K + k] = std::fabs(x[1 * K + k]);  // all positive: zero point 0
  for (int64_t k = 0; k < K; ++k) x[2 * K + k] = 0.0f;                     // all zero
  for (int64_t k = 0; k < K; k += 7) x[k] = 0.0f;                          // exact zeros inside a mixed row
  const QuantizedRows q = quantize_rows(x, M, K);
  EXPECT_EQ(q.zp[1], 0);
  EXPECT_EQ(q.zp[2], 0);
  EXPECT_EQ(q.scale[2], 1.0f);
  for (int64_t m = 0; m < M; ++m) {
    float lo = 0, hi = 0;
    for (int64_t k = 0; k < K; ++k) lo = std::min(lo, x[m * K + k]), hi = std::max(hi, x[m * K + k]);
    if (m != 2) EXPECT_FLOAT_EQ(q.scale[m], (hi - lo) / 255.0f);
    for (int64_t k = 0; k < K; ++k) {
      const float back = static_cast<float>(int{q.q[m * K + k]} - q.zp[m]) * q.scale[m];
      if (x[m * K + k] == 0.0f) EXPECT_EQ(back, 0.0f) << m << "," << k;
      EXPECT_LE(std::fabs(back - x[m * K + k]), 0.5f * q.scale[m] * (1 + 1e-5f)) << m << "," << k;
    }
  }
}

TEST(Quantize, Bf16ConversionMatchesScalarRounding) {
  std::vector<float> x = test::random_values(40000, 3, -1e4f, 1e4f);
  const float specials[] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN, 1.0f + 1.0f / 256, 1.0f + 3.0f / 256, 3.3895e38f,
                            1e-40f};
  x.insert(x.begin(), std::begin(specials), std::end(specials));
  std::vector<uint16_t> y(x.size());
  kc::f32_to_bf16(x.data(), y.data(), static_cast<int64_t>(x.size()));
  for (size_t i = 0; i < x.size(); ++i) {
    if (std::isnan(x[i])) {
      EXPECT_TRUE(std::isnan(bf16_to_float(y[i])));
      continue;
    }
    EXPECT_EQ(y[i], float_to_bf16(x[i])) << x[i];
  }
}

TEST(QuantizedLinear, Int8MatchesIntegerReferenceForSeveralMAndActivations) {
  const int64_t N = 96, K = 200;
  const int qmax = kc::int8_weight_qmax();
  const Tensor w = test::random_tensor({N, K}, 4, -0.3f, 0.3f), b = test::random_tensor({N}, 5);
  const auto lin = ops::PreparedLinear::prepare(w, b, ops::LinearCompute::Int8);
  EXPECT_EQ(lin.compute(), ops::LinearCompute::Int8);
  EXPECT_EQ(lin.out_features(), N);
  for (int64_t M : {1, 3, 128, 257}) {
    const Tensor x = test::random_tensor({M, K}, 20 + static_cast<uint32_t>(M), -2.0f, 3.0f);
    for (ops::Activation act : test::kAllActivations) {
      const auto want = dequantized_reference(x.to_vector<float>(), w.to_vector<float>(), b.to_vector<float>(), M,
                                              N, K, qmax, act);
      EXPECT_TRUE(all_close(lin.forward(x, act).to_vector<float>(), want, 1e-5, 1e-5))
          << "M=" << M << " act=" << test::act_name(act);
    }
  }
}

TEST(QuantizedLinear, Int8ExtremesDoNotSaturate) {
  // Inputs quantize to 0 and 255 and weights to +-qmax: the pairs AVX2's vpmaddubsw sums in 16 bits are as large
  // as they get. The result must still be the exact integer product.
  const int64_t M = 8, N = 32, K = 256;
  std::vector<float> x(M * K), w(N * K);
  for (int64_t i = 0; i < M * K; ++i) x[i] = (i / K) % 2 ? 4.0f : (i % 3 ? 4.0f : -1.0f);
  for (int64_t i = 0; i < N * K; ++i) w[i] = (i / K) % 2 ? 0.25f : -0.25f;
  const Tensor xt = Tensor::from_vector(x, {M, K}), wt = Tensor::from_vector(w, {N, K});
  const auto lin = ops::PreparedLinear::prepare(wt, Tensor(), ops::LinearCompute::Int8);
  const auto want = dequantized_reference(x, w, {}, M, N, K, kc::int8_weight_qmax(), ops::Activation::None);
  EXPECT_TRUE(all_close(lin.forward(xt).to_vector<float>(), want, 1e-4, 1e-5));
  std::cout << "[ info ] int8 weight qmax " << kc::int8_weight_qmax() << " (32-bit dot products: "
            << (kc::int8_dot_exact() ? "yes" : "no") << "), " << backend::cpu::cpu_isa_summary() << "\n";
}

TEST(QuantizedLinear, Int8IsCloseToFloat32WithinTheQuantizationBound) {
  // Per output: |y_int8 - y_f32| <= sum_k (|x_k| dw/2 + |w_k| dx/2 + dw dx/4), dw/dx = the weight row's and input
  // row's quantization steps (each rounding is off by at most half a step); the relative RMS error is reported.
  const int64_t M = 16, N = 256, K = 768;
  const auto xv = test::random_values(M * K, 6, -2.0f, 2.0f), wv = test::random_values(N * K, 7, -0.1f, 0.1f);
  const Tensor x = Tensor::from_vector(xv, {M, K}), w = Tensor::from_vector(wv, {N, K});
  const auto f32 = ops::PreparedLinear::prepare(w, Tensor()).forward(x).to_vector<float>();
  const auto i8 = ops::PreparedLinear::prepare(w, Tensor(), ops::LinearCompute::Int8).forward(x).to_vector<float>();
  const QuantizedWeights qw = quantize_weights(wv, N, K, kc::int8_weight_qmax());
  const QuantizedRows qx = quantize_rows(xv, M, K);
  double err2 = 0, ref2 = 0;
  for (int64_t m = 0; m < M; ++m)
    for (int64_t n = 0; n < N; ++n) {
      double bound = 0;
      for (int64_t k = 0; k < K; ++k)
        bound += std::fabs(xv[m * K + k]) * qw.scale[n] / 2 + std::fabs(wv[n * K + k]) * qx.scale[m] / 2 +
                 qw.scale[n] * qx.scale[m] / 4;
      const double err = std::fabs(i8[m * N + n] - f32[m * N + n]);
      EXPECT_LE(err, bound * (1 + 1e-5)) << m << "," << n;
      err2 += err * err, ref2 += double(f32[m * N + n]) * f32[m * N + n];
    }
  const double rel_rms = std::sqrt(err2 / ref2);
  std::cout << "[ info ] int8 vs float32, 16x768x256 uniform data: relative RMS error " << rel_rms << "\n";
  EXPECT_LT(rel_rms, 0.02);  // measured 0.9% with 7-bit weights (AVX2)
}

TEST(QuantizedLinear, Int8LeadingDimsAndConcurrentCalls) {
  const Tensor w = test::random_tensor({48, 40}, 8), b = test::random_tensor({48}, 9);
  const auto lin = ops::PreparedLinear::prepare(w, b, ops::LinearCompute::Int8);
  const Tensor x = test::random_tensor({2, 9, 40}, 10);
  const Tensor y = lin.forward(x, ops::Activation::Gelu);
  EXPECT_EQ(y.shape(), (Shape{2, 9, 48}));
  const auto want = y.to_vector<float>();
  std::vector<std::vector<float>> got(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < got.size(); ++t)
    threads.emplace_back([&, t] {
      for (int r = 0; r < 20; ++r) got[t] = lin.forward(x, ops::Activation::Gelu).to_vector<float>();
    });
  for (auto& t : threads) t.join();
  for (const auto& g : got) EXPECT_EQ(g, want);  // per-thread buffers: same bits on every thread
}

TEST(QuantizedLinear, BFloat16NativeOrAClearError) {
  const Tensor w = test::random_tensor({64, 96}, 11), b = test::random_tensor({64}, 12);
  const Tensor x = test::random_tensor({5, 96}, 13, -2.0f, 2.0f);
  EXPECT_EQ(ops::linear_compute_supported(ops::LinearCompute::BFloat16, DeviceSpec{}), kc::bf16_matmul_native());
  EXPECT_TRUE(ops::linear_compute_supported(ops::LinearCompute::Int8, DeviceSpec{}));
  EXPECT_TRUE(ops::linear_compute_supported(ops::LinearCompute::Float32, DeviceSpec{}));
  if (!kc::bf16_matmul_native()) {
    try {
      ops::PreparedLinear::prepare(w, b, ops::LinearCompute::BFloat16);
      FAIL() << "expected an error: this CPU has no native bfloat16 matmul";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("bfloat16"), std::string::npos) << e.what();
    }
    std::cout << "[ info ] no native bfloat16 matmul here (" << backend::cpu::cpu_isa_summary() << ")\n";
    return;
  }
  // Native: the result equals a float32 linear of the bf16-rounded inputs and weights (f32 accumulation).
  auto round_bf16 = [](const Tensor& t) { return t.to(DType::BF16).to(DType::F32); };
  const auto lin = ops::PreparedLinear::prepare(w, b, ops::LinearCompute::BFloat16);
  EXPECT_EQ(lin.compute(), ops::LinearCompute::BFloat16);
  for (ops::Activation act : {ops::Activation::None, ops::Activation::Gelu}) {
    const auto want = ops::PreparedLinear::prepare(round_bf16(w), b).forward(round_bf16(x), act).to_vector<float>();
    EXPECT_TRUE(all_close(lin.forward(x, act).to_vector<float>(), want, 1e-4, 1e-4)) << test::act_name(act);
  }
}

TEST(QuantizedLinear, LinearComputeNames) {
  EXPECT_EQ(ops::linear_compute_name(ops::LinearCompute::Float32), "float32");
  EXPECT_EQ(ops::linear_compute_name(ops::LinearCompute::BFloat16), "bfloat16");
  EXPECT_EQ(ops::linear_compute_name(ops::LinearCompute::Int8), "int8");
}

}  // namespace
}  // namespace hfcpp
