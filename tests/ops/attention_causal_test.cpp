// Tests for attention_causal (naive double-precision loops: causal mask over a KV cache, left padding, ALiBi,
// strided cache views, the fast kernel vs its reference) and for copy_ / index_select / index_copy_.
#include "kernels/cpu/kernels.h"
#include "ops_test_util.h"

namespace hfcpp {
namespace {

using test::all_close;

// q [B, Sq, HD], k/v [B, Sk, HD] contiguous; mask [B, Sk] (empty = ones); slopes [H] (empty = none).
std::vector<double> naive_causal(const std::vector<float>& q, const std::vector<float>& k, const std::vector<float>& v,
                                 const std::vector<int64_t>& mask, const std::vector<float>& slopes, int64_t B,
                                 int64_t Sq, int64_t Sk, int64_t H, int64_t D, double scale) {
  const int64_t HD = H * D, past = Sk - Sq;
  std::vector<double> out(static_cast<size_t>(B * Sq * HD), 0.0);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t i = 0; i < Sq; ++i) {
        std::vector<double> s;
        std::vector<int64_t> keys;
        int64_t seen = 0;
        for (int64_t j = 0; j < Sk; ++j) {
          const bool on = mask.empty() || mask[b * Sk + j] != 0;
          const double pos = on ? static_cast<double>(seen++) : 0.0;
          if (!on || j > past + i) continue;
          double dot = 0;
          for (int64_t d = 0; d < D; ++d) dot += double(q[(b * Sq + i) * HD + h * D + d]) * k[(b * Sk + j) * HD + h * D + d];
          s.push_back(dot * scale + (slopes.empty() ? 0.0 : slopes[h] * pos));
          keys.push_back(j);
        }
        if (s.empty()) continue;  // nothing to attend: zeros
        const double mx = *std::max_element(s.begin(), s.end());
        double sum = 0;
        for (double& x : s) sum += (x = std::exp(x - mx));
        for (int64_t d = 0; d < D; ++d) {
          double acc = 0;
          for (size_t t = 0; t < keys.size(); ++t) acc += s[t] / sum * v[(b * Sk + keys[t]) * HD + h * D + d];
          out[(b * Sq + i) * HD + h * D + d] = acc;
        }
      }
  return out;
}

TEST(AttentionCausal, PrefillWithLeftPaddingAndAlibiMatchesNaive) {
  const int64_t B = 3, S = 70, H = 3, D = 8, HD = H * D;  // S > one 64-query block
  const Tensor q = test::random_tensor({B, S, HD}, 1, -2, 2), k = test::random_tensor({B, S, HD}, 2, -2, 2),
               v = test::random_tensor({B, S, HD}, 3);
  std::vector<int64_t> mask(B * S, 1);
  for (int64_t j = 0; j < 5; ++j) mask[1 * S + j] = 0;   // 5 left pads
  for (int64_t j = 0; j < 69; ++j) mask[2 * S + j] = 0;  // only the last token is real
  const std::vector<float> slopes = {0.5f, 0.25f, 0.0625f};
  const float scale = 1.0f / std::sqrt(static_cast<float>(D));
  for (bool alibi : {false, true}) {
    const auto want = naive_causal(q.to_vector<float>(), k.to_vector<float>(), v.to_vector<float>(), mask,
                                   alibi ? slopes : std::vector<float>{}, B, S, S, H, D, scale);
    const Tensor y = ops::attention_causal(q, k, v, Tensor::from_vector(mask, {B, S}), H, scale,
                                           alibi ? Tensor::from_vector(slopes, {H}) : Tensor());
    EXPECT_EQ(y.shape(), (Shape{B, S, HD}));
    EXPECT_TRUE(all_close(y.to_vector<float>(), want, 2e-5)) << "alibi " << alibi;
  }
}

TEST(AttentionCausal, DecodeStepOverStridedCacheViewsMatchesNaiveAndReference) {
  const int64_t B = 2, past = 9, Sq = 1, Sk = past + Sq, cap = 16, H = 2, D = 4, HD = H * D;
  const Tensor buffer_k = test::random_tensor({B, cap, HD}, 4), buffer_v = test::random_tensor({B, cap, HD}, 5);
  const Tensor k = buffer_k.slice(1, 0, Sk), v = buffer_v.slice(1, 0, Sk);  // strided views, as in a KV cache
  const Tensor qkv = test::random_tensor({B, Sq, 3 * HD}, 6);
  const Tensor q = qkv.slice(-1, 0, HD);
  std::vector<int64_t> mask(B * Sk, 1);
  mask[0] = mask[1] = 0;
  const float scale = 0.3f;
  const auto want = naive_causal(q.contiguous().to_vector<float>(), k.contiguous().to_vector<float>(),
                                 v.contiguous().to_vector<float>(), mask, {0.7f, 0.1f}, B, Sq, Sk, H, D, scale);
  const Tensor m = Tensor::from_vector(mask, {B, Sk}), slopes = Tensor::from_vector(std::vector<float>{0.7f, 0.1f}, {H});
  EXPECT_TRUE(all_close(ops::attention_causal(q, k, v, m, H, scale, slopes).to_vector<float>(), want, 1e-5));
  // the scalar reference kernel on the same strided operands
  const Tensor qc = q.contiguous();
  std::vector<float> out(static_cast<size_t>(B * Sq * HD));
  kernels::cpu::CausalAttentionArgs a;
  a.q = qc.data<float>(), a.q_bstride = Sq * HD, a.q_rstride = HD;
  a.k = buffer_k.data<float>(), a.k_bstride = cap * HD, a.k_rstride = HD;
  a.v = buffer_v.data<float>(), a.v_bstride = cap * HD, a.v_rstride = HD;
  a.mask = m.data<int64_t>(), a.mask_bstride = Sk;
  a.alibi_slopes = slopes.data<float>(), a.out = out.data();
  a.B = B, a.Sq = Sq, a.Sk = Sk, a.H = H, a.D = D, a.scale = scale;
  kernels::cpu::attention_causal_ref(a);
  EXPECT_TRUE(all_close(out, want, 1e-6));
}

TEST(AttentionCausal, DecodeStepAtGpt2SizesSerialAndParallelMatchesNaive) {
  // 12 heads of 64 (GPT-2): a short cache runs the heads on one thread, a long one splits them over threads; a row
  // whose keys are all padding gets zeros.
  const int64_t B = 2, H = 12, D = 64, HD = H * D;
  for (int64_t Sk : {20, 700}) {
    const Tensor q = test::random_tensor({B, 1, HD}, 10, -2, 2), k = test::random_tensor({B, Sk, HD}, 11, -2, 2),
                 v = test::random_tensor({B, Sk, HD}, 12);
    std::vector<int64_t> mask(B * Sk, 1);
    for (int64_t j = 0; j < Sk; ++j) mask[j] = 0;  // row 0: nothing to attend
    const float scale = 0.125f;
    const auto want = naive_causal(q.to_vector<float>(), k.to_vector<float>(), v.to_vector<float>(), mask, {}, B, 1,
                                   Sk, H, D, scale);
    const Tensor y = ops::attention_causal(q, k, v, Tensor::from_vector(mask, {B, Sk}), H, scale);
    const std::vector<float> got = y.to_vector<float>();
    EXPECT_TRUE(all_close(got, want, 2e-5)) << "Sk " << Sk;
    for (int64_t c = 0; c < HD; ++c) EXPECT_EQ(got[c], 0.0f);
  }
}

TEST(AttentionCausal, IncrementalStepsEqualOnePrefill) {
  const int64_t B = 2, S = 12, H = 2, D = 8, HD = H * D;
  const Tensor q = test::random_tensor({B, S, HD}, 7), k = test::random_tensor({B, S, HD}, 8),
               v = test::random_tensor({B, S, HD}, 9);
  const std::vector<float> full = ops::attention_causal(q, k, v, Tensor(), H, 0.25f).to_vector<float>();
  for (int64_t t = 0; t < S; ++t) {
    const std::vector<float> step =
        ops::attention_causal(q.slice(1, t, t + 1), k.slice(1, 0, t + 1), v.slice(1, 0, t + 1), Tensor(), H, 0.25f)
            .to_vector<float>();
    for (int64_t b = 0; b < B; ++b)
      for (int64_t c = 0; c < HD; ++c) EXPECT_NEAR(step[b * HD + c], full[(b * S + t) * HD + c], 1e-6);
  }
}

TEST(AttentionCausal, RejectsBadShapes) {
  const Tensor q = test::random_tensor({1, 4, 8}, 1), k = test::random_tensor({1, 3, 8}, 2);
  EXPECT_HFCPP_ERROR(ops::attention_causal(q, k, k, Tensor(), 2, 1.0f), "attention_causal", "positions");
  const Tensor k6 = test::random_tensor({1, 6, 8}, 3);
  EXPECT_HFCPP_ERROR(ops::attention_causal(q, k6, k6, Tensor::zeros({1, 5}, DType::I64), 2, 1.0f), "key_mask");
  EXPECT_HFCPP_ERROR(ops::attention_causal(q, k6, k6, Tensor::zeros({1, 6}, DType::F32), 2, 1.0f), "int64");
  EXPECT_HFCPP_ERROR(ops::attention_causal(q, k6, k6, Tensor(), 3, 1.0f), "num_heads");
  EXPECT_HFCPP_ERROR(ops::attention_causal(q, k6, k6, Tensor(), 2, 1.0f, Tensor::zeros({3})), "alibi_slopes");
}

TEST(CopyAndIndexSelect, CopyWritesIntoStridedViews) {
  Tensor buffer = Tensor::zeros({2, 5, 3});
  const Tensor src = test::random_tensor({2, 2, 3}, 1);
  ops::copy_(buffer.slice(1, 1, 3), src);
  const std::vector<float> b = buffer.to_vector<float>(), s = src.to_vector<float>();
  for (int64_t r = 0; r < 2; ++r)
    for (int64_t t = 0; t < 5; ++t)
      for (int64_t c = 0; c < 3; ++c) {
        const float want = (t == 1 || t == 2) ? s[(r * 2 + t - 1) * 3 + c] : 0.0f;
        EXPECT_EQ(b[(r * 5 + t) * 3 + c], want);
      }
  // a transposed source (non-contiguous rows)
  Tensor dst = Tensor::zeros({3, 2});
  const Tensor m = test::random_tensor({2, 3}, 2);
  ops::copy_(dst, m.transpose(0, 1));
  EXPECT_EQ(dst.to_vector<float>(), m.transpose(0, 1).contiguous().to_vector<float>());
  EXPECT_HFCPP_ERROR(ops::copy_(dst, m), "copy_", "does not match");
  EXPECT_HFCPP_ERROR(ops::copy_(Tensor::zeros({2}, DType::I64), Tensor::zeros({2})), "copy_");
}

TEST(CopyAndIndexSelect, IndexSelectGathersRowsOfViewsAndInnerDims) {
  const Tensor x = test::random_tensor({3, 6, 2}, 3);
  const std::vector<float> xv = x.to_vector<float>();
  const Tensor idx = Tensor::from_vector(std::vector<int64_t>{2, 2, 0}, {3});
  const std::vector<float> rows = ops::index_select(x.slice(1, 0, 4), 0, idx).to_vector<float>();  // [3, 4, 2]
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t t = 0; t < 4; ++t)
      for (int64_t c = 0; c < 2; ++c)
        EXPECT_EQ(rows[(i * 4 + t) * 2 + c], xv[((i == 2 ? 0 : 2) * 6 + t) * 2 + c]);
  const Tensor mid = ops::index_select(x, 1, Tensor::from_vector(std::vector<int32_t>{5, 0}, {2}));
  EXPECT_EQ(mid.shape(), (Shape{3, 2, 2}));
  EXPECT_EQ(mid.to_vector<float>()[0], xv[5 * 2]);
  EXPECT_HFCPP_ERROR(ops::index_select(x, 0, Tensor::from_vector(std::vector<int64_t>{3}, {1})), "index_select", "3");
  EXPECT_HFCPP_ERROR(ops::index_select(x, 3, idx), "dim");
}

TEST(CopyAndIndexSelect, IndexCopyScattersRowsAndChecksFirst) {
  Tensor dst = Tensor::zeros({4, 3});
  const Tensor src = test::random_tensor({2, 3}, 4);
  ops::index_copy_(dst, Tensor::from_vector(std::vector<int64_t>{3, 1}, {2}), src);
  const std::vector<float> d = dst.to_vector<float>(), sv = src.to_vector<float>();
  for (int64_t c = 0; c < 3; ++c) {
    EXPECT_EQ(d[3 * 3 + c], sv[c]);
    EXPECT_EQ(d[1 * 3 + c], sv[3 + c]);
    EXPECT_EQ(d[c], 0.0f);
    EXPECT_EQ(d[2 * 3 + c], 0.0f);
  }
  Tensor fresh = Tensor::zeros({4, 3});
  EXPECT_HFCPP_ERROR(ops::index_copy_(fresh, Tensor::from_vector(std::vector<int32_t>{0, 4}, {2}), src), "index_copy_",
                     "4", "out of range");
  for (const float x : fresh.to_vector<float>()) EXPECT_EQ(x, 0.0f);  // nothing written before the check failed
  EXPECT_HFCPP_ERROR(ops::index_copy_(fresh, Tensor::from_vector(std::vector<int64_t>{0}, {1}), src), "index_copy_",
                     "shape");
}

}  // namespace
}  // namespace hfcpp
