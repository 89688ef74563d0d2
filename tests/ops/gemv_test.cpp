// Tests for the decode-step matrix-vector path: kernels::cpu::gemv against a double-precision reference, its
// thread-count independence, gemm() and PreparedLinear routing one-row products through it, Conv1D ([in, out])
// weights packed without a transposed copy, and the checkpoint pages PreparedLinear hands back after packing.
#include <cstdio>
#include <fstream>
#include <string>

#include "hfcpp/core/threads.h"
#include "hfcpp/io/safetensors.h"
#include "io/io_test_util.h"
#include "kernels/cpu/kernels.h"
#include "ops_test_util.h"

namespace hfcpp {
namespace {

using test::all_close;

// Resident kilobytes of the mapping that holds `address` (/proc/self/smaps), or -1 when not found.
long resident_kb_of_mapping(const void* address) {
  std::ifstream smaps("/proc/self/smaps");
  const auto a = reinterpret_cast<uintptr_t>(address);
  bool inside = false;
  for (std::string line; std::getline(smaps, line);) {
    unsigned long lo = 0, hi = 0;
    if (std::sscanf(line.c_str(), "%lx-%lx ", &lo, &hi) == 2 && line.find(':') > line.find(' ')) {
      inside = a >= lo && a < hi;
    } else if (inside && line.rfind("Rss:", 0) == 0) {
      return std::stol(line.substr(4));
    }
  }
  return -1;
}

TEST(GemvKernel, MatchesReferenceOverShapesStridesAndBias) {
  for (int64_t N : {1, 3, 4, 5, 64, 65, 200, 3073})
    for (int64_t K : {1, 7, 8, 64, 769})
      for (int64_t pad : {0, 3})
        for (bool with_bias : {false, true}) {
          const int64_t ldw = K + pad;
          const auto w = test::random_values(N * ldw, static_cast<uint32_t>(N * 31 + K), -0.5f, 0.5f);
          const auto x = test::random_values(K, static_cast<uint32_t>(K + 7), -2.0f, 2.0f);
          const auto bias = test::random_values(N, static_cast<uint32_t>(N + 3));
          const float* b = with_bias ? bias.data() : nullptr;
          std::vector<float> got(N), want(N);
          kernels::cpu::gemv(x.data(), w.data(), ldw, b, got.data(), N, K);
          kernels::cpu::gemv_ref(x.data(), w.data(), ldw, b, want.data(), N, K);
          EXPECT_TRUE(all_close(got, want, 1e-5, 1e-5)) << "N=" << N << " K=" << K << " ldw=" << ldw
                                                        << " bias=" << with_bias;
        }
}

TEST(GemvKernel, SameBitsWhateverTheThreadCount) {
  // Each output is summed by one thread in a fixed order, so decoding gives the same logits on 1 or 2 threads.
  const int64_t N = 3072, K = 768;
  const auto w = test::random_values(N * K, 1), x = test::random_values(K, 2), bias = test::random_values(N, 3);
  const int before = num_threads();
  std::vector<std::vector<float>> outs;
  for (int threads : {1, 2, 3}) {
    set_num_threads(threads);
    outs.emplace_back(N);
    kernels::cpu::gemv(x.data(), w.data(), K, bias.data(), outs.back().data(), N, K);
  }
  set_num_threads(before);
  EXPECT_EQ(outs[0], outs[1]);
  EXPECT_EQ(outs[0], outs[2]);
}

TEST(GemmKernels, OneRowWithTransposedBMatchesReference) {
  // gemm() sends M = 1 with a transposed B (an LM head while decoding) to gemv; batched and strided operands.
  kernels::cpu::GemmArgs g;
  g.batch = 2, g.M = 1, g.N = 301, g.K = 70, g.trans_b = true;
  const auto A = test::random_values(g.batch * 80, 1), B = test::random_values(g.batch * g.N * 75, 2);
  std::vector<float> c1(g.batch * 310), c2(c1.size());
  g.A = A.data(), g.lda = 80, g.stride_a = 80;
  g.B = B.data(), g.ldb = 75, g.stride_b = g.N * 75;
  g.ldc = 310, g.stride_c = 310;
  g.C = c1.data();
  kernels::cpu::gemm(g);
  g.C = c2.data();
  kernels::cpu::gemm_ref(g);
  EXPECT_TRUE(all_close(c1, c2, 1e-5, 1e-5));
  // and through ops::matmul, as LmHead calls it: [1, K] x [N, K]^T
  const Tensor a = test::random_tensor({1, 768}, 3), b = test::random_tensor({1000, 768}, 4, -0.1f, 0.1f);
  EXPECT_TRUE(all_close(ops::matmul(a, b, true).to_vector<float>(),
                        test::naive_matmul(a.to_vector<float>(), b.to_vector<float>(), 1, 1000, 768, true), 1e-5,
                        1e-5));
}

TEST(PreparedLinear, OneRowUsesGemvOnThisLayoutAndMatchesNaive) {
  const int64_t N = 2304, K = 768;
  const auto w = test::random_values(N * K, 5, -0.1f, 0.1f);
  const auto packed = kernels::cpu::pack_linear(w.data(), nullptr, N, K);
  const std::string impl = packed->implementation(1, kernels::cpu::Act::None);
  std::cout << "[ info ] PreparedLinear 1x" << K << "x" << N << ": " << impl << "\n";
  EXPECT_EQ(impl.find("ref"), std::string::npos) << impl;
  const Tensor wt = Tensor::from_vector(w, {N, K}), b = test::random_tensor({N}, 6);
  const auto lin = ops::PreparedLinear::prepare(wt, b);
  const Tensor x = test::random_tensor({1, 1, K}, 7, -2.0f, 2.0f);
  for (ops::Activation act : test::kAllActivations) {
    auto want = test::naive_matmul(x.to_vector<float>(), w, 1, N, K, true);
    const auto bv = b.to_vector<float>();
    for (int64_t n = 0; n < N; ++n) want[n] = test::ref_act(want[n] + bv[n], act);
    EXPECT_TRUE(all_close(lin.forward(x, act).to_vector<float>(), want, 2e-5, 1e-4)) << test::act_name(act);
  }
}

TEST(PreparedLinear, Conv1DWeightsPackedInPlaceMatchTheTransposedCopy) {
  // transformers' Conv1D stores [in, out]; prepare(weight.transpose(0, 1)) reads it without a transposed temporary
  const int64_t in = 96, out = 160;
  const Tensor w_io = test::random_tensor({in, out}, 8, -0.3f, 0.3f), b = test::random_tensor({out}, 9);
  const auto in_place = ops::PreparedLinear::prepare(w_io.transpose(0, 1), b);
  const auto copied = ops::PreparedLinear::prepare(w_io.transpose(0, 1).contiguous(), b);
  EXPECT_EQ(in_place.in_features(), in);
  EXPECT_EQ(in_place.out_features(), out);
  for (int64_t M : {1, 5, 130}) {
    const Tensor x = test::random_tensor({M, in}, 10 + static_cast<uint32_t>(M));
    EXPECT_TRUE(all_close(in_place.forward(x, ops::Activation::GeluTanh).to_vector<float>(),
                          copied.forward(x, ops::Activation::GeluTanh).to_vector<float>(), 1e-5, 1e-5))
        << "M=" << M;
  }
}

TEST(PreparedLinear, CheckpointWeightsStayReadableAfterTheirPagesAreReleased) {
  // PreparedLinear drops the pages of a read-only checkpoint mapping once packed; reading the tensor afterwards
  // must give the file's values again (re-read from the file), never zeros.
  const int64_t in = 512, out = 384;  // 768 KiB: many whole pages
  const auto values = test::random_values(in * out, 11);
  hfcpp::testing::TempDir tmp;
  const std::string path = tmp.file("w.safetensors");
  hfcpp::testing::write_safetensors(path, {{"w", "F32", {in, out}, hfcpp::testing::bytes_of(values)}});
  const SafeTensorsFile file = SafeTensorsFile::open(path);
  const Tensor w = file.get("w");
  ASSERT_TRUE(w.storage()->borrowed());
  EXPECT_EQ(w.to_vector<float>(), values);  // touch every page: all resident now
  EXPECT_GE(resident_kb_of_mapping(w.raw_data()), in * out * 4 / 1024);
  const auto lin = ops::PreparedLinear::prepare(w.transpose(0, 1), Tensor());
  EXPECT_LE(resident_kb_of_mapping(w.raw_data()), 8);  // at most the partial pages at either end (header, tail)
  EXPECT_EQ(w.to_vector<float>(), values);
  const Tensor x = test::random_tensor({1, in}, 12);
  std::vector<float> w_nk(values.size());
  for (int64_t i = 0; i < in; ++i)
    for (int64_t o = 0; o < out; ++o) w_nk[o * in + i] = values[i * out + o];
  EXPECT_TRUE(all_close(lin.forward(x).to_vector<float>(),
                        test::naive_matmul(x.to_vector<float>(), w_nk, 1, out, in, true), 1e-5, 1e-5));
}

TEST(PreparedLinear, BorrowedHeapWeightsAreNeverReleased) {
  // Memory a caller lends (anonymous, writable) must keep its contents: dropping its pages would zero them.
  const int64_t N = 512, K = 512;
  auto owner = std::make_shared<std::vector<float>>(test::random_values(N * K, 13));
  const std::vector<float> expected = *owner;
  const Tensor w = Tensor::borrow(owner->data(), {N, K}, DType::F32, owner);
  ops::PreparedLinear::prepare(w, Tensor());
  ops::PreparedLinear::prepare(w.view({K, N}).transpose(0, 1), Tensor());
  EXPECT_EQ(*owner, expected);
}

}  // namespace
}  // namespace hfcpp
