// oneDNN GEMMs: dnnl_sgemm for matmul/linear on plain layouts, and PackedLinear, a matmul primitive whose weights
// are reordered once into the layout the primitive prefers (format_tag::any).
//
// oneDNN 2.6 has no runtime-M brgemm matmul, so one primitive is created per (M, thread count, activation) and
// cached. The packed weights layout is queried once for a representative M; every per-M primitive is then created
// with its weights descriptor FIXED to that layout, so nothing is reordered per call. If oneDNN cannot run some M on
// the packed layout (it would pick the slow reference kernel or fail), that M uses a plain [K, N] copy reordered once,
// lazily. Bias and the activation are fused as post-ops. Scratchpads are user-managed (thread-local buffers), so one
// primitive may execute on many threads at once. One input row (M = 1, decoding) against weights kept in nn.Linear's
// [N, K] layout skips oneDNN for gemv() (gemv.cpp), as does gemm() with M = 1 and a transposed B.
#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <unordered_map>

#include "backends/cpu/dnnl_engine.h"
#include "kernels/cpu/kernels.h"
#include "kernels/cpu/matmul_cache.h"

namespace hfcpp::kernels::cpu {

using dnnl::memory;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

void gemm(const GemmArgs& g) {
  if (g.M == 0 || g.N == 0) return;
  auto one = [&](int64_t b) {
    float* c = g.C + b * g.stride_c;
    if (g.K == 0) {
      for (int64_t i = 0; i < g.M; ++i) std::memset(c + i * g.ldc, 0, sizeof(float) * g.N);
      return;
    }
    if (g.M == 1 && g.trans_b) {  // one row against [N, K] (an LM head while decoding): read B once, all threads
      gemv(g.A + b * g.stride_a, g.B + b * g.stride_b, g.ldb, nullptr, c, g.N, g.K);
      return;
    }
    dnnl_sgemm('N', g.trans_b ? 'T' : 'N', g.M, g.N, g.K, 1.0f, g.A + b * g.stride_a, g.lda, g.B + b * g.stride_b,
               g.ldb, 0.0f, c, g.ldc);
  };
  // Many small products: one per thread (oneDNN runs single-threaded inside a parallel region). Else: sequential
  // calls that each use all threads.
  if (g.batch > 1 && g.M * g.N * g.K <= 128 * 128 * 128) {
#pragma omp parallel for schedule(static)
    for (int64_t b = 0; b < g.batch; ++b) one(b);
  } else {
    for (int64_t b = 0; b < g.batch; ++b) one(b);
  }
}

void linear(const float* x, const float* w, const float* bias, float* y, int64_t M, int64_t N, int64_t K, Act act) {
  GemmArgs g;
  g.trans_b = true;
  g.M = M, g.N = N, g.K = K;
  g.A = x, g.lda = K;
  g.B = w, g.ldb = K;
  g.C = y, g.ldc = N;
  gemm(g);
  if (bias) add_rows(y, bias, y, M, N);
  if (act != Act::None) activation(y, y, M * N, act);
}

namespace {

bool to_eltwise(Act act, dnnl::algorithm& alg, float& alpha) {
  alpha = 0.0f;
  switch (act) {
    case Act::None:
      return false;
    case Act::Gelu:
      alg = dnnl::algorithm::eltwise_gelu_erf;
      return true;
    case Act::GeluTanh:
      alg = dnnl::algorithm::eltwise_gelu_tanh;
      return true;
    case Act::GeluQuick:
      alg = dnnl::algorithm::eltwise_swish;
      alpha = 1.702f;
      return true;  // x * sigmoid(1.702 x)
    case Act::Relu:
      alg = dnnl::algorithm::eltwise_relu;
      return true;
    case Act::Silu:
      alg = dnnl::algorithm::eltwise_swish;
      alpha = 1.0f;
      return true;
    case Act::Tanh:
      alg = dnnl::algorithm::eltwise_tanh;
      return true;
    case Act::Sigmoid:
      alg = dnnl::algorithm::eltwise_logistic;
      return true;
  }
  return false;
}

// A per-thread, grow-only, 64-byte aligned buffer for primitive scratchpads.
void* thread_scratch(size_t bytes) {
  struct Buffer {
    void* p = nullptr;
    size_t size = 0;
    ~Buffer() { std::free(p); }
  };
  thread_local Buffer buf;
  if (bytes > buf.size) {
    std::free(buf.p);
    buf.p = nullptr, buf.size = 0;
    const size_t size = (bytes + 4095) & ~size_t{4095};
    buf.p = std::aligned_alloc(64, size);
    if (!buf.p) throw std::bad_alloc();
    buf.size = size;
  }
  return buf.p;
}

class DnnlPackedLinear final : public PackedLinear {
 public:
  DnnlPackedLinear(const float* w, const float* bias, int64_t N, int64_t K, bool w_is_kn)
      : N_(N), K_(K), engine_(backend::cpu::dnnl_engine()) {
    const memory::desc nk_md({K, N}, dt::f32, tag::ba);  // w [N, K] row-major is [K, N] column-major
    const memory::desc user_w_md = w_is_kn ? memory::desc({K, N}, dt::f32, tag::ab) : nk_md;
    const memory::desc any_w_md({K, N}, dt::f32, tag::any);
    const int64_t M = kRepresentativeM;
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(memory::desc({M, K}, dt::f32, tag::ab), any_w_md, bias_md(),
                                                       memory::desc({M, N}, dt::f32, tag::ab)),
                                    attr, engine_);
    packed_md_ = pd.weights_desc();
    // Without a blocked layout (no brgemm on this CPU: gemm:jit) oneDNN asks for plain [K, N]; nn.Linear's own
    // [N, K] order (format ba) is as fast or faster for its GEMM, so keep that instead.
    if (packed_md_ == memory::desc({K, N}, dt::f32, tag::ab)) packed_md_ = nk_md;
    rows_nk_ = packed_md_ == nk_md;
    weights_memory_ = allocate_weights(packed_md_.get_size());
    packed_ = memory(packed_md_, engine_, weights_memory_.get());
    memory user(user_w_md, engine_, const_cast<float*>(w));
    dnnl::stream s(engine_);
    dnnl::reorder(user, packed_).execute(s, user, packed_);
    if (bias) {
      bias_ = memory(bias_md(), engine_);
      std::memcpy(bias_.get_data_handle(), bias, sizeof(float) * N);
    }
    s.wait();
  }

  int64_t out_features() const override { return N_; }
  int64_t in_features() const override { return K_; }

  void forward(const float* x, float* y, int64_t M, Act act) const override {
    if (M == 0) return;
    if (M == 1 && rows_nk_) {  // decoding one token: a GEMV over the [N, K] rows (see gemv.cpp)
      gemv(x, static_cast<const float*>(packed_.get_data_handle()), K_,
           bias_ ? static_cast<const float*>(bias_.get_data_handle()) : nullptr, y, N_, K_);
      if (act != Act::None) activation(y, y, N_, act);
      return;
    }
    const std::shared_ptr<const Entry> e = entry(M, act);
    const size_t scratch = e->scratch_md.get_size();
    run_matmul(*e, engine_, e->packed ? packed_ : plain_weights(), bias_, x, y,
               scratch > 0 ? thread_scratch(scratch) : nullptr);
  }

  bool has_weight_rows() const override { return rows_nk_; }
  bool weight_row(int64_t n, float* out) const override {
    if (!rows_nk_ || n < 0 || n >= N_) return false;
    std::memcpy(out, static_cast<const float*>(packed_.get_data_handle()) + n * K_, sizeof(float) * K_);
    return true;
  }

  std::string implementation(int64_t M, Act act) const override {
    if (M == 1 && rows_nk_) return "gemv (hfcpp, [N, K] rows)";
    const auto e = entry(M, act);
    return e->impl + (e->packed ? "" : " (plain weights)");
  }

 private:
  static constexpr int64_t kRepresentativeM = 128;

  using Entry = MatmulEntry;

  memory::desc bias_md() const { return memory::desc({1, N_}, dt::f32, tag::ab); }

  std::shared_ptr<const Entry> entry(int64_t M, Act act) const {
    return cache_.get(M, static_cast<int>(act), [&] { return create(M, act); });
  }


  std::shared_ptr<const Entry> create(int64_t M, Act act) const {
    auto e = std::make_shared<Entry>();
    e->src_md = memory::desc({M, K_}, dt::f32, tag::ab);
    e->dst_md = memory::desc({M, N_}, dt::f32, tag::ab);
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    dnnl::algorithm alg;
    float alpha;
    if (to_eltwise(act, alg, alpha)) {
      dnnl::post_ops po;
      po.append_eltwise(1.0f, alg, alpha, 0.0f);
      attr.set_post_ops(po);
    }
    const memory::desc no_bias;
    auto make = [&](const memory::desc& w_md) {
      return dnnl::matmul::primitive_desc(dnnl::matmul::desc(e->src_md, w_md, bias_ ? bias_md() : no_bias, e->dst_md),
                                          attr, engine_);
    };
    create_matmul(*e, make, packed_md_, plain_md());
    return e;
  }

  memory::desc plain_md() const { return memory::desc({K_, N_}, dt::f32, tag::ba); }  // nn.Linear's [N, K]

  const memory& plain_weights() const { return plain_.get(packed_, packed_md_, plain_md(), engine_); }

  int64_t N_, K_;
  bool rows_nk_ = false;  // the packed weights are nn.Linear's row-major [N, K]: M = 1 runs gemv() on them
  dnnl::engine engine_;
  memory::desc packed_md_;
  std::shared_ptr<void> weights_memory_;  // owns packed_'s buffer (huge pages, weight_memory.cpp)
  memory packed_, bias_;
  PlainWeights plain_;
  MatmulCache cache_;
};

}  // namespace

std::shared_ptr<const PackedLinear> pack_linear(const float* w, const float* bias, int64_t N, int64_t K,
                                                bool w_is_kn) {
  return std::make_shared<DnnlPackedLinear>(w, bias, N, K, w_is_kn);
}

}  // namespace hfcpp::kernels::cpu
