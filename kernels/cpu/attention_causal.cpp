// Causal multi-head attention of new queries over a KV cache (decoder self-attention), with left-padding masks and
// optional ALiBi biases. Work is split over (batch, head, block of queries); each block computes Q K^T over the keys
// it may see and P V with single-threaded oneDNN SGEMMs on the strided operands.
#include <omp.h>
#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "kernels/cpu/kernels.h"
#include "kernels/cpu/vec.h"

namespace hfcpp::kernels::cpu {
namespace {

constexpr int64_t kQueryBlock = 64;

// Per batch row: which keys may be attended (mask != 0) and the ALiBi key position (cumsum(mask) - 1, 0 at padding).
void key_info(const CausalAttentionArgs& a, int64_t b, std::vector<char>& allowed, std::vector<float>& pos) {
  int64_t seen = 0;
  for (int64_t j = 0; j < a.Sk; ++j) {
    const bool keep = a.mask == nullptr || a.mask[b * a.mask_bstride + j] != 0;
    allowed[j] = keep;
    seen += keep ? 1 : 0;
    pos[j] = keep ? static_cast<float>(seen - 1) : 0.0f;
  }
}

// s[0..n) <- softmax over the allowed keys of s * scale + bias; the other entries become 0. Returns false when no
// key is allowed (the row is then all zeros).
HFCPP_CPU_CLONES bool causal_softmax_row(float* s, int64_t n, const char* allowed, const float* pos, float slope,
                                         float scale) {
  constexpr float kNegInf = -std::numeric_limits<float>::infinity();
  float mx = kNegInf;
  for (int64_t j = 0; j < n; ++j) {
    const float v = allowed[j] ? s[j] * scale + slope * pos[j] : kNegInf;
    s[j] = v;
    mx = v > mx ? v : mx;
  }
  if (mx == kNegInf) {
    std::fill(s, s + n, 0.0f);
    return false;
  }
  exp_normalize_row(s, s, n, mx);
  return true;
}

}  // namespace

void attention_causal(const CausalAttentionArgs& a) {
  const int64_t HD = a.H * a.D;
  const int64_t nqb = (a.Sq + kQueryBlock - 1) / kQueryBlock;
  const int64_t tasks = a.B * a.H * nqb;
  if (tasks == 0) return;
  const int64_t past = a.Sk - a.Sq;
  // A decode step (Sq = 1) over a short cache is a few microseconds of work per head: waking the other threads
  // would cost more than it saves, so the split starts at 256K multiply-adds per product (GPT-2's 12 heads of 64
  // from ~340 cached positions on).
  const int64_t macs = a.B * a.H * a.Sq * a.Sk * a.D;
#pragma omp parallel if (tasks > 1 && macs >= (int64_t{1} << 18))
  {
    // Each task's SGEMMs are single-threaded: oneDNN would otherwise open a nested OpenMP team inside this region,
    // and libgomp creates (and destroys) a thread for every nested team — thousands per second while decoding.
    omp_set_num_threads(1);
    std::vector<float> scores(static_cast<size_t>(std::min(kQueryBlock, a.Sq) * a.Sk));
    std::vector<char> allowed(static_cast<size_t>(a.Sk));
    std::vector<float> pos(static_cast<size_t>(a.Sk));
    int64_t info_batch = -1;
#pragma omp for schedule(static)
    for (int64_t t = 0; t < tasks; ++t) {
      const int64_t b = t / (a.H * nqb), h = (t / nqb) % a.H, q0 = (t % nqb) * kQueryBlock;
      const int64_t nq = std::min(kQueryBlock, a.Sq - q0);
      if (info_batch != b) key_info(a, b, allowed, pos), info_batch = b;
      const int64_t nk = past + q0 + nq;  // keys visible to the last query of the block
      const float* q = a.q + b * a.q_bstride + q0 * a.q_rstride + h * a.D;
      const float* k = a.k + b * a.k_bstride + h * a.D;
      const float* v = a.v + b * a.v_bstride + h * a.D;
      float* o = a.out + (b * a.Sq + q0) * HD + h * a.D;
      const float slope = a.alibi_slopes ? a.alibi_slopes[h] : 0.0f;
      dnnl_sgemm('N', 'T', nq, nk, a.D, 1.0f, q, a.q_rstride, k, a.k_rstride, 0.0f, scores.data(), nk);
      for (int64_t i = 0; i < nq; ++i) {
        float* row = scores.data() + i * nk;
        const int64_t visible = past + q0 + i + 1;
        causal_softmax_row(row, visible, allowed.data(), pos.data(), slope, a.scale);
        std::fill(row + visible, row + nk, 0.0f);
      }
      dnnl_sgemm('N', 'N', nq, a.D, nk, 1.0f, scores.data(), nk, v, a.v_rstride, 0.0f, o, HD);
    }
  }
}

void attention_causal_ref(const CausalAttentionArgs& a) {
  const int64_t HD = a.H * a.D, past = a.Sk - a.Sq;
  std::vector<char> allowed(static_cast<size_t>(a.Sk));
  std::vector<float> pos(static_cast<size_t>(a.Sk));
  std::vector<double> s(static_cast<size_t>(a.Sk));
  for (int64_t b = 0; b < a.B; ++b) {
    key_info(a, b, allowed, pos);
    for (int64_t h = 0; h < a.H; ++h)
      for (int64_t i = 0; i < a.Sq; ++i) {
        const float* q = a.q + b * a.q_bstride + i * a.q_rstride + h * a.D;
        const int64_t visible = past + i + 1;
        double mx = -INFINITY;
        for (int64_t j = 0; j < visible; ++j) {
          const float* k = a.k + b * a.k_bstride + j * a.k_rstride + h * a.D;
          double dot = 0;
          for (int64_t d = 0; d < a.D; ++d) dot += static_cast<double>(q[d]) * k[d];
          const double slope = a.alibi_slopes ? a.alibi_slopes[h] : 0.0;
          s[j] = allowed[j] ? dot * a.scale + slope * pos[j] : -INFINITY;
          mx = std::max(mx, s[j]);
        }
        float* o = a.out + (b * a.Sq + i) * HD + h * a.D;
        if (mx == -INFINITY) {
          std::fill(o, o + a.D, 0.0f);
          continue;
        }
        double sum = 0;
        for (int64_t j = 0; j < visible; ++j) sum += (s[j] = std::exp(s[j] - mx));
        for (int64_t d = 0; d < a.D; ++d) {
          double acc = 0;
          for (int64_t j = 0; j < visible; ++j) acc += s[j] / sum * a.v[b * a.v_bstride + j * a.v_rstride + h * a.D + d];
          o[d] = static_cast<float>(acc);
        }
      }
  }
}

}  // namespace hfcpp::kernels::cpu
