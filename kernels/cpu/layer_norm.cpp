// Row-wise LayerNorm over the last dim (biased variance, like torch.nn.LayerNorm), float32. Two passes over the
// row (mean, then centred sum of squares) for accuracy; the row stays in L1/L2 between passes.
#include <cmath>

#include "kernels/cpu/kernels.h"
#include "kernels/cpu/vec.h"

namespace hfcpp::kernels::cpu {
namespace {

HFCPP_CPU_CLONES void layer_norm_row(const float* x, const float* gamma, const float* beta, float* y, int64_t n,
                                     float eps) {
  double sum = 0.0;  // double accumulation keeps wide rows exact to float precision
#pragma omp simd reduction(+ : sum)
  for (int64_t i = 0; i < n; ++i) sum += x[i];
  const float mean = static_cast<float>(sum / static_cast<double>(n));
  double sq = 0.0;
#pragma omp simd reduction(+ : sq)
  for (int64_t i = 0; i < n; ++i) {
    const float d = x[i] - mean;
    sq += d * d;
  }
  const float rstd = static_cast<float>(1.0 / std::sqrt(sq / static_cast<double>(n) + eps));
  if (gamma && beta) {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) y[i] = (x[i] - mean) * rstd * gamma[i] + beta[i];
  } else if (gamma) {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) y[i] = (x[i] - mean) * rstd * gamma[i];
  } else if (beta) {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) y[i] = (x[i] - mean) * rstd + beta[i];
  } else {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) y[i] = (x[i] - mean) * rstd;
  }
}

HFCPP_CPU_CLONES void add_row(const float* a, const float* b, float* y, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) y[i] = a[i] + b[i];
}

}  // namespace

void layer_norm(const float* x, const float* gamma, const float* beta, float* y, int64_t rows, int64_t cols,
                float eps) {
#pragma omp parallel for schedule(static) if (rows > 1 && rows * cols > 8192)
  for (int64_t r = 0; r < rows; ++r) layer_norm_row(x + r * cols, gamma, beta, y + r * cols, cols, eps);
}

void add_layer_norm(const float* x, const float* residual, const float* gamma, const float* beta, float* y,
                    int64_t rows, int64_t cols, float eps) {
#pragma omp parallel for schedule(static) if (rows > 1 && rows * cols > 8192)
  for (int64_t r = 0; r < rows; ++r) {
    // The sum is written to y's row and normalized there while it is still in L1: one pass over memory instead of
    // the three of add then layer_norm, and the same float operations in the same order.
    float* yr = y + r * cols;
    add_row(x + r * cols, residual + r * cols, yr, cols);
    layer_norm_row(yr, gamma, beta, yr, cols, eps);
  }
}

void layer_norm_ref(const float* x, const float* gamma, const float* beta, float* y, int64_t rows, int64_t cols,
                    float eps) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    double mean = 0, var = 0;
    for (int64_t i = 0; i < cols; ++i) mean += xr[i];
    mean /= static_cast<double>(cols);
    for (int64_t i = 0; i < cols; ++i) var += (xr[i] - mean) * (xr[i] - mean);
    var /= static_cast<double>(cols);
    const double rstd = 1.0 / std::sqrt(var + eps);
    for (int64_t i = 0; i < cols; ++i) {
      double v = (xr[i] - mean) * rstd;
      if (gamma) v *= gamma[i];
      if (beta) v += beta[i];
      y[r * cols + i] = static_cast<float>(v);
    }
  }
}

}  // namespace hfcpp::kernels::cpu
