// Known-value tests for softmax and layer_norm (CPU).
#include "kernels/cpu/kernels.h"
#include "ops_test_util.h"

namespace hfcpp {
namespace {

using test::all_close;

std::vector<double> ref_softmax(const std::vector<float>& x, int64_t cols) {
  std::vector<double> y(x.size());
  for (size_t r = 0; r < x.size() / cols; ++r) {
    double mx = -INFINITY, sum = 0;
    for (int64_t i = 0; i < cols; ++i) mx = std::max(mx, double(x[r * cols + i]));
    for (int64_t i = 0; i < cols; ++i) sum += std::exp(x[r * cols + i] - mx);
    for (int64_t i = 0; i < cols; ++i) y[r * cols + i] = std::exp(x[r * cols + i] - mx) / sum;
  }
  return y;
}

TEST(Softmax, RowsSumToOneAndMatch) {
  for (int64_t cols : {1, 7, 128, 513, 30522}) {
    const Tensor x = test::random_tensor({3, cols}, static_cast<uint32_t>(cols), -10.0f, 10.0f);
    const Tensor y = ops::softmax(x);
    const auto yv = y.to_vector<float>();
    EXPECT_TRUE(all_close(yv, ref_softmax(x.to_vector<float>(), cols), 1e-9, 1e-5)) << cols;
    for (int r = 0; r < 3; ++r) {
      double s = 0;
      for (int64_t i = 0; i < cols; ++i) s += yv[r * cols + i];
      EXPECT_NEAR(s, 1.0, 1e-5) << "cols " << cols << " row " << r;
    }
  }
}

TEST(Softmax, LargeAndInfiniteValues) {
  const float inf = std::numeric_limits<float>::infinity();
  const Tensor x = Tensor::from_vector<float>({1000.0f, 1001.0f, 1002.0f, -inf, 0.0f, -inf, -1e30f, 1e30f}, {2, 4});
  const auto y = ops::softmax(x).to_vector<float>();
  const double e1 = std::exp(-1.0), e2 = std::exp(-2.0), s = 1 + e1 + e2;
  EXPECT_TRUE(all_close(y, std::vector<double>{e2 / s, e1 / s, 1 / s, 0.0, 0.0, 0.0, 0.0, 1.0}, 1e-7, 1e-6));
}

TEST(Softmax, ManyRowsParallelMatchesScalarKernel) {
  const int64_t rows = 999, cols = 77;
  const Tensor x = test::random_tensor({rows, cols}, 11, -5.0f, 5.0f);
  std::vector<float> ref(rows * cols);
  kernels::cpu::softmax_ref(x.data<float>(), ref.data(), rows, cols);
  EXPECT_TRUE(all_close(ops::softmax(x).to_vector<float>(), ref, 1e-9, 1e-5));
}

TEST(LayerNorm, MatchesManualComputation) {
  for (int64_t cols : {1, 7, 768, 1025}) {
    const Tensor x = test::random_tensor({5, cols}, 20 + cols, -3.0f, 5.0f);
    const Tensor g = test::random_tensor({cols}, 30 + cols, 0.5f, 1.5f), b = test::random_tensor({cols}, 40 + cols);
    const auto xv = x.to_vector<float>(), gv = g.to_vector<float>(), bv = b.to_vector<float>();
    const float eps = 1e-12f;
    std::vector<double> want(xv.size()), want_plain(xv.size());
    for (int64_t r = 0; r < 5; ++r) {
      double mean = 0, var = 0;
      for (int64_t i = 0; i < cols; ++i) mean += xv[r * cols + i];
      mean /= cols;
      for (int64_t i = 0; i < cols; ++i) var += (xv[r * cols + i] - mean) * (xv[r * cols + i] - mean);
      var /= cols;  // biased, as torch
      for (int64_t i = 0; i < cols; ++i) {
        want_plain[r * cols + i] = (xv[r * cols + i] - mean) / std::sqrt(var + eps);
        want[r * cols + i] = want_plain[r * cols + i] * gv[i] + bv[i];
      }
    }
    EXPECT_TRUE(all_close(ops::layer_norm(x, g, b, eps).to_vector<float>(), want, 2e-5, 1e-5)) << cols;
    EXPECT_TRUE(all_close(ops::layer_norm(x, Tensor(), Tensor(), eps).to_vector<float>(), want_plain, 2e-5, 1e-5));
  }
}

TEST(LayerNorm, KnownValues) {
  // torch.nn.functional.layer_norm(torch.tensor([[1., 2., 3., 4.]]), (4,), eps=1e-5)
  const Tensor x = Tensor::from_vector<float>({1, 2, 3, 4}, {1, 4});
  const auto y = ops::layer_norm(x, Tensor(), Tensor(), 1e-5f).to_vector<float>();
  EXPECT_TRUE(all_close(y, std::vector<double>{-1.3416355, -0.4472118, 0.4472118, 1.3416355}, 1e-6));
}

TEST(LayerNorm, ParallelMatchesScalarKernel) {
  const int64_t rows = 300, cols = 384;
  const Tensor x = test::random_tensor({rows, cols}, 50), g = test::random_tensor({cols}, 51),
               b = test::random_tensor({cols}, 52);
  std::vector<float> ref(rows * cols);
  kernels::cpu::layer_norm_ref(x.data<float>(), g.data<float>(), b.data<float>(), ref.data(), rows, cols, 1e-5f);
  EXPECT_TRUE(all_close(ops::layer_norm(x, g, b, 1e-5f).to_vector<float>(), ref, 1e-5, 1e-5));
}

TEST(AddLayerNorm, EqualsLayerNormOfTheSumBitForBit) {
  // The fused pass does the same float operations as add then layer_norm, so the results are identical.
  for (const int64_t cols : {1, 7, 513, 768}) {
    for (const int64_t rows : {1, 7, 129}) {
      const Tensor x = test::random_tensor({rows, cols}, 60), r = test::random_tensor({rows, cols}, 61, -4.0f, 4.0f),
                   g = test::random_tensor({cols}, 62), b = test::random_tensor({cols}, 63);
      EXPECT_EQ(ops::add_layer_norm(x, r, g, b, 1e-12f).to_vector<float>(),
                ops::layer_norm(ops::add(x, r), g, b, 1e-12f).to_vector<float>())
          << rows << "x" << cols;
      EXPECT_EQ(ops::add_layer_norm(x, r, Tensor(), Tensor(), 1e-5f).to_vector<float>(),
                ops::layer_norm(ops::add(x, r), Tensor(), Tensor(), 1e-5f).to_vector<float>())
          << rows << "x" << cols;
    }
  }
}

TEST(AddLayerNorm, ReadsStridedInputsAndChecksShapes) {
  const Tensor x = test::random_tensor({6, 16}, 70), r = test::random_tensor({16, 6}, 71).transpose(0, 1);
  const Tensor g = test::random_tensor({16}, 72), b = test::random_tensor({16}, 73);
  EXPECT_EQ(ops::add_layer_norm(x, r, g, b, 1e-5f).to_vector<float>(),
            ops::layer_norm(ops::add(x, r.contiguous()), g, b, 1e-5f).to_vector<float>());
  EXPECT_HFCPP_ERROR(ops::add_layer_norm(x, test::random_tensor({6, 15}, 74), g, b, 1e-5f), "add_layer_norm",
                     "[6, 16]", "[6, 15]");
  EXPECT_HFCPP_ERROR(ops::add_layer_norm(x, r, test::random_tensor({15}, 75), b, 1e-5f), "layer_norm", "gamma");
}

TEST(LayerNorm, BadGammaShapeNamesArgument) {
  const Tensor x = test::random_tensor({2, 8}, 1);
  EXPECT_HFCPP_ERROR(ops::layer_norm(x, test::random_tensor({7}, 2), Tensor(), 1e-5f), "layer_norm", "gamma", "[8]",
                     "[7]");
  EXPECT_HFCPP_ERROR(ops::layer_norm(x, test::random_tensor({8}, 2), test::random_tensor({2, 8}, 3), 1e-5f),
                     "layer_norm", "beta");
}

}  // namespace
}  // namespace hfcpp
