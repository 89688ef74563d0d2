// Multi-head scaled dot-product attention over [B, S, H*D] projections read in place through their strides.
// Work is split over (batch, head, block of queries); each task computes its scores block with two
// single-threaded oneDNN SGEMMs (scores = Q K^T, out = P V) on strided operands, no transposed copies.
#include <omp.h>
#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <vector>

#include "kernels/cpu/kernels.h"
#include "kernels/cpu/vec.h"

namespace hfcpp::kernels::cpu {
namespace {

constexpr int64_t kQueryBlock = 64;

// additive[j] = (1 - mask[j]) * lowest, the transformers convention (finfo(float32).min added to masked keys).
template <class M>
void additive_mask(const M* m, int64_t n, float* out) {
  constexpr float kLowest = std::numeric_limits<float>::lowest();
  for (int64_t j = 0; j < n; ++j) out[j] = (1.0f - static_cast<float>(m[j])) * kLowest;
}

void additive_mask_row(const void* mask, DType dt, int64_t n, float* out) {
  switch (dt) {
    case DType::F32:
      return additive_mask(static_cast<const float*>(mask), n, out);
    case DType::I32:
      return additive_mask(static_cast<const int32_t*>(mask), n, out);
    case DType::I64:
      return additive_mask(static_cast<const int64_t*>(mask), n, out);
    case DType::I8:
      return additive_mask(static_cast<const int8_t*>(mask), n, out);
    case DType::U8:
      return additive_mask(static_cast<const uint8_t*>(mask), n, out);
    case DType::Bool:
      return additive_mask(static_cast<const bool*>(mask), n, out);
    case DType::F16: {
      const uint16_t* m = static_cast<const uint16_t*>(mask);
      for (int64_t j = 0; j < n; ++j) out[j] = (1.0f - half_to_float(m[j])) * std::numeric_limits<float>::lowest();
      return;
    }
    case DType::BF16: {
      const uint16_t* m = static_cast<const uint16_t*>(mask);
      for (int64_t j = 0; j < n; ++j) out[j] = (1.0f - bf16_to_float(m[j])) * std::numeric_limits<float>::lowest();
      return;
    }
  }
}

// s[j] = softmax_j(s[j] * scale + madd[j]); madd may be null.
HFCPP_CPU_CLONES void scaled_masked_softmax_row(float* s, const float* madd, int64_t n, float scale) {
  float mx = -std::numeric_limits<float>::infinity();
  if (madd) {
#pragma omp simd reduction(max : mx)
    for (int64_t j = 0; j < n; ++j) {
      const float v = s[j] * scale + madd[j];
      s[j] = v;
      mx = v > mx ? v : mx;
    }
  } else {
#pragma omp simd reduction(max : mx)
    for (int64_t j = 0; j < n; ++j) {
      const float v = s[j] * scale;
      s[j] = v;
      mx = v > mx ? v : mx;
    }
  }
  exp_normalize_row(s, s, n, mx);
}

// Where sequence b's rows are: padded, b's block of the batch (Sq queries over Sk keys, masked by its mask row);
// packed, rows seq_offsets[b] .. seq_offsets[b + 1] attending to themselves (no mask: packing dropped the padding).
struct Sequence {
  const float *q, *k, *v;
  float* out;
  const void* mask;
  int64_t Sq, Sk;
};

Sequence sequence(const AttentionArgs& a, int64_t b) {
  const int64_t HD = a.H * a.D;
  if (a.seq_offsets) {
    const int64_t r = a.seq_offsets[b], n = a.seq_offsets[b + 1] - r;
    return {a.q + r * a.q_rstride, a.k + r * a.k_rstride, a.v + r * a.v_rstride, a.out + r * HD, nullptr, n, n};
  }
  const void* mask =
      a.mask ? static_cast<const char*>(a.mask) + b * a.mask_bstride * static_cast<int64_t>(size_of(a.mask_dtype))
             : nullptr;
  return {a.q + b * a.q_bstride, a.k + b * a.k_bstride, a.v + b * a.v_bstride, a.out + b * a.Sq * HD, mask, a.Sq, a.Sk};
}

int64_t query_blocks(int64_t Sq) { return (Sq + kQueryBlock - 1) / kQueryBlock; }

}  // namespace

void attention(const AttentionArgs& a) {
  const int64_t HD = a.H * a.D;
  if (!a.seq_offsets && a.Sk == 0) {  // softmax over nothing: torch yields NaN; keep the output defined as zeros
    std::fill(a.out, a.out + a.B * a.Sq * HD, 0.0f);
    return;
  }
  // Tasks are (sequence, head, block of queries); sequence b owns tasks first_task[b] .. first_task[b + 1].
  std::vector<int64_t> first_task(static_cast<size_t>(a.B) + 1, 0);
  int64_t max_sq = 0, max_sk = 0;
  for (int64_t b = 0; b < a.B; ++b) {
    const Sequence s = sequence(a, b);
    first_task[b + 1] = first_task[b] + a.H * query_blocks(s.Sq);
    max_sq = std::max(max_sq, s.Sq), max_sk = std::max(max_sk, s.Sk);
  }
  const int64_t tasks = first_task[a.B];
  if (tasks == 0) return;
#pragma omp parallel if (tasks > 1)
  {
    // Each task's SGEMMs are single-threaded: oneDNN would otherwise open a nested OpenMP team inside this region,
    // and libgomp creates (and destroys) a thread for every nested team — thousands per second while decoding.
    omp_set_num_threads(1);
    std::vector<float> scores(static_cast<size_t>(std::min(kQueryBlock, max_sq) * max_sk));
    std::vector<float> madd(a.mask && !a.seq_offsets ? static_cast<size_t>(a.Sk) : 0);
    int64_t madd_batch = -1, b = 0;
#pragma omp for schedule(static)
    for (int64_t t = 0; t < tasks; ++t) {
      while (first_task[b + 1] <= t) ++b;  // t only grows within a thread's static chunk
      if (first_task[b] > t) b = std::upper_bound(first_task.begin(), first_task.end(), t) - first_task.begin() - 1;
      const Sequence s = sequence(a, b);
      const int64_t nqb = query_blocks(s.Sq), h = (t - first_task[b]) / nqb;
      const int64_t q0 = ((t - first_task[b]) % nqb) * kQueryBlock, nq = std::min(kQueryBlock, s.Sq - q0);
      if (s.mask && madd_batch != b) {
        additive_mask_row(s.mask, a.mask_dtype, s.Sk, madd.data());
        madd_batch = b;
      }
      const float* q = s.q + q0 * a.q_rstride + h * a.D;
      const float* k = s.k + h * a.D;
      const float* v = s.v + h * a.D;
      float* o = s.out + q0 * HD + h * a.D;
      // scores[nq, Sk] = q[nq, D] * k[Sk, D]^T
      dnnl_sgemm('N', 'T', nq, s.Sk, a.D, 1.0f, q, a.q_rstride, k, a.k_rstride, 0.0f, scores.data(), s.Sk);
      for (int64_t i = 0; i < nq; ++i)
        scaled_masked_softmax_row(scores.data() + i * s.Sk, s.mask ? madd.data() : nullptr, s.Sk, a.scale);
      // o[nq, D] = P[nq, Sk] * v[Sk, D]
      dnnl_sgemm('N', 'N', nq, a.D, s.Sk, 1.0f, scores.data(), s.Sk, v, a.v_rstride, 0.0f, o, HD);
    }
  }
}

void attention_ref(const AttentionArgs& a) {
  const int64_t HD = a.H * a.D;
  for (int64_t b = 0; b < a.B; ++b) {
    const Sequence sq = sequence(a, b);
    std::vector<double> s(static_cast<size_t>(sq.Sk));
    std::vector<float> madd(static_cast<size_t>(sq.Sk), 0.0f);
    if (sq.mask) additive_mask_row(sq.mask, a.mask_dtype, sq.Sk, madd.data());
    for (int64_t h = 0; h < a.H; ++h)
      for (int64_t i = 0; i < sq.Sq; ++i) {
        const float* q = sq.q + i * a.q_rstride + h * a.D;
        double mx = -INFINITY;
        for (int64_t j = 0; j < sq.Sk; ++j) {
          const float* k = sq.k + j * a.k_rstride + h * a.D;
          double dot = 0;
          for (int64_t d = 0; d < a.D; ++d) dot += static_cast<double>(q[d]) * k[d];
          // float32 rounding of score + mask, as torch does, so a fully masked row ties exactly
          s[j] = static_cast<float>(static_cast<float>(dot * a.scale) + madd[j]);
          mx = std::max(mx, s[j]);
        }
        double sum = 0;
        for (int64_t j = 0; j < sq.Sk; ++j) sum += (s[j] = std::exp(s[j] - mx));
        float* o = sq.out + i * HD + h * a.D;
        for (int64_t d = 0; d < a.D; ++d) {
          double acc = 0;
          for (int64_t j = 0; j < sq.Sk; ++j) acc += s[j] / sum * sq.v[j * a.v_rstride + h * a.D + d];
          o[d] = static_cast<float>(acc);
        }
      }
  }
}

}  // namespace hfcpp::kernels::cpu
