// ops::layer_norm over the last dim (biased variance, like torch.nn.LayerNorm). gamma/beta may be undefined.
#include "hfcpp/ops/ops.h"
#include "kernels/cuda/kernels.h"
#include "ops/op_utils.h"

namespace hfcpp::ops {
namespace {

void check_param(const char* arg, const Tensor& p, const Tensor& x) {
  if (!p.defined()) return;
  detail::check_float("layer_norm", arg, p);
  HFCPP_CHECK(p.rank() == 1 && p.dim(0) == x.dim(-1), "layer_norm: ", arg, " is expected to have shape [", x.dim(-1),
              "] (the last dim of x ", shape_to_string(x.shape()), "), got ", shape_to_string(p.shape()));
  detail::check_same_device("layer_norm", "x", x, arg, p);
}

}  // namespace

Tensor layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, float eps) {
  detail::check_float("layer_norm", "x", x);
  detail::check_rank_at_least("layer_norm", "x", x, 1);
  check_param("gamma", gamma, x);
  check_param("beta", beta, x);
  const int64_t cols = x.dim(-1), rows = cols == 0 ? 0 : x.numel() / cols;
  return backend::dispatch_device(
      "layer_norm", x.device(),
      [&] {
        const Tensor xf = detail::cpu_f32(x), gf = detail::cpu_f32(gamma), bf = detail::cpu_f32(beta);
        Tensor y = Tensor::empty(x.shape(), DType::F32);
        kernels::cpu::layer_norm(xf.data<float>(), detail::f32_or_null(gf), detail::f32_or_null(bf), y.data<float>(),
                                 rows, cols, eps);
        return detail::cast_back(y, x.dtype());
      },
      [&](auto cuda) {
        if (gamma.defined()) detail::check_same_dtype("layer_norm", "x", x, "gamma", gamma);
        if (beta.defined()) detail::check_same_dtype("layer_norm", "x", x, "beta", beta);
        const Tensor xc = x.contiguous();
        const Tensor gc = gamma.defined() ? gamma.contiguous() : Tensor();
        const Tensor bc = beta.defined() ? beta.contiguous() : Tensor();
        Tensor y = Tensor::empty(x.shape(), x.dtype(), x.device());
        kernels::cuda::layer_norm(xc.raw_data(), gc.defined() ? gc.raw_data() : nullptr,
                                  bc.defined() ? bc.raw_data() : nullptr, y.raw_data(), rows, cols, eps, x.dtype(),
                                  cuda.stream);
        return y;
      });
}

Tensor add_layer_norm(const Tensor& x, const Tensor& residual, const Tensor& gamma, const Tensor& beta, float eps) {
  detail::check_float("add_layer_norm", "x", x);
  detail::check_float("add_layer_norm", "residual", residual);
  HFCPP_CHECK(x.shape() == residual.shape(), "add_layer_norm: x ", shape_to_string(x.shape()), " and residual ",
              shape_to_string(residual.shape()), " differ in shape");
  detail::check_same_device("add_layer_norm", "x", x, "residual", residual);
  if (x.device().type != Device::CPU || x.dtype() != DType::F32 || residual.dtype() != DType::F32)
    return layer_norm(add(x, residual), gamma, beta, eps);
  detail::check_rank_at_least("add_layer_norm", "x", x, 1);
  check_param("gamma", gamma, x);
  check_param("beta", beta, x);
  const int64_t cols = x.dim(-1), rows = cols == 0 ? 0 : x.numel() / cols;
  const Tensor xc = x.contiguous(), rc = residual.contiguous(), gf = detail::cpu_f32(gamma), bf = detail::cpu_f32(beta);
  Tensor y = Tensor::empty(x.shape(), DType::F32);
  kernels::cpu::add_layer_norm(xc.data<float>(), rc.data<float>(), detail::f32_or_null(gf), detail::f32_or_null(bf),
                               y.data<float>(), rows, cols, eps);
  return y;
}

}  // namespace hfcpp::ops
