// Internal: the CPU side of PreparedLinear's compute types (quantized_linear.cpp), used by prepared_linear.cpp.
#pragma once

#include <functional>
#include <memory>

#include "hfcpp/ops/ops.h"
#include "kernels/cpu/kernels.h"

namespace hfcpp::ops::detail {

// The decoder forms stored in 4-row panels and run by hfcpp's GEMV (kernels/cpu/weight_only_linear.cpp):
// Int8WeightOnly, BFloat16WeightOnly, Float32Panels.
bool is_panel_form(LinearCompute compute);
// Throws, naming `op`, the compute type and the device, when linear_compute_supported(compute, device) is false.
void check_linear_compute(const char* op, LinearCompute compute, const DeviceSpec& device);
// w [N, K] float32 (nn.Linear layout), bias [N] or null, converted and packed for `compute` (any but float32) on
// this CPU. float32 weights take PreparedLinear's own path (gemm_dnnl.cpp). rows_done(n0, n1): called as rows of w
// are converted, for the panel forms (the others convert all rows at once). w_is_kn: w is [K, N] row-major
// (panel forms only).
std::shared_ptr<const kernels::cpu::PackedLinear> pack_cpu_linear_reduced(
    const float* w, const float* bias, int64_t N, int64_t K, LinearCompute compute,
    const std::function<void(int64_t, int64_t)>& rows_done = nullptr, bool w_is_kn = false);

}  // namespace hfcpp::ops::detail
