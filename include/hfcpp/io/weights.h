// WeightLoader: resolves HF weight names under a prefix scope, checks shapes, converts dtype/device once at load.
#pragma once

#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "hfcpp/core/tensor.h"
#include "hfcpp/io/safetensors.h"

namespace hfcpp {

class WeightLoader {
 public:
  WeightLoader(std::shared_ptr<const SafeTensorsCheckpoint> checkpoint, DType compute_dtype = DType::F32,
               DeviceSpec device = {});

  // A loader whose names are relative to `prefix` ("encoder.layer.3" -> "encoder.layer.3.attention...").
  WeightLoader sub(const std::string& prefix) const;
  // Returns a sub-loader for the first prefix under which `probe` exists (e.g. {"bert.", ""} with probe
  // "embeddings.word_embeddings.weight"); throws naming all tried names when none matches.
  WeightLoader try_prefixes(const std::vector<std::string>& prefixes, const std::string& probe) const;

  bool contains(const std::string& name) const;
  // Loads `name`, checks it has `expected_shape` (empty = any), converts float dtypes to the compute dtype
  // (integer tensors keep theirs) and moves it to the device. Zero-copy when nothing needs converting.
  Tensor get(const std::string& name, const Shape& expected_shape = {}) const;
  std::string full_name(const std::string& name) const { return prefix_ + name; }

  // Checkpoint tensors never requested through any loader sharing this checkpoint.
  std::vector<std::string> unused() const;
  const SafeTensorsCheckpoint& checkpoint() const { return *checkpoint_; }
  DType compute_dtype() const { return compute_dtype_; }
  DeviceSpec device() const { return device_; }
  // How the linear layers of transformer blocks compute (load_model resolves LoadOptions::dtype into it): F32,
  // BF16 or I8 (layers::Linear). Sub-loaders inherit it; get() is unaffected (weights load as compute_dtype()).
  DType linear_dtype() const { return linear_dtype_; }
  WeightLoader with_linear_dtype(DType dtype) const {
    WeightLoader w = *this;
    w.linear_dtype_ = dtype;
    return w;
  }
  // Decoder models on CPU: BF16/I8 linears (blocks and LM head) store reduced weights and compute in float32
  // (ops::LinearCompute::*WeightOnly), since decoding is bound by reading the weights. Set by load_model from the
  // registry; sub-loaders inherit it.
  bool weight_only_linears() const { return weight_only_linears_; }
  WeightLoader with_weight_only_linears(bool on) const {
    WeightLoader w = *this;
    w.weight_only_linears_ = on;
    return w;
  }

 private:
  struct UsageLog {
    std::mutex mutex;
    std::set<std::string> used;
  };
  std::shared_ptr<const SafeTensorsCheckpoint> checkpoint_;
  std::shared_ptr<UsageLog> usage_;
  std::string prefix_;
  DType compute_dtype_;
  DeviceSpec device_;
  DType linear_dtype_ = DType::F32;
  bool weight_only_linears_ = false;
};

}  // namespace hfcpp
