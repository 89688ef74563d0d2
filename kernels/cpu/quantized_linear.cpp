// int8 and bfloat16 linear layers on oneDNN matmuls (scheme and saturation rule: quantized.h).
//
// LowpMatmul packs the converted weights once into the layout oneDNN prefers for a representative M and, like the
// float32 DnnlPackedLinear (gemm_dnnl.cpp), creates one primitive per (M, thread count, activation) with the weights
// descriptor fixed to that layout; an M that only the reference kernel would run on it uses a plain [N, K] copy made
// once, lazily. Scratchpads and per-call buffers are thread-local, so forward() may run on many threads at once.
#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "backends/cpu/dnnl_engine.h"
#include "kernels/cpu/matmul_cache.h"
#include "kernels/cpu/quantized.h"

namespace hfcpp::kernels::cpu {
namespace {

using dnnl::memory;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

// Grow-only, 64-byte aligned per-thread buffers, one per slot (a call needs several at once).
enum Slot { kScratchpad, kSource, kRowScale, kRowZeroPoint, kSlots };
void* thread_buffer(Slot slot, size_t bytes) {
  struct Buffers {
    void* p[kSlots] = {};
    size_t size[kSlots] = {};
    ~Buffers() {
      for (void* q : p) std::free(q);
    }
  };
  thread_local Buffers buf;
  if (bytes > buf.size[slot]) {
    std::free(buf.p[slot]);
    buf.p[slot] = nullptr, buf.size[slot] = 0;
    const size_t size = (bytes + 4095) & ~size_t{4095};
    buf.p[slot] = std::aligned_alloc(64, size);
    if (!buf.p[slot]) throw std::bad_alloc();
    buf.size[slot] = size;
  }
  return buf.p[slot];
}

bool eltwise_of(Act act, dnnl::algorithm& alg, float& alpha) {
  alpha = act == Act::GeluQuick ? 1.702f : act == Act::Silu ? 1.0f : 0.0f;
  switch (act) {
    case Act::None: return false;
    case Act::Gelu: alg = dnnl::algorithm::eltwise_gelu_erf; return true;
    case Act::GeluTanh: alg = dnnl::algorithm::eltwise_gelu_tanh; return true;
    case Act::GeluQuick: alg = dnnl::algorithm::eltwise_swish; return true;  // x * sigmoid(1.702 x)
    case Act::Relu: alg = dnnl::algorithm::eltwise_relu; return true;
    case Act::Silu: alg = dnnl::algorithm::eltwise_swish; return true;
    case Act::Tanh: alg = dnnl::algorithm::eltwise_tanh; return true;
    case Act::Sigmoid: alg = dnnl::algorithm::eltwise_logistic; return true;
  }
  return false;
}

// y[M, N] (dst type) = x[M, K] (src type) * W^T (+ bias, activation post-op) over weights packed once.
class LowpMatmul {
 public:
  // w_nk: [N, K] row-major elements of w_type. bias: f32 [N] or null.
  LowpMatmul(const void* w_nk, dt w_type, int64_t N, int64_t K, dt src_type, dt dst_type, const float* bias)
      : N_(N), K_(K), w_type_(w_type), src_type_(src_type), dst_type_(dst_type), engine_(backend::cpu::dnnl_engine()) {
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    const int64_t M = kRepresentativeM;
    dnnl::matmul::primitive_desc pd(
        dnnl::matmul::desc(memory::desc({M, K}, src_type, tag::ab), memory::desc({K, N}, w_type, tag::any),
                           bias ? bias_md() : memory::desc(), memory::desc({M, N}, dst_type, tag::ab)),
        attr, engine_);
    packed_md_ = pd.weights_desc();
    packed_ = memory(packed_md_, engine_);
    memory user(plain_md(), engine_, const_cast<void*>(w_nk));
    dnnl::stream s(engine_);
    dnnl::reorder(user, packed_).execute(s, user, packed_);
    s.wait();
    if (bias) {
      bias_ = memory(bias_md(), engine_);
      std::memcpy(bias_.get_data_handle(), bias, sizeof(float) * N);
    }
  }

  void execute(const void* x, void* y, int64_t M, Act act) const {
    const std::shared_ptr<const Entry> e = entry(M, act);
    const size_t scratch = e->scratch_md.get_size();
    run_matmul(*e, engine_, e->packed ? packed_ : plain_weights(), bias_, x, y,
               scratch > 0 ? thread_buffer(kScratchpad, scratch) : nullptr);
  }

  std::string implementation(int64_t M, Act act) const {
    const auto e = entry(M, act);
    return e->impl + (e->packed ? "" : " (plain weights)");
  }

 private:
  static constexpr int64_t kRepresentativeM = 128;

  using Entry = MatmulEntry;

  memory::desc bias_md() const { return memory::desc({1, N_}, dt::f32, tag::ab); }
  memory::desc plain_md() const { return memory::desc({K_, N_}, w_type_, tag::ba); }  // nn.Linear's [N, K]

  std::shared_ptr<const Entry> entry(int64_t M, Act act) const {
    return cache_.get(M, static_cast<int>(act), [&] { return create(M, act); });
  }


  std::shared_ptr<const Entry> create(int64_t M, Act act) const {
    auto e = std::make_shared<Entry>();
    e->src_md = memory::desc({M, K_}, src_type_, tag::ab);
    e->dst_md = memory::desc({M, N_}, dst_type_, tag::ab);
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    dnnl::algorithm alg;
    float alpha;
    if (eltwise_of(act, alg, alpha)) {
      dnnl::post_ops po;
      po.append_eltwise(1.0f, alg, alpha, 0.0f);
      attr.set_post_ops(po);
    }
    auto make = [&](const memory::desc& w_md) {
      return dnnl::matmul::primitive_desc(
          dnnl::matmul::desc(e->src_md, w_md, bias_ ? bias_md() : memory::desc(), e->dst_md), attr, engine_);
    };
    create_matmul(*e, make, packed_md_, plain_md());
    return e;
  }

  const memory& plain_weights() const { return plain_.get(packed_, packed_md_, plain_md(), engine_); }

  int64_t N_, K_;
  dt w_type_, src_type_, dst_type_;
  dnnl::engine engine_;
  memory::desc packed_md_;
  memory packed_, bias_;
  PlainWeights plain_;
  MatmulCache cache_;
};

class Int8Linear final : public PackedLinear {
 public:
  Int8Linear(const float* w, const float* bias, int64_t N, int64_t K, int qmax)
      : N_(N), K_(K), w_scale_(N), q_sum_(N), bias_(bias ? std::vector<float>(bias, bias + N) : std::vector<float>()) {
    std::vector<int8_t> q(static_cast<size_t>(N * K));
    quantize_weights_s8(w, N, K, qmax, q.data(), w_scale_.data(), q_sum_.data());
    matmul_ = std::make_unique<LowpMatmul>(q.data(), dt::s8, N, K, dt::u8, dt::s32, nullptr);
  }
  int64_t out_features() const override { return N_; }
  int64_t in_features() const override { return K_; }

  void forward(const float* x, float* y, int64_t M, Act act) const override {
    if (M == 0) return;
    auto* xq = static_cast<uint8_t*>(thread_buffer(kSource, static_cast<size_t>(M * K_)));
    auto* a_scale = static_cast<float*>(thread_buffer(kRowScale, sizeof(float) * M));
    auto* a_zp = static_cast<int32_t*>(thread_buffer(kRowZeroPoint, sizeof(int32_t) * M));
    quantize_rows_u8(x, M, K_, xq, a_scale, a_zp);
    // The s32 products land in y itself (same element size) and are converted there: no extra [M, N] buffer.
    auto* acc = reinterpret_cast<int32_t*>(y);
    matmul_->execute(xq, acc, M, Act::None);
    dequantize_rows(acc, a_scale, a_zp, w_scale_.data(), q_sum_.data(), bias_.empty() ? nullptr : bias_.data(), y, M,
                    N_, act);
  }

  std::string implementation(int64_t M, Act act) const override {
    return "int8 u8s8s32 " + matmul_->implementation(M, Act::None);
  }

 private:
  int64_t N_, K_;
  std::vector<float> w_scale_;
  std::vector<int32_t> q_sum_;
  std::vector<float> bias_;
  std::unique_ptr<LowpMatmul> matmul_;
};

class Bf16Linear final : public PackedLinear {
 public:
  Bf16Linear(const float* w, const float* bias, int64_t N, int64_t K) : N_(N), K_(K) {
    std::vector<uint16_t> wb(static_cast<size_t>(N * K));
    f32_to_bf16(w, wb.data(), N * K);
    matmul_ = std::make_unique<LowpMatmul>(wb.data(), dt::bf16, N, K, dt::bf16, dt::f32, bias);
  }
  int64_t out_features() const override { return N_; }
  int64_t in_features() const override { return K_; }

  void forward(const float* x, float* y, int64_t M, Act act) const override {
    if (M == 0) return;
    auto* xb = static_cast<uint16_t*>(thread_buffer(kSource, sizeof(uint16_t) * M * K_));
    f32_to_bf16(x, xb, M * K_);
    matmul_->execute(xb, y, M, act);  // f32 accumulation, bias and activation as post-ops
  }

  std::string implementation(int64_t M, Act act) const override {
    return "bf16 " + matmul_->implementation(M, act);
  }

 private:
  int64_t N_, K_;
  std::unique_ptr<LowpMatmul> matmul_;
};

bool isa_has_int8_dot(dnnl::cpu_isa isa) {
  return isa == dnnl::cpu_isa::avx2_vnni || isa == dnnl::cpu_isa::avx512_core_vnni ||
         isa == dnnl::cpu_isa::avx512_core_bf16 || isa == dnnl::cpu_isa::avx512_core_amx;
}

// One u8 x s8 matmul whose pairwise products overflow 16 bits (255 * 127 * 2): exact only with 32-bit sums.
bool int8_probe_exact() {
  constexpr int64_t M = 4, N = 16, K = 64;
  std::vector<int8_t> w(N * K, 127);
  std::vector<uint8_t> x(M * K, 255);
  std::vector<int32_t> y(M * N, 0);
  LowpMatmul(w.data(), dt::s8, N, K, dt::u8, dt::s32, nullptr).execute(x.data(), y.data(), M, Act::None);
  return std::all_of(y.begin(), y.end(), [](int32_t v) { return v == K * 255 * 127; });
}

}  // namespace

bool int8_dot_exact() {
  static const bool exact = [] {
    try {
      return isa_has_int8_dot(dnnl::get_effective_cpu_isa()) && int8_probe_exact();
    } catch (const dnnl::error&) {
      return false;
    }
  }();
  return exact;
}

int int8_weight_qmax() { return int8_dot_exact() ? 127 : 63; }

bool bf16_matmul_native() {
  static const bool native = [] {
    const dnnl::cpu_isa isa = dnnl::get_effective_cpu_isa();
    if (isa != dnnl::cpu_isa::avx512_core_bf16 && isa != dnnl::cpu_isa::avx512_core_amx) return false;
    try {  // the ISA says yes; make sure this oneDNN build has a non-reference bf16 matmul for it
      const int64_t M = 128, N = 64, K = 64;
      dnnl::matmul::primitive_desc pd(
          dnnl::matmul::desc(memory::desc({M, K}, dt::bf16, tag::ab), memory::desc({K, N}, dt::bf16, tag::any),
                             memory::desc({M, N}, dt::f32, tag::ab)),
          backend::cpu::dnnl_engine());
      return std::string(pd.impl_info_str()).rfind("ref", 0) != 0;
    } catch (const dnnl::error&) {
      return false;
    }
  }();
  return native;
}

std::shared_ptr<const PackedLinear> pack_linear_int8(const float* w, const float* bias, int64_t N, int64_t K,
                                                     int qmax) {
  return std::make_shared<Int8Linear>(w, bias, N, K, qmax);
}

std::shared_ptr<const PackedLinear> pack_linear_bf16(const float* w, const float* bias, int64_t N, int64_t K) {
  return std::make_shared<Bf16Linear>(w, bias, N, K);
}

}  // namespace hfcpp::kernels::cpu
