// Compute types of PreparedLinear: names, what each device runs natively, and CPU packing per type. The kernels
// are in kernels/cpu/quantized_linear.cpp (int8, bfloat16) and gemm_dnnl.cpp (float32).
#include "ops/quantized_linear.h"

#include "hfcpp/core/error.h"
#include "kernels/cpu/quantized.h"

namespace hfcpp::ops {

std::string linear_compute_name(LinearCompute compute) {
  switch (compute) {
    case LinearCompute::Float32: return "float32";
    case LinearCompute::BFloat16: return "bfloat16";
    case LinearCompute::Int8: return "int8";
    case LinearCompute::Int8WeightOnly: return "int8 (weights only)";
    case LinearCompute::BFloat16WeightOnly: return "bfloat16 (weights only)";
    case LinearCompute::Float32Panels: return "float32 (panels)";
  }
  return "unknown";
}

bool linear_compute_supported(LinearCompute compute, const DeviceSpec& device) {
  if (compute == LinearCompute::Float32) return true;
  if (device.type != Device::CPU) return false;
  // oneDNN has a u8 x s8 GEMM for every CPU it runs on (32-bit sums with VNNI/AMX; below them 16-bit pair sums,
  // which the 7-bit weights keep from saturating).
  if (compute == LinearCompute::Int8) return true;
  if (detail::is_panel_form(compute)) return true;
  return kernels::cpu::bf16_matmul_native();
}

bool int8_full_range(const DeviceSpec& device) {
  return device.type == Device::CPU && kernels::cpu::int8_dot_exact();
}

namespace detail {

bool is_panel_form(LinearCompute compute) {
  return compute == LinearCompute::Int8WeightOnly || compute == LinearCompute::BFloat16WeightOnly ||
         compute == LinearCompute::Float32Panels;
}

void check_linear_compute(const char* op, LinearCompute compute, const DeviceSpec& device) {
  HFCPP_CHECK(linear_compute_supported(compute, device), op, ": compute type ", linear_compute_name(compute),
              " is not supported on ", device_name(device),
              device.type == Device::CPU ? " (bfloat16 needs a CPU with AVX512-BF16 or AMX)" : "",
              "; use float32");
}

std::shared_ptr<const kernels::cpu::PackedLinear> pack_cpu_linear_reduced(
    const float* w, const float* bias, int64_t N, int64_t K, LinearCompute compute,
    const std::function<void(int64_t, int64_t)>& rows_done, bool w_is_kn) {
  using kernels::cpu::WeightStorage;
  HFCPP_CHECK(!w_is_kn || is_panel_form(compute),
              "pack_cpu_linear_reduced: [in, out] weights are read in place by the panel (decoder) forms only");
  switch (compute) {
    case LinearCompute::BFloat16: return kernels::cpu::pack_linear_bf16(w, bias, N, K);
    case LinearCompute::Int8: return kernels::cpu::pack_linear_int8(w, bias, N, K, kernels::cpu::int8_weight_qmax());
    case LinearCompute::Int8WeightOnly:
      return kernels::cpu::pack_linear_weight_only(w, bias, N, K, WeightStorage::Int8, rows_done, w_is_kn);
    case LinearCompute::BFloat16WeightOnly:
      return kernels::cpu::pack_linear_weight_only(w, bias, N, K, WeightStorage::BFloat16, rows_done, w_is_kn);
    case LinearCompute::Float32Panels:
      return kernels::cpu::pack_linear_weight_only(w, bias, N, K, WeightStorage::Float32, rows_done, w_is_kn);
    case LinearCompute::Float32: break;
  }
  fail("pack_cpu_linear_reduced: float32 weights are packed by PreparedLinear::prepare itself");
}

}  // namespace detail
}  // namespace hfcpp::ops
