// ops::index_copy_: rows of src written to the rows of dst named by indices (a packed batch back to its padded layout).
#include "hfcpp/ops/ops.h"
#include "ops/op_utils.h"

namespace hfcpp::ops {

void index_copy_(Tensor& dst, const Tensor& indices, const Tensor& src) {
  detail::check_defined("index_copy_", "dst", dst);
  detail::check_defined("index_copy_", "indices", indices);
  detail::check_defined("index_copy_", "src", src);
  detail::check_rank_at_least("index_copy_", "dst", dst, 1);
  HFCPP_CHECK(dst.is_contiguous(), "index_copy_: dst must be contiguous, got ", dst.describe());
  HFCPP_CHECK(indices.rank() == 1 && (indices.dtype() == DType::I64 || indices.dtype() == DType::I32),
              "index_copy_: indices must be a 1-D int64 or int32 tensor, got ", indices.describe());
  Shape want = dst.shape();
  want[0] = indices.dim(0);
  HFCPP_CHECK(src.shape() == want && src.dtype() == dst.dtype(), "index_copy_: src ", src.describe(),
              " must have shape ", shape_to_string(want), " and dtype ", dtype_name(dst.dtype()));
  detail::check_same_device("index_copy_", "dst", dst, "indices", indices);
  detail::check_same_device("index_copy_", "dst", dst, "src", src);
  backend::dispatch_device(
      "index_copy_", dst.device(),
      [&] {
        const Tensor rows = src.contiguous();
        const Tensor idx = indices.to(DType::I64).contiguous();
        const size_t row_bytes = static_cast<size_t>(shape_numel(Shape(want.begin() + 1, want.end()))) * size_of(dst.dtype());
        const int64_t bad = kernels::cpu::index_copy(dst.raw_data(), dst.dim(0), row_bytes, idx.data<int64_t>(),
                                                     idx.numel(), rows.raw_data());
        HFCPP_CHECK(bad < 0, "index_copy_: index ", idx.data<int64_t>()[bad < 0 ? 0 : bad], " (at position ", bad,
                    ") is out of range for dim 0 of size ", dst.dim(0));
      },
      [&](auto) { backend::not_on_cuda("index_copy_"); });
}

}  // namespace hfcpp::ops
