// Tests for attention: naive double-precision loops with padding masks (incl. a fully masked row, which gives a
// uniform softmax as in PyTorch), strided Q/K/V views of a fused QKV tensor, several mask dtypes.
#include "kernels/cpu/kernels.h"
#include "ops_test_util.h"

namespace hfcpp {
namespace {

using test::all_close;

// q [B, Sq, H*D], k/v [B, Sk, H*D] as contiguous vectors, mask [B, Sk] of 1/0 (empty = none).
std::vector<double> naive_attention(const std::vector<float>& q, const std::vector<float>& k,
                                    const std::vector<float>& v, const std::vector<int>& mask, int64_t B, int64_t Sq,
                                    int64_t Sk, int64_t H, int64_t D, double scale) {
  const int64_t HD = H * D;
  std::vector<double> out(static_cast<size_t>(B * Sq * HD), 0.0);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t i = 0; i < Sq; ++i) {
        bool any = false;
        for (int64_t j = 0; j < Sk; ++j) any |= mask.empty() || mask[b * Sk + j] != 0;
        std::vector<double> s(Sk);
        double mx = -INFINITY;
        for (int64_t j = 0; j < Sk; ++j) {
          const bool keep = mask.empty() || mask[b * Sk + j] != 0;
          double dot = 0;
          for (int64_t d = 0; d < D; ++d)
            dot += double(q[(b * Sq + i) * HD + h * D + d]) * k[(b * Sk + j) * HD + h * D + d];
          s[j] = !any ? 0.0 : (keep ? dot * scale : -INFINITY);  // fully masked: every score ties → uniform
          mx = std::max(mx, s[j]);
        }
        double sum = 0;
        for (double& x : s) sum += (x = std::exp(x - mx));
        for (int64_t d = 0; d < D; ++d) {
          double acc = 0;
          for (int64_t j = 0; j < Sk; ++j) acc += s[j] / sum * v[(b * Sk + j) * HD + h * D + d];
          out[(b * Sq + i) * HD + h * D + d] = acc;
        }
      }
  return out;
}

TEST(Attention, MatchesNaiveWithMaskIncludingFullyMaskedRow) {
  const int64_t B = 3, S = 9, H = 4, D = 16, HD = H * D;
  const Tensor q = test::random_tensor({B, S, HD}, 1, -2, 2), k = test::random_tensor({B, S, HD}, 2, -2, 2),
               v = test::random_tensor({B, S, HD}, 3);
  // batch 0: no padding; batch 1: last 4 keys padded; batch 2: everything padded
  std::vector<int> mask(B * S, 1);
  for (int64_t j = 5; j < S; ++j) mask[1 * S + j] = 0;
  for (int64_t j = 0; j < S; ++j) mask[2 * S + j] = 0;
  const float scale = 1.0f / std::sqrt(static_cast<float>(D));
  const auto want =
      naive_attention(q.to_vector<float>(), k.to_vector<float>(), v.to_vector<float>(), mask, B, S, S, H, D, scale);
  std::vector<int64_t> mask64(mask.begin(), mask.end());
  std::vector<float> maskf(mask.begin(), mask.end());
  std::vector<int32_t> mask32(mask.begin(), mask.end());
  for (const Tensor& m : {Tensor::from_vector(mask64, {B, S}), Tensor::from_vector(maskf, {B, S}),
                          Tensor::from_vector(mask32, {B, S}), Tensor::from_vector(maskf, {B, S}).to(DType::BF16)}) {
    const Tensor y = ops::attention(q, k, v, m, H, scale);
    EXPECT_EQ(y.shape(), (Shape{B, S, HD}));
    EXPECT_TRUE(all_close(y.to_vector<float>(), want, 1e-5, 1e-4)) << dtype_name(m.dtype());
  }
  // fully masked batch = mean of V over keys, per head dim
  const auto y = ops::attention(q, k, v, Tensor::from_vector(mask64, {B, S}), H, scale).to_vector<float>();
  const auto vv = v.to_vector<float>();
  for (int64_t c = 0; c < HD; ++c) {
    double mean = 0;
    for (int64_t j = 0; j < S; ++j) mean += vv[(2 * S + j) * HD + c];
    EXPECT_NEAR(y[(2 * S + 0) * HD + c], mean / S, 1e-5);
  }
}

TEST(Attention, NoMaskAndDifferentQueryKeyLengths) {
  for (auto [B, Sq, Sk, H, D] : {std::tuple<int64_t, int64_t, int64_t, int64_t, int64_t>{1, 1, 1, 1, 8},
                                 {2, 1, 37, 3, 32},
                                 {1, 70, 130, 2, 64},
                                 {2, 129, 65, 12, 8}}) {
    const int64_t HD = H * D;
    const Tensor q = test::random_tensor({B, Sq, HD}, 4), k = test::random_tensor({B, Sk, HD}, 5),
                 v = test::random_tensor({B, Sk, HD}, 6);
    const auto want =
        naive_attention(q.to_vector<float>(), k.to_vector<float>(), v.to_vector<float>(), {}, B, Sq, Sk, H, D, 0.125);
    EXPECT_TRUE(all_close(ops::attention(q, k, v, Tensor(), H, 0.125f).to_vector<float>(), want, 1e-5, 1e-4))
        << B << " " << Sq << " " << Sk << " " << H << " " << D;
  }
}

TEST(Attention, StridedViewsOfFusedQkv) {
  const int64_t B = 2, S = 11, H = 3, D = 8, HD = H * D;
  const Tensor qkv = test::random_tensor({B, S, 3 * HD}, 7, -2, 2);  // fused projection output
  const Tensor q = qkv.slice(2, 0, HD), k = qkv.slice(2, HD, 2 * HD), v = qkv.slice(2, 2 * HD, 3 * HD);
  ASSERT_FALSE(q.is_contiguous());
  std::vector<int64_t> mask(B * S, 1);
  mask[S + 10] = mask[S + 9] = 0;
  const Tensor m = Tensor::from_vector(mask, {B, S});
  const Tensor y = ops::attention(q, k, v, m, H, 0.3f);
  const Tensor y_contig = ops::attention(q.contiguous(), k.contiguous(), v.contiguous(), m, H, 0.3f);
  EXPECT_TRUE(y.is_contiguous());
  EXPECT_TRUE(all_close(y.to_vector<float>(), y_contig.to_vector<float>(), 0.0));
  std::vector<int> mi(mask.begin(), mask.end());
  EXPECT_TRUE(all_close(y.to_vector<float>(),
                        naive_attention(q.contiguous().to_vector<float>(), k.contiguous().to_vector<float>(),
                                        v.contiguous().to_vector<float>(), mi, B, S, S, H, D, 0.3),
                        1e-5, 1e-4));
}

TEST(Attention, FastKernelMatchesScalarKernel) {
  const int64_t B = 2, Sq = 100, Sk = 90, H = 4, D = 24, HD = H * D;
  const auto q = test::random_values(B * Sq * HD, 8), k = test::random_values(B * Sk * HD, 9),
             v = test::random_values(B * Sk * HD, 10);
  std::vector<uint8_t> mask(B * Sk, 1);
  for (int64_t j = 50; j < Sk; ++j) mask[j] = 0;
  std::vector<float> o1(B * Sq * HD), o2(o1.size());
  kernels::cpu::AttentionArgs a;
  a.q = q.data(), a.q_bstride = Sq * HD, a.q_rstride = HD;
  a.k = k.data(), a.k_bstride = Sk * HD, a.k_rstride = HD;
  a.v = v.data(), a.v_bstride = Sk * HD, a.v_rstride = HD;
  a.mask = mask.data(), a.mask_dtype = DType::U8, a.mask_bstride = Sk;
  a.B = B, a.Sq = Sq, a.Sk = Sk, a.H = H, a.D = D, a.scale = 0.2f;
  a.out = o1.data();
  kernels::cpu::attention(a);
  a.out = o2.data();
  kernels::cpu::attention_ref(a);
  EXPECT_TRUE(all_close(o1, o2, 1e-5, 1e-4));
}

// A packed batch (real tokens only, as encoders run with skip_padding) gives what the padded batch gives at its
// real tokens; sequences of length 0, 1 and past one query block (64) included, Q/K/V as slices of a fused output.
TEST(Attention, PackedMatchesPaddedAtRealTokens) {
  const std::vector<int64_t> lengths = {5, 0, 70, 1, 9};
  const int64_t B = static_cast<int64_t>(lengths.size()), S = 70, H = 3, D = 16, HD = H * D;
  const Tensor qkv = test::random_tensor({B, S, 3 * HD}, 11, -2, 2);  // padded fused projection output
  std::vector<int64_t> mask(B * S, 0), rows, offsets = {0};
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t t = 0; t < lengths[b]; ++t) mask[b * S + t] = 1, rows.push_back(b * S + t);
    offsets.push_back(static_cast<int64_t>(rows.size()));
  }
  const int64_t T = offsets.back();
  const Tensor padded = ops::attention(qkv.slice(2, 0, HD), qkv.slice(2, HD, 2 * HD), qkv.slice(2, 2 * HD, 3 * HD),
                                       Tensor::from_vector(mask, {B, S}), H, 0.25f);  // [B, S, HD]
  const Tensor packed_qkv =
      ops::index_select(qkv.view({B * S, 3 * HD}), 0, Tensor::from_vector(rows, {T})).view({1, T, 3 * HD});
  const Tensor packed = ops::attention_packed(packed_qkv.slice(2, 0, HD), packed_qkv.slice(2, HD, 2 * HD),
                                              packed_qkv.slice(2, 2 * HD, 3 * HD), offsets, H, 0.25f);
  ASSERT_EQ(packed.shape(), (Shape{1, T, HD}));
  const std::vector<float> want = ops::index_select(padded.view({B * S, HD}), 0, Tensor::from_vector(rows, {T})).to_vector<float>();
  EXPECT_TRUE(all_close(packed.to_vector<float>(), std::vector<double>(want.begin(), want.end()), 1e-6, 1e-5));

  // the scalar kernel agrees on the packed layout too
  const Tensor q = packed_qkv.slice(2, 0, HD).contiguous(), k = packed_qkv.slice(2, HD, 2 * HD).contiguous(),
               v = packed_qkv.slice(2, 2 * HD, 3 * HD).contiguous();
  std::vector<float> ref(static_cast<size_t>(T * HD));
  kernels::cpu::AttentionArgs a;
  a.q = q.data<float>(), a.q_rstride = HD, a.k = k.data<float>(), a.k_rstride = HD, a.v = v.data<float>(), a.v_rstride = HD;
  a.out = ref.data(), a.B = B, a.H = H, a.D = D, a.scale = 0.25f, a.seq_offsets = offsets.data();
  kernels::cpu::attention_ref(a);
  EXPECT_TRUE(all_close(packed.to_vector<float>(), std::vector<double>(ref.begin(), ref.end()), 1e-5, 1e-4));
}

TEST(Attention, PackedBadOffsetsAreNamed) {
  const Tensor q = test::random_tensor({1, 6, 8}, 1);
  EXPECT_HFCPP_ERROR(ops::attention_packed(q, q, q, {0, 4}, 2, 1.0f), "attention_packed", "seq_offsets", "6");
  EXPECT_HFCPP_ERROR(ops::attention_packed(q, q, q, {0, 4, 3, 6}, 2, 1.0f), "attention_packed", "decrease");
  EXPECT_HFCPP_ERROR(ops::attention_packed(q, q, q, {}, 2, 1.0f), "attention_packed", "seq_offsets");
  const Tensor two = test::random_tensor({2, 3, 8}, 2);
  EXPECT_HFCPP_ERROR(ops::attention_packed(two, two, two, {0, 3}, 2, 1.0f), "attention_packed", "[1, tokens");
}

TEST(Attention, BadArgumentsNameOpAndArgument) {
  const Tensor q = test::random_tensor({2, 5, 12}, 1);
  EXPECT_HFCPP_ERROR(ops::attention(q, q, q, Tensor(), 5, 1.0f), "attention", "num_heads 5");
  EXPECT_HFCPP_ERROR(ops::attention(q, test::random_tensor({2, 5, 8}, 2), q, Tensor(), 2, 1.0f), "attention", "key");
  EXPECT_HFCPP_ERROR(ops::attention(q, q, q, Tensor::from_vector<int64_t>({1, 1}, {1, 2}), 2, 1.0f), "attention",
                     "key_mask", "[2, 5]");
  EXPECT_HFCPP_ERROR(ops::attention(test::random_tensor({10, 12}, 3), q, q, Tensor(), 2, 1.0f), "attention", "query");
}

}  // namespace
}  // namespace hfcpp
