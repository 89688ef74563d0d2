// ops::PreparedLinear: on CPU the weight is reordered once into oneDNN's preferred layout (kernels/cpu/gemm_dnnl.cpp);
// on CUDA it is kept as is and run through cuBLAS + a fused bias/activation kernel.
#include <cstring>
#include <vector>

#include "hfcpp/ops/ops.h"
#include "io/checkpoint_pages.h"
#include "kernels/cuda/kernels.h"
#include "ops/op_utils.h"
#include "ops/quantized_linear.h"

namespace hfcpp::ops {

using io::CheckpointPages;

struct PreparedLinear::Impl {
  int64_t in = 0, out = 0;
  DeviceSpec device;
  LinearCompute compute = LinearCompute::Float32;            // bfloat16/int8: quantized_linear.cpp
  std::shared_ptr<const kernels::cpu::PackedLinear> packed;  // CPU
  Tensor weight, bias;                                       // CUDA: [out, in], [out] or undefined
};

PreparedLinear PreparedLinear::prepare(const Tensor& weight, const Tensor& bias, LinearCompute compute) {
  detail::check_float("PreparedLinear::prepare", "weight", weight);
  HFCPP_CHECK(weight.rank() == 2, "PreparedLinear::prepare: weight is expected to have 2 dimensions [out, in], got ",
              shape_to_string(weight.shape()));
  const int64_t out = weight.dim(0), in = weight.dim(1);
  HFCPP_CHECK(out > 0 && in > 0, "PreparedLinear::prepare: weight ", shape_to_string(weight.shape()), " is empty");
  if (bias.defined()) {
    detail::check_float("PreparedLinear::prepare", "bias", bias);
    HFCPP_CHECK(bias.rank() == 1 && bias.dim(0) == out, "PreparedLinear::prepare: bias is expected to have shape [",
                out, "], got ", shape_to_string(bias.shape()));
    detail::check_same_device("PreparedLinear::prepare", "weight", weight, "bias", bias);
  }
  detail::check_linear_compute("PreparedLinear::prepare", compute, weight.device());
  auto impl = std::make_shared<Impl>();
  impl->in = in, impl->out = out, impl->device = weight.device(), impl->compute = compute;
  backend::dispatch_device(
      "PreparedLinear::prepare", weight.device(),
      [&] {
        const CheckpointPages pages(weight);
        // A transposed view of a contiguous [in, out] matrix (transformers' Conv1D) is packed straight from its
        // [in, out] memory: no transposed temporary, whose freed buffers would fragment the heap during a load
        // (measured: +170 MB of resident heap after loading GPT-2 as int8).
        const bool kn = weight.dtype() == DType::F32 && weight.strides() == Shape{1, out};
        if (compute != LinearCompute::Float32) {  // bfloat16 / int8 / panels: quantized_linear.cpp
          const bool in_place = kn && detail::is_panel_form(compute);
          const Tensor wf = in_place ? weight : detail::cpu_f32(weight), bf = detail::cpu_f32(bias);
          // Rows converted in order are dropped as they go (weight-only types), so a large LM head never has its
          // whole float32 copy resident next to the converted one.
          const auto* w = static_cast<const float*>(wf.raw_data());
          auto rows_done = [&](int64_t n0, int64_t n1) { pages.release(w + n0 * in, sizeof(float) * (n1 - n0) * in); };
          impl->packed =
              detail::pack_cpu_linear_reduced(w, detail::f32_or_null(bf), out, in, compute, rows_done, in_place);
          pages.release_all(weight);
          return;
        }
        const Tensor wf = kn ? weight : detail::cpu_f32(weight), bf = detail::cpu_f32(bias);
        impl->packed = kernels::cpu::pack_linear(static_cast<const float*>(wf.raw_data()), detail::f32_or_null(bf),
                                                 out, in, kn);
        pages.release_all(weight);
      },
      [&](auto) {
        if (bias.defined()) detail::check_same_dtype("PreparedLinear::prepare", "weight", weight, "bias", bias);
        impl->weight = weight.contiguous();
        impl->bias = bias.defined() ? bias.contiguous() : Tensor();
      });
  PreparedLinear p;
  p.impl_ = std::move(impl);
  return p;
}

Tensor PreparedLinear::forward(const Tensor& x, Activation post) const {
  HFCPP_CHECK(impl_, "PreparedLinear::forward: called on an empty PreparedLinear (call prepare() first)");
  detail::check_float("PreparedLinear::forward", "x", x);
  detail::check_rank_at_least("PreparedLinear::forward", "x", x, 1);
  HFCPP_CHECK(x.dim(-1) == impl_->in, "PreparedLinear::forward: x ", shape_to_string(x.shape()),
              " must end in in_features = ", impl_->in);
  HFCPP_CHECK(x.device() == impl_->device, "PreparedLinear::forward: x is on ", device_name(x.device()),
              " but the weights were prepared on ", device_name(impl_->device));
  const int64_t M = shape_numel(Shape(x.shape().begin(), x.shape().end() - 1));
  const Shape out_shape = detail::with_last(x.shape(), impl_->out);
  return backend::dispatch_device(
      "PreparedLinear::forward", x.device(),
      [&] {
        const Tensor xf = detail::cpu_f32(x);
        Tensor y = Tensor::empty(out_shape, DType::F32);
        impl_->packed->forward(xf.data<float>(), y.data<float>(), M, static_cast<kernels::cpu::Act>(post));
        return detail::cast_back(y, x.dtype());
      },
      [&](auto cuda) {
        detail::check_same_dtype("PreparedLinear::forward", "x", x, "weight", impl_->weight);
        const Tensor xc = x.contiguous();
        const int64_t N = impl_->out, K = impl_->in;
        Tensor y = Tensor::empty(out_shape, x.dtype(), x.device());
        kernels::cuda::gemm(backend::cuda::cublas_handle(cuda.device), true, 1, M, N, K, xc.raw_data(), K, 0,
                            impl_->weight.raw_data(), K, 0, y.raw_data(), N, 0, x.dtype());
        kernels::cuda::bias_activation(y.raw_data(), impl_->bias.defined() ? impl_->bias.raw_data() : nullptr, M, N,
                                       static_cast<int>(post), x.dtype(), cuda.stream);
        return y;
      });
}

int64_t PreparedLinear::in_features() const { return impl_ ? impl_->in : 0; }

bool PreparedLinear::has_row_lookup() const { return impl_ && impl_->packed && impl_->packed->has_weight_rows(); }

Tensor PreparedLinear::lookup_rows(const Tensor& ids) const {
  HFCPP_CHECK(has_row_lookup(), "PreparedLinear::lookup_rows: the weights are not stored as rows here");
  detail::check_defined("PreparedLinear::lookup_rows", "ids", ids);
  HFCPP_CHECK(ids.dtype() == DType::I32 || ids.dtype() == DType::I64,
              "PreparedLinear::lookup_rows: ids must be int32 or int64, got ", dtype_name(ids.dtype()));
  HFCPP_CHECK(ids.device().type == Device::CPU, "PreparedLinear::lookup_rows: ids are on ", device_name(ids.device()),
              " but the weights are on the CPU");
  const Tensor ic = ids.contiguous();
  const int64_t n = ic.numel(), K = impl_->in;
  std::vector<int64_t> rows(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {  // validate first: no partial work on bad input
    rows[i] = ic.dtype() == DType::I64 ? ic.data<int64_t>()[i] : ic.data<int32_t>()[i];
    HFCPP_CHECK(rows[i] >= 0 && rows[i] < impl_->out, "embedding: id ", rows[i], " (at flat position ", i,
                " of ids ", shape_to_string(ids.shape()), ") is out of range for vocab size ", impl_->out);
  }
  Shape out_shape = ids.shape();
  out_shape.push_back(K);
  Tensor out = Tensor::empty(out_shape, DType::F32);
  float* dst = out.data<float>();
  for (int64_t i = 0; i < n; ++i) impl_->packed->weight_row(rows[i], dst + i * K);
  return out;
}
int64_t PreparedLinear::out_features() const { return impl_ ? impl_->out : 0; }
LinearCompute PreparedLinear::compute() const { return impl_ ? impl_->compute : LinearCompute::Float32; }

}  // namespace hfcpp::ops
